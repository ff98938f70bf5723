//! Where the city stands: the PAR INDEX this year, every index's chance of the top 20, the
//! gaps by owner, and the values owners enter for criteria no survey measures.

use crate::db::auth::{Role, User};
use crate::db::par_entries::Entry;
use crate::db::DbError;
use crate::features::results::service::{
    breakdowns_of, par_report, par_report_on, scores_on, visible_units,
};
use crate::report::{ParReport, ParRow, ReportError, ScoreQuery};
use crate::scoring::{NodeScore, Scores};
use crate::state::AppState;
use crate::survey::plan::Plan;
use crate::survey::published::Trajectory;
use crate::survey::{Unit, UnitSet};
use crate::text::{FieldProblem, Lang};
use rust_decimal::Decimal;

/// One survey's scores beside the PAR INDEX.
#[derive(Debug, Clone)]
pub struct Scored {
    pub survey: String,
    pub title: String,
    /// The English title, where the definition gives one.
    pub title_en: Option<String>,
    pub instrument: String,
    pub scores: Scores,
}

/// The PAR INDEX report and the scores of every other survey, for one query.
#[derive(Debug, Clone)]
pub struct Standing {
    pub par: ParReport,
    pub surveys: Vec<Scored>,
    /// PAR INDEX, SIPAS and PAPI since the plan's baseline, each ending with this year.
    pub paths: Vec<crate::survey::published::Trajectory>,
}

fn standing_of(st: &AppState, q: &ScoreQuery) -> Result<Standing, ReportError> {
    // One connection for every read: on PostgreSQL each checkout costs a round trip.
    let (par, surveys) = st.db_blocking(|conn| {
        let par = par_report_on(conn, st, q)?;
        let mut surveys = Vec::new();
        for s in st.catalog.surveys.values() {
            if s.instrument == "parindex" {
                continue;
            }
            let q = ScoreQuery {
                survey: s.id.clone(),
                ..q.clone()
            };
            surveys.push(Scored {
                survey: s.id.clone(),
                title: s.title.clone(),
                title_en: s.title_en.clone(),
                instrument: s.instrument.clone(),
                scores: scores_on(conn, st, &q)?,
            });
        }
        Ok::<_, ReportError>((par, surveys))
    })?;
    let paths = super::paths::paths(&st.published, &par, &surveys);
    Ok(Standing {
        par,
        surveys,
        paths,
    })
}

/// The standing of a query, for callers on the async threads.
pub async fn standing(state: &AppState, q: ScoreQuery) -> Result<Standing, ReportError> {
    state.run(move |st| standing_of(st, &q)).await
}

/// The unit and period chosen, and what may be chosen.
pub struct Selection {
    pub period: i32,
    pub unit: String,
    pub unit_name: String,
    /// The units the reader may choose.
    pub units: Vec<Unit>,
    pub sets: Vec<UnitSet>,
    pub map: String,
}

pub fn selection(st: &AppState, q: &ScoreQuery, scope: Option<&str>) -> Selection {
    let unit = q.unit.clone().unwrap_or_default();
    Selection {
        period: q.period,
        unit_name: st
            .units
            .get(&unit)
            .map(|u| u.name.clone())
            .unwrap_or_default(),
        unit,
        units: visible_units(st, q.map.as_deref(), scope),
        sets: st.units.sets.clone(),
        map: q.map.clone().unwrap_or_default(),
    }
}

/// Home, an agency's page: the choice and the standing.
pub fn home(
    st: &AppState,
    q: &ScoreQuery,
    scope: Option<&str>,
) -> Result<(Selection, Standing), ReportError> {
    Ok((selection(st, q, scope), standing_of(st, q)?))
}

/// Points lost by a lead agency, summed exactly over the criteria it leads.
#[derive(Debug, Clone, PartialEq)]
pub struct AgencyGap {
    /// Empty where no plan names the owner, or where a dissolved agency's part went to no
    /// successor (then `name` is the dissolved agency's).
    pub code: String,
    pub name: String,
    pub lost_max: Decimal,
    pub lost_target: Decimal,
    pub criteria: usize,
}

/// Points lost by agency, the most lost first. From the period an agency's work moved, its
/// criteria count for the agency that holds them (several old agencies folding into one
/// count each criterion once); a dissolved agency's criteria that went to no successor make
/// a row of their own, without a code.
pub fn gaps_by_agency(plan: Option<&Plan>, r: &ParReport) -> Vec<AgencyGap> {
    let exact = |s: &Option<String>| {
        s.as_deref()
            .and_then(|s| s.parse::<Decimal>().ok())
            .unwrap_or_default()
    };
    let mut by: Vec<AgencyGap> = Vec::new();
    for g in r.gaps() {
        let item = format!("{} {}", r.id, g.code);
        let owners: Vec<(String, String)> = match plan {
            Some(p) => p
                .holders(&g.owner, &item, r.period)
                .iter()
                .filter_map(|h| match (h.now, h.former.first()) {
                    (Some(a), _) => Some((a.code.clone(), a.name.clone())),
                    (None, Some((a, _))) => Some((String::new(), a.name.clone())),
                    (None, None) => None,
                })
                .collect(),
            None => vec![(String::new(), g.owner.clone())],
        };
        let (max, target) = (exact(&g.gap_max), exact(&g.gap_target));
        for (code, name) in owners {
            match by.iter_mut().find(|b| b.code == code && b.name == name) {
                Some(b) => {
                    b.lost_max += max;
                    b.lost_target += target;
                    b.criteria += 1;
                }
                None => by.push(AgencyGap {
                    code,
                    name,
                    lost_max: max,
                    lost_target: target,
                    criteria: 1,
                }),
            }
        }
    }
    by.sort_by(|a, b| {
        b.lost_max
            .cmp(&a.lost_max)
            .then_with(|| a.name.cmp(&b.name))
    });
    by
}

/// The PAR INDEX page: the choice, the report and the points lost by agency.
pub fn parindex(
    st: &AppState,
    q: &ScoreQuery,
    scope: Option<&str>,
) -> Result<(Selection, ParReport, Vec<AgencyGap>, Trajectory), ReportError> {
    let report = par_report(st, q)?;
    let gaps = gaps_by_agency(st.plan.as_ref().as_ref(), &report);
    let path = super::paths::par_path(&st.published, &report);
    Ok((selection(st, q, scope), report, gaps, path))
}

/// SIPAS by unit for the report: (unit name, service index, n, 8.1 points).
pub struct SipasUnitRow {
    pub unit: String,
    pub value: Option<f64>,
    pub ci: Option<(f64, f64)>,
    pub n: i64,
    pub points: Option<String>,
}

/// The report's SIPAS table: the form it is of, its rows, the units without forms and the
/// fewest answers a value is shown for.
pub struct SipasByUnit {
    pub title: String,
    pub rows: Vec<SipasUnitRow>,
    pub without: usize,
    /// Units with forms but withheld (fewer answers than `min_cell`, or withheld beside such
    /// a unit): counted, not listed.
    pub few: usize,
    pub min_cell: i64,
}

/// The printable report: the choice, the standing and SIPAS by unit — the chosen unit and
/// the units directly below it, from the counter form (the SIPAS form with most answers).
pub fn report(
    st: &AppState,
    q: &ScoreQuery,
    scope: Option<&str>,
    lang: Lang,
) -> Result<(Selection, Standing, SipasByUnit), ReportError> {
    let sel = selection(st, q, scope);
    let standing = standing_of(st, q)?;
    let sipas = standing
        .surveys
        .iter()
        .filter(|s| s.instrument == "sipas")
        .max_by_key(|s| s.scores.responses);
    let mut here: Option<SipasUnitRow> = None;
    let mut below: Vec<SipasUnitRow> = Vec::new();
    let mut title = String::new();
    if let Some(s) = sipas {
        title = lang.titled(&s.title, s.title_en.as_deref()).to_string();
        // One read of the counts for the unit and every unit below it.
        let q = ScoreQuery {
            survey: s.survey.clone(),
            ..q.clone()
        };
        let b = breakdowns_of(st, &q, st.settings.min_cell)?;
        let row = |unit: String, node: Option<&NodeScore>, n: i64| SipasUnitRow {
            unit,
            value: node.and_then(|n| n.value),
            ci: node.and_then(|n| n.ci_low.zip(n.ci_high)),
            n: node.map(|n| n.n).unwrap_or(n),
            points: node.and_then(|n| n.points.clone()),
        };
        if q.unit.is_some() {
            here = Some(row(sel.unit_name.clone(), b.scores.nodes.first(), 0));
        }
        let name = |code: &str| {
            st.units
                .get(code)
                .map_or(code, |u| u.name.as_str())
                .to_string()
        };
        below = b
            .below
            .iter()
            .map(|c| row(name(&c.key), c.node.as_ref(), c.responses))
            .collect();
    }
    // Units without answers, or (below) with too few to show, make no row on paper, only a
    // count.
    let without = here.iter().chain(&below).filter(|r| r.n == 0).count();
    let few = below
        .iter()
        .filter(|r| r.n > 0 && r.value.is_none())
        .count();
    let rows = here
        .into_iter()
        .filter(|r| r.n > 0)
        .chain(below.into_iter().filter(|r| r.value.is_some()))
        .collect();
    let sipas = SipasByUnit {
        title,
        rows,
        without,
        few,
        min_cell: st.settings.min_cell,
    };
    Ok((sel, standing, sipas))
}

/// What a criterion's page shows.
pub struct CriterionView {
    pub row: ParRow,
    pub period: i32,
    pub history: Vec<Entry>,
    pub may_enter: bool,
}

/// A criterion's row of the city's report for a period (entries are the city's), its entries
/// and whether `user` may enter; None for no such criterion.
pub fn criterion(
    st: &AppState,
    user: &User,
    code: &str,
    q: &ScoreQuery,
) -> Result<Option<CriterionView>, ReportError> {
    let q = ScoreQuery {
        unit: None,
        ..q.clone()
    };
    let report = par_report(st, &q)?;
    let Some(row) = report.rows().find(|r| r.code == code).cloned() else {
        return Ok(None);
    };
    let history = history(st, code, q.period)?;
    Ok(Some(CriterionView {
        may_enter: row.enterable && may_enter(st, user, &row.owner, (code, q.period)),
        row,
        period: q.period,
        history,
    }))
}

#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("{0}")]
    Invalid(FieldProblem),
    #[error("not the owner of this criterion")]
    Forbidden,
    #[error("unknown criterion")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Whether `user` may enter values for `period` of criterion `code` owned by `owner`: the
/// city's admins for every criterion; surveyors, supervisors and admins scoped to the unit of
/// an agency that holds it in the period (the owner as written, or from 2025 its successor;
/// an admin limited to a unit is no admin of the city's criteria).
pub fn may_enter(state: &AppState, user: &User, owner: &str, (code, period): (&str, i32)) -> bool {
    if user.role == Role::Admin && user.unit.is_none() {
        return true;
    }
    if user.role < Role::Surveyor {
        return false;
    }
    let (Some(unit), Some(plan)) = (user.unit.as_deref(), state.plan.as_ref().as_ref()) else {
        return false;
    };
    let tree = state.trees.first().map_or("", |t| t.id.as_str());
    plan.holders(owner, &format!("{tree} {code}"), period)
        .iter()
        .filter_map(|h| h.now)
        .any(|a| a.unit.as_deref() == Some(unit))
}

/// The form as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub points: String,
    #[serde(default)]
    pub evidence: String,
}

pub const EVIDENCE_MAX: usize = 2000;

/// Checks and stores an entry (with its audit line); nothing is stored on any error.
pub fn enter(
    state: &AppState,
    user: &User,
    criterion: &str,
    form: &EntryForm,
) -> Result<(), EntryError> {
    let tree = state.trees.first().ok_or(EntryError::NotFound)?;
    let c = tree
        .criteria
        .iter()
        .find(|c| c.code == criterion)
        .filter(|c| matches!(c.method.as_str(), "appraisal" | "socioeconomic"))
        .ok_or(EntryError::NotFound)?;
    // The period as asked decides who holds the criterion; one that is no year is refused
    // below, after the owner's check, as before.
    let asked = form.period.trim().parse().unwrap_or(0);
    if !may_enter(state, user, &c.owner, (&c.code, asked)) {
        return Err(EntryError::Forbidden);
    }
    let invalid =
        |f: &str, vi: String, en: String| EntryError::Invalid(FieldProblem::new(f, vi, en));
    let period: i32 = form
        .period
        .trim()
        .parse()
        .ok()
        .filter(|p| (2000..=2100).contains(p))
        .ok_or_else(|| {
            invalid(
                "period",
                "Năm đánh giá phải là một năm, ví dụ 2025.".into(),
                "The year assessed must be a year, e.g. 2025.".into(),
            )
        })?;
    let text = form.points.trim().replace(',', ".");
    let points: Decimal = text.parse().map_err(|_| {
        invalid(
            "points",
            format!(
                "Điểm “{}” không phải là một số (ví dụ 1,25).",
                form.points.trim()
            ),
            format!(
                "“{}” is not a number of points (e.g. 1.25).",
                form.points.trim()
            ),
        )
    })?;
    let max = c.max.unwrap_or(Decimal::ONE_HUNDRED);
    if points < Decimal::ZERO || points > max || points.scale() > 4 {
        return Err(invalid(
            "points",
            format!(
                "Điểm phải từ 0 đến {} (điểm tối đa của tiêu chí {}), tối đa 4 chữ số thập phân.",
                max.to_string().replace('.', ","),
                c.code
            ),
            format!(
                "Points must be from 0 to {} (the maximum of criterion {}), with at most 4 decimals.",
                max, c.code
            ),
        ));
    }
    let evidence = form.evidence.trim();
    if evidence.chars().count() < 5 {
        return Err(invalid(
            "evidence",
            "Xin ghi căn cứ của điểm (văn bản, số liệu, nơi lưu), ít nhất 5 ký tự.".into(),
            "Write what the points rest on (documents, figures, where they are kept), at least 5 characters.".into(),
        ));
    }
    if evidence.chars().count() > EVIDENCE_MAX {
        return Err(invalid(
            "evidence",
            format!("Căn cứ dài quá {EVIDENCE_MAX} ký tự; xin tóm tắt và ghi nơi lưu văn bản."),
            format!("The evidence is longer than {EVIDENCE_MAX} characters; summarise it and say where the documents are kept."),
        ));
    }
    let (tree_id, code, by) = (tree.id.clone(), c.code.clone(), user.username.clone());
    let points = format!("{:.4}", points);
    let evidence = evidence.to_string();
    let at = crate::clock::wall_now();
    state.db_blocking(|conn| {
        crate::db::par_entries::add(conn, &tree_id, period, &code, &points, &evidence, &by, at)
    })?;
    Ok(())
}

/// Every entry of a criterion in a period, oldest first.
pub fn history(state: &AppState, criterion: &str, period: i32) -> Result<Vec<Entry>, DbError> {
    let Some(tree) = state.trees.first() else {
        return Ok(Vec::new());
    };
    state.db_blocking(|conn| {
        Ok(crate::db::par_entries::history(conn, &tree.id, period)?
            .into_iter()
            .filter(|e| e.criterion == criterion)
            .collect())
    })
}

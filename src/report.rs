//! Scores for a slice of responses: read the running counts, walk the index tree.

use crate::db::counts::{self, Filter};
use crate::db::{AnyConnection, DbError};
use crate::scoring::{score_groups, NodeScore, Scores};
use crate::survey::par::{Criterion, ParTree};
use crate::survey::{Catalog, FieldError, UnitTree};
use crate::text::Lang;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Default)]
pub struct ScoreQuery {
    pub survey: String,
    pub period: i32,
    pub unit: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The unit set to read the unit on; by default the newest set the unit belongs to.
    pub map: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Db(DbError),
    #[error("no PAR INDEX tree is loaded (surveys/trees/)")]
    NoParTree,
}

impl From<DbError> for ReportError {
    fn from(e: DbError) -> Self {
        ReportError::Db(e)
    }
}

/// The map a query reads its unit on, what a reader must know about it, and the stored unit
/// codes it covers (None: every unit). Checks the unit, the map and the dates.
#[allow(clippy::type_complexity)]
pub fn scope(
    units: &UnitTree,
    q: &ScoreQuery,
) -> Result<(Option<String>, Vec<String>, Option<Vec<String>>), ReportError> {
    let invalid = |f: &str, m: String| ReportError::Invalid(FieldError::new(f, m));
    let map = match &q.map {
        Some(m) if units.set(m).is_none() => {
            return Err(invalid("map", format!("unknown unit set '{m}'")))
        }
        Some(m) => Some(m.clone()),
        None => q
            .unit
            .as_deref()
            .and_then(|u| units.home_set(u))
            .map(|s| s.id.clone()),
    };
    let mut notes = Vec::new();
    let unit_codes = match &q.unit {
        None => None,
        Some(u) if units.get(u).is_none() => {
            return Err(invalid("unit", format!("unknown unit '{u}'")))
        }
        // The top of the tree covers everything, on every map, without listing every unit.
        Some(u) if units.get(u).is_some_and(|x| x.parent.is_none()) => None,
        Some(u) => match &map {
            Some(m) => {
                let r = units.roll_up(u, m);
                notes = r.notes;
                Some(r.codes)
            }
            None => Some(units.subtree(u)),
        },
    };
    for (field, d) in [("from", &q.from), ("to", &q.to)] {
        if let Some(d) = d {
            if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                return Err(invalid(field, "must be a date written YYYY-MM-DD".into()));
            }
        }
    }
    if let (Some(from), Some(to)) = (&q.from, &q.to) {
        if from > to {
            return Err(invalid("to", format!("{to} is before from {from}")));
        }
    }
    Ok((map, notes, unit_codes))
}

/// Scores of a query. `k`: the fewest answers a cell may rest on — respondent groups always,
/// every node where the query is narrower than the whole city and year.
pub fn scores(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    units: &UnitTree,
    q: &ScoreQuery,
    k: i64,
) -> Result<Scores, ReportError> {
    let invalid = |f: &str, m: String| ReportError::Invalid(FieldError::new(f, m));
    let survey = catalog
        .get(&q.survey)
        .ok_or_else(|| invalid("survey", format!("unknown survey '{}'", q.survey)))?;
    let (map, notes, unit_codes) = scope(units, q)?;
    let filter = Filter {
        survey_id: survey.id.clone(),
        period: q.period,
        units: unit_codes,
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let narrow = filter.units.is_some() || q.from.is_some() || q.to.is_some();
    let groups = counts::load_by_group(conn, &filter)?;
    let mut scores = score_groups(survey, &groups);
    // Pages, API and exports show breakdowns only over enough answers.
    if narrow {
        crate::scoring::withhold_under(&mut scores.nodes, k);
    }
    // A unit is a cell of its parent's table of units below: withheld there (to keep a smaller
    // one from being worked out as the parent minus the rest), it is withheld here too. So is
    // each respondent group in the chain of its own forms: the city's deputies minus a ward's
    // are the rest of the city's deputies.
    let mut unit_withheld = false;
    if let (Some(unit), Some(_)) = (&q.unit, &filter.units) {
        let by_unit_group = counts::load_by_unit_group(
            conn,
            &Filter {
                units: None,
                ..filter.clone()
            },
        )?;
        let closed: Vec<&String> = by_unit_group
            .iter()
            .filter(|(g, _)| !g.is_empty() && !survey.groups.is_empty())
            .filter(|(_, by_unit)| {
                crate::cells::withheld_in_chain(survey, units, map.as_deref(), by_unit, unit, k)
            })
            .map(|(g, _)| g)
            .collect();
        for g in closed {
            crate::scoring::withhold_group(&mut scores.nodes, g);
        }
        let by_unit = counts::pooled_over_groups(by_unit_group);
        unit_withheld =
            crate::cells::withheld_in_chain(survey, units, map.as_deref(), &by_unit, unit, k);
        if unit_withheld {
            crate::scoring::withhold_all(&mut scores.nodes);
        }
    }
    // A range of days is published only where no two published ranges single out a few forms.
    if (q.from.is_some() || q.to.is_some())
        && !range_published(conn, survey, &filter, unit_withheld, k)?
    {
        crate::scoring::withhold_all(&mut scores.nodes);
        scores.range_withheld = true;
    }
    crate::scoring::suppress_small_groups(&mut scores.nodes, k);
    let seed = format!(
        "{}|{}|{}|{}|{}|{}",
        survey.id,
        q.period,
        q.unit.as_deref().unwrap_or(""),
        q.from.as_deref().unwrap_or(""),
        q.to.as_deref().unwrap_or(""),
        map.as_deref().unwrap_or("")
    );
    crate::scoring::top20::attach(survey, &mut scores.nodes, &seed);
    Ok(Scores {
        map,
        map_notes: notes,
        ..scores
    })
}

/// Whether the filter's range of days may be published ([`crate::scoring::ranges`]): reads
/// the unit's forms per day and group and its month and quarter tables.
fn range_published(
    conn: &mut AnyConnection,
    survey: &crate::survey::Survey,
    filter: &Filter,
    unit_withheld: bool,
    k: i64,
) -> Result<bool, ReportError> {
    let (days, whole) = counts::forms_by_day_group(conn, filter)?;
    let groups: Vec<&String> = whole.keys().collect();
    let per_group = |m: &std::collections::BTreeMap<String, i64>| -> Vec<i64> {
        groups
            .iter()
            .map(|g| m.get(*g).copied().unwrap_or(0))
            .collect()
    };
    let mut dated = vec![0; groups.len()];
    let days: std::collections::BTreeMap<String, Vec<i64>> = days
        .iter()
        .map(|(d, m)| {
            let v = per_group(m);
            for (a, b) in dated.iter_mut().zip(&v) {
                *a += b;
            }
            (d.clone(), v)
        })
        .collect();
    let undated = per_group(&whole)
        .iter()
        .zip(&dated)
        .map(|(w, d)| (w - d).max(0))
        .collect();
    let months_t = counts::load_buckets(
        conn,
        &survey.id,
        filter.period,
        filter.units.as_deref(),
        crate::counts::MONTH_BUCKET,
    )?;
    let cal = crate::breakdown::calendar(survey, filter.period, &months_t, unit_withheld, k);
    let facts = crate::scoring::ranges::PeriodForms {
        days,
        undated,
        months: cal
            .months
            .iter()
            .map(|c| (c.key.clone(), !c.suppressed))
            .collect(),
        quarters: cal
            .quarters
            .iter()
            .map(|c| (c.key.clone(), !c.suppressed))
            .collect(),
    };
    Ok(crate::scoring::ranges::range_published(
        filter.from.as_deref(),
        filter.to.as_deref(),
        &facts,
        k,
    ))
}

/// One PAR INDEX criterion: the 2022 figures, this year's value (measured by a survey,
/// entered by its owner, or still 2022's) and the points it loses.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParRow {
    pub code: String,
    pub name: String,
    /// The name in English, where the tree gives one.
    pub name_en: Option<String>,
    pub field: String,
    pub max: Option<String>,
    pub points_2022: String,
    /// Points short of the maximum in 2022: the gap the owner must close.
    pub shortfall_2022: Option<String>,
    pub method: String,
    pub owner: String,
    pub note: Option<String>,
    /// Points estimated from this period's answers (survey-based criteria only).
    pub estimate: Option<String>,
    pub estimate_n: i64,
    pub delta: Option<String>,
    /// This year's points: the estimate, the latest entry, or 2022's.
    pub value: String,
    /// "measured", "entered", "2022", or "parts" (a group: the sum of its parts).
    pub source: &'static str,
    /// 95 % interval of a measured value, in points.
    pub ci_low: Option<String>,
    pub ci_high: Option<String>,
    /// The latest entry (appraisal and socio-economic criteria).
    pub entry: Option<crate::db::par_entries::Entry>,
    /// Whether owners enter this criterion's value.
    pub enterable: bool,
    /// Points lost against the maximum this year.
    pub gap_max: Option<String>,
    /// Points short of the criterion's share of the top-20 target (max × target ÷ 100).
    pub gap_target: Option<String>,
    /// Agencies of the plan the owner text names (codes), for links.
    pub owner_codes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParField {
    pub code: String,
    pub name: String,
    /// The name in English, where the tree gives one.
    pub name_en: Option<String>,
    pub rows: Vec<ParRow>,
}

/// The whole PAR INDEX this year: the published total moved by what changed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParProjection {
    /// 86.11 + Σ (this year's value − 2022 points) over the listed criteria.
    pub total: String,
    pub ci_low: String,
    pub ci_high: String,
    /// Shares of the 100 points: measured this year, entered this year, still 2022.
    pub measured_share: f64,
    pub entered_share: f64,
    pub still_2022_share: f64,
    #[serde(flatten)]
    pub top20: crate::scoring::top20::Top20,
}

/// A SIPAS form feeding 8.1.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SipasSource {
    pub survey: String,
    pub title: String,
    /// The English title, where the definition gives one.
    pub title_en: Option<String>,
    pub responses: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ParReport {
    pub id: String,
    pub title: String,
    pub period: i32,
    pub unit: Option<String>,
    /// As published; never re-derived from the rows.
    pub published_total: String,
    pub published_rank: u32,
    pub provinces: u32,
    pub target_total: Option<String>,
    pub target_note: Option<String>,
    pub owner: String,
    pub components: Vec<crate::survey::par::Component>,
    pub projection: ParProjection,
    pub sipas_sources: Vec<SipasSource>,
    pub sipas_weighting: String,
    pub sipas_note: Option<String>,
    pub fields: Vec<ParField>,
}

impl ParReport {
    pub fn rows(&self) -> impl Iterator<Item = &ParRow> {
        self.fields.iter().flat_map(|f| f.rows.iter())
    }

    /// Criteria (not groups) that lose points against the maximum, costliest first.
    pub fn gaps(&self) -> Vec<&ParRow> {
        let mut g: Vec<&ParRow> = self
            .rows()
            .filter(|r| r.method != "group")
            .filter(|r| dec(r.gap_max.as_deref()) > Decimal::ZERO)
            .collect();
        g.sort_by(|a, b| {
            dec(b.gap_max.as_deref())
                .cmp(&dec(a.gap_max.as_deref()))
                .then_with(|| a.code.cmp(&b.code))
        });
        g
    }
}

fn dec(s: Option<&str>) -> Decimal {
    s.and_then(|s| s.parse().ok()).unwrap_or_default()
}

/// A measured criterion: points, n and the 95 % interval in points.
#[derive(Debug, Clone)]
struct Measured {
    points: Decimal,
    n: i64,
    low: Option<Decimal>,
    high: Option<Decimal>,
}

fn to_dec(x: f64) -> Option<Decimal> {
    Decimal::from_f64_retain(x).map(|d| d.round_dp(6))
}

/// Points and interval of a node that converts a percentage into points.
fn measured_of(n: &NodeScore) -> Option<Measured> {
    let points: Decimal = n.points.as_deref()?.parse().ok()?;
    let max: Option<Decimal> = n.points_max.as_deref().and_then(|m| m.parse().ok());
    let conv = |x: Option<f64>| {
        x.and_then(to_dec)
            .zip(max)
            .map(|(x, m)| (x * m / Decimal::ONE_HUNDRED).round_dp(4))
    };
    let (low, high) = if n.unit == "percent" {
        (conv(n.ci_low), conv(n.ci_high))
    } else {
        (None, None)
    };
    Some(Measured {
        points,
        n: n.n,
        low,
        high,
    })
}

/// 8.1.k from several SIPAS forms: each element's percentage combined across the forms that
/// have answers (weighted by answers, or equally), then converted as the Ministry does.
fn combine_sipas(per_form: &[&NodeScore], weighting: &str) -> Option<Measured> {
    let with: Vec<&&NodeScore> = per_form.iter().filter(|n| n.value.is_some()).collect();
    match with.as_slice() {
        [] => None,
        [one] => measured_of(one),
        many => {
            let max: Decimal = many[0].points_max.as_deref()?.parse().ok()?;
            let weights: Vec<f64> = many
                .iter()
                .map(|n| {
                    if weighting == "equal" {
                        1.0
                    } else {
                        n.n as f64
                    }
                })
                .collect();
            let total: f64 = weights.iter().sum();
            if total <= 0.0 {
                return None;
            }
            let mut value = 0.0;
            let mut var = 0.0;
            for (n, w) in many.iter().zip(&weights) {
                let v = n.value.unwrap_or_default();
                value += w / total * v;
                let sd = crate::scoring::top20::Estimate::from_interval(v, n.ci_low, n.ci_high).sd;
                var += (w / total).powi(2) * sd * sd;
            }
            let points = crate::scoring::points::percent_of_max(to_dec(value)?, max);
            let half = 1.96 * var.sqrt();
            let conv = |x: f64| {
                to_dec(x.clamp(0.0, 100.0)).map(|x| (x * max / Decimal::ONE_HUNDRED).round_dp(4))
            };
            Some(Measured {
                points,
                n: many.iter().map(|n| n.n).sum(),
                low: conv(value - half),
                high: conv(value + half),
            })
        }
    }
}

fn walk<'a>(nodes: &'a [NodeScore], out: &mut Vec<&'a NodeScore>) {
    for n in nodes {
        out.push(n);
        walk(&n.children, out);
    }
}

pub fn par_report(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    units: &UnitTree,
    tree: &ParTree,
    plan: Option<&crate::survey::plan::Plan>,
    q: &ScoreQuery,
    k: i64,
) -> Result<ParReport, ReportError> {
    // Survey-measured criteria: code → measurement.
    let mut measured: HashMap<String, Measured> = HashMap::new();
    for (method, survey) in &tree.sources {
        if method == "sipas" {
            continue;
        }
        let sq = ScoreQuery {
            survey: survey.clone(),
            ..q.clone()
        };
        let s = scores(conn, catalog, units, &sq, k)?;
        let mut all = Vec::new();
        walk(&s.nodes, &mut all);
        for n in all {
            let key = n.points_code.clone().unwrap_or_else(|| n.code.clone());
            let is_leaf = tree
                .criteria
                .iter()
                .any(|c| c.code == key && c.method == *method);
            if let (true, Some(m)) = (is_leaf, measured_of(n)) {
                measured.insert(key, m);
            }
        }
    }
    // SIPAS 8.1.k: every SIPAS form the tree names (all by default), combined.
    let forms: Vec<&crate::survey::Survey> = if tree.sipas.forms.is_empty() {
        catalog
            .surveys
            .values()
            .filter(|s| s.instrument == "sipas")
            .collect()
    } else {
        tree.sipas
            .forms
            .iter()
            .filter_map(|id| catalog.get(id))
            .collect()
    };
    let mut sipas_sources = Vec::new();
    let mut sipas_nodes: HashMap<String, Vec<NodeScore>> = HashMap::new();
    for f in forms {
        let s = scores(
            conn,
            catalog,
            units,
            &ScoreQuery {
                survey: f.id.clone(),
                ..q.clone()
            },
            k,
        )?;
        sipas_sources.push(SipasSource {
            survey: f.id.clone(),
            title: f.title.clone(),
            title_en: f.title_en.clone(),
            responses: s.responses,
        });
        let mut all = Vec::new();
        walk(&s.nodes, &mut all);
        for n in all {
            if let Some(code) = &n.points_code {
                sipas_nodes.entry(code.clone()).or_default().push(n.clone());
            }
        }
    }
    for c in tree.criteria.iter().filter(|c| c.method == "sipas") {
        if let Some(nodes) = sipas_nodes.get(&c.code) {
            let refs: Vec<&NodeScore> = nodes.iter().collect();
            if let Some(m) = combine_sipas(&refs, &tree.sipas.weighting) {
                measured.insert(c.code.clone(), m);
            }
        }
    }
    let entries = crate::db::par_entries::latest(conn, &tree.id, q.period)?;
    let target = tree.target_total;
    // Leaves first, then groups as the sums of their parts.
    let mut value_of: HashMap<String, (Decimal, &'static str)> = HashMap::new();
    for c in tree.criteria.iter().filter(|c| c.method != "group") {
        let v = if let Some(m) = measured.get(&c.code) {
            (m.points, "measured")
        } else if let Some(e) = entries
            .get(&c.code)
            .filter(|_| matches!(c.method.as_str(), "appraisal" | "socioeconomic"))
        {
            (e.points.parse().unwrap_or(c.points_2022), "entered")
        } else {
            (c.points_2022, "2022")
        };
        value_of.insert(c.code.clone(), v);
    }
    let row_of = |c: &Criterion| -> ParRow {
        let parts: Vec<&Criterion> = tree
            .criteria
            .iter()
            .filter(|k| k.parent.as_deref() == Some(&c.code))
            .collect();
        let (value, source) = if c.method == "group" {
            (
                parts
                    .iter()
                    .filter_map(|k| value_of.get(&k.code).map(|v| v.0))
                    .sum(),
                "parts",
            )
        } else {
            value_of
                .get(&c.code)
                .copied()
                .unwrap_or((c.points_2022, "2022"))
        };
        // The survey estimate: a measured leaf, or a group all of whose parts are measured.
        let est: Option<(Decimal, i64)> = if c.method == "group" {
            let found: Vec<&Measured> =
                parts.iter().filter_map(|k| measured.get(&k.code)).collect();
            (!parts.is_empty() && found.len() == parts.len()).then(|| {
                (
                    found.iter().map(|m| m.points).sum(),
                    found.iter().map(|m| m.n).max().unwrap_or(0),
                )
            })
        } else {
            measured.get(&c.code).map(|m| (m.points, m.n))
        };
        let m = measured.get(&c.code);
        ParRow {
            code: c.code.clone(),
            name: c.name.clone(),
            name_en: c.name_en.clone(),
            field: c.field.clone(),
            max: c.max.map(|m| m.to_string()),
            points_2022: format!("{:.4}", c.points_2022),
            shortfall_2022: c.max.map(|m| format!("{:.4}", m - c.points_2022)),
            method: c.method.clone(),
            owner: c.owner.clone(),
            note: c.note.clone(),
            estimate: est.map(|e| format!("{:.4}", e.0)),
            estimate_n: est.map(|e| e.1).unwrap_or(0),
            delta: est.map(|e| format!("{:+.4}", e.0 - c.points_2022)),
            value: format!("{value:.4}"),
            source,
            ci_low: m.and_then(|m| m.low).map(|x| format!("{x:.4}")),
            ci_high: m.and_then(|m| m.high).map(|x| format!("{x:.4}")),
            entry: entries.get(&c.code).cloned(),
            enterable: matches!(c.method.as_str(), "appraisal" | "socioeconomic"),
            gap_max: c
                .max
                .map(|m| format!("{:.4}", (m - value).max(Decimal::ZERO))),
            gap_target: c.max.zip(target).map(|(m, t)| {
                format!(
                    "{:.4}",
                    (m * t / Decimal::ONE_HUNDRED - value).max(Decimal::ZERO)
                )
            }),
            owner_codes: plan.map(|p| p.owner_codes(&c.owner)).unwrap_or_default(),
        }
    };
    let fields = tree
        .fields
        .iter()
        .map(|f| ParField {
            code: f.code.clone(),
            name: f.name.clone(),
            name_en: f.name_en.clone(),
            rows: tree
                .criteria
                .iter()
                .filter(|c| c.field == f.code)
                .map(row_of)
                .collect(),
        })
        .collect();
    // The projection: the published total moved by each listed criterion's change.
    let leaves: Vec<&Criterion> = tree
        .criteria
        .iter()
        .filter(|c| c.method != "group")
        .collect();
    let change: Decimal = leaves
        .iter()
        .filter_map(|c| value_of.get(&c.code).map(|v| v.0 - c.points_2022))
        .sum();
    let total = tree.published_total + change;
    // Survey uncertainty added as if fully correlated: a cautious (wide) interval.
    let (mut below, mut above) = (Decimal::ZERO, Decimal::ZERO);
    for m in measured.values() {
        below += m.low.map(|l| m.points - l).unwrap_or_default();
        above += m.high.map(|h| h - m.points).unwrap_or_default();
    }
    let weight = |source: &str| -> f64 {
        leaves
            .iter()
            .filter(|c| value_of.get(&c.code).is_some_and(|v| v.1 == source))
            .map(|c| c.max.unwrap_or(c.points_2022))
            .sum::<Decimal>()
            .to_f64()
            .unwrap_or(0.0)
            / 100.0
    };
    let (measured_share, entered_share) = (weight("measured"), weight("entered"));
    let mean = total.to_f64().unwrap_or(0.0);
    let sd = (below + above).to_f64().unwrap_or(0.0) / 2.0 / 1.96;
    let top20 = match &tree.top20 {
        // Before any answer or entry of the year the projection is 2022's total with no
        // uncertainty: a chance drawn from it would say 0 % (or 100 %) with nothing behind it.
        Some(_) if measured_share == 0.0 && entered_share == 0.0 => crate::scoring::top20::Top20::none(
            "Chưa có cơ sở: năm nay chưa có tiêu chí nào được đo bằng khảo sát hay được nhập, tổng dự kiến vẫn là điểm 2022.".into(),
            "No basis yet: no criterion has been measured by a survey or entered this year, so the projection is still 2022's total.".into(),
        ),
        Some(t) => {
            let (low, high) = (
                t.threshold_low.to_f64().unwrap_or(0.0),
                t.threshold_high.to_f64().unwrap_or(0.0),
            );
            let chance = crate::scoring::top20::chance(
                crate::scoring::top20::Estimate { mean, sd },
                &crate::scoring::top20::Field::Threshold { low, high },
                crate::scoring::top20::DRAWS,
                crate::scoring::top20::seed_of(&format!(
                    "{}|{}|{}",
                    tree.id,
                    q.period,
                    q.unit.as_deref().unwrap_or("")
                )),
            );
            let draws = crate::scoring::top20::DRAWS as i64;
            let (draws_vi, draws_en) = (Lang::Vi.count(draws), Lang::En.count(draws));
            let note_en = crate::scoring::top20::note_en(&t.note, t.note_en.as_deref());
            crate::scoring::top20::Top20 {
                top20_chance: Some(chance),
                top20_basis: format!(
                    "Khả năng tổng điểm dự kiến vượt ngưỡng hạng 20 ước tính {}–{} (không phải thứ hạng). Tổng dự kiến {} theo phân phối chuẩn, độ lệch chuẩn {} từ khoảng tin cậy của các tiêu chí đo bằng khảo sát (cộng dồn như thể tương quan hoàn toàn, thận trọng); điểm nhập và điểm 2022 coi là chắc chắn; {draws_vi} lần mô phỏng. {}",
                    t.threshold_low.to_string().replace('.', ","),
                    t.threshold_high.to_string().replace('.', ","),
                    format!("{total:.2}").replace('.', ","),
                    format!("{sd:.2}").replace('.', ","),
                    t.note
                ),
                top20_basis_en: format!(
                    "The chance that the projected total exceeds the estimated rank-20 threshold of {}–{} (not a rank). The projected total {total:.2} as a normal distribution with standard deviation {sd:.2} from the intervals of the criteria measured by surveys (added as if fully correlated, which is cautious); entered and 2022 points are taken as certain; {draws_en} simulations. {note_en}",
                    t.threshold_low, t.threshold_high,
                ),
            }
        }
        None => crate::scoring::top20::Top20::none(
            "Không có cơ sở: cây PAR INDEX không có mục [top20].".into(),
            "No basis: the PAR INDEX tree has no [top20] setting.".into(),
        ),
    };
    Ok(ParReport {
        id: tree.id.clone(),
        title: tree.title.clone(),
        period: q.period,
        unit: q.unit.clone(),
        published_total: tree.published_total.to_string(),
        published_rank: tree.published_rank,
        provinces: tree.provinces,
        target_total: tree.target_total.map(|t| t.to_string()),
        target_note: tree.target_note.clone(),
        owner: tree.owner.clone(),
        components: tree.components.clone(),
        projection: ParProjection {
            total: format!("{total:.2}"),
            ci_low: format!("{:.2}", total - below),
            ci_high: format!("{:.2}", total + above),
            measured_share,
            entered_share,
            still_2022_share: (1.0 - measured_share - entered_share).max(0.0),
            top20,
        },
        sipas_sources,
        sipas_weighting: tree.sipas.weighting.clone(),
        sipas_note: tree.sipas.note.clone(),
        fields,
    })
}

//! Scores for a slice of responses: read the running counts, walk the index tree.

use crate::db::counts::{self, Filter};
use crate::db::{AnyConnection, DbError};
use crate::scoring::{score_groups, NodeScore, Scores};
use crate::survey::par::{Criterion, ParTree};
use crate::survey::{Catalog, FieldError, UnitTree};
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

pub fn scores(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    units: &UnitTree,
    q: &ScoreQuery,
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
    let groups = counts::load_by_group(conn, &filter)?;
    let mut scores = score_groups(survey, &groups);
    // Pages, API and exports show breakdowns only over enough answers.
    crate::scoring::suppress_small_groups(&mut scores.nodes);
    Ok(Scores {
        map,
        map_notes: notes,
        ..scores
    })
}

/// One PAR INDEX criterion: the 2022 figures and, where a survey measures it, this period's
/// estimate from the city's own answers.
#[derive(Debug, Clone, Serialize)]
pub struct ParRow {
    pub code: String,
    pub name: String,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct ParField {
    pub code: String,
    pub name: String,
    pub rows: Vec<ParRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ParReport {
    pub id: String,
    pub title: String,
    pub period: i32,
    /// As published; never re-derived from the rows.
    pub published_total: String,
    pub published_rank: u32,
    pub provinces: u32,
    pub target_total: Option<String>,
    pub target_note: Option<String>,
    pub owner: String,
    pub components: Vec<crate::survey::par::Component>,
    pub fields: Vec<ParField>,
}

pub fn par_report(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    units: &UnitTree,
    tree: &ParTree,
    q: &ScoreQuery,
) -> Result<ParReport, ReportError> {
    // Scores of each source survey, flattened: node code and points code → (points, n).
    let mut estimates: HashMap<(String, String), (String, i64)> = HashMap::new();
    for (method, survey) in &tree.sources {
        let sq = ScoreQuery {
            survey: survey.clone(),
            ..q.clone()
        };
        let s = scores(conn, catalog, units, &sq)?;
        let mut stack: Vec<&NodeScore> = s.nodes.iter().collect();
        while let Some(n) = stack.pop() {
            if let Some(p) = &n.points {
                let key = n.points_code.clone().unwrap_or_else(|| n.code.clone());
                estimates.insert((method.clone(), key), (p.clone(), n.n));
            }
            stack.extend(n.children.iter());
        }
    }
    let estimate_of = |c: &Criterion| -> Option<(String, i64)> {
        match c.method.as_str() {
            "group" => {
                let parts: Vec<&Criterion> = tree
                    .criteria
                    .iter()
                    .filter(|k| k.parent.as_deref() == Some(&c.code))
                    .collect();
                let methods: Vec<&str> = parts.iter().map(|k| k.method.as_str()).collect();
                let found: Vec<(String, i64)> = parts
                    .iter()
                    .filter_map(|k| estimates.get(&(k.method.clone(), k.code.clone())).cloned())
                    .collect();
                (!parts.is_empty() && found.len() == parts.len() && !methods.contains(&"appraisal"))
                    .then(|| {
                        let sum: Decimal = found
                            .iter()
                            .filter_map(|(p, _)| p.parse::<Decimal>().ok())
                            .sum();
                        (
                            format!("{sum:.4}"),
                            found.iter().map(|f| f.1).max().unwrap_or(0),
                        )
                    })
            }
            m => estimates.get(&(m.to_string(), c.code.clone())).cloned(),
        }
    };
    let fields = tree
        .fields
        .iter()
        .map(|f| ParField {
            code: f.code.clone(),
            name: f.name.clone(),
            rows: tree
                .criteria
                .iter()
                .filter(|c| c.field == f.code)
                .map(|c| {
                    let est = estimate_of(c);
                    ParRow {
                        code: c.code.clone(),
                        name: c.name.clone(),
                        field: c.field.clone(),
                        max: c.max.map(|m| m.to_string()),
                        points_2022: format!("{:.4}", c.points_2022),
                        shortfall_2022: c.max.map(|m| format!("{:.4}", m - c.points_2022)),
                        method: c.method.clone(),
                        owner: c.owner.clone(),
                        note: c.note.clone(),
                        delta: est.as_ref().and_then(|(p, _)| {
                            p.parse::<Decimal>()
                                .ok()
                                .map(|p| format!("{:+.4}", p - c.points_2022))
                        }),
                        estimate_n: est.as_ref().map(|e| e.1).unwrap_or(0),
                        estimate: est.map(|e| e.0),
                    }
                })
                .collect(),
        })
        .collect();
    Ok(ParReport {
        id: tree.id.clone(),
        title: tree.title.clone(),
        period: q.period,
        published_total: tree.published_total.to_string(),
        published_rank: tree.published_rank,
        provinces: tree.provinces,
        target_total: tree.target_total.map(|t| t.to_string()),
        target_note: tree.target_note.clone(),
        owner: tree.owner.clone(),
        components: tree.components.clone(),
        fields,
    })
}

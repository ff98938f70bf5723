//! Scores for a slice of responses: read the running counts, walk the index tree. The PAR
//! INDEX report and a page's breakdowns are built on the same reads.

mod breakdowns;
mod par;
mod par_rows;

pub use breakdowns::breakdowns;
pub use par::par_report;
pub use par_rows::{ParField, ParProjection, ParReport, ParRow, SipasSource};

use crate::cells::UnitChain;
use crate::db::counts::{self, Filter};
use crate::db::{AnyConnection, DbError};
use crate::scoring::{score_groups, Scores};
use crate::survey::{Catalog, FieldError, UnitTree};

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
        let chain = UnitChain {
            survey,
            units,
            map: map.as_deref(),
            min_n: k,
        };
        let closed: Vec<&String> = by_unit_group
            .iter()
            .filter(|(g, _)| !g.is_empty() && !survey.groups.is_empty())
            .filter(|(_, by_unit)| chain.withheld(by_unit, unit))
            .map(|(g, _)| g)
            .collect();
        for g in closed {
            crate::scoring::withhold_group(&mut scores.nodes, g);
        }
        let by_unit = counts::pooled_over_groups(by_unit_group);
        unit_withheld = chain.withheld(&by_unit, unit);
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

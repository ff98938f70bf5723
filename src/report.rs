//! Scores for a slice of responses: read the running counts, walk the index tree.

use crate::db::tallies::{self, Filter};
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
}

#[derive(Debug)]
pub enum ReportError {
    Invalid(FieldError),
    Db(DbError),
}

impl From<DbError> for ReportError {
    fn from(e: DbError) -> Self {
        ReportError::Db(e)
    }
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
    let unit_codes = match &q.unit {
        None => None,
        Some(u) if units.get(u).is_none() => {
            return Err(invalid("unit", format!("unknown unit '{u}'")))
        }
        // The top of the tree covers everything, without listing every unit.
        Some(u) if units.get(u).is_some_and(|x| x.parent.is_none()) => None,
        Some(u) => Some(units.subtree(u)),
    };
    for (field, d) in [("from", &q.from), ("to", &q.to)] {
        if let Some(d) = d {
            if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                return Err(invalid(field, "must be a date written YYYY-MM-DD".into()));
            }
        }
    }
    let filter = Filter {
        survey_id: survey.id.clone(),
        period: q.period,
        units: unit_codes,
        from: q.from.clone(),
        to: q.to.clone(),
    };
    let groups = tallies::load_by_group(conn, &filter)?;
    Ok(score_groups(survey, &groups))
}

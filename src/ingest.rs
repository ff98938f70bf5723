//! One way in for every channel (API, kiosk, import): check the envelope, validate the answers
//! against the definition, store with counts.

use crate::counts::Layouts;
use crate::db::responses::{self, Pending};
use crate::db::{AnyConnection, DbError};
use crate::survey::{validate, Catalog, FieldError, RawSubmission, UnitTree};

pub const CHANNELS: [&str; 5] = ["kiosk", "online", "paper", "invitation", "api"];

#[derive(Debug)]
pub enum IngestError {
    Invalid(FieldError),
    Db(DbError),
}

impl From<FieldError> for IngestError {
    fn from(e: FieldError) -> Self {
        IngestError::Invalid(e)
    }
}

impl From<DbError> for IngestError {
    fn from(e: DbError) -> Self {
        IngestError::Db(e)
    }
}

/// Who keyed a paper form, and the status it starts with.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    pub keyed_by: Option<String>,
}

/// The outcome of checking a submission before it is stored.
#[derive(Debug)]
pub enum Checked {
    /// This submission id was stored before: its id, nothing more to do.
    Already(String),
    Pending(Box<Pending>),
}

/// Checks a submission against its definition, without the database. A submission id seen
/// before is recognised by the writer, which answers with the first id.
pub fn prepare(
    catalog: &Catalog,
    layouts: &Layouts,
    units: &UnitTree,
    raw: &RawSubmission,
    provenance: &Provenance,
) -> Result<Pending, FieldError> {
    let survey = catalog
        .get(&raw.survey)
        .ok_or_else(|| FieldError::new("survey", format!("unknown survey '{}'", raw.survey)))?;
    if units.get(&raw.unit).is_none() {
        return Err(FieldError::new(
            "unit",
            format!("unknown unit '{}'", raw.unit),
        ));
    }
    if !CHANNELS.contains(&raw.channel.as_str()) {
        return Err(FieldError::new(
            "channel",
            format!(
                "'{}' is not a channel: {}",
                raw.channel,
                CHANNELS.join(", ")
            ),
        ));
    }
    if uuid::Uuid::parse_str(&raw.submission_id).is_err() {
        return Err(FieldError::new(
            "submission_id",
            "must be a UUID chosen by the client",
        ));
    }
    if !(2000..=2100).contains(&raw.period) {
        return Err(FieldError::new(
            "period",
            "must be a year between 2000 and 2100",
        ));
    }
    let day = match &raw.date {
        Some(d) => {
            if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
                return Err(FieldError::new("date", "must be a date written YYYY-MM-DD"));
            }
            d.clone()
        }
        None => crate::db::today(),
    };
    let valid = validate(survey, raw)?;
    let status = if raw.channel == "paper" {
        "keyed_once"
    } else {
        "received"
    };
    let layout = layouts
        .get(&survey.id)
        .ok_or_else(|| FieldError::new("survey", format!("unknown survey '{}'", raw.survey)))?;
    Ok(Pending {
        contribution: layout.contribution(&valid.answers, &valid.background),
        survey_id: survey.id.clone(),
        unit: raw.unit.clone(),
        channel: raw.channel.clone(),
        period: raw.period,
        day,
        submission_id: raw.submission_id.clone(),
        status: status.into(),
        keyed_by: provenance.keyed_by.clone(),
        valid,
    })
}

/// [`prepare`], except that a submission stored before is acknowledged even when it no longer
/// passes the checks (the definition may have changed since): the first answer wins.
pub fn check(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    layouts: &Layouts,
    units: &UnitTree,
    raw: &RawSubmission,
    provenance: &Provenance,
) -> Result<Checked, IngestError> {
    match prepare(catalog, layouts, units, raw, provenance) {
        Ok(p) => Ok(Checked::Pending(Box::new(p))),
        Err(e) => match responses::find_by_submission(conn, &raw.submission_id)? {
            Some(id) => Ok(Checked::Already(id)),
            None => Err(e.into()),
        },
    }
}

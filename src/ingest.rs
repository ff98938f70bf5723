//! One way in for every channel (API, kiosk, import): check the envelope, validate the answers
//! against the definition, store with counts.

use crate::counts::Layouts;
use crate::db::responses::{self, Pending};
use crate::db::{AnyConnection, DbError};
use crate::secrets::{keyed_submission, Key};
use crate::survey::{validate, Catalog, FieldError, RawSubmission, UnitTree};
use chrono::NaiveDate;

pub const CHANNELS: [&str; 5] = ["kiosk", "online", "paper", "invitation", "api"];

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
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
    /// An answer through a campaign's link: stored with no day (at the campaign's period
    /// only) and sealed, out of every count and read, until its campaign closes.
    pub sealed: bool,
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
    intake: &Intake,
    raw: &RawSubmission,
    provenance: &Provenance,
) -> Result<Pending, FieldError> {
    let Intake {
        catalog,
        layouts,
        units,
        ..
    } = intake;
    let survey = catalog
        .get(&raw.survey)
        .ok_or_else(|| FieldError::new("survey", format!("unknown survey '{}'", raw.survey)))?;
    let Some(unit) = units.get(&raw.unit) else {
        return Err(FieldError::new(
            "unit",
            format!("unknown unit '{}'", raw.unit),
        ));
    };
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
    let submission_id = canonical_submission_id(&raw.submission_id)
        .ok_or_else(|| FieldError::new("submission_id", "must be a UUID chosen by the client"))?;
    if !(2000..=2100).contains(&raw.period) {
        return Err(FieldError::new(
            "period",
            "must be a year between 2000 and 2100",
        ));
    }
    let day = intake.day_of(raw)?;
    // Answers keep the unit they were given, which must exist on their day.
    if !units.valid_on(unit, day) {
        let now = units
            .set_on(day)
            .map(|s| format!("; on {day} the units are those of {} ({})", s.name, s.id))
            .unwrap_or_default();
        return Err(FieldError::new(
            "unit",
            format!(
                "'{}' ({}) did not exist on {day}{now}",
                unit.code, unit.name
            ),
        ));
    }
    // A sealed answer keeps no day: the day would match the one its person was marked on.
    let day = match provenance.sealed {
        true => String::new(),
        false => day.format("%Y-%m-%d").to_string(),
    };
    let valid = validate(survey, raw)?;
    let status = match () {
        _ if provenance.sealed => responses::SEALED,
        _ if raw.channel == "paper" => "keyed_once",
        _ => responses::RECEIVED,
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
        stored_submission: keyed_submission(intake.submission_key, &submission_id),
        submission_id,
        status: status.into(),
        keyed_by: provenance.keyed_by.clone(),
        valid,
    })
}

/// [`prepare`], except that a submission stored before is acknowledged even when it no longer
/// passes the checks (the definition may have changed since): the first answer wins.
pub fn check(
    conn: &mut AnyConnection,
    intake: &Intake,
    raw: &RawSubmission,
    provenance: &Provenance,
) -> Result<Checked, IngestError> {
    match prepare(intake, raw, provenance) {
        Ok(p) => Ok(Checked::Pending(Box::new(p))),
        Err(e) => match already_stored(conn, intake.submission_key, &raw.submission_id)? {
            Some(id) => Ok(Checked::Already(id)),
            None => Err(e.into()),
        },
    }
}

/// The id of the response stored under this submission id, in whatever spelling it comes.
pub fn already_stored(
    conn: &mut AnyConnection,
    key: &Key,
    submission_id: &str,
) -> Result<Option<String>, DbError> {
    match canonical_submission_id(submission_id) {
        Some(sid) => responses::find_by_submission(conn, &keyed_submission(key, &sid)),
        None => Ok(None),
    }
}

/// Replaces every submission id stored as sent (before they were kept keyed) by its keyed
/// form; returns how many. Idempotency keeps working: a client sending an old id again finds
/// it under its keyed form.
pub fn key_plain_submission_ids(conn: &mut AnyConnection, key: &Key) -> Result<usize, DbError> {
    let keyed: Vec<(String, String)> = responses::plain_submission_ids(conn)?
        .into_iter()
        .map(|(id, sid)| {
            let stored = keyed_submission(key, &sid);
            (id, stored)
        })
        .collect();
    responses::set_submission_ids(conn, &keyed)
}

/// A submission id as stored: the UUID in lower-case hyphenated form, so that the same id
/// written in capitals, in braces or without hyphens is recognised as the same submission.
pub fn canonical_submission_id(sent: &str) -> Option<String> {
    uuid::Uuid::parse_str(sent.trim())
        .ok()
        .map(|u| u.hyphenated().to_string())
}

/// What checking a submission needs besides the submission: definitions, units, and the
/// dates a period accepts.
pub struct Intake<'a> {
    pub catalog: &'a Catalog,
    pub layouts: &'a Layouts,
    pub units: &'a UnitTree,
    /// Today in Vietnam: the day of an undated answer, and the latest date accepted.
    pub today: NaiveDate,
    /// Days after a period's year during which its forms are still accepted (paper forms
    /// arrive late).
    pub window_days: u32,
    /// What submission ids are keyed with as stored.
    pub submission_key: &'a Key,
}

impl Intake<'_> {
    /// The day an answer counts under: its date, or today; it must lie in the period's year
    /// or in the window after it, and not after today.
    pub fn day_of(&self, raw: &RawSubmission) -> Result<NaiveDate, FieldError> {
        let day = match &raw.date {
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| FieldError::new("date", "must be a date written YYYY-MM-DD"))?,
            None => self.today,
        };
        let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(raw.period, 1, 1),
            NaiveDate::from_ymd_opt(raw.period, 12, 31),
        ) else {
            return Err(FieldError::new("period", "must be a year"));
        };
        let latest = last + chrono::Duration::days(i64::from(self.window_days));
        if day > self.today {
            return Err(FieldError::new(
                "date",
                format!("{day} is after today ({})", self.today),
            ));
        }
        if day < first || day > latest {
            let what = if raw.date.is_some() {
                format!("{day}")
            } else {
                format!("today ({day})")
            };
            return Err(FieldError::new(
                "date",
                format!(
                    "{what} is outside period {}: its forms are dated {first} to {latest}",
                    raw.period
                ),
            ));
        }
        Ok(day)
    }
}

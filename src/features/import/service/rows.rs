//! Each row of a file of forms read into a submission ready to store, or the problem that
//! keeps it out: its unit within the importer's scope, its serial not already keyed on paper,
//! its answers as the survey takes them.

use super::columns::{Col, Columns};
use super::ids::ContentIds;
use super::options::ImportOptions;
use super::report::{ImportError, RowError};
use crate::ingest::{self, Intake, Provenance};
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Survey};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

/// What an import needs while it reads rows.
pub(super) struct Plan<'a> {
    pub(super) state: &'a AppState,
    pub(super) survey: &'a Survey,
    pub(super) opts: &'a ImportOptions,
    intake: &'a Intake<'a>,
    scope: Option<HashSet<String>>,
    pub(super) columns: Option<Columns>,
    pub(super) ids: Option<ContentIds>,
    /// The fingerprint of the header and the first form (SHA-256, hex).
    pub(super) opening: Option<String>,
    /// Whether a form without a serial or submission id of its own was read.
    pub(super) derived: bool,
    /// Serials keyed as paper forms, per period (read once per period).
    paper_serials: HashMap<i32, HashSet<String>>,
}

/// A row ready to store, with what finds it again in the file.
pub(super) struct Ready {
    pub(super) pending: Box<crate::db::responses::Pending>,
    /// An id given by the file (serial or submission id) and a hash of the row's cells.
    pub(super) explicit: Option<(u128, u64)>,
    pub(super) serial: Option<String>,
    /// Its submission id was derived from the file's contents (none was given).
    pub(super) derived: bool,
}

pub(super) enum Checked {
    Blank,
    Ready(Ready),
    /// The problem, and the row's submission id (to recognise a row stored before), with
    /// whether it was derived from the file (not given by it).
    Bad(Box<RowError>, Option<(String, bool)>),
}

impl<'a> Plan<'a> {
    pub(super) fn new(
        state: &'a AppState,
        survey: &'a Survey,
        opts: &'a ImportOptions,
        intake: &'a Intake<'a>,
    ) -> Self {
        let scope = opts
            .scope
            .as_ref()
            .map(|u| state.units.subtree(u).into_iter().collect::<HashSet<_>>());
        Plan {
            state,
            survey,
            opts,
            intake,
            scope,
            columns: None,
            ids: None,
            opening: None,
            derived: false,
            paper_serials: HashMap::new(),
        }
    }

    /// Checks one row: a blank row is skipped, a good one is ready to store.
    pub(super) fn check(&mut self, cells: &[String], number: u64) -> Result<Checked, ImportError> {
        let Some(derived) = self.ids.as_mut().map(|ids| ids.next(cells)) else {
            return Ok(Checked::Blank);
        };
        let Some(columns) = &self.columns else {
            return Ok(Checked::Blank);
        };
        let blank = cells
            .iter()
            .enumerate()
            .all(|(i, c)| Some(i) == columns.reasons || c.trim().is_empty());
        if blank {
            return Ok(Checked::Blank);
        }
        if self.opening.is_none() {
            self.opening = self.ids.as_ref().map(ContentIds::fingerprint);
        }
        let bad = |column: &str, value: &str, reason: String| {
            Ok(Checked::Bad(
                Box::new(RowError {
                    row: number,
                    column: column.to_string(),
                    value: value.to_string(),
                    reason,
                }),
                None,
            ))
        };
        if let Some(extra) = cells
            .iter()
            .skip(columns.names.len())
            .find(|c| !c.trim().is_empty())
        {
            return bad(
                "",
                extra,
                format!(
                    "the row has more cells than the header has columns ({})",
                    columns.names.len()
                ),
            );
        }
        let (raw, serial, explicit) = match self.read_row(columns, cells, derived) {
            Ok(r) => r,
            Err((column, reason)) => {
                let value = columns.cell(cells, column).to_string();
                return bad(column, &value, reason);
            }
        };
        self.derived |= !explicit;
        let sid = (raw.submission_id.clone(), !explicit);
        if let Some(scope) = &self.scope {
            if !scope.contains(&raw.unit) {
                return Ok(Checked::Bad(
                    Box::new(RowError {
                        row: number,
                        column: "unit".into(),
                        value: raw.unit.clone(),
                        reason: "outside the unit you may import for".into(),
                    }),
                    Some(sid),
                ));
            }
        }
        if let Some(serial) = &serial {
            let period = raw.period;
            if !self.paper_serials.contains_key(&period) {
                let (survey, state) = (&self.survey.id, self.state);
                let held =
                    state.db_blocking(|conn| crate::db::paper::serials(conn, survey, period))?;
                self.paper_serials
                    .insert(period, held.into_iter().collect());
            }
            if self
                .paper_serials
                .get(&period)
                .is_some_and(|s| s.contains(serial))
            {
                return Ok(Checked::Bad(
                    Box::new(RowError {
                        row: number,
                        column: "serial".into(),
                        value: serial.clone(),
                        reason: format!(
                            "serial {serial} is already a paper form of {} {period} (keyed in chiso)",
                            self.survey.id
                        ),
                    }),
                    None,
                ));
            }
        }
        match ingest::prepare(self.intake, &raw, &Provenance::default()) {
            Ok(pending) => {
                let derived = !explicit;
                let explicit = explicit
                    .then(|| uuid::Uuid::parse_str(&pending.submission_id).ok())
                    .flatten()
                    .map(|u| (u.as_u128(), content_hash(cells, columns.reasons)));
                Ok(Checked::Ready(Ready {
                    pending: Box::new(pending),
                    derived,
                    explicit,
                    serial,
                }))
            }
            Err(FieldError { field, message }) => {
                let column = column_of(&field, serial.is_some(), columns);
                let value = columns.cell(cells, &column).to_string();
                Ok(Checked::Bad(
                    Box::new(RowError {
                        row: number,
                        column,
                        value,
                        reason: message,
                    }),
                    Some(sid),
                ))
            }
        }
    }

    /// Envelope columns, background codes, item codes, open questions. An empty cell is "not
    /// answered"; `na` is "no opinion". A problem names its column.
    fn read_row(
        &self,
        columns: &Columns,
        cells: &[String],
        derived_id: String,
    ) -> Result<(RawSubmission, Option<String>, bool), (&'static str, String)> {
        let opts = self.opts;
        let (mut answers, mut background, mut comments) = (Map::new(), Map::new(), Map::new());
        let (mut unit, mut period) = (opts.unit.clone(), opts.period);
        let (mut date, mut group, mut sid, mut serial) = (None, None, None, None);
        for ((kind, name), cell) in columns.kinds.iter().zip(&columns.names).zip(cells) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            match kind {
                Col::Unit => unit = Some(cell.to_string()),
                Col::Period => {
                    period = Some(
                        cell.parse()
                            .map_err(|_| ("period", format!("'{cell}' is not a year")))?,
                    )
                }
                Col::Date => date = Some(cell.to_string()),
                Col::Group => group = Some(cell.to_string()),
                Col::SubmissionId => sid = Some(cell.to_string()),
                Col::Serial => serial = Some(check_serial(cell).map_err(|m| ("serial", m))?),
                Col::Reasons => {}
                Col::Open => {
                    comments.insert(name.clone(), Value::String(cell.to_string()));
                }
                Col::Background => {
                    background.insert(name.clone(), Value::String(cell.to_string()));
                }
                Col::Item => {
                    let v = if cell.eq_ignore_ascii_case("na") {
                        Value::Null
                    } else {
                        cell.parse::<i64>()
                            .map(Value::from)
                            .unwrap_or_else(|_| Value::String(cell.to_string()))
                    };
                    answers.insert(name.clone(), v);
                }
            }
        }
        let unit = unit.ok_or(("unit", "no unit: fill the unit column".to_string()))?;
        let period = period.ok_or(("period", "no period: fill the period column".to_string()))?;
        let explicit = sid.is_some() || serial.is_some();
        let submission_id = match (sid, &serial) {
            (Some(sid), _) => sid,
            (None, Some(serial)) => {
                crate::features::paper::service::submission_id(&self.survey.id, period, serial)
            }
            (None, None) => derived_id,
        };
        Ok((
            RawSubmission {
                survey: self.survey.id.clone(),
                unit,
                channel: opts.channel.clone(),
                submission_id,
                period,
                group,
                background,
                answers,
                comments,
                date,
            },
            serial,
            explicit,
        ))
    }
}

/// The column a submission's field comes from.
fn column_of(field: &str, from_serial: bool, columns: &Columns) -> String {
    let name = ["answers.", "background.", "comments."]
        .iter()
        .find_map(|p| field.strip_prefix(p))
        .unwrap_or(field);
    if name == "submission_id" && from_serial && !columns.has(Col::SubmissionId) {
        return "serial".into();
    }
    name.to_string()
}

/// The serial as written on the paper form (mã phiếu): letters, digits and - _ / . only,
/// compared in capitals, as the keying screen does.
fn check_serial(serial: &str) -> Result<String, String> {
    if serial.chars().count() > 40
        || !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/' | '.'))
    {
        return Err("a serial has only letters, digits and - _ / . (at most 40 characters)".into());
    }
    Ok(serial.to_uppercase())
}

fn content_hash(cells: &[String], skip: Option<usize>) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for (i, c) in cells.iter().enumerate() {
        if Some(i) != skip {
            c.trim().hash(&mut h);
        }
    }
    h.finish()
}

//! Importing keyed paper forms from a CSV file: one row per form.
//!
//! Every row is checked completely — columns, unit, period, date, answers — before any is
//! stored, and every problem is reported in one pass: a file with an error stores nothing.
//! Re-importing a file stores nothing twice: a row without a `submission_id` gets an id
//! derived from the file's contents up to and including that row, so the same file (or the
//! same file with rows added at the end) gives the same ids, while another file's rows —
//! even identical ones, as two citizens may answer alike — get ids of their own.

use super::submit::SubmitError;
use crate::db::responses::Stored;
use crate::ingest::{self, Provenance};
use crate::state::AppState;
use crate::survey::{RawSubmission, Survey};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// Columns that describe the form rather than answer a question.
pub const RESERVED_COLUMNS: [&str; 5] = ["unit", "period", "date", "group", "submission_id"];

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub survey: String,
    /// For rows without a `unit` column.
    pub unit: Option<String>,
    /// For rows without a `period` column.
    pub period: Option<i32>,
    pub channel: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Forms stored by this import.
    pub created: usize,
    /// Forms stored before (an earlier import of the same rows), or repeated within the file.
    pub existing: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Unreadable(String),
    #[error("nothing imported; {} problem(s):\n{}", .0.len(), .0.join("\n"))]
    Invalid(Vec<String>),
    #[error(transparent)]
    Store(#[from] SubmitError),
}

/// One row, read: its line in the file and the submission it makes.
struct Row {
    line: usize,
    raw: RawSubmission,
}

/// Checks every row of `csv` (named `source` in messages), then stores them all.
pub fn import_csv(
    state: &AppState,
    source: &str,
    csv: &[u8],
    opts: &ImportOptions,
) -> Result<ImportReport, ImportError> {
    let survey = state
        .catalog
        .get(&opts.survey)
        .ok_or_else(|| ImportError::Unreadable(format!("unknown survey '{}'", opts.survey)))?;
    let (rows, mut problems) = read_rows(survey, source, csv, opts)?;

    let intake = state.intake();
    let mut report = ImportReport::default();
    let mut to_store = Vec::new();
    // Canonical submission id → (line, what it stores), to tell a repeated row from a clash.
    let mut seen: HashMap<String, (usize, String)> = HashMap::new();
    for row in rows {
        let at = format!("{source}:{}", row.line);
        match ingest::prepare(&intake, &row.raw, &Provenance::default()) {
            Ok(pending) => {
                let content = format!(
                    "{}|{}|{}|{:?}",
                    pending.unit, pending.period, pending.day, pending.valid
                );
                match seen.get(&pending.submission_id) {
                    Some((_, earlier)) if *earlier == content => report.existing += 1,
                    Some((line, _)) => problems.push(format!(
                        "{at}: submission_id: '{}' is also on line {line}, with other answers",
                        row.raw.submission_id
                    )),
                    None => {
                        seen.insert(pending.submission_id.clone(), (row.line, content));
                        to_store.push(pending);
                    }
                }
            }
            // A row stored before stays as it was first stored, even if it no longer passes.
            Err(invalid) => {
                let sid = row.raw.submission_id.clone();
                match state.db_blocking(|conn| ingest::already_stored(conn, &sid)) {
                    Ok(Some(_)) => report.existing += 1,
                    Ok(None) => problems.push(format!("{at}: {invalid}")),
                    Err(e) => return Err(SubmitError::Db(e).into()),
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Invalid(problems));
    }
    // Through the writer, as the server stores: a few commits for the whole file.
    let mut acks = Vec::with_capacity(to_store.len());
    for pending in to_store {
        let ack = state
            .writer
            .submit_blocking(pending)
            .map_err(|_| SubmitError::Busy)?;
        acks.push(ack);
    }
    for ack in acks {
        match ack.blocking_recv().map_err(|_| SubmitError::Busy)? {
            Ok(Stored::Created(_)) => report.created += 1,
            Ok(Stored::Existing(_)) => report.existing += 1,
            Err(e) => return Err(SubmitError::Db(e).into()),
        }
    }
    Ok(report)
}

/// Reads every row into a submission; problems with the cells themselves are collected.
fn read_rows(
    def: &Survey,
    source: &str,
    csv: &[u8],
    opts: &ImportOptions,
) -> Result<(Vec<Row>, Vec<String>), ImportError> {
    let mut reader = csv::Reader::from_reader(csv);
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Unreadable(format!("{source}: {e}")))?
        .clone();
    let mut problems = Vec::new();
    for h in headers.iter() {
        let known = RESERVED_COLUMNS.contains(&h)
            || def.item(h).is_some()
            || def.background.iter().any(|b| b.code == h)
            || def.open.iter().any(|o| o.code == h);
        if !known {
            problems.push(format!(
                "{source}:1: column '{h}' is neither a question of {} nor one of {}",
                def.id,
                RESERVED_COLUMNS.join(", ")
            ));
        }
    }
    let mut ids = ContentIds::new(&def.id, &headers);
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{source}:{line}: {e}"));
                continue;
            }
        };
        let derived_id = ids.next(&record);
        match read_row(def, &headers, &record, opts, derived_id) {
            Ok(raw) => rows.push(Row { line, raw }),
            Err(e) => problems.push(format!("{source}:{line}: {e}")),
        }
    }
    Ok((rows, problems))
}

/// Reserved columns, background codes, item codes. An empty cell is "not answered"; `na` is
/// "no opinion".
fn read_row(
    def: &Survey,
    headers: &csv::StringRecord,
    record: &csv::StringRecord,
    opts: &ImportOptions,
    derived_id: String,
) -> Result<RawSubmission, String> {
    let (mut answers, mut background, mut comments) = (Map::new(), Map::new(), Map::new());
    let (mut unit, mut period) = (opts.unit.clone(), opts.period);
    let (mut date, mut group, mut sid) = (None, None, None);
    for (col, cell) in headers.iter().zip(record.iter()) {
        let cell = cell.trim();
        if cell.is_empty() {
            continue;
        }
        match col {
            "unit" => unit = Some(cell.to_string()),
            "period" => {
                period = Some(
                    cell.parse()
                        .map_err(|_| format!("period: '{cell}' is not a year"))?,
                )
            }
            "date" => date = Some(cell.to_string()),
            "group" => group = Some(cell.to_string()),
            "submission_id" => sid = Some(cell.to_string()),
            code if def.open.iter().any(|o| o.code == code) => {
                comments.insert(code.to_string(), Value::String(cell.to_string()));
            }
            code if def.background.iter().any(|b| b.code == code) => {
                background.insert(code.to_string(), Value::String(cell.to_string()));
            }
            // Unknown columns were reported once, from the header.
            code if def.item(code).is_none() => {}
            code => {
                let v = if cell.eq_ignore_ascii_case("na") {
                    Value::Null
                } else {
                    cell.parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::String(cell.to_string()))
                };
                answers.insert(code.to_string(), v);
            }
        }
    }
    Ok(RawSubmission {
        survey: def.id.clone(),
        unit: unit.ok_or("unit: no unit column and no --unit")?,
        channel: opts.channel.clone(),
        submission_id: sid.unwrap_or(derived_id),
        period: period.ok_or("period: no period column and no --period")?,
        group,
        background,
        answers,
        comments,
        date,
    })
}

/// Ids for rows without a `submission_id`: a hash chained over the header and every row so
/// far, so a row's id depends on the file's contents up to it.
struct ContentIds {
    chain: Sha256,
}

impl ContentIds {
    fn new(survey: &str, headers: &csv::StringRecord) -> Self {
        let mut chain = Sha256::new();
        chain.update(survey.as_bytes());
        Self::feed(&mut chain, headers);
        ContentIds { chain }
    }

    fn feed(chain: &mut Sha256, record: &csv::StringRecord) {
        for cell in record.iter() {
            chain.update(cell.trim().as_bytes());
            chain.update([0x1f]);
        }
        chain.update([0x1e]);
    }

    fn next(&mut self, record: &csv::StringRecord) -> String {
        Self::feed(&mut self.chain, record);
        let digest = self.chain.clone().finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(cells: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(cells.to_vec())
    }

    #[test]
    fn row_ids_follow_the_contents_up_to_the_row() {
        let header = record(&["unit", "E1.1"]);
        let ids = |rows: &[&[&str]]| -> Vec<String> {
            let mut c = ContentIds::new("s", &header);
            rows.iter().map(|r| c.next(&record(r))).collect()
        };
        let first = ids(&[&["NK", "5"], &["NK", "5"]]);
        // Two identical forms in one file are two forms.
        assert_ne!(first[0], first[1]);
        // The same file again, or with a row added at the end, gives the same ids.
        let again = ids(&[&["NK", "5"], &["NK", "5"], &["CR", "4"]]);
        assert_eq!(first[..], again[..2]);
        // Another file starting differently gives other ids, even for identical rows.
        let other = ids(&[&["CR", "4"], &["NK", "5"]]);
        assert!(!other.contains(&first[0]) && !other.contains(&first[1]));
    }
}

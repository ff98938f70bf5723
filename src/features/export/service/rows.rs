//! Stored responses turned into rows, one per form, in the order of the columns; read page
//! by page so that memory stays flat.

use super::plan::{ExportError, ExportPlan};
use crate::db::export::{self, ExportHead, ExportedResponse};
use crate::db::{AnyConnection, DbError};
use crate::survey::Survey;
use std::collections::BTreeMap;

/// The cell written for a "no opinion" answer (an empty cell is a question not answered).
pub const NO_OPINION: &str = "NA";
/// Columns before the background and item codes.
pub const FIXED_COLUMNS: [&str; 7] = ["id", "unit", "channel", "period", "date", "group", "status"];

/// One answer cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Unanswered,
    NoOpinion,
    Value(i16),
}

/// One form as it is written: its head, background option codes and answers, each in the
/// order of the columns.
pub struct ExportRow<'a> {
    pub head: &'a ExportHead,
    pub background: &'a [Option<String>],
    pub answers: &'a [Answer],
}

/// The column names: the fixed ones, the background codes, the item codes.
pub fn columns(survey: &Survey) -> Vec<String> {
    FIXED_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(survey.background.iter().map(|b| b.code.clone()))
        .chain(survey.items().map(|i| i.code.clone()))
        .collect()
}

/// Turns stored responses into rows, reusing its buffers from one form to the next.
struct RowBuilder {
    background_codes: Vec<String>,
    /// Item codes in sorted order with their column: the database hands answers over in code
    /// order, so the next code is nearly always the one after the last.
    item_position: Vec<(String, usize)>,
    background: Vec<Option<String>>,
    answers: Vec<Answer>,
}

impl RowBuilder {
    fn new(survey: &Survey) -> Self {
        let mut item_position: Vec<(String, usize)> = survey
            .items()
            .enumerate()
            .map(|(i, item)| (item.code.clone(), i))
            .collect();
        item_position.sort_unstable();
        RowBuilder {
            background_codes: survey.background.iter().map(|b| b.code.clone()).collect(),
            background: vec![None; survey.background.len()],
            answers: vec![Answer::Unanswered; item_position.len()],
            item_position,
        }
    }

    fn fill<'a>(&'a mut self, r: &'a ExportedResponse) -> ExportRow<'a> {
        // Background answers are stored as a JSON object of option codes.
        let mut bg: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&r.head.background).unwrap_or_default();
        for (slot, code) in self.background.iter_mut().zip(&self.background_codes) {
            *slot = match bg.remove(code) {
                Some(serde_json::Value::String(s)) => Some(s),
                Some(serde_json::Value::Null) | None => None,
                Some(other) => Some(other.to_string()),
            };
        }
        self.answers.fill(Answer::Unanswered);
        let mut next = 0;
        for pair in r.answers.split(';') {
            let Some((code, value)) = pair.split_once(':') else {
                continue;
            };
            let found = match self.item_position.get(next) {
                Some((c, _)) if c == code => Some(next),
                _ => self
                    .item_position
                    .binary_search_by(|(c, _)| c.as_str().cmp(code))
                    .ok(),
            };
            // Items the definition no longer has are not columns.
            let Some(slot) = found.and_then(|k| {
                next = k + 1;
                self.item_position
                    .get(k)
                    .and_then(|&(_, i)| self.answers.get_mut(i))
            }) else {
                continue;
            };
            *slot = if value.is_empty() {
                Answer::NoOpinion
            } else {
                value.parse().map_or(Answer::Unanswered, Answer::Value)
            };
        }
        ExportRow {
            head: &r.head,
            background: &self.background,
            answers: &self.answers,
        }
    }
}

/// Reads the plan's responses page by page on `conn` and hands each row to `write`. Reading
/// and writing overlap: a reader thread fetches the next page while this one writes the last,
/// with at most one page waiting between them.
pub(super) fn each_row(
    conn: &mut AnyConnection,
    plan: &ExportPlan,
    mut write: impl FnMut(&ExportRow) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    crate::db::reading_many_pages(conn, true)?;
    let mut builder = RowBuilder::new(&plan.survey);
    let filter = &plan.filter;
    let result = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<ExportedResponse>, DbError>>(1);
        let reader = std::thread::Builder::new()
            .name("export-reader".into())
            .spawn_scoped(scope, || {
                let tx = tx;
                let mut after = None;
                loop {
                    let page = export::page(conn, filter, after.as_ref());
                    let last = match &page {
                        Ok(p) => p.last().map(|r| export::Cursor::after(&r.head)),
                        Err(_) => None,
                    };
                    // The writer stopped (an error, or a reader that went away).
                    if tx.send(page).is_err() {
                        break;
                    }
                    match last {
                        Some(cursor) => after = Some(cursor),
                        None => break,
                    }
                }
            })?;
        let mut n = 0u64;
        let mut result = Ok(());
        for page in rx.iter() {
            let written = page.map_err(ExportError::from).and_then(|p| {
                p.iter()
                    .try_for_each(|r| write(&builder.fill(r)))
                    .map(|()| p.len())
            });
            match written {
                Ok(k) => n += k as u64,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        // The reader's next page has nowhere to go: it ends.
        drop(rx);
        reader
            .join()
            .map_err(|_| ExportError::Db(DbError::Worker("the export's reader thread")))?;
        result.map(|()| n)
    });
    crate::db::reading_many_pages(conn, false)?;
    result
}

//! The first pass: every row checked, keeping only what the second pass needs — the rows to
//! reject and why, the rows stored before, the ids and serials seen — never the rows.

use super::columns::Col;
use super::compact::Forms;
use super::ids::{seeded, ContentIds};
use super::report::{ImportError, ImportReport, Problem, Progress, RowError};
use super::rows::{Checked, Plan, Ready};
use super::run::Source;
use crate::db::paper::Batch;
use crate::features::import::read;
use crate::ingest;
use crate::state::AppState;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the first pass found.
pub(super) struct Verdicts {
    pub(super) report: ImportReport,
    /// The rows not to store, each with its reasons (`column: reason`).
    pub(super) bad: BTreeMap<u64, Vec<String>>,
    /// Rows refused now but stored before: they stay as they were first stored.
    pub(super) already: HashSet<u64>,
    /// Each explicit form id: its first row, and a hash of that row's cells.
    ids_seen: HashMap<u128, (u64, u64)>,
    serials_seen: HashMap<String, u64>,
    /// Rows refused now but perhaps stored before, by an id derived from the file: looked up
    /// once the import knows what its ids are derived with.
    derived_bad: Vec<(u64, String, Box<RowError>)>,
    /// The forms that passed, kept for the second pass.
    pub(super) forms: Forms,
}

/// Reads the whole file once, checking every row.
pub(super) fn check_all(
    plan: &mut Plan,
    file: &Source,
    batch: Option<&Batch>,
    progress: &dyn Progress,
) -> Result<Verdicts, ImportError> {
    let mut v = Verdicts {
        report: ImportReport {
            source: file.name.to_string(),
            ..ImportReport::default()
        },
        bad: BTreeMap::new(),
        already: HashSet::new(),
        ids_seen: HashMap::new(),
        serials_seen: HashMap::new(),
        derived_bad: Vec::new(),
        forms: Forms::default(),
    };
    progress.begin("checking");
    file.rows(progress, &mut |row| {
        if plan.columns.is_none() {
            v.header(plan, batch, row.cells)
        } else {
            v.row(plan, batch, row)
        }
    })?;
    progress.end();
    if plan.columns.is_none() {
        let source = file.name;
        return Err(Problem::new(
            format!("{source}: the file is empty: its first row must name the columns"),
            format!("{source}: tệp trống: dòng đầu phải là tên các cột"),
        )
        .into());
    }
    Ok(v)
}

impl Verdicts {
    /// The header: any problem with it stops the import at once.
    fn header(
        &mut self,
        plan: &mut Plan,
        batch: Option<&Batch>,
        cells: &[String],
    ) -> Result<(), ImportError> {
        let mut columns = plan.header(cells)?;
        if batch.is_some() && !columns.has(Col::Serial) {
            columns.problems.push(RowError {
                row: 1,
                column: "serial".into(),
                value: String::new(),
                reason: "forms keyed once into a batch need a serial column (mã phiếu)".into(),
            });
        }
        if !columns.problems.is_empty() {
            for p in &columns.problems {
                self.report.note(p.clone());
            }
            return Err(ImportError::Invalid(Box::new(self.report.clone())));
        }
        plan.ids = Some(ContentIds::new(&plan.survey.id, cells, columns.reasons, ""));
        plan.columns = Some(columns);
        Ok(())
    }

    fn row(
        &mut self,
        plan: &mut Plan,
        batch: Option<&Batch>,
        row: read::Row,
    ) -> Result<(), ImportError> {
        let number = row.number;
        let outcome = plan.check(row.cells, number)?;
        let problems = match outcome {
            Checked::Blank => return Ok(()),
            Checked::Ready(ready) => {
                let mut problems = batch.map_or_else(Vec::new, |b| in_batch(b, &ready, number));
                self.repeated_id(plan, &ready, row.cells, number, &mut problems);
                if let Some(serial) = &ready.serial {
                    self.repeated_serial(serial.clone(), number, &mut problems);
                }
                if problems.is_empty() {
                    self.forms
                        .keep(number, &ready.pending, ready.serial, ready.derived)?;
                }
                problems
            }
            Checked::Bad(e, Some((sid, true))) => {
                self.derived_bad.push((number, sid, e));
                Vec::new()
            }
            // A row stored before stays as it was first stored, even if it no longer passes.
            Checked::Bad(_, Some((sid, _))) if stored(plan.state, &sid)? => {
                self.already.insert(number);
                Vec::new()
            }
            Checked::Bad(e, _) => vec![*e],
        };
        self.report.rows += 1;
        self.reject(number, problems);
        Ok(())
    }

    /// The same form id twice: stored once if the answers are the same, else both refused.
    fn repeated_id(
        &mut self,
        plan: &Plan,
        ready: &Ready,
        cells: &[String],
        number: u64,
        problems: &mut Vec<RowError>,
    ) {
        let (Some((id, content)), Some(columns)) = (ready.explicit, &plan.columns) else {
            return;
        };
        match self.ids_seen.get(&id) {
            // The same form twice: stored once, counted as already there.
            Some((_, c)) if *c == content => {}
            Some((first, _)) => {
                let column = columns.id_column();
                problems.push(RowError {
                    row: number,
                    value: columns.cell(cells, column).to_string(),
                    column: column.to_string(),
                    reason: format!("the same form id as row {first}, with other answers"),
                });
                self.bad.entry(*first).or_default().push(format!(
                    "{column}: the same form id as row {number}, with other answers"
                ));
            }
            None => {
                self.ids_seen.insert(id, (number, content));
            }
        }
    }

    /// One serial on two rows: both refused.
    fn repeated_serial(&mut self, serial: String, number: u64, problems: &mut Vec<RowError>) {
        if let Some(first) = self.serials_seen.get(&serial) {
            problems.push(RowError {
                row: number,
                column: "serial".into(),
                value: serial.clone(),
                reason: format!("serial {serial} is also on row {first}"),
            });
            self.bad
                .entry(*first)
                .or_default()
                .push(format!("serial: serial {serial} is also on row {number}"));
        } else {
            self.serials_seen.insert(serial, number);
        }
    }

    fn reject(&mut self, number: u64, problems: Vec<RowError>) {
        if problems.is_empty() {
            return;
        }
        let reasons = self.bad.entry(number).or_default();
        for p in problems {
            reasons.push(format!("{}: {}", p.column, p.reason));
            self.report.note(p);
        }
    }

    /// The rows refused with a derived id, now that the ids are known: those stored before
    /// are already there, the others rejected. Then the problems in row order (a problem is
    /// noted on an earlier row when a later one repeats it).
    pub(super) fn settle_derived(
        &mut self,
        state: &AppState,
        id_seed: &str,
    ) -> Result<(), ImportError> {
        for (number, sid, e) in std::mem::take(&mut self.derived_bad) {
            if stored(state, &seeded(id_seed, &sid))? {
                self.already.insert(number);
            } else {
                self.reject(number, vec![*e]);
            }
        }
        self.report.errors.sort_by_key(|e| e.row);
        Ok(())
    }
}

/// What a form keyed once into `batch` must also be: with a serial, of its unit and period.
fn in_batch(batch: &Batch, ready: &Ready, number: u64) -> Vec<RowError> {
    let mut problems = Vec::new();
    let p = &ready.pending;
    if ready.serial.is_none() {
        problems.push(RowError {
            row: number,
            column: "serial".into(),
            value: String::new(),
            reason: "a form keyed once into a batch needs its serial".into(),
        });
    }
    if p.unit != batch.unit_code || p.period != batch.period {
        problems.push(RowError {
            row: number,
            column: "unit".into(),
            value: format!("{} {}", p.unit, p.period),
            reason: format!(
                "batch {} holds the forms of {} in {}",
                batch.label, batch.unit_code, batch.period
            ),
        });
    }
    problems
}

fn stored(state: &AppState, submission_id: &str) -> Result<bool, ImportError> {
    let found = state
        .db_blocking(|conn| ingest::already_stored(conn, &state.submission_key, submission_id))?;
    Ok(found.is_some())
}

//! The second pass: the good rows stored a chunk at a time through the store path every
//! channel uses (one thread stores a chunk while this one reads and checks the next), the
//! rejected ones written to their file.

use super::check::Verdicts;
use super::ids::ContentIds;
use super::options::Entry;
use super::rejects::Rejects;
use super::report::{ImportError, ImportReport, Problem, Progress};
use super::rows::{Checked, Plan};
use super::run::Source;
use crate::db::paper::Batch;
use crate::db::responses::{Pending, Stored};
use crate::db::{AnyConnection, DbError};
use crate::features::import::read;
use crate::features::paper::service::{self as paper, PaperError};
use crate::features::submit::SubmitError;
use crate::state::AppState;
use std::collections::{BTreeMap, HashSet};
use std::sync::mpsc::{sync_channel, Receiver};

/// Rows stored in one transaction.
const CHUNK: usize = 5_000;

/// A form to store, with its serial (for a batch).
type Keyed = (Option<String>, Pending);

/// Reads the file again and stores every row the first pass passed.
pub(super) fn store_all(
    plan: &mut Plan,
    file: &Source,
    batch: Option<&Batch>,
    id_seed: &str,
    verdicts: Verdicts,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    let Verdicts {
        mut report,
        bad,
        already,
        ..
    } = verdicts;
    let rejects = match (&plan.opts.rejects, bad.is_empty()) {
        (Some(p), false) => Some(Rejects::create(p, file.name)?),
        _ => None,
    };
    let (state, by) = (plan.state, batch_keyer(&plan.opts.entry));
    plan.ids = None;
    let mut feed = Feed {
        reasons_at: plan.columns.as_ref().and_then(|c| c.reasons),
        plan,
        id_seed,
        bad: &bad,
        already: &already,
        report: &mut report,
        rejects,
        header_done: false,
    };
    progress.begin("storing");
    let stored = std::thread::scope(|scope| -> Result<(usize, usize), ImportError> {
        let (tx, rx) = sync_channel::<Vec<Keyed>>(0);
        let storer = scope.spawn(move || store_chunks(state, batch, by, rx));
        let mut chunk = Vec::with_capacity(CHUNK);
        let read = file.rows(progress, &mut |row| {
            if let Some(form) = feed.row(row)? {
                chunk.push(form);
                if chunk.len() >= CHUNK {
                    let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK));
                    // Fails only when the storer has stopped: its error is reported below.
                    tx.send(full).map_err(|_| SubmitError::Busy)?;
                }
            }
            Ok(())
        });
        let last = match read {
            Ok(()) if !chunk.is_empty() => tx.send(chunk).map_err(|_| SubmitError::Busy),
            _ => Ok(()),
        };
        drop(tx);
        let stored = storer
            .join()
            .map_err(|_| SubmitError::Db(DbError::Worker("the import's storing thread")))?
            .map_err(SubmitError::Db)?;
        read?;
        last?;
        Ok(stored)
    })?;
    let rejects = feed.rejects.take();
    report.created += stored.0;
    report.existing += stored.1;
    progress.end();
    if let Some(r) = rejects {
        report.rejects = Some(r.finish()?);
    }
    Ok(report)
}

/// Who keyed the forms of a batch (the importer); no one for verified forms.
fn batch_keyer(entry: &Entry) -> &str {
    match entry {
        Entry::KeyedOnce { by, .. } => by.as_str(),
        Entry::Verified => "",
    }
}

/// What the second pass keeps while it reads.
struct Feed<'p, 'a> {
    plan: &'p mut Plan<'a>,
    id_seed: &'p str,
    bad: &'p BTreeMap<u64, Vec<String>>,
    already: &'p HashSet<u64>,
    report: &'p mut ImportReport,
    rejects: Option<Rejects>,
    reasons_at: Option<usize>,
    header_done: bool,
}

impl Feed<'_, '_> {
    /// One row of the file: the form to store, if it is one.
    fn row(&mut self, row: read::Row) -> Result<Option<Keyed>, ImportError> {
        let plan = &mut *self.plan;
        if !self.header_done {
            self.header_done = true;
            let ids = ContentIds::new(&plan.survey.id, row.cells, self.reasons_at, self.id_seed);
            plan.ids = Some(ids);
            if let Some(r) = &mut self.rejects {
                r.header(row.cells, self.reasons_at)?;
            }
            return Ok(None);
        }
        let number = row.number;
        if let Some(reasons) = self.bad.get(&number) {
            // Still fed to the ids, so the rows after it keep theirs.
            if let Some(ids) = &mut plan.ids {
                ids.next(row.cells);
            }
            self.report.rejected += 1;
            if let Some(r) = &mut self.rejects {
                r.row(row.cells, self.reasons_at, reasons)?;
            }
            return Ok(None);
        }
        match plan.check(row.cells, number)? {
            Checked::Blank => Ok(None),
            Checked::Ready(ready) => {
                let mut pending = *ready.pending;
                if plan.opts.entry == Entry::Verified {
                    pending.status = paper::VERIFIED.into();
                }
                Ok(Some((ready.serial, pending)))
            }
            Checked::Bad(_, _) if self.already.contains(&number) => {
                self.report.existing += 1;
                Ok(None)
            }
            Checked::Bad(e, _) => {
                let line = e.line(&self.report.source);
                Err(Problem::new(
                    format!("{line}: the file changed while it was imported"),
                    format!("{line}: tệp đã bị thay đổi trong khi nhập"),
                )
                .into())
            }
        }
    }
}

/// Stores each chunk received in one transaction: (created, existing).
fn store_chunks(
    state: &AppState,
    batch: Option<&Batch>,
    by: &str,
    chunks: Receiver<Vec<Keyed>>,
) -> Result<(usize, usize), DbError> {
    let mut conn = state.pool.get()?;
    let (mut created, mut existing) = (0, 0);
    for chunk in chunks {
        if let Some(b) = batch {
            created += first_keyings(&mut conn, state, b, by, chunk)?;
            continue;
        }
        let chunk: Vec<Pending> = chunk.into_iter().map(|(_, p)| p).collect();
        for r in crate::db::responses::store_all(&mut conn, &state.layouts, &chunk) {
            match r? {
                Stored::Created(_) => created += 1,
                Stored::Existing(_) => existing += 1,
            }
        }
    }
    Ok((created, existing))
}

/// A chunk of forms keyed once into `batch`, all or none.
fn first_keyings(
    conn: &mut AnyConnection,
    state: &AppState,
    batch: &Batch,
    by: &str,
    chunk: Vec<Keyed>,
) -> Result<usize, DbError> {
    let n = chunk.len();
    crate::db::write_transaction(conn, |c| {
        for (serial, p) in chunk {
            let serial = serial.unwrap_or_default();
            paper::import_first_keying(c, state, batch, &serial, by, p).map_err(|e| match e {
                PaperError::Db(d) => d,
                // Checked in the first pass: only a form keyed on screen meanwhile gets here,
                // and the whole chunk is undone.
                _ => DbError::Worker("a form keyed on screen while the file was imported"),
            })?;
        }
        Ok::<_, DbError>(())
    })?;
    Ok(n)
}

//! The second pass: the forms the first pass kept stored a chunk at a time through the store
//! path every channel uses (one thread stores a chunk while this one prepares the next), the
//! rejected rows written to their file.

use super::check::Verdicts;
use super::options::Entry;
use super::rejects::Rejects;
use super::report::{ImportError, ImportReport, Progress};
use super::rows::Plan;
use super::run::Source;
use crate::db::paper::Batch;
use crate::db::responses::{Pending, Stored};
use crate::db::{AnyConnection, DbError};
use crate::features::paper::service::{self as paper, PaperError};
use crate::features::submit::SubmitError;
use crate::state::AppState;
use std::collections::BTreeMap;
use std::sync::mpsc::{sync_channel, Receiver};

/// Forms stored in one transaction. Stored in slice order, a chunk touches few count rows
/// however small it is, and a small one keeps the forms in flight (about 4 kB each as the store
/// path takes them) to a few MB.
const CHUNK: usize = 2_000;

/// A form to store, with its serial (for a batch).
type Keyed = (Option<String>, Pending);

/// Stores every form the first pass kept, in the order of their count slices, and writes the
/// rows it refused to the rejects file, if one was asked for.
pub(super) fn store_all(
    plan: &Plan,
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
        mut forms,
        ..
    } = verdicts;
    let (state, by) = (plan.state, batch_keyer(&plan.opts.entry));
    let verified = plan.opts.entry == Entry::Verified;
    let intake = state.intake();
    let survey_id = plan.survey.id.as_str();
    // A later row can refuse an earlier one that passed its own checks (the same serial twice).
    let refused = |number: u64| bad.contains_key(&number);
    // Created first: a rejects file that cannot be written stops the import before it stores.
    let rejects = match (&plan.opts.rejects, bad.is_empty()) {
        (Some(p), false) => Some(Rejects::create(p, file.name)?),
        _ => None,
    };
    forms.in_slice_order();
    progress.begin("storing");
    let total = forms.len();
    let stored = std::thread::scope(|scope| -> Result<(usize, usize), ImportError> {
        let (tx, rx) = sync_channel::<Vec<Keyed>>(0);
        let storer = scope.spawn(move || store_chunks(state, batch, by, rx));
        let mut sent = Ok(());
        for start in (0..total).step_by(CHUNK) {
            let mut chunk = forms.pending(
                start..(start + CHUNK).min(total),
                &intake,
                survey_id,
                id_seed,
                &refused,
            );
            if verified {
                for (_, p) in &mut chunk {
                    p.status = paper::VERIFIED.into();
                }
            }
            // Fails only when the storer has stopped: its error is reported below.
            if tx.send(chunk).is_err() {
                sent = Err(SubmitError::Busy);
                break;
            }
            progress.at(start as u64, total as u64);
        }
        drop(tx);
        let stored = storer
            .join()
            .map_err(|_| SubmitError::Db(DbError::Worker("the import's storing thread")))?
            .map_err(SubmitError::Db)?;
        sent?;
        Ok(stored)
    })?;
    drop(forms);
    report.created += stored.0;
    report.existing += stored.1;
    // Rows refused now but stored before stay as they were first stored.
    report.existing += already.iter().filter(|&&n| !refused(n)).count();
    report.rejected += bad.len();
    progress.end();
    if let Some(r) = rejects {
        let reasons_at = plan.columns.as_ref().and_then(|c| c.reasons);
        report.rejects = Some(write_rejects(r, file, reasons_at, &bad, progress)?);
    }
    Ok(report)
}

/// Reads the file again for the refused rows, each written with its reasons.
fn write_rejects(
    mut rejects: Rejects,
    file: &Source,
    reasons_at: Option<usize>,
    bad: &BTreeMap<u64, Vec<String>>,
    progress: &dyn Progress,
) -> Result<std::path::PathBuf, ImportError> {
    let mut header_done = false;
    progress.begin("writing the rejected rows");
    file.rows(progress, &mut |row| {
        if !header_done {
            header_done = true;
            return rejects.header(row.cells, reasons_at);
        }
        match bad.get(&row.number) {
            Some(reasons) => rejects.row(row.cells, reasons_at, reasons),
            None => Ok(()),
        }
    })?;
    progress.end();
    rejects.finish()
}

/// Who keyed the forms of a batch (the importer); no one for verified forms.
fn batch_keyer(entry: &Entry) -> &str {
    match entry {
        Entry::KeyedOnce { by, .. } => by.as_str(),
        Entry::Verified => "",
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

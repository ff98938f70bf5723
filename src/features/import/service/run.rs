//! An import from end to end, in named steps: the survey and batch it is for, the first pass
//! (checks), the ids its rows are derived with, the import remembered, the second pass (store).

use super::check;
use super::ids::{ids_seed, Prints};
use super::options::{limits_for, Entry, ImportOptions};
use super::report::{ImportError, ImportReport, Problem, Progress};
use super::rows::Plan;
use super::store;
use crate::db::paper::Batch;
use crate::features::import::read::{self, Format};
use crate::state::AppState;
use crate::survey::Survey;
use std::path::Path;

/// Imports the file at `path` (named `source` in messages; its format from its first bytes or
/// its name): checks every row, then stores them all — or, with `skip_invalid`, the good ones.
pub fn import_file(
    state: &AppState,
    path: &Path,
    source: &str,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    let survey = survey_of(state, opts)?;
    let format = read::format_of(path, source)?;
    let file = Source {
        path,
        name: source,
        format,
        limits: limits_for(survey),
    };
    let batch = batch_of(state, survey, &opts.entry)?;
    let intake = state.intake();
    let mut plan = Plan::new(state, survey, opts, &intake);
    // Pass 1: check everything, keep only the ids, the serials and the problems.
    let mut verdicts = check::check_all(&mut plan, &file, batch.as_ref(), progress)?;
    let seed = ids_seed(state, source, survey, opts, &plan)?;
    verdicts.settle_derived(state, &seed.id_seed)?;
    if !verdicts.bad.is_empty() && !opts.skip_invalid {
        return Err(ImportError::Invalid(Box::new(verdicts.report)));
    }
    // Remembered before any form is stored: a retry after a failure part-way derives the same
    // ids, so the forms stored before the failure are found again.
    if let Some(prints) = &seed.record {
        remember(
            state,
            &file,
            survey,
            verdicts.report.rows,
            prints,
            &seed.id_seed,
        )?;
    }
    // Pass 2: store the good rows, a chunk at a time; write the rejected ones.
    let report = store::store_all(
        &plan,
        &file,
        batch.as_ref(),
        &seed.id_seed,
        verdicts,
        progress,
    )?;
    // The forms are stored whatever this says: a checkpoint left undone only slows reads
    // until the next one.
    if let Err(e) = state.db_blocking(crate::db::checkpoint) {
        log::warn!("checkpoint after the import of {source}: {e}");
    }
    Ok(report)
}

/// The file being imported, read as a stream once per pass.
pub(super) struct Source<'f> {
    pub(super) path: &'f Path,
    /// As named in messages.
    pub(super) name: &'f str,
    format: Format,
    /// What a file of this survey may hold: its columns and a margin, rows.
    limits: read::Limits,
}

impl Source<'_> {
    /// Every row, the header first, showing how far the reading has come.
    pub(super) fn rows(
        &self,
        progress: &dyn Progress,
        each: &mut dyn FnMut(read::Row) -> Result<(), ImportError>,
    ) -> Result<(), ImportError> {
        let mut seen = |done: u64, total: u64| progress.at(done, total);
        read::rows(
            self.path,
            self.name,
            self.format,
            &self.limits,
            &mut seen,
            each,
        )
    }
}

fn survey_of<'s>(state: &'s AppState, opts: &ImportOptions) -> Result<&'s Survey, ImportError> {
    state.catalog.get(&opts.survey).ok_or_else(|| {
        Problem::new(
            format!("unknown survey '{}'", opts.survey),
            format!("không có phiếu khảo sát '{}'", opts.survey),
        )
        .into()
    })
}

/// Forms keyed once go into a batch of the same survey: its unit and period are theirs.
fn batch_of(
    state: &AppState,
    survey: &Survey,
    entry: &Entry,
) -> Result<Option<Batch>, ImportError> {
    let Entry::KeyedOnce { batch, .. } = entry else {
        return Ok(None);
    };
    let found =
        state.db_blocking(|conn| crate::features::paper::service::find_batch(conn, batch))?;
    match found {
        Some(b) if b.survey_id == survey.id => Ok(Some(b)),
        Some(b) => Err(Problem::new(
            format!(
                "batch {} is of survey {}, not {}",
                b.label, b.survey_id, survey.id
            ),
            format!(
                "lô {} thuộc phiếu khảo sát {}, không phải {}",
                b.label, b.survey_id, survey.id
            ),
        )
        .into()),
        None => Err(Problem::new(
            format!("no batch '{batch}'"),
            format!("không có lô phiếu '{batch}'"),
        )
        .into()),
    }
}

/// Records this import (its file's name, the day, its rows, its fingerprints and id seed),
/// so that the same cells again get the same ids.
fn remember(
    state: &AppState,
    file: &Source,
    survey: &Survey,
    rows: u64,
    prints: &Prints,
    id_seed: &str,
) -> Result<(), ImportError> {
    let source = file.name;
    let file_name = Path::new(source)
        .file_name()
        .map_or(source.to_string(), |n| n.to_string_lossy().into_owned());
    let day = state.clock.today().to_string();
    state.db_blocking(|conn| {
        let keyed = prints.keyed(conn, &survey.id)?;
        let at = crate::clock::wall_now();
        let import = crate::db::file_imports::Imported {
            file_name: &file_name,
            day: &day,
            rows,
            id_seed,
        };
        crate::db::file_imports::record(conn, &survey.id, &import, &keyed, at)
    })?;
    Ok(())
}

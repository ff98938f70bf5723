//! `chiso check [DIR]`: validate every definition and say what was checked.

use super::{out, CliError};
use chiso::startup;
use chiso::survey::UNITS_FILE;
use std::path::Path;

pub(super) fn run(dir: &Path) -> Result<(), CliError> {
    let defs = startup::load_definitions(dir).map_err(|errors| {
        for e in errors {
            eprintln!("{e}");
        }
        CliError::Reported
    })?;
    for s in defs.catalog.surveys.values() {
        out!(
            "{}: {} ({}), {} items, {} background questions, {} index nodes, version {}",
            s.file,
            s.id,
            s.instrument,
            s.items().count(),
            s.background.len(),
            s.index.len(),
            s.version
        );
    }
    for set in &defs.units.sets {
        out!(
            "{}: unit set {} ({}), {} units",
            set.file,
            set.id,
            set.period_text(),
            defs.units.units_of(Some(&set.id)).len()
        );
    }
    if defs.units.sets.is_empty() {
        out!(
            "{}: {} units",
            dir.join(UNITS_FILE).display(),
            defs.units.units.len()
        );
    }
    if !defs.units.crosswalk.is_empty() {
        out!(
            "crosswalk between unit sets: {} rows",
            defs.units.crosswalk.len()
        );
    }
    for t in &defs.trees {
        out!("{}: {} ({} criteria)", t.file, t.id, t.criteria.len());
    }
    if let Some(p) = &defs.plan {
        out!(
            "{}: {} ({} agencies, {} tasks, {} successions)",
            p.file,
            p.id,
            p.agencies.len(),
            p.tasks.len(),
            p.successions.len()
        );
    }
    let p = &defs.published;
    if !p.version.is_empty() {
        out!(
            "{}: published results version {} ({} results, {} national means, {} rank-20 lines, PAPI table of {} provinces, years {})",
            dir.join(chiso::survey::published::PUBLISHED_DIR).display(),
            p.version,
            p.results.len(),
            p.national.len(),
            p.lines.len(),
            p.papi_table.rows.len(),
            p.papi_table.years().iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(())
}

//! `chiso recount [--fix]`: rebuild the running counts from the answers and compare.

use super::{out, CliError};
use chiso::db::recount;
use chiso::state::AppState;

pub(super) fn run(state: &AppState, fix: bool) -> Result<(), CliError> {
    let started = std::time::Instant::now();
    let r = recount::recount_all(&state.pool, &state.layouts, fix)?;
    out!(
        "recounted {} responses in {} slices in {:.2} s",
        r.responses,
        r.slices,
        started.elapsed().as_secs_f64()
    );
    for d in &r.differences {
        out!("difference: {d}");
    }
    if r.differences.is_empty() {
        out!("running counts agree with the answers");
    } else if r.fixed {
        out!("running counts replaced by the recount");
    } else {
        return Err(CliError::Refused(format!(
            "{} slices differ (run with --fix to rebuild them)",
            r.differences.len()
        )));
    }
    Ok(())
}

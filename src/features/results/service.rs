//! Scores and the PAR INDEX report for a query, on a pooled connection off the async threads.

use crate::report::{self, ParReport, ScoreQuery};
use crate::scoring::Scores;
use crate::state::AppState;

pub use crate::report::ReportError;

pub async fn scores(state: &AppState, q: ScoreQuery) -> Result<Scores, ReportError> {
    let st = state.clone();
    state
        .db(move |conn| report::scores(conn, &st.catalog, &st.units, &q, st.settings.min_cell))
        .await
}

/// The PAR INDEX report (of the first whole-index tree loaded).
pub async fn par_report(state: &AppState, q: ScoreQuery) -> Result<ParReport, ReportError> {
    let st = state.clone();
    state
        .db(move |conn| {
            let tree = st.trees.first().ok_or(ReportError::NoParTree)?;
            report::par_report(
                conn,
                &st.catalog,
                &st.units,
                tree,
                st.plan.as_ref().as_ref(),
                &q,
                st.settings.min_cell,
            )
        })
        .await
}

/// [`scores`] for callers that may block (the CLI).
pub fn scores_blocking(state: &AppState, q: &ScoreQuery) -> Result<Scores, ReportError> {
    state.db_blocking(|conn| {
        report::scores(
            conn,
            &state.catalog,
            &state.units,
            q,
            state.settings.min_cell,
        )
    })
}

/// The breakdowns of a survey's headline (whole period), cells under `min_n` withheld.
pub async fn breakdowns(
    state: &AppState,
    q: ScoreQuery,
    min_n: i64,
) -> Result<crate::breakdown::Breakdowns, ReportError> {
    let st = state.clone();
    state
        .db(move |conn| crate::report::breakdowns(conn, &st.catalog, &st.units, &q, min_n))
        .await
}

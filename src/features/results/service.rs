//! Scores, breakdowns and the PAR INDEX report of a checked query, and what each results page
//! shows: synchronous, over the state (handlers run them off the async threads).

use crate::breakdown::Breakdowns;
use crate::db::AnyConnection;
use crate::report::{self, ParReport, ScoreQuery};
use crate::scoring::Scores;
use crate::state::AppState;
use crate::survey::{Survey, Unit};

pub use crate::report::ReportError;

pub fn scores(st: &AppState, q: &ScoreQuery) -> Result<Scores, ReportError> {
    st.db_blocking(|conn| scores_on(conn, st, q))
}

/// [`scores`] on a connection the caller holds (a page that reads several surveys' scores
/// takes one connection for all of them).
pub fn scores_on(
    conn: &mut AnyConnection,
    st: &AppState,
    q: &ScoreQuery,
) -> Result<Scores, ReportError> {
    report::scores(conn, &st.catalog, &st.units, q, st.settings.min_cell)
}

/// [`scores`], under the name callers outside the crate know it by.
pub fn scores_blocking(st: &AppState, q: &ScoreQuery) -> Result<Scores, ReportError> {
    scores(st, q)
}

/// The PAR INDEX report (of the first whole-index tree loaded).
pub fn par_report(st: &AppState, q: &ScoreQuery) -> Result<ParReport, ReportError> {
    st.db_blocking(|conn| par_report_on(conn, st, q))
}

/// [`par_report`] on a connection the caller holds.
pub fn par_report_on(
    conn: &mut AnyConnection,
    st: &AppState,
    q: &ScoreQuery,
) -> Result<ParReport, ReportError> {
    let tree = st.trees.first().ok_or(ReportError::NoParTree)?;
    report::par_report(
        conn,
        &st.catalog,
        &st.units,
        tree,
        st.plan.as_ref().as_ref(),
        q,
        st.settings.min_cell,
    )
}

/// The breakdowns of a survey's headline (whole period), cells under `min_n` withheld.
pub fn breakdowns_of(st: &AppState, q: &ScoreQuery, min_n: i64) -> Result<Breakdowns, ReportError> {
    st.db_blocking(|conn| crate::report::breakdowns(conn, &st.catalog, &st.units, q, min_n))
}

/// [`breakdowns_of`] for callers on the async threads.
pub async fn breakdowns(
    state: &AppState,
    q: ScoreQuery,
    min_n: i64,
) -> Result<Breakdowns, ReportError> {
    state.run(move |st| breakdowns_of(st, &q, min_n)).await
}

/// The units of a map a user may see: their scope and what lies below it, or every unit.
pub fn visible_units(st: &AppState, map: Option<&str>, scope: Option<&str>) -> Vec<Unit> {
    let allowed = scope.map(|s| st.units.subtree(s));
    st.units
        .units_of(map)
        .into_iter()
        .filter(|u| allowed.as_ref().is_none_or(|a| a.contains(&u.code)))
        .cloned()
        .collect()
}

/// SIPAS surveys, the counter form first.
pub fn sipas_surveys(st: &AppState) -> Vec<&Survey> {
    let mut v: Vec<_> = st
        .catalog
        .surveys
        .values()
        .filter(|s| s.instrument == "sipas")
        .collect();
    v.sort_by_key(|s| (s.id != "sipas-counter", s.id.clone()));
    v
}

/// The survey a page shows when none is asked: the first of `instrument`, or of any.
pub fn first_survey(st: &AppState, instrument: Option<&str>) -> Option<String> {
    match instrument {
        Some("sipas") => sipas_surveys(st).first().map(|s| s.id.clone()),
        Some(i) => st
            .catalog
            .surveys
            .values()
            .find(|s| s.instrument == i)
            .map(|s| s.id.clone()),
        None => st.catalog.surveys.keys().next().cloned(),
    }
}

/// Whether the query's survey is of `instrument` (a page shows only its own).
fn of_instrument(st: &AppState, q: &ScoreQuery, instrument: &str) -> bool {
    st.catalog
        .get(&q.survey)
        .is_some_and(|s| s.instrument == instrument)
}

/// What the scores page shows.
pub struct ScoresView {
    pub q: ScoreQuery,
    pub scores: Scores,
    /// The units the reader may choose.
    pub units: Vec<Unit>,
}

pub fn scores_view(
    st: &AppState,
    q: ScoreQuery,
    scope: Option<&str>,
) -> Result<ScoresView, ReportError> {
    Ok(ScoresView {
        scores: scores(st, &q)?,
        units: visible_units(st, q.map.as_deref(), scope),
        q,
    })
}

/// A survey's root this year where the query is the whole city: a ward's value is no estimate
/// of the city's path.
pub fn city_root<'a>(
    units: &crate::survey::UnitTree,
    unit: Option<&str>,
    scores: &'a Scores,
) -> Option<&'a crate::scoring::NodeScore> {
    let whole = unit.is_none_or(|u| units.get(u).is_some_and(|u| u.parent.is_none()));
    scores.nodes.first().filter(|_| whole)
}

/// What the SIPAS page and its exports show; None where the survey is no SIPAS survey.
pub struct SipasView {
    pub q: ScoreQuery,
    pub b: Breakdowns,
    /// The units the reader may choose.
    pub choices: Vec<Unit>,
}

pub fn sipas(
    st: &AppState,
    q: ScoreQuery,
    scope: Option<&str>,
) -> Result<Option<SipasView>, ReportError> {
    if !of_instrument(st, &q, "sipas") {
        return Ok(None);
    }
    Ok(Some(SipasView {
        b: breakdowns_of(st, &q, st.settings.min_cell)?,
        choices: visible_units(st, q.map.as_deref(), scope),
        q,
    }))
}

/// The PAPI-aligned estimates (over the whole period) and the query they answer; None where
/// the survey is no PAPI-aligned survey.
pub fn papi(st: &AppState, mut q: ScoreQuery) -> Result<Option<(ScoreQuery, Scores)>, ReportError> {
    q.from = None;
    q.to = None;
    if !of_instrument(st, &q, "papi") {
        return Ok(None);
    }
    let s = scores(st, &q)?;
    Ok(Some((q, s)))
}

/// What the public page shows for a year.
pub struct PublicView {
    pub survey: String,
    pub b: Breakdowns,
    /// The fewest answers a published cell rests on.
    pub min_n: i64,
    /// The years that may be chosen, newest first.
    pub periods: Vec<i32>,
}

/// The city's SIPAS results of `period`, on today's map, for anyone; None without a SIPAS
/// survey.
pub fn public(st: &AppState, period: i32) -> Result<Option<PublicView>, ReportError> {
    let Some(survey) = sipas_surveys(st).first().map(|s| s.id.clone()) else {
        return Ok(None);
    };
    let map = st.units.set_on(st.clock.today()).map(|s| s.id.clone());
    let top = st
        .units
        .units_of(map.as_deref())
        .into_iter()
        .find(|u| u.parent.is_none())
        .map(|u| u.code.clone());
    let q = ScoreQuery {
        survey: survey.clone(),
        period,
        unit: top,
        from: None,
        to: None,
        map,
    };
    let min_n = st.settings.public_min_n.max(st.settings.min_cell);
    let mut b = breakdowns_of(st, &q, min_n)?;
    // The whole tree is shown only where the year itself clears the threshold.
    if b.year.node.is_none() {
        b.scores.nodes.clear();
    }
    let this_year = st.clock.year();
    Ok(Some(PublicView {
        survey,
        b,
        min_n,
        periods: ((this_year - 4).max(2000)..=this_year).rev().collect(),
    }))
}

//! Pages for signed-in staff and leaders.

use super::api::ScoreParams;
use super::extract::{Csrf, SignedIn};
use crate::app::reports;
use crate::error::PageError;
use crate::state::AppState;
use crate::survey::Unit;
use crate::views::scores::{scores, ScoresPage};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// The units of a map a user may see: their scope and what lies below it, or every unit.
fn visible_units(state: &AppState, map: Option<&str>, scope: Option<&str>) -> Vec<Unit> {
    let allowed = scope.map(|s| state.units.subtree(s));
    state
        .units
        .units_of(map)
        .into_iter()
        .filter(|u| allowed.as_ref().is_none_or(|a| a.contains(&u.code)))
        .cloned()
        .collect()
}

pub async fn scores_page(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let catalog = state.catalog.clone();
    let mut params = params.into_inner();
    params.survey = params
        .survey
        .filter(|s| !s.is_empty())
        .or_else(|| catalog.surveys.keys().next().cloned());
    if params.period.as_deref().unwrap_or("").is_empty() {
        params.period = Some(state.clock.year().to_string());
    }
    // Today's map by default.
    if params.map.as_deref().unwrap_or("").is_empty() {
        params.map = state
            .units
            .set_on(state.clock.today())
            .map(|s| s.id.clone());
    }
    if params.unit.as_deref().unwrap_or("").is_empty() {
        params.unit = user
            .unit
            .clone()
            .or_else(|| state.units.units.first().map(|u| u.code.clone()));
    }
    let mut q = params.query().map_err(|e| PageError::invalid(&e))?;
    // A user scoped to a unit sees that unit and what lies below it, nothing else.
    if let Some(scope) = &user.unit {
        let allowed = state.units.subtree(scope);
        if !q.unit.as_ref().is_some_and(|u| allowed.contains(u)) {
            q.unit = Some(scope.clone());
        }
    }
    // A unit that is not on the chosen map: the map's top instead.
    if let Some(map) = &q.map {
        let on_map = state.units.units_of(Some(map));
        if !q
            .unit
            .as_ref()
            .is_some_and(|u| on_map.iter().any(|x| &x.code == u))
        {
            q.unit = user
                .unit
                .clone()
                .or_else(|| on_map.first().map(|u| u.code.clone()));
        }
    }
    let scored = reports::scores(&state, q.clone()).await?;
    let survey = catalog.get(&q.survey).ok_or_else(PageError::not_found)?;
    let role = user.role.to_string();
    let units = visible_units(&state, q.map.as_deref(), user.unit.as_deref());
    let page = scores(&ScoresPage {
        username: &user.username,
        role: &role,
        csrf: &csrf.token,
        surveys: catalog.surveys.values().collect(),
        units: &units,
        sets: &state.units.sets,
        map: q.map.as_deref().unwrap_or(""),
        merged: state.units.merged_baselines_on(q.map.as_deref()),
        survey,
        period: q.period,
        unit: q.unit.as_deref().unwrap_or(""),
        from: q.from.as_deref().unwrap_or(""),
        to: q.to.as_deref().unwrap_or(""),
        scores: &scored,
    });
    Ok(csrf.page(StatusCode::OK, page))
}

//! Pages for signed-in staff and leaders.

use crate::features::api::routes::ScoreParams;
use crate::features::results::routes::visible_units;
use crate::features::results::scores_page::{scores, ScoresPage};
use crate::features::results::service as reports;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::extract::{Csrf, SignedIn};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

pub async fn scores_page(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: crate::text::Lang,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let catalog = state.catalog.clone();
    let q = crate::features::results::routes::page_query(
        &state,
        user.unit.as_deref(),
        params.into_inner(),
        catalog.surveys.keys().next().cloned(),
        "/scores",
    )?;
    let scored = reports::scores(&state, q.clone()).await?;
    let survey = catalog.get(&q.survey).ok_or_else(PageError::no_page)?;
    let units = visible_units(&state, q.map.as_deref(), user.unit.as_deref());
    let here = match req.query_string() {
        "" => req.path().to_string(),
        qs => format!("{}?{qs}", req.path()),
    };
    let unit_code = q.unit.as_deref().unwrap_or("");
    let below_top = state
        .units
        .get(unit_code)
        .and_then(|u| u.parent.as_ref().map(|_| u.name.as_str()));
    let page = scores(&ScoresPage {
        lang,
        here: &here,
        username: &user.username,
        role: user.role,
        csrf: &csrf.token,
        surveys: catalog.surveys.values().collect(),
        units: &units,
        sets: &state.units.sets,
        map: q.map.as_deref().unwrap_or(""),
        merged: state.units.merged_baselines_on(q.map.as_deref()),
        survey,
        period: q.period,
        unit: unit_code,
        unit_owner: below_top,
        from: q.from.as_deref().unwrap_or(""),
        to: q.to.as_deref().unwrap_or(""),
        scores: &scored,
        min_cell: state.settings.min_cell,
    });
    Ok(csrf.page(StatusCode::OK, page))
}

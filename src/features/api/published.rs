//! `GET /api/v1/published`: the published results the pages compare this year with, each with
//! its sources, and the PAPI province table.

use crate::state::AppState;
use crate::survey::published::Published;
use crate::web::extract::ApiCaller;
use actix_web::{web, HttpResponse};

/// Published PAR INDEX, SIPAS and PAPI results since 2020 (the city's, the merged provinces'
/// and national means), each year's rank-20 line (exact or only bounded), and the PAPI
/// province table, with every figure's sources.
#[utoipa::path(
    get,
    path = "/api/v1/published",
    tag = "scores",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published results and their sources", body = Published),
        crate::features::api::responses::TokenChecked,
    )
)]
pub async fn published(state: web::Data<AppState>, _: ApiCaller) -> HttpResponse {
    HttpResponse::Ok().json(state.published.as_ref())
}

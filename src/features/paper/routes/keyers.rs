//! Keyer statistics.

use crate::features::paper::keyers_page as view;
use crate::features::paper::service::statistics as service;
use crate::web::error::PageError;
use crate::web::extract::Surveyor;
use crate::web::reader::Reader;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct StatsQuery {
    survey: Option<String>,
    period: Option<String>,
}

pub async fn show(
    desk: Reader<Surveyor>,
    q: web::Query<StatsQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let report = desk
        .run(move |st, u| service::report(st, u, q.survey.as_deref(), q.period.as_deref()))
        .await?
        .ok_or_else(PageError::not_found)?;
    let page = view::keyers(&view::KeyersPage {
        staff: desk.staff_at(&desk.here),
        surveys: desk.state.catalog.surveys.values().collect(),
        survey: super::survey(&desk.state, &report.survey_id)?,
        report: &report,
    });
    Ok(desk.page_with(StatusCode::OK, page))
}

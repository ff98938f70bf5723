//! Pages for signed-in staff and leaders.

use super::auth::{csrf_token, current_user, to_login};
use crate::error::PageError;
use crate::report::{self, ReportError};
use crate::startup::AppState;
use crate::views::scores::{scores, ScoresPage};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Datelike;
use std::collections::HashMap;

pub async fn scores_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = current_user(&state, &req).await? else {
        return Ok(to_login());
    };
    let catalog = state.catalog.clone();
    let survey_id = query
        .get("survey")
        .cloned()
        .or_else(|| catalog.surveys.keys().next().cloned())
        .unwrap_or_default();
    let default_unit = user
        .unit
        .clone()
        .or_else(|| state.units.units.first().map(|u| u.code.clone()))
        .unwrap_or_default();
    let mut q = super::api::score_query(&{
        let mut m = query.clone().into_inner();
        m.insert("survey".into(), survey_id);
        m.entry("period".into())
            .or_insert_with(|| chrono::Utc::now().year().to_string());
        m.entry("unit".into()).or_insert(default_unit);
        m
    })
    .map_err(|e| {
        PageError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Tham số không hợp lệ",
            e.to_string(),
        )
    })?;
    // A user scoped to a unit sees that unit and what lies below it, nothing else.
    if let Some(scope) = &user.unit {
        let allowed = state.units.subtree(scope);
        if !q.unit.as_ref().is_some_and(|u| allowed.contains(u)) {
            q.unit = Some(scope.clone());
        }
    }
    let scored = match super::scores_of(&state, q.clone()).await {
        Ok(s) => s,
        Err(ReportError::Invalid(e)) => {
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Tham số không hợp lệ",
                e.to_string(),
            ))
        }
        Err(ReportError::Db(e)) => return Err(e.into()),
    };
    let Some(survey) = catalog.get(&q.survey) else {
        return Err(PageError::not_found());
    };
    let (csrf, set) = csrf_token(&req);
    let role = user.role.to_string();
    let units = match &user.unit {
        Some(scope) => {
            let allowed = state.units.subtree(scope);
            state
                .units
                .units
                .iter()
                .filter(|u| allowed.contains(&u.code))
                .cloned()
                .collect()
        }
        None => state.units.units.clone(),
    };
    let page = scores(&ScoresPage {
        username: &user.username,
        role: &role,
        csrf: &csrf,
        surveys: catalog.surveys.values().collect(),
        units: &units,
        survey,
        period: q.period,
        unit: q.unit.as_deref().unwrap_or(""),
        from: q.from.as_deref().unwrap_or(""),
        to: q.to.as_deref().unwrap_or(""),
        scores: &scored,
    });
    let mut r = HttpResponse::Ok();
    if let Some(c) = set {
        r.cookie(c);
    }
    Ok(r.content_type("text/html; charset=utf-8")
        .body(page.into_string()))
}

pub async fn parindex_page(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = current_user(&state, &req).await? else {
        return Ok(to_login());
    };
    let period = query
        .get("period")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| chrono::Utc::now().year());
    let unit = user.unit.clone();
    let q = report::ScoreQuery {
        survey: String::new(),
        period,
        unit: unit.clone(),
        from: None,
        to: None,
    };
    let r = match super::par_of(&state, q).await {
        Ok(r) => r,
        Err(ReportError::Invalid(_)) => return Err(PageError::not_found()),
        Err(ReportError::Db(e)) => return Err(e.into()),
    };
    let unit_name = unit
        .as_deref()
        .and_then(|u| state.units.get(u))
        .or_else(|| state.units.units.first())
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let (csrf, set) = csrf_token(&req);
    let role = user.role.to_string();
    let mut resp = HttpResponse::Ok();
    if let Some(c) = set {
        resp.cookie(c);
    }
    Ok(resp.content_type("text/html; charset=utf-8").body(
        crate::views::parindex::parindex(&r, &user.username, &role, &csrf, &unit_name)
            .into_string(),
    ))
}

//! JSON API for integrators: submit responses, read definitions, units and scores.

use super::SubmitError;
use crate::db::auth::{self, Role};
use crate::db::responses::Stored;
use crate::error::ApiError;
use crate::report::{ReportError, ScoreQuery};
use crate::startup::AppState;
use crate::survey::{RawSubmission, Survey};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// How long a checked token is trusted without asking the database again (a revoked token
/// stops working within this time).
const TOKEN_CACHE: std::time::Duration = std::time::Duration::from_secs(30);

/// Largest body accepted anywhere (a whole questionnaire is a few KiB).
pub const MAX_BODY: usize = 64 * 1024;

fn bearer(req: &HttpRequest) -> Option<String> {
    let h = req.headers().get("Authorization")?.to_str().ok()?;
    let token = h.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// The role of the request's bearer token, if it has at least `min`.
async fn authorize(state: &AppState, req: &HttpRequest, min: Role) -> Result<Role, ApiError> {
    let token = bearer(req).ok_or_else(ApiError::unauthorized)?;
    let hash = auth::hash_token(&token);
    let cached = state.token_cache.lock().ok().and_then(|m| {
        m.get(&hash)
            .filter(|(_, at)| at.elapsed() < TOKEN_CACHE)
            .map(|(r, _)| *r)
    });
    let role = match cached {
        Some(r) => r,
        None => {
            let pool = state.pool.clone();
            let role = web::block(move || -> Result<_, crate::db::DbError> {
                let mut conn = pool.get()?;
                auth::token_role(&mut conn, &token)
            })
            .await??
            .ok_or_else(ApiError::unauthorized)?;
            if let Ok(mut m) = state.token_cache.lock() {
                m.insert(hash, (role, std::time::Instant::now()));
            }
            role
        }
    };
    if role < min {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("a {role} token cannot do this; it needs {min} or above"),
        ));
    }
    Ok(role)
}

/// Reads the body, refusing anything over [`MAX_BODY`] as it arrives.
pub async fn read_body(mut payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}"),
            )
        })?;
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("body is larger than {} KiB", MAX_BODY / 1024),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

const FIELDS: [&str; 10] = [
    "comments",
    "survey",
    "unit",
    "channel",
    "submission_id",
    "period",
    "group",
    "background",
    "answers",
    "date",
];

/// Parses a submission by hand so that every type error names its field.
pub fn parse_submission(body: &[u8]) -> Result<RawSubmission, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("body is not valid UTF-8 (at byte {})", e.valid_up_to()),
        )
    })?;
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "malformed JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })?;
    let Value::Object(obj) = value else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "body must be a JSON object",
        ));
    };
    if let Some(k) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::field(k.clone(), format!("unknown field '{k}'")));
    }
    let text_field = |name: &str, required: bool| -> Result<Option<String>, ApiError> {
        match obj.get(name) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            None | Some(Value::Null) if !required => Ok(None),
            None | Some(Value::Null) => Err(ApiError::field(name, "is required")),
            Some(_) => Err(ApiError::field(name, "must be text")),
        }
    };
    let object_field = |name: &str, required: bool| -> Result<Map<String, Value>, ApiError> {
        match obj.get(name) {
            Some(Value::Object(m)) => Ok(m.clone()),
            None | Some(Value::Null) if !required => Ok(Map::new()),
            None | Some(Value::Null) => Err(ApiError::field(name, "is required")),
            Some(_) => Err(ApiError::field(name, "must be an object")),
        }
    };
    let period = match obj.get("period") {
        Some(Value::Number(n)) => n
            .as_i64()
            .and_then(|p| i32::try_from(p).ok())
            .ok_or_else(|| ApiError::field("period", "must be a whole year"))?,
        None | Some(Value::Null) => return Err(ApiError::field("period", "is required")),
        Some(_) => return Err(ApiError::field("period", "must be a number (the year)")),
    };
    let required = |name: &str| -> Result<String, ApiError> {
        text_field(name, true)?.ok_or_else(|| ApiError::field(name, "is required"))
    };
    Ok(RawSubmission {
        survey: required("survey")?,
        unit: required("unit")?,
        channel: required("channel")?,
        submission_id: required("submission_id")?,
        period,
        group: text_field("group", false)?,
        background: object_field("background", false)?,
        answers: object_field("answers", true)?,
        comments: object_field("comments", false)?,
        date: text_field("date", false)?,
    })
}

pub async fn post_response(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &req, Role::Surveyor).await?;
    let body = read_body(payload).await?;
    let raw = parse_submission(&body)?;
    match super::submit(&state, raw).await {
        Ok(Stored::Created(id)) => Ok(HttpResponse::Created().json(json!({ "id": id }))),
        Ok(Stored::Existing(id)) => Ok(HttpResponse::Ok().json(json!({ "id": id }))),
        Err(SubmitError::Invalid(e)) => Err(e.into()),
        Err(SubmitError::Db(e)) => Err(e.into()),
        Err(SubmitError::Busy) => Err(ApiError::busy()),
    }
}

fn survey_json(s: &Survey) -> Value {
    let items: Vec<Value> = s
        .items()
        .map(|i| {
            let scale = s.scale_of(i);
            let values: Vec<Value> = scale
                .map(|sc| {
                    sc.values
                        .iter()
                        .map(|v| json!({"value": v.value, "label": v.label, "score": v.score.map(|d| d.to_string()), "missing": v.score.is_none()}))
                        .collect()
                })
                .unwrap_or_default();
            json!({
                "code": i.code,
                "text": i.text,
                "text_en": i.text_en,
                "values": values,
                "no_opinion": scale.and_then(|sc| sc.no_opinion.clone()),
                "required": i.required,
                "show_if": i.show_if,
            })
        })
        .collect();
    let background: Vec<Value> = s
        .background
        .iter()
        .map(|b| json!({"code": b.code, "text": b.text, "options": b.options, "required": b.required, "show_if": b.show_if}))
        .collect();
    json!({
        "id": s.id,
        "version": s.version,
        "title": s.title,
        "instrument": s.instrument,
        "groups": s.groups,
        "open": s.open,
        "items": items,
        "background": background,
    })
}

pub async fn surveys(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &req, Role::Viewer).await?;
    let list: Vec<Value> = state.catalog.surveys.values().map(survey_json).collect();
    Ok(HttpResponse::Ok().json(list))
}

pub async fn units(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    authorize(&state, &req, Role::Viewer).await?;
    Ok(HttpResponse::Ok().json(&state.units.units))
}

/// Reads `survey`, `period`, `unit`, `from`, `to` from a query string, naming bad fields.
pub fn score_query(q: &HashMap<String, String>) -> Result<ScoreQuery, ApiError> {
    let survey = q
        .get("survey")
        .cloned()
        .ok_or_else(|| ApiError::field("survey", "is required"))?;
    let period = q
        .get("period")
        .ok_or_else(|| ApiError::field("period", "is required"))?
        .parse()
        .map_err(|_| ApiError::field("period", "must be a year"))?;
    let opt = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    Ok(ScoreQuery {
        survey,
        period,
        unit: opt("unit"),
        from: opt("from"),
        to: opt("to"),
    })
}

pub async fn scores(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &req, Role::Viewer).await?;
    let q = score_query(&query)?;
    match super::scores_of(&state, q.clone()).await {
        Ok(s) => Ok(HttpResponse::Ok().json(json!({
            "survey": s.survey,
            "label": s.label,
            "period": q.period,
            "unit": q.unit,
            "from": q.from,
            "to": q.to,
            "responses": s.responses,
            "nodes": s.nodes,
        }))),
        Err(ReportError::Invalid(e)) => Err(e.into()),
        Err(ReportError::Db(e)) => Err(e.into()),
    }
}

/// The whole PAR INDEX tree with 2022 points and this period's survey-based estimates.
pub async fn parindex(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, ApiError> {
    authorize(&state, &req, Role::Viewer).await?;
    let mut q = query.into_inner();
    q.insert("survey".into(), String::new());
    let q = score_query(&q)?;
    match super::par_of(&state, q).await {
        Ok(r) => Ok(HttpResponse::Ok().json(r)),
        Err(ReportError::Invalid(e)) => Err(e.into()),
        Err(ReportError::Db(e)) => Err(e.into()),
    }
}

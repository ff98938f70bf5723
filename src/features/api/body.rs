//! What the API reads: the body (under a size cap, JSON only), a submission parsed so that
//! every wrong field is named, and the unit a scoped caller may submit for. Shared by the
//! API's handlers and the other routes that take JSON.

use crate::state::AppState;
use crate::survey::RawSubmission;
use crate::web::error::ApiError;
use crate::web::slice::outside_scope;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use serde_json::{Map, Value};

/// Largest body accepted anywhere (a whole questionnaire is a few KiB).
pub const MAX_BODY: usize = 64 * 1024;

/// Room one form of a sync batch is given in the batch's body bound: a household
/// questionnaire with comments is a few KiB.
pub const BATCH_BYTES_PER_FORM: usize = 16 * 1024;

/// Reads the body, refusing anything over [`MAX_BODY`] as it arrives.
pub async fn read_body(payload: web::Payload) -> Result<Vec<u8>, ApiError> {
    read_body_up_to(payload, MAX_BODY).await
}

/// Reads the body, refusing anything over `max` bytes as it arrives.
pub async fn read_body_up_to(mut payload: web::Payload, max: usize) -> Result<Vec<u8>, ApiError> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("cannot read the body: {e}"),
            )
        })?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("body is larger than {} KiB", max / 1024),
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
    submission_of(parse_json(body)?)
}

/// A body as JSON: not UTF-8 or not JSON is 400, saying where.
pub fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    let text = std::str::from_utf8(body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("body is not valid UTF-8 (at byte {})", e.valid_up_to()),
        )
    })?;
    serde_json::from_str(text).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "malformed JSON at line {} column {}: {e}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// One submission's JSON, every wrong field named.
pub fn submission_of(value: Value) -> Result<RawSubmission, ApiError> {
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

/// The API reads JSON only: a body declared as anything else is refused before it is read.
pub fn require_json(req: &HttpRequest) -> Result<(), ApiError> {
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = declared.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/json") {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "the body must be JSON, sent with Content-Type: application/json",
        ))
    }
}

/// A submission by a caller limited to a unit is for that unit or one below it.
pub fn in_scope(state: &AppState, scope: Option<&str>, unit: &str) -> Result<(), ApiError> {
    match scope {
        Some(s) if !state.units.subtree(s).iter().any(|u| u == unit) => Err(outside_scope(s, unit)),
        _ => Ok(()),
    }
}

//! `POST /api/v1/responses/batch`: many questionnaires in one request, as a tablet sends the
//! forms it collected offline. Each form is checked and answered on its own; all are handed
//! to the writer before any is waited for, so a batch costs one or a few commits.

use crate::db::responses::Stored;
use crate::features::api::body::{
    in_scope, parse_json, read_body_up_to, require_json, submission_of, BATCH_BYTES_PER_FORM,
    MAX_BODY,
};
use crate::features::submit::submit_all;
use crate::state::AppState;
use crate::survey::RawSubmission;
use crate::web::error::{ApiError, ErrorBody};
use crate::web::extract::{bearer, check_csrf, Surveyor, TokenOrSession};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

/// The header a signed-in page sends its CSRF token in (a bearer token needs none).
pub const CSRF_HEADER: &str = "X-CSRF-Token";

/// What became of one form of a batch, at its place in the batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchItem {
    /// 201 stored now, 200 stored before under this submission_id, 422 refused (`field`
    /// names why), 403 a unit outside the caller's, 503 the server was busy (retry).
    pub status: u16,
    /// The stored response's id (201 and 200).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// One form of a batch as sent: a JSON object, checked on its own as `POST /api/v1/responses`
/// checks one (the fields of `RawSubmission`); a form refused answers 422 in its place.
pub struct SentForm;

impl utoipa::PartialSchema for SentForm {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some(
                "A submission as `POST /api/v1/responses` takes one (see RawSubmission); checked on its own",
            ))
            .into()
    }
}

impl utoipa::ToSchema for SentForm {}

/// One answer per form, in the batch's order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BatchResults {
    pub results: Vec<BatchItem>,
}

/// Stores the forms of a batch, each on its own: the good ones are stored even when others
/// are refused, a form sent before answers 200 with its first id, and every stored form is
/// committed before the answer. A batch past the bound is refused whole.
#[utoipa::path(
    post,
    path = "/api/v1/responses/batch",
    tag = "responses",
    request_body(content = Vec<SentForm>, content_type = "application/json",
        description = "A JSON array of submissions, each as `POST /api/v1/responses` takes one; at most `batch_max_forms` (default 500)"),
    params(
        ("X-CSRF-Token" = Option<String>, Header, description = "A signed-in page's CSRF token: needed with the session cookie, not with a bearer token"),
    ),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "One result per form, in order: `status` 201 (stored), 200 (stored before: the first id), 422 (refused: `field` names why), 403 (a unit outside the caller's), 503 (busy: retry that form)", body = BatchResults),
        (status = 401, description = "No bearer token or session, or not a valid one", body = ErrorBody),
        (status = 403, description = "Below surveyor; a session without its CSRF token; a request from a page of another site", body = ErrorBody),
        (status = 413, description = "More forms than `batch_max_forms`, or a body past its bound: the limit is named, nothing was stored", body = ErrorBody),
        (status = 422, description = "The body is not an array of JSON objects (`field` names the first item that is not one): nothing was stored", body = ErrorBody),
        (status = 503, description = "The database is unavailable: retry", body = ErrorBody),
        crate::features::api::responses::JsonRefused,
    )
)]
pub async fn post_batch(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: TokenOrSession<Surveyor>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    require_json(&req)?;
    page_sent(&req)?;
    let most = state.settings.batch_max_forms;
    let body = read_body_up_to(payload, body_bound(most)).await?;
    let forms = forms_of(parse_json(&body)?, most)?;
    let results = store(&state, caller.unit.as_deref(), forms).await;
    Ok(HttpResponse::Ok().json(BatchResults { results }))
}

/// The largest body a batch of `most` forms may have.
pub fn body_bound(most: usize) -> usize {
    most.saturating_mul(BATCH_BYTES_PER_FORM).max(MAX_BODY)
}

/// A call with a session rather than a token comes from a page: it must carry the page's
/// CSRF token, as every form does.
fn page_sent(req: &HttpRequest) -> Result<(), ApiError> {
    if bearer(req).is_some() {
        return Ok(());
    }
    let sent = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    check_csrf(req, sent).map_err(|_| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            format!("a signed-in page must send its CSRF token in {CSRF_HEADER}"),
        )
    })
}

/// The forms of a batch; past `most` the batch is refused whole.
fn forms_of(value: Value, most: usize) -> Result<Vec<Value>, ApiError> {
    let Value::Array(forms) = value else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "the body must be a JSON array of submissions",
        ));
    };
    if forms.len() > most {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "a batch holds at most {most} forms (batch_max_forms); this one has {}; nothing was stored",
                forms.len()
            ),
        ));
    }
    // Each form is checked on its own, but only a JSON object is a form at all.
    if let Some(i) = forms.iter().position(|f| !f.is_object()) {
        return Err(crate::survey::FieldError::new(
            format!("[{i}]"),
            format!("form {i} of the batch is not a JSON object; nothing was stored"),
        )
        .into());
    }
    Ok(forms)
}

/// Checks each form (its fields, the caller's unit), stores those that pass together, and
/// answers every form at its place.
async fn store(state: &AppState, scope: Option<&str>, forms: Vec<Value>) -> Vec<BatchItem> {
    let checked: Vec<Result<RawSubmission, ApiError>> = forms
        .into_iter()
        .map(|f| {
            let raw = submission_of(f)?;
            in_scope(state, scope, &raw.unit)?;
            Ok(raw)
        })
        .collect();
    let passed: Vec<RawSubmission> = checked
        .iter()
        .filter_map(|c| c.as_ref().ok().cloned())
        .collect();
    let mut stored = submit_all(state, &passed).await.into_iter();
    checked
        .into_iter()
        .map(|c| match c {
            Err(e) => refused(e),
            Ok(_) => match stored.next() {
                Some(Ok(s)) => done(s),
                Some(Err(e)) => refused(ApiError::from(e)),
                None => refused(ApiError::busy()),
            },
        })
        .collect()
}

fn done(s: Stored) -> BatchItem {
    let status = match s {
        Stored::Created(_) => 201,
        Stored::Existing(_) => 200,
    };
    BatchItem {
        status,
        id: Some(s.id().to_string()),
        error: None,
        field: None,
    }
}

fn refused(e: ApiError) -> BatchItem {
    BatchItem {
        status: e.status.as_u16(),
        id: None,
        error: Some(e.message),
        field: e.field,
    }
}

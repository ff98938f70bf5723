//! JSON API for integrators: submit responses, read definitions, units and scores, export
//! responses.

use crate::db::responses::Stored;
use crate::features::api::download::streamed;
use crate::features::api::json::{Created, ExportParams, ScoresJson, SurveyJson};
use crate::features::api::responses::{JsonRefused, NoBearer, QueryRefused, TokenChecked};
use crate::features::export::service as export;
use crate::features::results::service as results;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission};
use crate::web::error::{ApiError, ErrorBody};
use crate::web::extract::{ApiCaller, Supervisor, Surveyor, TokenOrSession};
use crate::web::slice::{ScoreParams, Slice, SurveyFill};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::features::api::body::{in_scope, parse_submission, read_body, require_json};

/// Stores one questionnaire. The same `submission_id` again answers 200 with the first id and
/// stores nothing twice; a refused body stores nothing.
#[utoipa::path(
    post,
    path = "/api/v1/responses",
    tag = "responses",
    request_body(content = RawSubmission, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored: the response's id", body = Created),
        (status = 200, description = "This submission_id was stored before: the same id, nothing stored twice", body = Created),
        (status = 403, description = "A viewer token; a unit outside the token's unit; a request from a page of another site", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong: `field` names it; nothing was stored", body = ErrorBody),
        (status = 503, description = "The server is busy or the database unavailable: nothing was stored, retry", body = ErrorBody),
        NoBearer, JsonRefused,
    )
)]
pub async fn post_response(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: ApiCaller<Surveyor>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    require_json(&req)?;
    let body = read_body(payload).await?;
    let raw = parse_submission(&body)?;
    in_scope(&state, caller.unit.as_deref(), &raw.unit)?;
    Ok(match crate::features::submit::submit(&state, raw).await? {
        Stored::Created(id) => HttpResponse::Created().json(Created { id }),
        Stored::Existing(id) => HttpResponse::Ok().json(Created { id }),
    })
}

/// Every loaded instrument, with what a submission to it may contain.
#[utoipa::path(
    get,
    path = "/api/v1/surveys",
    tag = "definitions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every loaded survey", body = [SurveyJson]),
        TokenChecked,
    )
)]
pub async fn surveys(state: web::Data<AppState>, _: ApiCaller) -> HttpResponse {
    let list: Vec<SurveyJson> = state.catalog.surveys.values().map(SurveyJson::of).collect();
    HttpResponse::Ok().json(list)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnitsParams {
    /// Only the units of this unit set.
    map: Option<String>,
}

/// Every unit of every set (each with the sets it belongs to), or those of one set.
#[utoipa::path(
    get,
    path = "/api/v1/units",
    tag = "definitions",
    params(UnitsParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The units", body = [crate::survey::Unit]),
        (status = 400, description = "The query string cannot be read", body = ErrorBody),
        (status = 422, description = "An unknown unit set (`field`: `map`)", body = ErrorBody),
        TokenChecked,
    )
)]
pub async fn units(
    state: web::Data<AppState>,
    _: ApiCaller,
    params: web::Query<UnitsParams>,
) -> Result<HttpResponse, ApiError> {
    let map = params.map.as_deref().filter(|m| !m.is_empty());
    if let Some(m) = map {
        if state.units.set(m).is_none() {
            return Err(FieldError::new("map", format!("unknown unit set '{m}'")).into());
        }
    }
    Ok(HttpResponse::Ok().json(state.units.units_of(map)))
}

/// The index tree as scores: every node's value, interval, points, 2022 baseline, target and
/// owner; each root node carries the chance of the top 20.
#[utoipa::path(
    get,
    path = "/api/v1/scores",
    tag = "scores",
    params(ScoreParams),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The scored tree", body = ScoresJson),
        (status = 403, description = "A unit outside the token's unit (`field`: `unit`)", body = ErrorBody),
        NoBearer, QueryRefused,
    )
)]
pub async fn scores(
    state: web::Data<AppState>,
    caller: ApiCaller,
    slice: Slice,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.unit.as_deref();
    let q = slice.for_api(scope, SurveyFill::Required)?;
    let (s, q) = state
        .run(move |st| results::scores(st, &q).map(|s| (s, q)))
        .await?;
    Ok(HttpResponse::Ok().json(ScoresJson::of(&state, &q, &s)))
}

/// The whole PAR INDEX tree with 2022 points and this period's survey-based estimates.
#[utoipa::path(
    get,
    path = "/api/v1/parindex",
    tag = "scores",
    params(
        ("period" = i32, Query, description = "The year, from 2000 to 2100 (else 422, `field`: `period`)", minimum = 2000, maximum = 2100),
        ("unit" = Option<String>, Query, description = "A unit code: the survey-based criteria from that unit and the units below it"),
        ("from" = Option<String>, Query, description = "First day counted (YYYY-MM-DD)", format = Date),
        ("to" = Option<String>, Query, description = "Last day counted (YYYY-MM-DD)", format = Date),
        ("map" = Option<String>, Query, description = "The unit set (map) to read the unit on"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every criterion this year and the projected total", body = crate::report::ParReport),
        (status = 403, description = "A unit outside the token's unit (`field`: `unit`)", body = ErrorBody),
        (status = 404, description = "No PAR INDEX tree is loaded", body = ErrorBody),
        NoBearer, QueryRefused,
    )
)]
pub async fn parindex(
    state: web::Data<AppState>,
    caller: ApiCaller,
    slice: Slice,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.unit.as_deref();
    let q = slice.for_api(scope, SurveyFill::Ignored)?;
    let report = state.run(move |st| results::par_report(st, &q)).await?;
    Ok(HttpResponse::Ok().json(report))
}

/// One row per form of a survey's period (and unit), as a CSV or XLSX download, streamed as
/// it is read. For tokens of a supervisor or above, and for signed-in supervisors and
/// admins, so that pages can link to it; a user limited to a unit exports only that unit.
#[utoipa::path(
    get,
    path = "/api/v1/export",
    tag = "responses",
    params(ExportParams),
    security(("bearer" = []), ("session" = [])),
    responses(
        (status = 200, description = "One row per form: id, unit, channel, period, date, group, status, background codes, then item codes (CSV is UTF-8 with a BOM)",
            content(
                (String = "text/csv"),
                (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            )
        ),
        (status = 401, description = "No bearer token or session, or not a valid one", body = ErrorBody),
        (status = 403, description = "Below supervisor; a unit outside the caller's unit (`field`: `unit`)", body = ErrorBody),
        (status = 500, description = "The file could not be written", body = ErrorBody),
        QueryRefused,
    )
)]
pub async fn export(
    state: web::Data<AppState>,
    caller: TokenOrSession<Supervisor>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let plan = export::plan(&state, params.request()?, caller.unit.as_deref())?;
    let (name, content_type) = (plan.file_name(), plan.format.content_type());
    let chunks = export::start(&state, plan)?;
    streamed(chunks, &name, content_type).await
}

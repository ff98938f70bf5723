//! JSON API for integrators: submit responses, read definitions, units and scores, export
//! responses.

use crate::db::responses::Stored;
use crate::features::export::service::{ExportRequest, Format};
use crate::report::ScoreQuery;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Survey};
use crate::web::error::{ApiError, ErrorBody};
use crate::web::extract::{ApiCaller, Supervisor, Surveyor, TokenOrSession};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Largest body accepted anywhere (a whole questionnaire is a few KiB).
pub const MAX_BODY: usize = 64 * 1024;

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

/// The API reads JSON only: a body declared as anything else is refused before it is read.
fn require_json(req: &HttpRequest) -> Result<(), ApiError> {
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
        (status = 400, description = "The body is not UTF-8 or not JSON", body = ErrorBody),
        (status = 401, description = "No bearer token, or not a valid one", body = ErrorBody),
        (status = 403, description = "A viewer token; a unit outside the token's unit; a request from a page of another site", body = ErrorBody),
        (status = 413, description = "The body is larger than 64 KiB", body = ErrorBody),
        (status = 415, description = "The body is not sent as application/json", body = ErrorBody),
        (status = 422, description = "A field is missing or wrong: `field` names it; nothing was stored", body = ErrorBody),
        (status = 503, description = "The server is busy or the database unavailable: nothing was stored, retry", body = ErrorBody),
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
    in_scope(&state, caller.unit.as_deref(), Some(raw.unit.clone()))?;
    Ok(match crate::features::submit::submit(&state, raw).await? {
        Stored::Created(id) => HttpResponse::Created().json(Created { id }),
        Stored::Existing(id) => HttpResponse::Ok().json(Created { id }),
    })
}

/// The stored response.
#[derive(Serialize, utoipa::ToSchema)]
struct Created {
    id: String,
}

/// A definition as integrators need it to build submissions.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Survey)]
struct SurveyJson<'a> {
    id: &'a str,
    version: &'a str,
    title: &'a str,
    instrument: &'a str,
    groups: &'a [crate::survey::Choice],
    open: &'a [crate::survey::OpenQuestion],
    items: Vec<ItemJson<'a>>,
    background: Vec<BackgroundJson<'a>>,
}

/// A scored question.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Item)]
struct ItemJson<'a> {
    code: &'a str,
    text: &'a str,
    text_en: &'a Option<String>,
    values: Vec<ValueJson<'a>>,
    no_opinion: Option<&'a str>,
    required: bool,
    show_if: &'a Option<crate::survey::Condition>,
}

/// An answer an item allows.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = AnswerValue)]
struct ValueJson<'a> {
    value: i16,
    label: &'a str,
    /// Exact decimal, as text; absent for a value that counts as missing.
    score: Option<String>,
    missing: bool,
}

/// A background question (field of procedure, age band, …).
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Background)]
struct BackgroundJson<'a> {
    code: &'a str,
    text: &'a str,
    options: &'a [crate::survey::Choice],
    required: bool,
    show_if: &'a Option<crate::survey::Condition>,
}

impl<'a> SurveyJson<'a> {
    fn of(s: &'a Survey) -> Self {
        let items = s
            .items()
            .map(|i| {
                let scale = s.scale_of(i);
                ItemJson {
                    code: &i.code,
                    text: &i.text,
                    text_en: &i.text_en,
                    values: scale
                        .map(|sc| {
                            sc.values
                                .iter()
                                .map(|v| ValueJson {
                                    value: v.value,
                                    label: &v.label,
                                    score: v.score.map(|d| d.to_string()),
                                    missing: v.score.is_none(),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    no_opinion: scale.and_then(|sc| sc.no_opinion.as_deref()),
                    required: i.required,
                    show_if: &i.show_if,
                }
            })
            .collect();
        let background = s
            .background
            .iter()
            .map(|b| BackgroundJson {
                code: &b.code,
                text: &b.text,
                options: &b.options,
                required: b.required,
                show_if: &b.show_if,
            })
            .collect();
        SurveyJson {
            id: &s.id,
            version: &s.version,
            title: &s.title,
            instrument: &s.instrument,
            groups: &s.groups,
            open: &s.open,
            items,
            background,
        }
    }
}

/// Every loaded instrument, with what a submission to it may contain.
#[utoipa::path(
    get,
    path = "/api/v1/surveys",
    tag = "definitions",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every loaded survey", body = [SurveyJson]),
        (status = 401, description = "No bearer token, or not a valid one", body = ErrorBody),
        (status = 503, description = "The database is unavailable (checking the token): retry", body = ErrorBody),
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
        (status = 401, description = "No bearer token, or not a valid one", body = ErrorBody),
        (status = 422, description = "An unknown unit set (`field`: `map`)", body = ErrorBody),
        (status = 503, description = "The database is unavailable (checking the token): retry", body = ErrorBody),
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

/// The query string of score requests, as sent; [`ScoreParams::query`] checks it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreParams {
    /// The survey id.
    #[param(required)]
    pub survey: Option<String>,
    /// The year, from 2000 to 2100 (else 422, `field`: `period`).
    #[param(required, value_type = i32, minimum = 2000, maximum = 2100)]
    pub period: Option<String>,
    /// A unit code: that unit and the units below it; the whole city when absent.
    pub unit: Option<String>,
    /// First day counted (YYYY-MM-DD).
    #[param(format = Date)]
    pub from: Option<String>,
    /// Last day counted (YYYY-MM-DD).
    #[param(format = Date)]
    pub to: Option<String>,
    /// The unit set (map) to read the unit on.
    pub map: Option<String>,
}

impl ScoreParams {
    /// The query, naming the field that is missing or wrong.
    pub fn query(&self) -> Result<ScoreQuery, FieldError> {
        let opt = |v: &Option<String>| v.as_ref().filter(|v| !v.is_empty()).cloned();
        let survey = self
            .survey
            .clone()
            .ok_or_else(|| FieldError::new("survey", "is required"))?;
        let period = crate::features::export::service::parse_period(
            &opt(&self.period).ok_or_else(|| FieldError::new("period", "is required"))?,
        )?;
        Ok(ScoreQuery {
            survey,
            period,
            unit: opt(&self.unit),
            from: opt(&self.from),
            to: opt(&self.to),
            map: opt(&self.map),
        })
    }
}

/// The scored index tree of one survey, period and unit.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Scores)]
struct ScoresJson<'a> {
    survey: &'a str,
    label: &'a Option<String>,
    period: i32,
    unit: &'a Option<String>,
    from: &'a Option<String>,
    to: &'a Option<String>,
    responses: i64,
    map: &'a Option<String>,
    map_notes: &'a [String],
    /// The range of days could single out a few forms against another range: every node is
    /// withheld; `range_note` says to choose whole months.
    range_withheld: bool,
    range_note: Option<String>,
    /// On the merged city's map: the 2022 baselines of the three former provinces and their
    /// population-weighted combination (an estimate).
    #[serde(skip_serializing_if = "Option::is_none")]
    merged_baselines: Option<&'a crate::survey::MergedBaselines>,
    nodes: &'a [crate::scoring::NodeScore],
}

/// The unit a caller limited to a unit asks about: their own when none is named, refused when
/// it lies outside their unit and the units below it. Callers without a scope get what they
/// asked for.
fn in_scope(
    state: &AppState,
    scope: Option<&str>,
    asked: Option<String>,
) -> Result<Option<String>, ApiError> {
    match (scope, asked) {
        (None, asked) => Ok(asked),
        (Some(s), None) => Ok(Some(s.to_string())),
        (Some(s), Some(u)) if state.units.subtree(s).contains(&u) => Ok(Some(u)),
        (Some(s), Some(u)) => Err(ApiError {
            status: StatusCode::FORBIDDEN,
            message: format!(
                "this token may use only unit '{s}' and the units below it, not '{u}'"
            ),
            field: Some("unit".into()),
        }),
    }
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
        (status = 400, description = "The query string cannot be read", body = ErrorBody),
        (status = 401, description = "No bearer token, or not a valid one", body = ErrorBody),
        (status = 403, description = "A unit outside the token's unit (`field`: `unit`)", body = ErrorBody),
        (status = 422, description = "A parameter is missing or wrong: `field` names it", body = ErrorBody),
        (status = 503, description = "The database is unavailable: retry", body = ErrorBody),
    )
)]
pub async fn scores(
    state: web::Data<AppState>,
    caller: ApiCaller,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, ApiError> {
    let mut q = params.query()?;
    q.unit = in_scope(&state, caller.unit.as_deref(), q.unit)?;
    let s = crate::features::results::service::scores(&state, q.clone()).await?;
    Ok(HttpResponse::Ok().json(ScoresJson {
        survey: &s.survey,
        label: &s.label,
        period: q.period,
        unit: &q.unit,
        from: &q.from,
        to: &q.to,
        responses: s.responses,
        map: &s.map,
        map_notes: &s.map_notes,
        range_withheld: s.range_withheld,
        range_note: s.range_withheld.then(|| {
            format!(
                "{} / {}",
                crate::scoring::ranges::WITHHELD_VI,
                crate::scoring::ranges::WITHHELD_EN
            )
        }),
        merged_baselines: state.units.merged_baselines_on(s.map.as_deref()),
        nodes: &s.nodes,
    }))
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
        (status = 400, description = "The query string cannot be read", body = ErrorBody),
        (status = 401, description = "No bearer token, or not a valid one", body = ErrorBody),
        (status = 403, description = "A unit outside the token's unit (`field`: `unit`)", body = ErrorBody),
        (status = 404, description = "No PAR INDEX tree is loaded", body = ErrorBody),
        (status = 422, description = "A parameter is missing or wrong: `field` names it", body = ErrorBody),
        (status = 503, description = "The database is unavailable: retry", body = ErrorBody),
    )
)]
pub async fn parindex(
    state: web::Data<AppState>,
    caller: ApiCaller,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, ApiError> {
    let mut q = ScoreParams {
        survey: Some(String::new()),
        ..params.into_inner()
    }
    .query()?;
    q.unit = in_scope(&state, caller.unit.as_deref(), q.unit)?;
    Ok(HttpResponse::Ok().json(crate::features::results::service::par_report(&state, q).await?))
}

/// The query string of an export, as sent; [`ExportParams::request`] checks it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// The survey id.
    #[param(required)]
    pub survey: Option<String>,
    /// The year, from 2000 to 2100 (else 422, `field`: `period`).
    #[param(required, value_type = i32, minimum = 2000, maximum = 2100)]
    pub period: Option<String>,
    /// A unit code: that unit and the units below it; the whole city when absent.
    pub unit: Option<String>,
    /// `csv` (the default) or `xlsx`.
    #[param(pattern = "^(csv|xlsx)$")]
    pub format: Option<String>,
}

impl ExportParams {
    /// The request, naming the field that is missing or wrong.
    pub fn request(&self) -> Result<ExportRequest, FieldError> {
        let opt = |v: &Option<String>| v.as_ref().filter(|v| !v.is_empty()).cloned();
        let survey = opt(&self.survey).ok_or_else(|| FieldError::new("survey", "is required"))?;
        let period = crate::features::export::service::parse_period(
            &opt(&self.period).ok_or_else(|| FieldError::new("period", "is required"))?,
        )?;
        let format = match opt(&self.format) {
            None => Format::Csv,
            Some(f) => Format::parse(&f).ok_or_else(|| {
                FieldError::new("format", format!("'{f}' is not a format; use csv or xlsx"))
            })?,
        };
        Ok(ExportRequest {
            survey,
            period,
            unit: opt(&self.unit),
            format,
        })
    }
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
        (status = 400, description = "The query string cannot be read", body = ErrorBody),
        (status = 401, description = "No bearer token or session, or not a valid one", body = ErrorBody),
        (status = 403, description = "Below supervisor; a unit outside the caller's unit (`field`: `unit`)", body = ErrorBody),
        (status = 422, description = "A parameter is missing or wrong: `field` names it", body = ErrorBody),
        (status = 500, description = "The file could not be written", body = ErrorBody),
        (status = 503, description = "The database is unavailable: retry", body = ErrorBody),
    )
)]
pub async fn export(
    state: web::Data<AppState>,
    caller: TokenOrSession<Supervisor>,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, ApiError> {
    let plan =
        crate::features::export::service::plan(&state, params.request()?, caller.unit.as_deref())?;
    let (name, format) = (plan.file_name(), plan.format);
    let mut chunks = crate::features::export::service::start(&state, plan)?;
    // An error found before the first byte (the database, an XLSX too large) is the answer.
    let first = match chunks.recv().await {
        Some(Err(e)) => return Err(e.into()),
        first => first,
    };
    let rest = futures_util::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|c| (c, chunks))
    });
    let body = futures_util::stream::iter(first)
        .chain(rest)
        .map(|chunk| match chunk {
            Ok(bytes) => Ok(web::Bytes::from(bytes)),
            // Half-way through, the client can only be told by a cut-off download.
            Err(e) => Err(actix_web::error::ErrorInternalServerError(e.to_string())),
        });
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .streaming(body))
}

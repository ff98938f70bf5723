//! Results pages: SIPAS with its breakdowns, and their table exports.

use crate::features::api::routes::ScoreParams;
use crate::features::results::service as reports;
use crate::features::results::service::ReportError;
use crate::report::ScoreQuery;
use crate::state::AppState;
use crate::survey::Unit;
use crate::text::FieldProblem;
use crate::text::Lang;
use crate::ui::table;
use crate::web::error::ApiError;
use crate::web::error::PageError;
use crate::web::extract::{Csrf, SignedIn};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The units of a map a user may see: their scope and what lies below it, or every unit.
pub fn visible_units(state: &AppState, map: Option<&str>, scope: Option<&str>) -> Vec<Unit> {
    let allowed = scope.map(|s| state.units.subtree(s));
    state
        .units
        .units_of(map)
        .into_iter()
        .filter(|u| allowed.as_ref().is_none_or(|a| a.contains(&u.code)))
        .cloned()
        .collect()
}

/// A page's query from its address: defaults filled in (this year, today's map, the user's
/// unit or the top), the unit kept within the user's scope; every mistake named in the
/// reader's language with a link back to `back`.
pub fn page_query(
    state: &AppState,
    scope: Option<&str>,
    params: ScoreParams,
    default_survey: Option<String>,
    back: &str,
) -> Result<ScoreQuery, PageError> {
    let bad = |field: &str, vi: String, en: String| {
        PageError::invalid(&FieldProblem::new(field, vi, en), back)
    };
    let opt = |v: &Option<String>| v.as_ref().filter(|v| !v.trim().is_empty()).cloned();
    let survey = opt(&params.survey).or(default_survey).ok_or_else(|| {
        bad(
            "survey",
            "Chưa có phiếu khảo sát nào.".into(),
            "No survey is loaded.".into(),
        )
    })?;
    if state.catalog.get(&survey).is_none() {
        return Err(bad(
            "survey",
            format!("Không có phiếu khảo sát “{survey}”. Xin chọn phiếu trong danh sách."),
            format!("There is no survey “{survey}”. Choose one from the list."),
        ));
    }
    let period = match opt(&params.period) {
        None => state.clock.year(),
        Some(p) => match p.trim().parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => y,
            _ => {
                return Err(bad(
                    "period",
                    format!(
                        "Năm “{p}” không hợp lệ: xin nhập năm bằng 4 chữ số, ví dụ {}.",
                        state.clock.year()
                    ),
                    format!(
                        "“{p}” is not a year: enter a year of 4 digits, e.g. {}.",
                        state.clock.year()
                    ),
                ))
            }
        },
    };
    let map = match opt(&params.map) {
        Some(m) if state.units.set(&m).is_none() => {
            return Err(bad(
                "map",
                format!("Không có bản đồ đơn vị “{m}”."),
                format!("There is no unit map “{m}”."),
            ))
        }
        Some(m) => Some(m),
        None => state
            .units
            .set_on(state.clock.today())
            .map(|s| s.id.clone()),
    };
    let on_map = state.units.units_of(map.as_deref());
    let mut unit = opt(&params.unit);
    if let Some(u) = &unit {
        if state.units.get(u).is_none() {
            return Err(bad(
                "unit",
                format!("Không có đơn vị mã “{u}”. Xin chọn đơn vị trong danh sách."),
                format!("There is no unit with the code “{u}”. Choose one from the list."),
            ));
        }
    }
    // A user scoped to a unit sees that unit and what lies below it, nothing else.
    if let Some(scope) = scope {
        let allowed = state.units.subtree(scope);
        if !unit.as_ref().is_some_and(|u| allowed.contains(u)) {
            unit = Some(scope.to_string());
        }
    }
    // A unit that is not on the chosen map: the map's top (or the user's unit) instead.
    if !unit
        .as_ref()
        .is_some_and(|u| on_map.iter().any(|x| &x.code == u))
    {
        unit = scope.map(str::to_string).or_else(|| {
            on_map
                .iter()
                .find(|u| u.parent.is_none())
                .map(|u| u.code.clone())
        });
    }
    let date = |field: &str, v: Option<String>| -> Result<Option<String>, PageError> {
        match v {
            Some(d) if chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").is_err() => Err(bad(
                field,
                format!("Ngày “{d}” không hợp lệ: xin chọn ngày trong lịch."),
                format!("“{d}” is not a date: pick a day in the calendar."),
            )),
            v => Ok(v),
        }
    };
    let from = date("from", opt(&params.from))?;
    let to = date("to", opt(&params.to))?;
    if let (Some(f), Some(t)) = (&from, &to) {
        if f > t {
            return Err(bad(
                "to",
                "“Từ ngày” đang sau “Đến ngày”: xin đổi lại để ngày bắt đầu không sau ngày kết thúc.".into(),
                "“From” is after “To”: change them so that the start is not after the end.".into(),
            ));
        }
    }
    Ok(ScoreQuery {
        survey,
        period,
        unit,
        from,
        to,
        map,
    })
}

fn here(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}

/// SIPAS surveys, the counter form first.
fn sipas_surveys(state: &AppState) -> Vec<&crate::survey::Survey> {
    let mut v: Vec<_> = state
        .catalog
        .surveys
        .values()
        .filter(|s| s.instrument == "sipas")
        .collect();
    v.sort_by_key(|s| (s.id != "sipas-counter", s.id.clone()));
    v
}

pub async fn sipas_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let surveys = sipas_surveys(&state);
    let q = page_query(
        &state,
        user.unit.as_deref(),
        params.into_inner(),
        surveys.first().map(|s| s.id.clone()),
        "/sipas",
    )?;
    let survey = state
        .catalog
        .get(&q.survey)
        .filter(|s| s.instrument == "sipas")
        .ok_or_else(PageError::no_page)?;
    let b = reports::breakdowns(&state, q.clone(), state.settings.min_cell).await?;
    let choices = visible_units(&state, q.map.as_deref(), user.unit.as_deref());
    let here = here(&req);
    let page = crate::features::results::sipas_page::sipas(
        &crate::features::results::sipas_page::SipasPage {
            lang,
            here: &here,
            username: &user.username,
            role: user.role,
            csrf: &csrf.token,
            surveys,
            survey,
            period: q.period,
            map: q.map.as_deref().unwrap_or(""),
            sets: &state.units.sets,
            choices: &choices,
            units: &state.units,
            b: &b,
            scope: user.unit.as_deref(),
        },
    );
    Ok(csrf.page(StatusCode::OK, page))
}

#[derive(serde::Deserialize)]
pub struct ExportParams {
    #[serde(flatten)]
    pub q: ScoreParams,
    pub table: Option<String>,
    pub format: Option<String>,
}

/// A table as a download: CSV (UTF-8 with a byte-order mark) or XLSX.
pub fn download(
    lang: Lang,
    t: &table::Table,
    name: &str,
    format: &str,
) -> Result<HttpResponse, PageError> {
    let (body, mime, ext) = match format {
        "xlsx" => (
            table::xlsx(lang, t).map_err(|e| {
                log::error!("xlsx of {name}: {e}");
                PageError::busy()
            })?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => (table::csv(lang, t), "text/csv; charset=utf-8", "csv"),
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}.{ext}\""),
        ))
        .body(body))
}

/// Checks an export's table and format, in the reader's language.
pub fn export_choice(p: &ExportParams, back: &str) -> Result<(String, String), PageError> {
    let format = p.format.clone().unwrap_or_else(|| "csv".into());
    if !matches!(format.as_str(), "csv" | "xlsx") {
        return Err(PageError::invalid(
            &FieldProblem::new(
                "format",
                "Định dạng tải về là csv hoặc xlsx.",
                "The download format is csv or xlsx.",
            ),
            back,
        ));
    }
    Ok((p.table.clone().unwrap_or_default(), format))
}

pub async fn sipas_export(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    lang: Lang,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, PageError> {
    let p = params.into_inner();
    let (id, format) = export_choice(&p, "/sipas")?;
    let surveys = sipas_surveys(&state);
    let q = page_query(
        &state,
        user.unit.as_deref(),
        p.q,
        surveys.first().map(|s| s.id.clone()),
        "/sipas",
    )?;
    let survey = state
        .catalog
        .get(&q.survey)
        .filter(|s| s.instrument == "sipas")
        .ok_or_else(PageError::no_page)?;
    let b = reports::breakdowns(&state, q.clone(), state.settings.min_cell).await?;
    let tables = crate::features::results::sipas_page::tables(
        lang,
        survey,
        &state.units,
        &b,
        q.period,
        q.map.as_deref().unwrap_or(""),
    );
    let t = tables
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(PageError::no_page)?;
    let name = format!("sipas-{}-{}-{}", t.id, q.period, b.unit);
    download(lang, t, &name, &format)
}

#[derive(serde::Deserialize)]
pub struct PublicParams {
    pub period: Option<String>,
}

/// `/public`: the city's SIPAS results by unit and period, for anyone; cacheable (five
/// minutes, with an ETag of the page itself).
pub async fn public_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: Lang,
    params: web::Query<PublicParams>,
) -> Result<HttpResponse, PageError> {
    let survey = sipas_surveys(&state)
        .into_iter()
        .next()
        .ok_or_else(PageError::no_page)?;
    let this_year = state.clock.year();
    let period = match params
        .period
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        None => this_year,
        Some(p) => match p.parse::<i32>() {
            Ok(y) if (2000..=this_year).contains(&y) => y,
            _ => {
                return Err(PageError::invalid(
                    &FieldProblem::new(
                        "period",
                        format!("Xin chọn một năm từ 2000 đến {this_year}."),
                        format!("Choose a year from 2000 to {this_year}."),
                    ),
                    "/public",
                ))
            }
        },
    };
    let map = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    let top = state
        .units
        .units_of(map.as_deref())
        .into_iter()
        .find(|u| u.parent.is_none())
        .map(|u| u.code.clone());
    let q = ScoreQuery {
        survey: survey.id.clone(),
        period,
        unit: top,
        from: None,
        to: None,
        map,
    };
    let min_n = state.settings.public_min_n.max(state.settings.min_cell);
    let b = reports::breakdowns(&state, q, min_n).await?;
    // The whole tree is shown only where the year itself clears the threshold.
    let mut b = b;
    if b.year.node.is_none() {
        b.scores.nodes.clear();
    }
    let periods: Vec<i32> = ((this_year - 4).max(2000)..=this_year).rev().collect();
    let here = here(&req);
    let body = crate::features::results::public_page::public(
        &crate::features::results::public_page::PublicPage {
            lang,
            here: &here,
            survey,
            period,
            periods: &periods,
            units: &state.units,
            b: &b,
            min_n,
        },
    )
    .into_string();
    use sha2::Digest;
    let etag = format!(
        "\"{}\"",
        hex::encode(&sha2::Sha256::digest(body.as_bytes())[..12])
    );
    let cache = ("Cache-Control", "public, max-age=300");
    let matches = req
        .headers()
        .get("If-None-Match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return Ok(HttpResponse::NotModified()
            .insert_header(cache)
            .insert_header(("ETag", etag))
            .finish());
    }
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(cache)
        .insert_header(("ETag", etag))
        .insert_header(("Vary", "Cookie"))
        .body(body))
}

fn papi_survey(state: &AppState) -> Option<&crate::survey::Survey> {
    state
        .catalog
        .surveys
        .values()
        .find(|s| s.instrument == "papi")
}

/// The PAPI-aligned estimates and the query they answer.
async fn papi_scores(
    state: &AppState,
    scope: Option<&str>,
    params: ScoreParams,
) -> Result<(ScoreQuery, crate::scoring::Scores), PageError> {
    let default = papi_survey(state).map(|s| s.id.clone());
    let mut q = page_query(state, scope, params, default, "/papi")?;
    q.from = None;
    q.to = None;
    if state
        .catalog
        .get(&q.survey)
        .is_none_or(|s| s.instrument != "papi")
    {
        return Err(PageError::no_page());
    }
    let s = reports::scores(state, q.clone()).await?;
    Ok((q, s))
}

pub async fn papi_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let (q, scores) = papi_scores(&state, user.unit.as_deref(), params.into_inner()).await?;
    let survey = state
        .catalog
        .get(&q.survey)
        .ok_or_else(PageError::no_page)?;
    let unit = q.unit.clone().unwrap_or_default();
    let unit_name = state
        .units
        .get(&unit)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let here = here(&req);
    let page =
        crate::features::results::papi_page::papi(&crate::features::results::papi_page::PapiPage {
            lang,
            here: &here,
            username: &user.username,
            role: user.role,
            csrf: &csrf.token,
            survey,
            period: q.period,
            unit: &unit,
            unit_name: &unit_name,
            map: q.map.as_deref().unwrap_or(""),
            scores: &scores,
        });
    Ok(csrf.page(StatusCode::OK, page))
}

pub async fn papi_export(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    lang: Lang,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse, PageError> {
    let p = params.into_inner();
    let (id, format) = export_choice(&p, "/papi")?;
    let (q, scores) = papi_scores(&state, user.unit.as_deref(), p.q).await?;
    let tables = crate::features::results::papi_page::tables(lang, &scores);
    let t = tables
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(PageError::no_page)?;
    let name = format!(
        "papi-{}-{}-{}",
        t.id,
        q.period,
        q.unit.as_deref().unwrap_or("")
    );
    download(lang, t, &name, &format)
}

impl From<ReportError> for PageError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Invalid(e) => PageError::parameter(&e),
            ReportError::Db(e) => e.into(),
            ReportError::NoParTree => PageError::not_found(),
        }
    }
}

impl From<ReportError> for ApiError {
    fn from(e: ReportError) -> Self {
        match e {
            ReportError::Invalid(e) => e.into(),
            ReportError::Db(e) => e.into(),
            ReportError::NoParTree => ApiError::new(StatusCode::NOT_FOUND, e.to_string()),
        }
    }
}

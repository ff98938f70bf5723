//! Where the city stands: home, the PAR INDEX this year with its entry form, the lead
//! agencies' pages and the printable report.

use crate::features::standing::owners::Owners;
use crate::features::standing::page::{self as view, CriterionPage};
use crate::features::standing::report_page;
use crate::features::standing::service::{self as app, EntryError, EntryForm};
use crate::report::ScoreQuery;
use crate::state::AppState;
use crate::web::error::PageError;
use crate::web::extract::CsrfForm;
use crate::web::reader::Reader;
use crate::web::slice::{self, Fill, ScoreParams, Slice};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

crate::with_csrf!(EntryForm);

/// The page's query by the one rule; a refusal leads back to the page without its query.
fn query(reader: &Reader, slice: &Slice) -> Result<ScoreQuery, PageError> {
    slice.for_page(reader.user.unit.as_deref(), Fill::standing(), back(reader))
}

fn back(reader: &Reader) -> &str {
    reader.here.split('?').next().unwrap_or("/")
}

fn plan(state: &AppState) -> Result<&crate::survey::plan::Plan, PageError> {
    state
        .plan
        .as_ref()
        .as_ref()
        .ok_or_else(PageError::not_found)
}

/// `/`: the city's standing.
pub async fn home(reader: Reader, slice: Slice) -> Result<HttpResponse, PageError> {
    let (q, scope) = (query(&reader, &slice)?, reader.user.unit.clone());
    let (s, st) = reader
        .state
        .run(move |st| app::home(st, &q, scope.as_deref()))
        .await?;
    let plan = reader.state.plan.as_ref().as_ref();
    Ok(reader.page(view::home(&reader.staff(), &s, plan, &st)))
}

/// `/parindex`: the PAR INDEX this year.
pub async fn parindex(reader: Reader, slice: Slice) -> Result<HttpResponse, PageError> {
    let (q, scope) = (query(&reader, &slice)?, reader.user.unit.clone());
    let (s, report, gaps, path) = reader
        .state
        .run(move |st| app::parindex(st, &q, scope.as_deref()))
        .await?;
    let plan = reader.state.plan.as_ref().as_ref();
    Ok(reader.page(view::parindex(
        &reader.staff(),
        &s,
        plan,
        &report,
        &gaps,
        &path,
    )))
}

/// A criterion's page, with the form as posted and what is wrong with it (if anything).
async fn criterion_page(
    state: &AppState,
    reader: &Reader,
    code: String,
    form: &EntryForm,
    error: Option<(&str, &str)>,
    saved: bool,
) -> Result<HttpResponse, PageError> {
    let q = period_query(state, reader, &form.period)?;
    let user = reader.user.clone();
    let view = state
        .run(move |st| app::criterion(st, &user, &code, &q))
        .await?
        .ok_or_else(PageError::not_found)?;
    let status = match error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    let page = CriterionPage {
        view: &view,
        form,
        error,
        saved,
    };
    let owners = Owners {
        plan: state.plan.as_ref().as_ref(),
        lang: reader.lang,
        period: view.period,
        tree: state.trees.first().map_or("", |t| t.id.as_str()),
    };
    Ok(reader.page_with(status, view::criterion(&reader.staff(), &owners, &page)))
}

/// The query of a criterion's page: the period of its form, by the one rule.
fn period_query(state: &AppState, reader: &Reader, period: &str) -> Result<ScoreQuery, PageError> {
    let asked = ScoreParams {
        period: Some(period.to_string()),
        ..ScoreParams::default()
    };
    let scope = reader.user.unit.as_deref();
    slice::check(state, &asked, scope, Fill::standing())
        .map(|c| c.query)
        .map_err(|e| e.page(back(reader)))
}

#[derive(serde::Deserialize)]
pub struct PeriodParam {
    period: Option<String>,
    saved: Option<String>,
}

/// `/parindex/criteria/{code}`: a criterion's entries and, for its owner, the entry form.
pub async fn criterion(
    reader: Reader,
    code: web::Path<String>,
    q: web::Query<PeriodParam>,
) -> Result<HttpResponse, PageError> {
    let form = EntryForm {
        period: q.period.clone().unwrap_or_default(),
        ..EntryForm::default()
    };
    let saved = q.saved.is_some();
    criterion_page(
        &reader.state,
        &reader,
        code.into_inner(),
        &form,
        None,
        saved,
    )
    .await
}

/// `POST /parindex/criteria/{code}`: an owner enters this year's points with their evidence.
pub async fn enter(
    state: web::Data<AppState>,
    reader: Reader,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<EntryForm>,
) -> Result<HttpResponse, PageError> {
    let (user, c, f) = (reader.user.clone(), code.clone(), form.clone());
    match state.run(move |st| app::enter(st, &user, &c, &f)).await {
        Ok(()) => Ok(saved(&code, &form.period)),
        Err(EntryError::Invalid(e)) => {
            let error = Some((e.field.as_str(), reader.lang.text(&e.text)));
            criterion_page(&state, &reader, code.into_inner(), &form, error, false).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Back to the criterion's page after an entry, saying it was saved.
fn saved(code: &str, period: &str) -> HttpResponse {
    let at = format!("/parindex/criteria/{code}?period={}&saved=1", period.trim());
    crate::web::respond::see_other(at)
}

impl From<EntryError> for PageError {
    fn from(e: EntryError) -> Self {
        match e {
            EntryError::Forbidden => PageError::new(
                StatusCode::FORBIDDEN,
                ("Không có quyền nhập", "Not allowed to enter points"),
                (
                    "Chỉ cơ quan chủ trì tiêu chí này (tài khoản gắn với đơn vị của cơ quan) hoặc quản trị viên được nhập điểm. Chưa lưu gì. Quay lại trang PAR INDEX: /parindex",
                    "Only the agency leading this criterion (an account tied to the agency's unit) or an administrator may enter points. Nothing was saved. Back to the PAR INDEX page: /parindex",
                ),
            ),
            EntryError::Invalid(_) | EntryError::NotFound => PageError::not_found(),
            EntryError::Db(e) => e.into(),
        }
    }
}

/// `/agencies`: every lead agency with its points lost and tasks.
pub async fn agencies(reader: Reader, slice: Slice) -> Result<HttpResponse, PageError> {
    plan(&reader.state)?;
    let q = query(&reader, &slice)?;
    let period = q.period;
    let (_, _, gaps, _) = reader
        .state
        .run(move |st| app::parindex(st, &q, None))
        .await?;
    let plan = plan(&reader.state)?;
    Ok(reader.page(view::agencies(&reader.staff(), plan, period, &gaps)))
}

/// `/agencies/{code}`: an agency's criteria across the three indices, gaps and tasks.
pub async fn agency(
    reader: Reader,
    code: web::Path<String>,
    slice: Slice,
) -> Result<HttpResponse, PageError> {
    let a = plan(&reader.state)?
        .agency(&code)
        .ok_or_else(PageError::not_found)?;
    let (q, scope) = (query(&reader, &slice)?, reader.user.unit.clone());
    let (s, st) = reader
        .state
        .run(move |st| app::home(st, &q, scope.as_deref()))
        .await?;
    Ok(reader.page(view::agency(
        &reader.staff(),
        &s,
        plan(&reader.state)?,
        a,
        &st,
    )))
}

/// `/report`: the standing on A4 for a leaders' meeting.
pub async fn report(reader: Reader, slice: Slice) -> Result<HttpResponse, PageError> {
    let (q, scope, lang) = (
        query(&reader, &slice)?,
        reader.user.unit.clone(),
        reader.lang,
    );
    let read_at = reader.state.clock.now_utc();
    let (s, st, sipas) = reader
        .state
        .run(move |st| app::report(st, &q, scope.as_deref(), lang))
        .await?;
    let plan = reader.state.plan.as_ref().as_ref();
    let page = report_page::report(&reader.staff(), &s, plan, &st, &sipas, read_at);
    Ok(reader.page(page))
}

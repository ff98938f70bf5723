//! Results pages: SIPAS with its breakdowns, PAPI-aligned estimates, the public page, and
//! their table exports.

use crate::features::results::papi_page::{self, PapiPage};
use crate::features::results::public_page::{self, PublicPage};
use crate::features::results::respond::{cached, download, ExportParams};
use crate::features::results::service::{self, ReportError, SipasView};
use crate::features::results::sipas_page::{self, SipasPage};
use crate::features::results::sipas_tables;
use crate::state::AppState;
use crate::text::FieldProblem;
use crate::ui::staff::Staff;
use crate::ui::trajectory::of_root;
use crate::web::error::{ApiError, PageError};
use crate::web::reader::Reader;
use crate::web::slice::{Fill, Slice};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

/// The SIPAS page's query and what it shows, or no page where the survey is no SIPAS survey.
async fn sipas_view(
    state: &AppState,
    reader: &Reader,
    slice: &Slice,
    back: &str,
) -> Result<SipasView, PageError> {
    let scope = reader.user.unit.clone();
    let fill = Fill::page(service::first_survey(state, Some("sipas")));
    let q = slice.for_page(scope.as_deref(), fill, back)?;
    state
        .run(move |st| service::sipas(st, q, scope.as_deref()))
        .await?
        .ok_or_else(PageError::no_page)
}

fn sipas_of<'a>(
    state: &'a AppState,
    staff: Staff<'a>,
    scope: Option<&'a str>,
    v: &'a SipasView,
) -> Result<SipasPage<'a>, PageError> {
    Ok(SipasPage {
        staff,
        surveys: service::sipas_surveys(state),
        survey: crate::features::results::respond::survey_page_of(state, &v.q.survey)?,
        period: v.q.period,
        map: v.q.map.as_deref().unwrap_or(""),
        sets: &state.units.sets,
        choices: &v.choices,
        units: &state.units,
        b: &v.b,
        scope,
        path: of_root(
            &state.published,
            "sipas",
            v.q.period,
            service::city_root(&state.units, v.q.unit.as_deref(), &v.b.scores),
        ),
    })
}

pub async fn sipas_page(reader: Reader, slice: Slice) -> Result<HttpResponse, PageError> {
    let v = sipas_view(&reader.state, &reader, &slice, "/sipas").await?;
    let page = sipas_of(
        &reader.state,
        reader.staff(),
        reader.user.unit.as_deref(),
        &v,
    )?;
    Ok(reader.page(sipas_page::sipas(&page)))
}

pub async fn sipas_export(
    reader: Reader,
    slice: Slice,
    asked: web::Query<ExportParams>,
) -> Result<HttpResponse, PageError> {
    let (id, format) = asked.choice("/sipas")?;
    let v = sipas_view(&reader.state, &reader, &slice, "/sipas").await?;
    let p = sipas_of(&reader.state, reader.staff(), None, &v)?;
    let tables = sipas_tables::tables(reader.lang, p.survey, p.units, p.b, p.period, p.map);
    let name = |t: &str| format!("sipas-{t}-{}-{}", v.q.period, v.b.unit);
    download(reader.lang, &tables, &id, name, &format)
}

#[derive(serde::Deserialize)]
pub struct PublicParams {
    pub period: Option<String>,
}

impl PublicParams {
    /// A published year: from 2000 to this one, this one by default.
    fn period(&self, this_year: i32) -> Result<i32, PageError> {
        let asked = self.period.as_deref().map(str::trim);
        match asked.filter(|p| !p.is_empty()) {
            None => Ok(this_year),
            Some(p) => p
                .parse::<i32>()
                .ok()
                .filter(|y| (2000..=this_year).contains(y))
                .ok_or_else(|| {
                    PageError::invalid(
                        &FieldProblem::new(
                            "period",
                            format!("Xin chọn một năm từ 2000 đến {this_year}."),
                            format!("Choose a year from 2000 to {this_year}."),
                        ),
                        "/public",
                    )
                }),
        }
    }
}

/// `/public`: the city's SIPAS results by unit and period, for anyone; cacheable (five
/// minutes, with an ETag of the page itself).
/// What the public page shows: the year's SIPAS and the city's path since 2022.
fn public_of<'a>(
    state: &'a AppState,
    lang: crate::text::Lang,
    here: &'a str,
    period: i32,
    v: &'a service::PublicView,
) -> Result<PublicPage<'a>, PageError> {
    Ok(PublicPage {
        lang,
        here,
        survey: crate::features::results::respond::survey_page_of(state, &v.survey)?,
        period,
        periods: &v.periods,
        units: &state.units,
        b: &v.b,
        min_n: v.min_n,
        path: of_root(
            &state.published,
            "sipas",
            period,
            v.b.scores.nodes.first().filter(|_| v.b.year.node.is_some()),
        ),
    })
}

pub async fn public_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    lang: crate::text::Lang,
    asked: web::Query<PublicParams>,
) -> Result<HttpResponse, PageError> {
    let period = asked.period(state.clock.year())?;
    let v = state.run(move |st| service::public(st, period)).await?;
    let v = v.ok_or_else(PageError::no_page)?;
    let here = crate::web::extract::here(&req);
    let page = public_page::public(&public_of(&state, lang, &here, period, &v)?);
    Ok(cached(&req, page.into_string()))
}

/// The PAPI-aligned estimates and the query they answer, or no page where the survey is no
/// PAPI-aligned survey.
async fn papi_view(
    state: &AppState,
    reader: &Reader,
    slice: &Slice,
) -> Result<(crate::report::ScoreQuery, crate::scoring::Scores), PageError> {
    let fill = Fill::page(service::first_survey(state, Some("papi")));
    let q = slice.for_page(reader.user.unit.as_deref(), fill, "/papi")?;
    let v = state.run(move |st| service::papi(st, q)).await?;
    v.ok_or_else(PageError::no_page)
}

/// What the PAPI page shows: the estimates, the city's path since 2022 and the merged city.
fn papi_of<'a>(
    state: &'a AppState,
    staff: Staff<'a>,
    q: &'a crate::report::ScoreQuery,
    scores: &'a crate::scoring::Scores,
) -> Result<PapiPage<'a>, PageError> {
    let unit = q.unit.as_deref().unwrap_or_default();
    Ok(PapiPage {
        staff,
        survey: crate::features::results::respond::survey_page_of(state, &q.survey)?,
        period: q.period,
        unit,
        unit_name: state.units.get(unit).map_or("", |u| u.name.as_str()),
        map: q.map.as_deref().unwrap_or(""),
        scores,
        path: of_root(
            &state.published,
            "papi",
            q.period,
            service::city_root(&state.units, q.unit.as_deref(), scores),
        ),
        published: &state.published,
    })
}

pub async fn papi_page(reader: Reader, slice: Slice) -> Result<HttpResponse, PageError> {
    let (q, scores) = papi_view(&reader.state, &reader, &slice).await?;
    let page = papi_page::papi(&papi_of(&reader.state, reader.staff(), &q, &scores)?);
    Ok(reader.page(page))
}

pub async fn papi_export(
    reader: Reader,
    slice: Slice,
    asked: web::Query<ExportParams>,
) -> Result<HttpResponse, PageError> {
    let (id, format) = asked.choice("/papi")?;
    let (q, scores) = papi_view(&reader.state, &reader, &slice).await?;
    let tables = papi_page::tables(reader.lang, &scores);
    let unit = q.unit.as_deref().unwrap_or("");
    let name = |t: &str| format!("papi-{t}-{}-{unit}", q.period);
    download(reader.lang, &tables, &id, name, &format)
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

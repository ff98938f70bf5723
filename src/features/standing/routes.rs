//! Where the city stands: home, the PAR INDEX this year with its entry form, the lead
//! agencies' pages and the printable report.

use crate::db::auth::User;
use crate::features::api::routes::ScoreParams;
use crate::features::standing::page::{self as view, Ctx, Selection, SipasUnitRow};
use crate::features::standing::service::{self as app, EntryError, EntryForm};
use crate::report::ScoreQuery;
use crate::state::AppState;
use crate::survey::Unit;
use crate::text::FieldProblem;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{Csrf, CsrfForm, SignedIn, WithCsrf};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

impl WithCsrf for EntryForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The query of these pages: the period (this year by default), today's map, and the unit
/// (the user's scope, or the city), never outside the user's scope. A wrong choice leads back
/// to `back` without it.
fn query(
    state: &AppState,
    user: &User,
    params: &ScoreParams,
    back: &str,
) -> Result<ScoreQuery, PageError> {
    let opt = |v: &Option<String>| v.as_ref().filter(|v| !v.is_empty()).cloned();
    let period = match opt(&params.period) {
        None => state.clock.year(),
        Some(p) => p
            .parse()
            .ok()
            .filter(|p| (2000..=2100).contains(p))
            .ok_or_else(|| {
                PageError::invalid(
                    &FieldProblem::new(
                        "period",
                        "Năm phải là một năm, ví dụ 2025.",
                        "The year must be a year, e.g. 2025.",
                    ),
                    back,
                )
            })?,
    };
    let map = opt(&params.map)
        .filter(|m| state.units.set(m).is_some())
        .or_else(|| {
            state
                .units
                .set_on(state.clock.today())
                .map(|s| s.id.clone())
        });
    let on_map = state.units.units_of(map.as_deref());
    let mut unit = opt(&params.unit)
        .filter(|u| on_map.iter().any(|x| &x.code == u))
        .or_else(|| user.unit.clone())
        .or_else(|| on_map.first().map(|u| u.code.clone()));
    if let Some(scope) = &user.unit {
        let allowed = state.units.subtree(scope);
        if !unit.as_ref().is_some_and(|u| allowed.contains(u)) {
            unit = Some(scope.clone());
        }
    }
    Ok(ScoreQuery {
        survey: String::new(),
        period,
        unit,
        from: None,
        to: None,
        map,
    })
}

fn visible_units(state: &AppState, map: Option<&str>, scope: Option<&str>) -> Vec<Unit> {
    let allowed = scope.map(|s| state.units.subtree(s));
    state
        .units
        .units_of(map)
        .into_iter()
        .filter(|u| allowed.as_ref().is_none_or(|a| a.contains(&u.code)))
        .cloned()
        .collect()
}

fn here(req: &HttpRequest) -> String {
    match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    }
}

struct Page {
    q: ScoreQuery,
    units: Vec<Unit>,
    unit_name: String,
    role: crate::db::auth::Role,
    here: String,
}

fn prepare(
    state: &AppState,
    user: &User,
    req: &HttpRequest,
    params: &ScoreParams,
) -> Result<Page, PageError> {
    let q = query(state, user, params, req.path())?;
    let units = visible_units(state, q.map.as_deref(), user.unit.as_deref());
    let unit_name = q
        .unit
        .as_deref()
        .and_then(|u| state.units.get(u))
        .map(|u| u.name.clone())
        .unwrap_or_default();
    Ok(Page {
        q,
        units,
        unit_name,
        role: user.role,
        here: here(req),
    })
}

macro_rules! ctx_sel {
    ($state:expr, $user:expr, $csrf:expr, $lang:expr, $p:expr) => {
        (
            Ctx {
                lang: $lang,
                username: &$user.username,
                role: $p.role,
                csrf: &$csrf.token,
                here: &$p.here,
            },
            Selection {
                period: $p.q.period,
                unit: $p.q.unit.as_deref().unwrap_or(""),
                unit_name: &$p.unit_name,
                units: &$p.units,
                sets: &$state.units.sets,
                map: $p.q.map.as_deref().unwrap_or(""),
            },
        )
    };
}

/// `/`: the city's standing.
pub async fn home(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let p = prepare(&state, &user, &req, &params)?;
    let st = app::standing(&state, p.q.clone()).await?;
    let (c, s) = ctx_sel!(state, user, csrf, lang, p);
    Ok(csrf.page(
        StatusCode::OK,
        view::home(&c, &s, state.plan.as_ref().as_ref(), &st),
    ))
}

/// `/parindex`: the PAR INDEX this year.
pub async fn parindex(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let p = prepare(&state, &user, &req, &params)?;
    let report = crate::features::results::service::par_report(&state, p.q.clone()).await?;
    let (c, s) = ctx_sel!(state, user, csrf, lang, p);
    Ok(csrf.page(
        StatusCode::OK,
        view::parindex(&c, &s, state.plan.as_ref().as_ref(), &report),
    ))
}

#[allow(clippy::too_many_arguments)]
async fn criterion_page(
    state: &AppState,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    req: &HttpRequest,
    code: &str,
    form: &EntryForm,
    error: Option<(&str, &str)>,
    saved: bool,
) -> Result<HttpResponse, PageError> {
    let params = ScoreParams {
        period: Some(form.period.clone()),
        ..ScoreParams::default()
    };
    let mut p = prepare(state, user, req, &params)?;
    // Entries are the city's: the report is read for the whole city.
    p.q.unit = None;
    let report = crate::features::results::service::par_report(state, p.q.clone()).await?;
    let row = report
        .rows()
        .find(|r| r.code == code)
        .ok_or_else(PageError::not_found)?;
    let history = app::history(state, code, p.q.period).await?;
    let may = row.enterable && app::may_enter(state, user, &row.owner);
    let c = Ctx {
        lang,
        username: &user.username,
        role: p.role,
        csrf: &csrf.token,
        here: &p.here,
    };
    let status = match error {
        Some(_) => StatusCode::UNPROCESSABLE_ENTITY,
        None => StatusCode::OK,
    };
    Ok(csrf.page(
        status,
        view::criterion(
            &c,
            state.plan.as_ref().as_ref(),
            &view::CriterionPage {
                row,
                period: p.q.period,
                history: &history,
                may_enter: may,
                form,
                error,
                saved,
            },
        ),
    ))
}

#[derive(serde::Deserialize)]
pub struct PeriodParam {
    period: Option<String>,
    saved: Option<String>,
}

/// `/parindex/criteria/{code}`: a criterion's entries and, for its owner, the entry form.
pub async fn criterion(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    code: web::Path<String>,
    q: web::Query<PeriodParam>,
) -> Result<HttpResponse, PageError> {
    let form = EntryForm {
        period: q.period.clone().unwrap_or_default(),
        ..EntryForm::default()
    };
    criterion_page(
        &state,
        &user,
        &csrf,
        lang,
        &req,
        &code,
        &form,
        None,
        q.saved.is_some(),
    )
    .await
}

/// `POST /parindex/criteria/{code}`: an owner enters this year's points with their evidence.
pub async fn enter(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    code: web::Path<String>,
    CsrfForm(form): CsrfForm<EntryForm>,
) -> Result<HttpResponse, PageError> {
    match app::enter(&state, &user, &code, &form).await {
        Ok(()) => Ok(HttpResponse::SeeOther()
            .insert_header((
                "Location",
                format!("/parindex/criteria/{}?period={}&saved=1", code, form.period.trim()),
            ))
            .finish()),
        Err(EntryError::Invalid(e)) => {
            criterion_page(&state, &user, &csrf, lang, &req, &code, &form, Some((&e.field, lang.text(&e.text))), false).await
        }
        Err(EntryError::Forbidden) => Err(PageError::new(
            StatusCode::FORBIDDEN,
            ("Không có quyền nhập", "Not allowed to enter points"),
            (
                "Chỉ cơ quan chủ trì tiêu chí này (tài khoản gắn với đơn vị của cơ quan) hoặc quản trị viên được nhập điểm. Chưa lưu gì. Quay lại trang PAR INDEX: /parindex",
                "Only the agency leading this criterion (an account tied to the agency's unit) or an administrator may enter points. Nothing was saved. Back to the PAR INDEX page: /parindex",
            ),
        )),
        Err(EntryError::NotFound) => Err(PageError::not_found()),
        Err(EntryError::Db(e)) => Err(e.into()),
    }
}

/// `/agencies`: every lead agency with its points lost and tasks.
pub async fn agencies(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let plan = state
        .plan
        .as_ref()
        .as_ref()
        .ok_or_else(PageError::not_found)?;
    let p = prepare(&state, &user, &req, &params)?;
    let report = crate::features::results::service::par_report(&state, p.q.clone()).await?;
    let (c, _) = ctx_sel!(state, user, csrf, lang, p);
    Ok(csrf.page(StatusCode::OK, view::agencies(&c, plan, &report)))
}

/// `/agencies/{code}`: an agency's criteria across the three indices, gaps and tasks.
pub async fn agency(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    code: web::Path<String>,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let plan = state
        .plan
        .as_ref()
        .as_ref()
        .ok_or_else(PageError::not_found)?;
    let a = plan.agency(&code).ok_or_else(PageError::not_found)?;
    let p = prepare(&state, &user, &req, &params)?;
    let st = app::standing(&state, p.q.clone()).await?;
    let (c, s) = ctx_sel!(state, user, csrf, lang, p);
    Ok(csrf.page(StatusCode::OK, view::agency(&c, &s, plan, a, &st)))
}

/// `/report`: the standing on A4 for a leaders' meeting.
pub async fn report(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    params: web::Query<ScoreParams>,
) -> Result<HttpResponse, PageError> {
    let p = prepare(&state, &user, &req, &params)?;
    let st = app::standing(&state, p.q.clone()).await?;
    // SIPAS by unit: the chosen unit and the units directly below it, from the counter form
    // (the first SIPAS form with answers), read from the running counts.
    let sipas = st
        .surveys
        .iter()
        .filter(|s| s.instrument == "sipas")
        .max_by_key(|s| s.scores.responses)
        .map(|s| {
            let title = lang.titled(&s.title, s.title_en.as_deref());
            (s.survey.clone(), title.to_string())
        });
    // The unit itself, and the units directly below it.
    let mut here: Option<SipasUnitRow> = None;
    let mut below: Vec<SipasUnitRow> = Vec::new();
    let mut title = String::new();
    if let Some((survey, t)) = sipas {
        title = t;
        // One read of the counts for the unit and every unit below it.
        let q = ScoreQuery {
            survey,
            ..p.q.clone()
        };
        let b = crate::features::results::service::breakdowns(&state, q, state.settings.min_cell)
            .await?;
        let name = |code: &str| {
            state
                .units
                .get(code)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| code.to_string())
        };
        if p.q.unit.is_some() {
            let root = b.scores.nodes.first();
            here = Some(SipasUnitRow {
                unit: p.unit_name.clone(),
                value: root.and_then(|n| n.value),
                ci: root.and_then(|n| n.ci_low.zip(n.ci_high)),
                n: root.map(|n| n.n).unwrap_or(0),
                points: root.and_then(|n| n.points.clone()),
            });
        }
        below = b
            .below
            .iter()
            .map(|c| SipasUnitRow {
                unit: name(&c.key),
                value: c.node.as_ref().and_then(|n| n.value),
                ci: c.node.as_ref().and_then(|n| n.ci_low.zip(n.ci_high)),
                n: c.node.as_ref().map(|n| n.n).unwrap_or(c.responses),
                points: c.node.as_ref().and_then(|n| n.points.clone()),
            })
            .collect();
    }
    // Units without answers, or (below) with too few to show, make no row on paper, only a
    // count.
    let without = here.iter().chain(&below).filter(|r| r.n == 0).count();
    let few = below
        .iter()
        .filter(|r| r.n > 0 && r.value.is_none())
        .count();
    let rows: Vec<SipasUnitRow> = here
        .into_iter()
        .filter(|r| r.n > 0)
        .chain(below.into_iter().filter(|r| r.value.is_some()))
        .collect();
    let (c, s) = ctx_sel!(state, user, csrf, lang, p);
    Ok(csrf.page(
        StatusCode::OK,
        view::report(
            &c,
            &s,
            state.plan.as_ref().as_ref(),
            &st,
            &view::SipasByUnit {
                title,
                rows,
                without,
                few,
                min_cell: state.settings.min_cell,
            },
        ),
    ))
}

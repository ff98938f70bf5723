//! Survey staff: batches of paper forms, the keying screen, disputes, keyer statistics, the
//! audit trail and the printable form.

use crate::db::audit;
use crate::db::auth::User;
use crate::features::audit::page as audit_view;
use crate::features::paper::page::{self as view, Staff};
use crate::features::paper::service::PaperError as PaperErr;
use crate::features::paper::service::{self as paper, Decision, KeyedForm, NewBatch, PaperError};
use crate::features::paper::{
    dispute_page as dispute_view, keyers_page as keyers_view, print_page as print,
};
use crate::state::AppState;
use crate::survey::paper::{layout, KeyError, Keyed};
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{here, Csrf, CsrfForm, SignedIn, Supervisor, Surveyor, WithCsrf};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::collections::BTreeMap;

fn staff<'a>(user: &'a User, csrf: &'a Csrf, lang: Lang, here: &'a str) -> Staff<'a> {
    Staff {
        username: &user.username,
        role: user.role,
        csrf: &csrf.token,
        lang,
        here,
    }
}

fn unit_name(state: &AppState) -> impl Fn(&str) -> String + '_ {
    |code| {
        state
            .units
            .get(code)
            .map_or(code.to_string(), |u| u.name.clone())
    }
}

fn survey_title(state: &AppState, lang: Lang) -> impl Fn(&str) -> String + '_ {
    move |id| {
        state
            .catalog
            .get(id)
            .map_or(id.to_string(), |s| s.title_in(lang).to_string())
    }
}

fn see_other(to: String) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", to))
        .finish()
}

async fn batches_page(
    state: &AppState,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let batches = paper::batches(state, user).await?;
    // Batches take the units of today's map: the forms being keyed now are this year's.
    let today = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    let scope = user.unit.as_ref().map(|u| state.units.subtree(u));
    let units: Vec<_> = state
        .units
        .units_of(today.as_deref())
        .into_iter()
        .filter(|u| scope.as_ref().is_none_or(|s| s.contains(&u.code)))
        .cloned()
        .collect();
    let (names, titles) = (unit_name(state), survey_title(state, lang));
    let page = view::batches(&view::BatchesPage {
        staff: staff(user, csrf, lang, "/entry"),
        batches: &batches,
        surveys: state.catalog.surveys.values().collect(),
        units: &units,
        period: state.clock.year(),
        error,
        unit_name: &names,
        survey_title: &titles,
    });
    Ok(csrf.page(status, page))
}

pub async fn batches(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Surveyor>,
    csrf: Csrf,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    batches_page(&state, &user, &csrf, lang, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct BatchForm {
    csrf: String,
    survey: String,
    unit: String,
    period: String,
    expected: String,
    #[serde(default)]
    label: String,
}

impl WithCsrf for BatchForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn create_batch(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    CsrfForm(f): CsrfForm<BatchForm>,
) -> Result<HttpResponse, PageError> {
    let number = |s: &str| s.trim().parse::<i32>().ok();
    let (Some(period), Some(expected)) = (number(&f.period), number(&f.expected)) else {
        let msg = lang.pick(
            "Năm và số phiếu phải là số.",
            "The year and the number of forms must be numbers.",
        );
        return batches_page(
            &state,
            &user,
            &csrf,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
        )
        .await;
    };
    let new = NewBatch {
        survey: f.survey,
        period,
        unit: f.unit,
        label: f.label,
        expected,
    };
    match paper::create_batch(&state, &user, new).await {
        Ok(b) => Ok(see_other(format!("/entry/batches/{}", b.id))),
        Err(PaperError::Invalid(e)) => {
            let msg = format!(
                "{} {}.",
                lang.pick("Chưa tạo được lô phiếu:", "The batch was not created:"),
                lang.text(&e.text)
            );
            batches_page(
                &state,
                &user,
                &csrf,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&msg),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn batch(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Surveyor>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let (progress, forms) = paper::batch(&state, &user, &id).await?;
    let here = format!("/entry/batches/{id}");
    let survey = state
        .catalog
        .get(&progress.batch.survey_id)
        .ok_or_else(PageError::not_found)?;
    let unit = unit_name(&state)(&progress.batch.unit_code);
    Ok(csrf.page(
        StatusCode::OK,
        view::batch(
            &staff(&user, &csrf, lang, &here),
            &progress,
            &forms,
            &unit,
            survey,
        ),
    ))
}

/// What the keying screen shows besides the batch: the values and errors of the last post.
#[derive(Default)]
struct Screen {
    serial: String,
    date: String,
    keys: Keyed,
    errors: Vec<KeyError>,
    saved: Option<String>,
}

async fn keying_screen(
    state: &AppState,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    batch_id: &str,
    status: StatusCode,
    screen: Screen,
) -> Result<HttpResponse, PageError> {
    let progress = paper::batch_progress(state, user, batch_id).await?;
    let survey = state
        .catalog
        .get(&progress.batch.survey_id)
        .ok_or_else(PageError::not_found)?;
    let fields = layout(survey);
    let unit = unit_name(state)(&progress.batch.unit_code);
    let started_at = crate::db::now();
    let here = format!("/entry/batches/{batch_id}/key");
    let page = view::keying(&view::KeyingPage {
        staff: staff(user, csrf, lang, &here),
        batch: &progress,
        unit_name: &unit,
        survey,
        fields: &fields,
        serial: &screen.serial,
        date: &screen.date,
        keys: &screen.keys,
        started_at: &started_at,
        errors: &screen.errors,
        saved: screen.saved.as_deref(),
    });
    Ok(csrf.page(status, page))
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

pub async fn keying(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Surveyor>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    q: web::Query<SavedQuery>,
) -> Result<HttpResponse, PageError> {
    // The message of the last save travels in the address of the next blank form, short.
    let saved = q.into_inner().saved.map(|s| s.chars().take(300).collect());
    let screen = Screen {
        saved,
        ..Screen::default()
    };
    keying_screen(&state, &user, &csrf, lang, &id, StatusCode::OK, screen).await
}

/// A posted form whose fields are the paper's: names are only known from the definition.
#[derive(Deserialize)]
#[serde(transparent)]
pub struct AnyForm(BTreeMap<String, String>);

impl WithCsrf for AnyForm {
    fn csrf(&self) -> &str {
        self.0.get("csrf").map_or("", String::as_str)
    }
}

pub async fn save_keying(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Surveyor>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    CsrfForm(AnyForm(mut form)): CsrfForm<AnyForm>,
) -> Result<HttpResponse, PageError> {
    let serial = form.remove("serial").unwrap_or_default();
    let date = form.remove(paper::DATE).unwrap_or_default();
    let started_at = form.remove("started_at");
    form.remove("csrf");
    let input = KeyedForm {
        serial: serial.clone(),
        date: date.clone(),
        keys: form.clone(),
        started_at,
    };
    let again = |errors: Vec<KeyError>| Screen {
        serial: serial.clone(),
        date: date.clone(),
        keys: form.clone(),
        errors,
        saved: None,
    };
    let errors = match paper::key_form(&state, &user, &id, input).await {
        Ok((f, outcome)) => {
            let msg = view::saved_message(lang, &f.serial, &outcome);
            let q = serde_urlencoded::to_string([("saved", msg)]).unwrap_or_default();
            return Ok(see_other(format!("/entry/batches/{id}/key?{q}")));
        }
        Err(PaperError::Keys(errors)) => errors,
        Err(PaperError::Invalid(e)) => vec![KeyError {
            name: e.field,
            message: e.text,
        }],
        Err(PaperError::Refused(m)) => vec![KeyError {
            name: "serial".into(),
            message: m.map(|m| format!("{m}.")),
        }],
        Err(e) => return Err(e.into()),
    };
    keying_screen(
        &state,
        &user,
        &csrf,
        lang,
        &id,
        StatusCode::UNPROCESSABLE_ENTITY,
        again(errors),
    )
    .await
}

pub async fn disputes(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let forms = paper::disputes(&state, &user).await?;
    let names = unit_name(&state);
    Ok(csrf.page(
        StatusCode::OK,
        dispute_view::disputes(
            &staff(&user, &csrf, lang, "/entry/disputes"),
            &forms,
            &names,
        ),
    ))
}

pub async fn dispute(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let d = paper::dispute(&state, &user, &id).await?;
    let here = format!("/entry/forms/{id}");
    Ok(csrf.page(
        StatusCode::OK,
        dispute_view::dispute(&staff(&user, &csrf, lang, &here), &d, None),
    ))
}

pub async fn settle(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    CsrfForm(AnyForm(form)): CsrfForm<AnyForm>,
) -> Result<HttpResponse, PageError> {
    let mut decisions: BTreeMap<String, Decision> = BTreeMap::new();
    for (k, v) in &form {
        let Some((name, part)) = k.rsplit_once(':') else {
            continue;
        };
        let d = decisions
            .entry(name.to_string())
            .or_insert_with(|| Decision {
                name: name.to_string(),
                source: String::new(),
                value: String::new(),
                reason: String::new(),
            });
        match part {
            "source" => d.source = v.clone(),
            "value" => d.value = v.clone(),
            "reason" => d.reason = v.clone(),
            _ => {}
        }
    }
    match paper::settle(&state, &user, &id, decisions.into_values().collect()).await {
        Ok(form) => Ok(see_other(match form.batch_id {
            Some(b) => format!("/entry/batches/{b}"),
            None => "/entry/disputes".into(),
        })),
        Err(e @ (PaperError::Invalid(_) | PaperError::Keys(_))) => {
            let d = paper::dispute(&state, &user, &id).await?;
            let what = e.to_correct().unwrap_or_default();
            let msg = format!(
                "{} {}.",
                lang.pick("Chưa lưu:", "Not saved:"),
                lang.text(&what)
            );
            let here = format!("/entry/forms/{id}");
            Ok(csrf.page(
                StatusCode::UNPROCESSABLE_ENTITY,
                dispute_view::dispute(&staff(&user, &csrf, lang, &here), &d, Some(&msg)),
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn correction_page(
    state: &AppState,
    user: &User,
    csrf: &Csrf,
    lang: Lang,
    form_id: &str,
    status: StatusCode,
    posted: Option<(Keyed, String, String, Vec<KeyError>)>,
) -> Result<HttpResponse, PageError> {
    let c = paper::counted(state, user, form_id).await?;
    let survey = state
        .catalog
        .get(&c.form.survey_id)
        .ok_or_else(PageError::not_found)?;
    let fields = layout(survey);
    let (keys, date, reason, errors) = posted.unwrap_or_else(|| {
        let mut keys = c.keys.clone();
        let date = keys
            .remove(paper::DATE)
            .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .map(|d| d.format("%d/%m/%Y").to_string())
            .unwrap_or_default();
        (keys, date, String::new(), Vec::new())
    });
    let here = format!("/entry/forms/{form_id}/correct");
    let page = view::correction(&view::CorrectionPage {
        staff: staff(user, csrf, lang, &here),
        form_id,
        serial: &c.form.serial,
        batch: &c.batch,
        survey,
        fields: &fields,
        date: &date,
        keys: &keys,
        reason: &reason,
        errors: &errors,
    });
    Ok(csrf.page(status, page))
}

pub async fn correction(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    correction_page(&state, &user, &csrf, lang, &id, StatusCode::OK, None).await
}

pub async fn correct(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    id: web::Path<String>,
    CsrfForm(AnyForm(mut form)): CsrfForm<AnyForm>,
) -> Result<HttpResponse, PageError> {
    form.remove("csrf");
    let date = form.remove(paper::DATE).unwrap_or_default();
    let reason = form.remove("reason").unwrap_or_default();
    let errors = match paper::correct(&state, &user, &id, &date, &form, &reason).await {
        Ok(f) => {
            let to = f
                .batch_id
                .map_or("/entry".to_string(), |b| format!("/entry/batches/{b}"));
            return Ok(see_other(to));
        }
        Err(PaperError::Keys(errors)) => errors,
        Err(PaperError::Invalid(e)) => vec![KeyError {
            name: e.field,
            message: e.text,
        }],
        Err(PaperError::Refused(m)) => vec![KeyError {
            name: String::new(),
            message: m.map(|m| format!("{m}.")),
        }],
        Err(e) => return Err(e.into()),
    };
    let posted = Some((form, date, reason, errors));
    correction_page(
        &state,
        &user,
        &csrf,
        lang,
        &id,
        StatusCode::UNPROCESSABLE_ENTITY,
        posted,
    )
    .await
}

#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: String,
    round: String,
    #[serde(default)]
    reason: String,
}

impl WithCsrf for DeleteForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn delete_keying(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    id: web::Path<String>,
    CsrfForm(f): CsrfForm<DeleteForm>,
) -> Result<HttpResponse, PageError> {
    // Checked by the application layer, after who may touch the form.
    let round = f.round.trim().parse().unwrap_or(0);
    paper::delete_keying(&state, &user, &id, round, &f.reason).await?;
    Ok(see_other("/entry/disputes".into()))
}

#[derive(Deserialize)]
pub struct StatsQuery {
    survey: Option<String>,
    period: Option<String>,
}

pub async fn keyers(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Surveyor>,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    q: web::Query<StatsQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let survey = q
        .survey
        .as_deref()
        .and_then(|s| state.catalog.get(s))
        .or_else(|| state.catalog.surveys.values().next())
        .ok_or_else(PageError::not_found)?;
    let period = q
        .period
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| state.clock.year());
    let (by_keyer, by_batch) = paper::keyer_stats(&state, &user, &survey.id, period).await?;
    let labels: BTreeMap<String, String> = paper::batches(&state, &user)
        .await?
        .into_iter()
        .map(|b| (b.batch.id, b.batch.label))
        .collect();
    let label = |id: &str| {
        labels
            .get(id)
            .cloned()
            .unwrap_or_else(|| lang.pick("(nhập từ tệp)", "(imported from a file)").into())
    };
    let here = here(&req);
    let page = keyers_view::keyers(&keyers_view::KeyersPage {
        staff: staff(&user, &csrf, lang, &here),
        surveys: state.catalog.surveys.values().collect(),
        survey,
        period,
        by_keyer: &by_keyer,
        by_batch: &by_batch,
        batch_label: &label,
    });
    Ok(csrf.page(StatusCode::OK, page))
}

#[derive(Deserialize)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    form: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// Entries shown on one page of the audit trail.
const AUDIT_PAGE: i64 = 500;

pub async fn audit_trail(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, PageError> {
    let q = q.into_inner();
    let some = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
    let day = |s: Option<String>| {
        some(s).filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
    };
    let filter = audit::Filter {
        actor: some(q.actor),
        action: some(q.action),
        form_id: some(q.form),
        from: day(q.from),
        to: day(q.to),
        actors: None,
    };
    let mut f = filter.clone();
    // A unit's supervisor reads what the users of their unit and the units below it did.
    if user.unit.is_some() {
        let viewer = user.clone();
        let st = state.clone();
        let seen = web::block(move || crate::features::admin::service::users_seen_by(&st, &viewer))
            .await
            .map_err(|_| PageError::busy())?
            .map_err(|_| PageError::busy())?;
        f.actors = Some(seen.into_iter().map(|u| u.username).collect());
    }
    let entries = state
        .db(move |conn| audit::search(conn, &f, AUDIT_PAGE))
        .await?;
    let here = here(&req);
    Ok(csrf.page(
        StatusCode::OK,
        audit_view::audit(
            &staff(&user, &csrf, lang, &here),
            &filter,
            &entries,
            AUDIT_PAGE,
        ),
    ))
}

pub async fn print_form(
    state: web::Data<AppState>,
    _: SignedIn,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let survey = state.catalog.get(&id).ok_or_else(PageError::not_found)?;
    Ok(csrf.page(
        StatusCode::OK,
        print::paper_form(lang, &here(&req), survey, &layout(survey)),
    ))
}

/// The keying screen's script: served by the binary, so pages need no inline script.
pub async fn entry_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", crate::ui::assets::CACHE_FOREVER))
        .body(crate::ui::assets::ENTRY_JS)
}

impl From<PaperErr> for PageError {
    fn from(e: PaperErr) -> Self {
        let to_correct = e.to_correct();
        match e {
            PaperErr::Keys(_) | PaperErr::Invalid(_) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("Chưa lưu được", "Not saved"),
                to_correct.unwrap_or_default().map_each(
                    |m| format!("{m}. Xin quay lại trang trước, sửa rồi gửi lại."),
                    |m| format!("{m}. Go back to the previous page, correct it and send it again."),
                ),
            ),
            PaperErr::Refused(m) => PageError::new(
                StatusCode::CONFLICT,
                ("Không thực hiện được", "Not done"),
                m.map(|m| format!("{m}.")),
            ),
            PaperErr::OutOfScope(m) => PageError::new(
                StatusCode::FORBIDDEN,
                ("Không được phép", "Not allowed"),
                m.map_each(
                    |m| format!("{m}. Xin quay lại danh sách lô phiếu."),
                    |m| format!("{m}. Go back to the list of batches."),
                ),
            ),
            PaperErr::NotFound => PageError::new(
                StatusCode::NOT_FOUND,
                ("Không tìm thấy", "Not found"),
                (
                    "Lô phiếu hoặc phiếu này không có (có thể đã bị xoá). Xin quay lại danh sách lô phiếu.",
                    "There is no such batch or form (it may have been deleted). Go back to the list of batches.",
                ),
            ),
            PaperErr::Db(e) => e.into(),
        }
    }
}

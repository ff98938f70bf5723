//! Kiosk pages: the tablet at a one-stop counter. The URL's token is the kiosk's only
//! credential; nothing about the citizen but their answers is stored.

use crate::db::kiosks::{self, Kiosk};
use crate::features::api::routes::read_body;
use crate::features::kiosk::page::{
    form as form_view, stale as stale_view, thanks as thanks_view, FormState,
};
use crate::features::kiosk::service::{self as kiosk_app, steps};
use crate::features::submit::{self, SubmitError};
use crate::ingest;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Survey};
use crate::text::Lang;
use crate::web::error::PageError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

async fn kiosk_for(state: &AppState, token: String) -> Result<(Kiosk, &Survey), PageError> {
    let kiosk = state
        .db(move |conn| kiosks::by_token(conn, &token))
        .await?
        .ok_or_else(PageError::not_found)?;
    let survey = state
        .catalog
        .get(&kiosk.survey)
        .ok_or_else(PageError::not_found)?;
    // A kiosk of a unit that a reorganisation abolished takes no more answers.
    let unit = state
        .units
        .get(&kiosk.unit)
        .ok_or_else(PageError::not_found)?;
    if !state.units.valid_on(unit, state.clock.today()) {
        return Err(PageError::new(
                StatusCode::GONE,
                ("Thiết bị cần được đăng ký lại", "The device must be registered again"),
                (
                    format!(
                        "{} không còn là đơn vị hành chính sau khi sắp xếp. Xin báo cán bộ tại quầy để đăng ký lại thiết bị cho đơn vị mới.",
                        unit.name
                    ),
                    format!(
                        "{} is no longer an administrative unit after the reorganisation. Please tell the staff at the counter, who will register the device for the new unit.",
                        unit.name
                    ),
                ),
            ));
    }
    Ok((kiosk, survey))
}

fn html(status: StatusCode, body: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body.into_string())
}

/// The kiosk a request is for.
struct Counter<'a> {
    state: &'a AppState,
    survey: &'a Survey,
    kiosk: &'a Kiosk,
    token: &'a str,
    lang: Lang,
}

/// One screen of the form as the kiosk shows it.
struct Screen<'a> {
    submission_id: &'a str,
    issued: i64,
    chosen: &'a HashMap<String, String>,
    step: usize,
    error: Option<&'a str>,
    errors: &'a [FieldError],
}

fn render(at: &Counter, status: StatusCode, s: &Screen) -> HttpResponse {
    let unit_name = at
        .state
        .units
        .get(&at.kiosk.unit)
        .map(|u| u.name.as_str())
        .unwrap_or("");
    let signature = form_signature(at.state, at.kiosk, s.submission_id, s.issued);
    let page = form_view(
        at.survey,
        &FormState {
            token: at.token,
            unit_name,
            submission_id: s.submission_id,
            issued: s.issued,
            signature: &signature,
            chosen: s.chosen,
            step: s.step,
            error: s.error,
            errors: s.errors,
            online: false,
            lang: at.lang,
        },
    );
    html(status, page)
}

pub async fn form(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let (kiosk, survey) = kiosk_for(&state, token.clone()).await?;
    // A page load, not an answer, says the tablet is alive.
    if let Ok(mut m) = state.kiosk_seen.lock() {
        m.insert(kiosk.id.clone(), Instant::now());
    }
    let submission = uuid::Uuid::new_v4().to_string();
    let at = Counter {
        state: &state,
        survey,
        kiosk: &kiosk,
        token: &token,
        lang,
    };
    Ok(render(
        &at,
        StatusCode::OK,
        &Screen {
            submission_id: &submission,
            issued: state.clock.timestamp(),
            chosen: &HashMap::new(),
            step: 0,
            error: None,
            errors: &[],
        },
    ))
}

pub async fn thanks(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let (_, survey) = kiosk_for(&state, token.clone()).await?;
    Ok(html(StatusCode::OK, thanks_view(lang, survey, &token)))
}

/// Turns a validation error into words for the citizen, naming the question.
pub(crate) fn for_citizen(lang: Lang, survey: &Survey, e: &FieldError) -> String {
    let question = e
        .field
        .strip_prefix("answers.")
        .and_then(|c| survey.item(c).map(|i| i.text.clone()))
        .or_else(|| {
            e.field.strip_prefix("background.").and_then(|c| {
                survey
                    .background
                    .iter()
                    .find(|b| b.code == c)
                    .map(|b| b.text.clone())
            })
        });
    match (lang, question) {
        (Lang::Vi, Some(q)) => format!("Xin Ông/Bà chọn một câu trả lời cho: “{q}”."),
        (Lang::En, Some(q)) => format!("Please choose an answer to: “{q}”."),
        (_, None) => lang
            .pick(
                "Phiếu chưa hợp lệ, xin kiểm tra lại.",
                "The form is not valid yet; please check it.",
            )
            .into(),
    }
}

/// Every screen posts here: `go=next` and `go=back` move between screens (nothing is stored;
/// the answers so far travel in the page), `go=submit` (or no `go`, a whole form at once)
/// stores the answer.
pub async fn submit(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let (kiosk, survey) = kiosk_for(&state, token.clone()).await?;
    let body = read_body(payload).await.map_err(|e| unreadable(e.status))?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| unreadable(StatusCode::BAD_REQUEST))?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let submission_id = get("submission_id").unwrap_or("").to_string();
    let thanks_redirect = || {
        HttpResponse::SeeOther()
            .insert_header(("Location", format!("/k/{token}/cam-on")))
            .finish()
    };
    let all = steps(survey);
    let last = all.len().saturating_sub(1);
    let step = get("step")
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(last, |s| s.min(last));
    let go = match get("go") {
        Some("back") => Go::Back,
        Some("next") if step < last => Go::Next,
        _ => Go::Submit,
    };

    // A double tap or a resubmitted page: the first copy was stored, say thanks again.
    let sid = submission_id.clone();
    if go == Go::Submit
        && state
            .db(move |conn| ingest::already_stored(conn, &sid))
            .await?
            .is_some()
    {
        return Ok(thanks_redirect());
    }

    let now = state.clock.timestamp();
    let mut issued: i64 = get("issued").and_then(|v| v.parse().ok()).unwrap_or(0);
    // The time a form was issued counts only as the server signed it (with the kiosk and the
    // submission id): a page cannot make itself younger, nor pick its submission id.
    let signed = verify_form(
        &state,
        &kiosk,
        &submission_id,
        issued,
        get("sig").unwrap_or(""),
    );
    let fresh = signed && (-60..=state.settings.form_max_age_secs).contains(&(now - issued));
    if get("version") != Some(survey.version.as_str()) {
        return Ok(stale(lang, &token));
    }
    if !fresh {
        // A form that waited untouched on its first screen is as good as new: only its first
        // answer is on it. Any later screen that old (or unsigned) is refused.
        if signed && step == 0 && go == Go::Next {
            issued = now;
        } else {
            return Ok(stale(lang, &token));
        }
    }

    let chosen: HashMap<String, String> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("a:") || k.starts_with("b:"))
        .cloned()
        .collect();
    let at = Counter {
        state: &state,
        survey,
        kiosk: &kiosk,
        token: &token,
        lang,
    };
    let (show, error, errors, status) = match go {
        Go::Back => (step.saturating_sub(1), None, Vec::new(), StatusCode::OK),
        Go::Next => match all.get(step).map(|s| kiosk_app::missing(s, &chosen)) {
            Some(m) if !m.is_empty() => (step, None, m, StatusCode::UNPROCESSABLE_ENTITY),
            _ => (step + 1, None, Vec::new(), StatusCode::OK),
        },
        Go::Submit => match submit_answer(&at, &all, &submission_id, &chosen).await? {
            Outcome::Stored => return Ok(thanks_redirect()),
            Outcome::Stale => return Ok(stale(lang, &token)),
            Outcome::Again(again) => again,
        },
    };
    Ok(render(
        &at,
        status,
        &Screen {
            submission_id: &submission_id,
            issued,
            chosen: &chosen,
            step: show,
            error,
            errors: &errors,
        },
    ))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Go {
    Back,
    Next,
    Submit,
}

/// What became of a final submit.
enum Outcome {
    Stored,
    /// The screen to show again, a message for the form, the questions to answer again.
    Again((usize, Option<&'static str>, Vec<FieldError>, StatusCode)),
    /// Refused for a reason the citizen cannot fix on this page.
    Stale,
}

/// Stores the answer, or says which screen to show again and why.
async fn submit_answer(
    at: &Counter<'_>,
    all: &[kiosk_app::Step<'_>],
    submission_id: &str,
    chosen: &HashMap<String, String>,
) -> Result<Outcome, PageError> {
    let (state, kiosk) = (at.state, at.kiosk);
    let last = all.len().saturating_sub(1);
    // Every question left out, on the first screen that has one.
    if let Some((step, missing)) = kiosk_app::first_missing(all, chosen) {
        return Ok(Outcome::Again((
            step,
            None,
            missing,
            StatusCode::UNPROCESSABLE_ENTITY,
        )));
    }
    let Some(slot) = take_slot(state, &kiosk.id) else {
        let msg = at.lang.pick(
            "Thiết bị vừa nhận một phiếu. Xin đợi vài giây rồi chạm “Gửi đánh giá” lại.",
            "This device has just taken an answer. Please wait a few seconds, then touch “Send” again.",
        );
        return Ok(Outcome::Again((
            last,
            Some(msg),
            Vec::new(),
            StatusCode::TOO_MANY_REQUESTS,
        )));
    };
    let outcome = store_answer(at, all, submission_id, chosen).await;
    if !matches!(outcome, Ok(Outcome::Stored)) {
        give_back(state, &kiosk.id, slot);
    }
    outcome
}

/// A kiosk's turn, taken: when it took one before (given back if this answer is not stored).
struct Slot {
    taken: Instant,
    before: Option<Instant>,
}

/// Takes the kiosk's turn in one step under the lock, so that answers sent at once cannot all
/// pass the interval check before any of them is recorded. `None`: too soon.
fn take_slot(state: &AppState, kiosk_id: &str) -> Option<Slot> {
    let min_gap = Duration::from_secs(state.settings.kiosk_min_interval_secs);
    let mut m = state.kiosk_last.lock().unwrap_or_else(|p| p.into_inner());
    let before = m.get(kiosk_id).copied();
    if before.is_some_and(|t| t.elapsed() < min_gap) {
        return None;
    }
    let taken = Instant::now();
    m.insert(kiosk_id.to_string(), taken);
    Some(Slot { taken, before })
}

/// An answer not stored does not hold the kiosk back: its turn goes back, unless a later one
/// was taken meanwhile.
fn give_back(state: &AppState, kiosk_id: &str, slot: Slot) {
    let mut m = state.kiosk_last.lock().unwrap_or_else(|p| p.into_inner());
    if m.get(kiosk_id) == Some(&slot.taken) {
        match slot.before {
            Some(t) => m.insert(kiosk_id.to_string(), t),
            None => m.remove(kiosk_id),
        };
    }
}

/// Stores a complete answer, or says which screen to show again and why.
async fn store_answer(
    at: &Counter<'_>,
    all: &[kiosk_app::Step<'_>],
    submission_id: &str,
    chosen: &HashMap<String, String>,
) -> Result<Outcome, PageError> {
    let (state, kiosk, survey) = (at.state, at.kiosk, at.survey);

    let (answers, background) = answers_of(chosen);
    let raw = RawSubmission {
        survey: survey.id.clone(),
        unit: kiosk.unit.clone(),
        channel: "kiosk".into(),
        submission_id: submission_id.to_string(),
        period: state.clock.year(),
        group: None,
        background,
        answers,
        comments: Map::new(),
        date: None,
    };
    let outcome = submit::submit(state, raw).await;
    // The citizen is asked again, on the screen of the question, for what is wrong.
    if let Some(e) = outcome.as_ref().err().and_then(SubmitError::invalid_answer) {
        if let Some(step) = kiosk_app::step_of(all, &e.field) {
            let beside = FieldError::new(e.field.clone(), for_citizen(at.lang, survey, e));
            return Ok(Outcome::Again((
                step,
                None,
                vec![beside],
                StatusCode::UNPROCESSABLE_ENTITY,
            )));
        }
    }
    match outcome {
        Ok(_) => Ok(Outcome::Stored),
        Err(SubmitError::Invalid(_)) => Ok(Outcome::Stale),
        Err(e) => Err(for_kiosk(e)),
    }
}

/// The server's signature of a kiosk form: which kiosk, which submission id, issued when.
fn form_signature(state: &AppState, kiosk: &Kiosk, submission_id: &str, issued: i64) -> String {
    state
        .forms_key
        .sign(&["kiosk-form", &kiosk.id, submission_id, &issued.to_string()])
}

fn verify_form(
    state: &AppState,
    kiosk: &Kiosk,
    submission_id: &str,
    issued: i64,
    signature: &str,
) -> bool {
    state.forms_key.verify(
        &["kiosk-form", &kiosk.id, submission_id, &issued.to_string()],
        signature,
    )
}

/// The kiosk form's script: served by the binary, so pages need no inline script.
pub async fn kiosk_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("Cache-Control", crate::ui::assets::CACHE_FOREVER))
        .body(crate::ui::assets::KIOSK_JS)
}

fn stale(lang: Lang, token: &str) -> HttpResponse {
    html(StatusCode::CONFLICT, stale_view(lang, token))
}

/// A citizen's form that could not be read (`status` from reading it): nothing was recorded.
pub(crate) fn unreadable(status: StatusCode) -> PageError {
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        (
            "Phiếu gửi lên quá lớn; chưa có gì được ghi nhận.",
            "What was sent is too large; nothing was recorded.",
        )
    } else {
        (
            "Dữ liệu gửi lên không đọc được; chưa có gì được ghi nhận.",
            "What was sent could not be read; nothing was recorded.",
        )
    };
    PageError::new(
        status,
        ("Phiếu không hợp lệ", "The form is not valid"),
        message,
    )
}

/// What a citizen at the counter is told when the answer could not be taken.
fn for_kiosk(e: SubmitError) -> PageError {
    match e {
        SubmitError::Busy => PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ("Hệ thống đang bận", "The system is busy"),
            (
                "Phiếu chưa được ghi nhận. Xin chạm “Gửi đánh giá” lại sau một giây.",
                "Your answer was not recorded. Please touch “Send” again in a second.",
            ),
        ),
        e => e.into(),
    }
}

/// The answers (`a:CODE`) and background answers (`b:CODE`) of a posted counter form.
pub(crate) fn answers_of(
    chosen: &HashMap<String, String>,
) -> (Map<String, Value>, Map<String, Value>) {
    let mut answers = Map::new();
    let mut background = Map::new();
    for (k, v) in chosen {
        if let Some(code) = k.strip_prefix("a:") {
            let value = match v.as_str() {
                "na" => Value::Null,
                n => n
                    .parse::<i64>()
                    .map(Value::from)
                    .unwrap_or_else(|_| Value::String(n.into())),
            };
            answers.insert(code.to_string(), value);
        } else if let Some(code) = k.strip_prefix("b:") {
            background.insert(code.to_string(), Value::String(v.clone()));
        }
    }
    (answers, background)
}

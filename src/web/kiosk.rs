//! Kiosk pages: the tablet at a one-stop counter. The URL's token is the kiosk's only
//! credential; nothing about the citizen but their answers is stored.

use super::api::read_body;
use crate::app::submit::{self, SubmitError};
use crate::db::kiosks::{self, Kiosk};
use crate::error::PageError;
use crate::ingest;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Survey};
use crate::views::kiosk::{form as form_view, thanks as thanks_view, FormState};
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
            "Thiết bị cần được đăng ký lại",
            format!(
                "{} không còn là đơn vị hành chính sau khi sắp xếp. Xin báo cán bộ tại quầy để đăng ký lại thiết bị cho đơn vị mới.",
                unit.name
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
}

fn render(
    at: &Counter,
    status: StatusCode,
    submission_id: &str,
    chosen: &HashMap<String, String>,
    error: Option<&str>,
) -> HttpResponse {
    let unit_name = at
        .state
        .units
        .get(&at.kiosk.unit)
        .map(|u| u.name.as_str())
        .unwrap_or("");
    let page = form_view(
        at.survey,
        &FormState {
            token: at.token,
            unit_name,
            submission_id,
            issued: at.state.clock.timestamp(),
            chosen,
            error,
            online: false,
        },
    );
    html(status, page)
}

pub async fn form(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let (kiosk, survey) = kiosk_for(&state, token.clone()).await?;
    let submission = uuid::Uuid::new_v4().to_string();
    let at = Counter {
        state: &state,
        survey,
        kiosk: &kiosk,
        token: &token,
    };
    Ok(render(
        &at,
        StatusCode::OK,
        &submission,
        &HashMap::new(),
        None,
    ))
}

pub async fn thanks(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let (_, survey) = kiosk_for(&state, token.clone()).await?;
    Ok(html(StatusCode::OK, thanks_view(survey, &token)))
}

fn stale() -> PageError {
    PageError::new(
        StatusCode::CONFLICT,
        "Trang đã cũ",
        "Phiếu này đã được mở quá lâu hoặc nội dung phiếu vừa được cập nhật. Xin chạm vào “Phiếu mới” để đánh giá lại.",
    )
}

/// Turns a validation error into words for the citizen, naming the question.
pub(super) fn for_citizen(survey: &Survey, e: &FieldError) -> String {
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
    match question {
        Some(q) => format!("Xin Ông/Bà chọn một câu trả lời cho: “{q}”."),
        None => "Phiếu chưa hợp lệ, xin kiểm tra lại.".into(),
    }
}

pub async fn submit(
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let (kiosk, survey) = kiosk_for(&state, token.clone()).await?;
    let body = read_body(payload)
        .await
        .map_err(|e| PageError::new(e.status, "Phiếu không hợp lệ", e.message))?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            "Phiếu không hợp lệ",
            "Dữ liệu gửi lên không đọc được.",
        )
    })?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let submission_id = get("submission_id").unwrap_or("").to_string();
    let thanks_redirect = || {
        HttpResponse::SeeOther()
            .insert_header(("Location", format!("/k/{token}/cam-on")))
            .finish()
    };

    // A double tap or a resubmitted page: the first copy was stored, say thanks again.
    let sid = submission_id.clone();
    if state
        .db(move |conn| ingest::already_stored(conn, &sid))
        .await?
        .is_some()
    {
        return Ok(thanks_redirect());
    }

    let issued: i64 = get("issued").and_then(|v| v.parse().ok()).unwrap_or(0);
    let age = state.clock.timestamp() - issued;
    if get("version") != Some(survey.version.as_str())
        || !(-60..=state.settings.form_max_age_secs).contains(&age)
    {
        return Err(stale());
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
    };
    let min_gap = Duration::from_secs(state.settings.kiosk_min_interval_secs);
    let too_soon = state
        .kiosk_last
        .lock()
        .ok()
        .and_then(|m| m.get(&kiosk.id).map(|t| t.elapsed() < min_gap))
        .unwrap_or(false);
    if too_soon {
        let msg = "Thiết bị vừa nhận một phiếu. Xin đợi vài giây rồi gửi lại.";
        return Ok(render(
            &at,
            StatusCode::TOO_MANY_REQUESTS,
            &submission_id,
            &chosen,
            Some(msg),
        ));
    }

    let (answers, background) = answers_of(&chosen);
    let raw = RawSubmission {
        survey: survey.id.clone(),
        unit: kiosk.unit.clone(),
        channel: "kiosk".into(),
        submission_id: submission_id.clone(),
        period: state.clock.year(),
        group: None,
        background,
        answers,
        comments: Map::new(),
        date: None,
    };
    let outcome = submit::submit(&state, raw).await;
    // The citizen is asked again, on the same form, for what is missing.
    if let Some(e) = outcome.as_ref().err().and_then(SubmitError::invalid_answer) {
        let msg = for_citizen(survey, e);
        return Ok(render(
            &at,
            StatusCode::UNPROCESSABLE_ENTITY,
            &submission_id,
            &chosen,
            Some(&msg),
        ));
    }
    outcome.map_err(for_kiosk)?;
    if let Ok(mut m) = state.kiosk_last.lock() {
        m.insert(kiosk.id.clone(), Instant::now());
    }
    Ok(thanks_redirect())
}

/// What a citizen at the counter is told when the answer could not be taken.
fn for_kiosk(e: SubmitError) -> PageError {
    match e {
        SubmitError::Invalid(_) => stale(),
        SubmitError::Busy => PageError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "Hệ thống đang bận",
            "Phiếu chưa được ghi nhận. Xin chạm “Gửi đánh giá” lại sau một giây.",
        ),
        SubmitError::Db(e) => e.into(),
    }
}

/// The answers (`a:CODE`) and background answers (`b:CODE`) of a posted counter form.
pub(super) fn answers_of(
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

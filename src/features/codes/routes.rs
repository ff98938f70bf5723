//! Citizens' online channel: `/o` asks for the code on the appointment slip, `/o/CODE` opens
//! the counter form of the code's unit and takes one answer. Admins make codes at `/codes`.

use crate::features::api::routes::read_body;
use crate::features::codes::page as view;
use crate::features::codes::service::{self as app, CodeError};
use crate::features::kiosk::page::{form as form_view, FormState};
use crate::features::kiosk::routes::{answers_of, for_citizen, unreadable};
use crate::features::paper::page::Staff;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission};
use crate::text::{Lang, Text};
use crate::web::error::PageError;
use crate::web::extract::{Admin, Csrf, CsrfForm, SignedIn, WithCsrf};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::Map;
use std::collections::HashMap;

fn html(status: StatusCode, body: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body.into_string())
}

/// What a citizen (or an admin making codes) is told.
impl From<CodeError> for PageError {
    fn from(e: CodeError) -> Self {
        let (status, title, message): (StatusCode, (&str, &str), Text) = match e {
            CodeError::Unknown => (
                StatusCode::NOT_FOUND,
                ("Mã không đúng", "Unknown code"),
                (
                    "Không tìm thấy mã này. Xin kiểm tra lại mã in trên phiếu hẹn (10 ký tự, không có chữ O và số 0, chữ I và số 1) rồi nhập lại tại /o.",
                    "This code was not found. Please check the code printed on your appointment slip (10 characters, no letter O or digit 0, no letter I or digit 1) and type it again at /o.",
                ).into(),
            ),
            CodeError::Used => (
                StatusCode::GONE,
                ("Mã đã được dùng", "Code already used"),
                (
                    "Mã này đã được dùng để gửi một đánh giá. Mỗi mã chỉ dùng được một lần. Xin cảm ơn Ông/Bà.",
                    "This code has already been used to send an answer. Each code works once. Thank you.",
                ).into(),
            ),
            CodeError::Expired => (
                StatusCode::GONE,
                ("Mã đã hết hạn", "Code expired"),
                (
                    "Mã này đã quá thời hạn đánh giá in trên phiếu hẹn. Xin cảm ơn Ông/Bà.",
                    "This code is past the date printed on your appointment slip. Thank you.",
                ).into(),
            ),
            CodeError::Gone(name) => (
                StatusCode::GONE,
                ("Đơn vị không còn", "The unit no longer exists"),
                (
                    format!("{name} không còn là đơn vị hành chính sau khi sắp xếp, nên mã này không dùng được nữa."),
                    format!("{name} is no longer an administrative unit after the reorganisation, so this code no longer works."),
                ).into(),
            ),
            CodeError::Invalid(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("Chưa tạo được mã", "The codes were not made"),
                f.text.map_each(
                    |m| format!("{m}. Xin quay lại, sửa rồi gửi lại."),
                    |m| format!("{m}. Please go back, correct it and send again."),
                ),
            ),
            // Answers to put right are shown beside their questions (`submit`); this is the
            // check's own word, for what reaches here otherwise.
            CodeError::Answer(f) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ("Phiếu chưa hợp lệ", "The form is not valid"),
                (
                    "Một câu trả lời chưa hợp lệ. Xin quay lại và kiểm tra phiếu.".to_string(),
                    f.message,
                ).into(),
            ),
            CodeError::Refused(m) => (
                StatusCode::CONFLICT,
                ("Chưa ghi nhận được", "Not recorded"),
                m,
            ),
            CodeError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                ("Hệ thống đang bận", "The system is busy"),
                (
                    "Đánh giá chưa được ghi nhận. Xin quay lại và gửi lại sau ít giây.",
                    "Your answer was not recorded. Please go back and send it again in a few seconds.",
                ).into(),
            ),
            CodeError::Db(e) => return e.into(),
        };
        PageError::new(status, title, message)
    }
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: Option<String>,
}

/// Asks for the code; a code typed in goes to its form.
pub async fn ask(lang: Lang, q: web::Query<CodeQuery>) -> HttpResponse {
    match q.code.as_deref().map(str::trim) {
        None | Some("") => html(StatusCode::OK, view::ask(lang, None)),
        Some(typed) => match app::normalise(typed) {
            Some(code) => HttpResponse::SeeOther()
                .insert_header(("Location", format!("/o/{code}")))
                        .finish(),
            None => html(
                StatusCode::UNPROCESSABLE_ENTITY,
                view::ask(
                    lang,
                    Some(lang.pick(
                        "Mã gồm 10 ký tự in trên phiếu hẹn (chữ và số, không có O, 0, I, 1). Xin nhập lại.",
                        "The code is the 10 characters printed on the slip (letters and digits, no O, 0, I or 1). Please type it again.",
                    )),
                ),
            ),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn render(
    state: &AppState,
    lang: Lang,
    code: &str,
    vc: &crate::db::codes::VisitCode,
    status: StatusCode,
    submission_id: &str,
    chosen: &HashMap<String, String>,
    errors: &[FieldError],
) -> Result<HttpResponse, PageError> {
    let survey = state
        .catalog
        .get(&vc.survey_id)
        .ok_or_else(PageError::not_found)?;
    let unit_name = state
        .units
        .get(&vc.unit_code)
        .map(|u| u.name.as_str())
        .unwrap_or("");
    Ok(html(
        status,
        form_view(
            survey,
            &FormState {
                token: code,
                unit_name,
                submission_id,
                issued: state.clock.timestamp(),
                signature: "",
                chosen,
                step: 0,
                error: None,
                errors,
                online: true,
                lang,
            },
        ),
    ))
}

pub async fn form(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let typed = path.into_inner();
    let vc = app::open(&state, &typed).await.map_err(PageError::from)?;
    let code = app::normalise(&typed).ok_or_else(|| PageError::from(CodeError::Unknown))?;
    let sid = uuid::Uuid::new_v4().to_string();
    render(
        &state,
        lang,
        &code,
        &vc,
        StatusCode::OK,
        &sid,
        &HashMap::new(),
        &[],
    )
}

pub async fn submit(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let typed = path.into_inner();
    let body = read_body(payload).await.map_err(|e| unreadable(e.status))?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| unreadable(StatusCode::BAD_REQUEST))?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let submission_id = get("submission_id").unwrap_or("").to_string();
    let chosen: HashMap<String, String> = fields
        .iter()
        .filter(|(k, _)| k.starts_with("a:") || k.starts_with("b:"))
        .cloned()
        .collect();
    let (answers, background) = answers_of(&chosen);
    let raw = RawSubmission {
        survey: String::new(),
        unit: String::new(),
        channel: "online".into(),
        submission_id: submission_id.clone(),
        period: state.clock.year(),
        group: None,
        background,
        answers,
        comments: Map::new(),
        date: None,
    };
    match app::answer(&state, &typed, raw).await {
        Ok(()) => Ok(html(StatusCode::OK, view::thanks(lang))),
        Err(CodeError::Answer(e)) => {
            let vc = app::open(&state, &typed).await.map_err(PageError::from)?;
            let code = app::normalise(&typed).ok_or_else(|| PageError::from(CodeError::Unknown))?;
            let survey = state
                .catalog
                .get(&vc.survey_id)
                .ok_or_else(PageError::not_found)?;
            let beside = [FieldError::new(
                e.field.clone(),
                for_citizen(lang, survey, &e),
            )];
            render(
                &state,
                lang,
                &code,
                &vc,
                StatusCode::UNPROCESSABLE_ENTITY,
                &submission_id,
                &chosen,
                &beside,
            )
        }
        Err(e) => Err(e.into()),
    }
}

async fn codes_page(
    state: &AppState,
    user: &crate::db::auth::User,
    csrf: &Csrf,
    lang: Lang,
    status: StatusCode,
    error: Option<&str>,
) -> HttpResponse {
    let today = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    // A reader limited to a unit is offered that unit and the units below it.
    let reader = crate::features::actor::Actor::from(user);
    let units: Vec<_> = state
        .units
        .units_of(today.as_deref())
        .into_iter()
        .filter(|u| reader.reaches(&state.units, Some(&u.code)))
        .cloned()
        .collect();
    let page = view::issue_page(&view::IssuePage {
        staff: Staff {
            username: &user.username,
            role: user.role,
            csrf: &csrf.token,
            lang,
            here: "/codes",
        },
        surveys: state
            .catalog
            .surveys
            .values()
            .filter(|s| s.groups.is_empty())
            .collect(),
        units: &units,
        error,
    });
    csrf.page(status, page)
}

pub async fn codes(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
) -> HttpResponse {
    codes_page(&state, &user, &csrf, lang, StatusCode::OK, None).await
}

#[derive(Deserialize)]
pub struct IssueForm {
    csrf: String,
    unit: String,
    survey: String,
    count: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    format: String,
}

impl WithCsrf for IssueForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Codes as CSV `code,url`.
pub fn codes_csv(codes: &[String], base_url: &str) -> String {
    let mut out = String::from("code,url\n");
    for c in codes {
        out.push_str(&format!("{c},{base_url}/o/{c}\n"));
    }
    out
}

pub async fn issue(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Admin>,
    csrf: Csrf,
    lang: Lang,
    CsrfForm(f): CsrfForm<IssueForm>,
) -> Result<HttpResponse, PageError> {
    let number = |s: &str, default: u32| match s.trim() {
        "" => Some(default),
        n => n.parse::<u32>().ok(),
    };
    let (Some(count), Some(days)) = (number(&f.count, 0), number(&f.days, app::DEFAULT_DAYS))
    else {
        let msg = lang.pick(
            "Số mã và số ngày phải là số.",
            "The number of codes and of days must be numbers.",
        );
        return Ok(codes_page(
            &state,
            &user,
            &csrf,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
        )
        .await);
    };
    let st = state.get_ref().clone();
    let actor = crate::features::actor::Actor::from(&user);
    let (unit, survey) = (f.unit.clone(), f.survey.clone());
    let outcome = web::block(move || app::issue(&st, &actor, &unit, &survey, count, days))
        .await
        .map_err(|_| PageError::busy())?;
    let (codes, expires) = match outcome {
        Ok(x) => x,
        Err(CodeError::Invalid(e)) => {
            let msg = format!(
                "{} {}.",
                lang.pick("Chưa tạo được mã:", "The codes were not made:"),
                lang.text(&e.text)
            );
            return Ok(codes_page(
                &state,
                &user,
                &csrf,
                lang,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&msg),
            )
            .await);
        }
        Err(e) => return Err(e.into()),
    };
    let base = state.settings.public_url.clone();
    if f.format == "csv" {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Cache-Control", "no-store"))
            .insert_header((
                "Content-Disposition",
                "attachment; filename=\"ma-danh-gia.csv\"",
            ))
            .body(format!("\u{feff}{}", codes_csv(&codes, &base))));
    }
    let unit_name = state
        .units
        .get(&f.unit)
        .map_or(f.unit.clone(), |u| u.name.clone());
    Ok(csrf.page(
        StatusCode::OK,
        view::labels(lang, &codes, &base, &unit_name, &expires),
    ))
}

//! Citizens' online channel: `/o` asks for the code on the appointment slip, `/o/CODE` opens
//! the counter form of the code's unit and takes one answer. Admins make codes at `/codes`.

use crate::db::codes::VisitCode;
use crate::features::actor::Actor;
use crate::features::answer_once::public::{html, Posted, Visit};
use crate::features::codes::page as view;
use crate::features::codes::service::{self as app, Answered, CodeError};
use crate::features::kiosk::page::{form as form_view, FormState};
use crate::features::kiosk::service::counter_surveys;
use crate::state::AppState;
use crate::survey::FieldError;
use crate::text::{Lang, Text};
use crate::ui::problems::{summary, Problem};
use crate::web::error::PageError;
use crate::web::extract::{Admin, CsrfForm};
use crate::web::reader::Reader;
use crate::web::respond::{private_csv, see_other};
use crate::with_csrf;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use maud::{Markup, PreEscaped};
use serde::Deserialize;
use std::collections::HashMap;

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

/// Asks for the code; a code typed in goes to its form (where the per-code limit counts it).
pub async fn ask(lang: Lang, q: web::Query<CodeQuery>) -> HttpResponse {
    let typed = q.code.as_deref().map(str::trim).unwrap_or("");
    match app::normalise(typed) {
        _ if typed.is_empty() => html(StatusCode::OK, view::ask(lang, "", None)),
        Some(code) => see_other(format!("/o/{code}")),
        None => retype(lang, typed, StatusCode::UNPROCESSABLE_ENTITY, RETYPE),
    }
}

/// The page asking for the code again, with the code as typed in its input and why beside it.
fn retype(lang: Lang, typed: &str, status: StatusCode, why: (&str, &str)) -> HttpResponse {
    html(
        status,
        view::ask(lang, typed, Some(lang.pick(why.0, why.1))),
    )
}

/// A code typed that cannot be one.
const RETYPE: (&str, &str) = (
    "Mã gồm 10 ký tự in trên phiếu hẹn (chữ và số, không có O, 0, I, 1). Xin nhập lại.",
    "The code is the 10 characters printed on the slip (letters and digits, no O, 0, I or 1). Please type it again.",
);

/// A code of the right shape that no slip carries: most often a character misread.
const NOT_FOUND: (&str, &str) = (
    "Không tìm thấy mã này. Xin so lại từng ký tự với mã in trên phiếu hẹn (dễ nhầm: S và 5, Z và 2, B và 8) rồi nhập lại.",
    "This code was not found. Please compare each character with the code printed on your slip (easily confused: S and 5, Z and 2, B and 8) and type it again.",
);

/// An unknown code is asked for again on the same page; any other refusal says why.
fn or_retype<T>(
    v: &Visit,
    found: Result<T, CodeError>,
) -> Result<Result<T, HttpResponse>, PageError> {
    match found {
        Ok(x) => Ok(Ok(x)),
        Err(CodeError::Unknown) => Ok(Err(retype(
            v.lang,
            &app::normalise(&v.ticket).map_or(v.ticket.clone(), |c| app::display(&c)),
            StatusCode::NOT_FOUND,
            NOT_FOUND,
        ))),
        Err(e) => Err(e.into()),
    }
}

/// The counter form a code opens, all on one page.
struct Online {
    /// The code as stored, for the form's address.
    code: String,
    vc: VisitCode,
    submission_id: String,
    chosen: HashMap<String, String>,
}

impl Online {
    fn new(
        typed: &str,
        vc: VisitCode,
        submission_id: String,
        chosen: HashMap<String, String>,
    ) -> Result<Online, PageError> {
        let code = app::normalise(typed).ok_or_else(|| PageError::from(CodeError::Unknown))?;
        Ok(Online {
            code,
            vc,
            submission_id,
            chosen,
        })
    }
}

fn render(
    state: &AppState,
    lang: Lang,
    status: StatusCode,
    o: &Online,
    errors: &[FieldError],
) -> Result<HttpResponse, PageError> {
    let survey = state
        .catalog
        .get(&o.vc.survey_id)
        .ok_or_else(PageError::not_found)?;
    let unit_name = state
        .units
        .get(&o.vc.unit_code)
        .map(|u| u.name.as_str())
        .unwrap_or("");
    let form = form_view(
        survey,
        &FormState {
            token: &o.code,
            unit_name,
            submission_id: &o.submission_id,
            issued: state.clock.timestamp(),
            signature: "",
            chosen: &o.chosen,
            step: 0,
            error: None,
            errors,
            online: true,
            lang,
        },
    );
    Ok(html(status, with_summary(form, lang, errors)))
}

/// The counter form with the summary of what to put right above it. The form is drawn by the
/// kiosk's page, which marks each question; the summary, which only the one-page online form
/// needs, goes just before the form element.
fn with_summary(form: Markup, lang: Lang, errors: &[FieldError]) -> Markup {
    let problems: Vec<Problem> = errors
        .iter()
        .map(|e| Problem {
            target: Some(format!("q-{}", question_name(&e.field))),
            message: e.message.clone(),
        })
        .collect();
    let page = form.into_string();
    let summary = summary(lang, &problems).into_string();
    match page.find(FORM_TAG) {
        Some(at) if !summary.is_empty() => {
            PreEscaped(format!("{}{summary}{}", &page[..at], &page[at..]))
        }
        _ => PreEscaped(page),
    }
}

/// How the counter form's element begins.
const FORM_TAG: &str = "<form id=\"kiosk\"";

/// The form field of a question a check names (`answers.X` is `a:X`, `background.X` `b:X`).
fn question_name(field: &str) -> String {
    match (
        field.strip_prefix("answers."),
        field.strip_prefix("background."),
    ) {
        (Some(c), _) => format!("a:{c}"),
        (_, Some(c)) => format!("b:{c}"),
        _ => field.to_string(),
    }
}

pub async fn form(v: Visit) -> Result<HttpResponse, PageError> {
    let vc = match or_retype(&v, v.open(app::open).await)? {
        Ok(vc) => vc,
        Err(again) => return Ok(again),
    };
    let sid = uuid::Uuid::new_v4().to_string();
    let o = Online::new(&v.ticket, vc, sid, HashMap::new())?;
    render(&v.state, v.lang, StatusCode::OK, &o, &[])
}

pub async fn submit(v: Visit, payload: web::Payload) -> Result<HttpResponse, PageError> {
    let posted = Posted::read(payload).await?;
    let (typed, raw, lang) = (v.ticket.clone(), posted.submission(), v.lang);
    let chosen = posted.chosen();
    let answered = v
        .state
        .run(move |st| app::answer_or_again(st, &typed, raw, &chosen, lang));
    match or_retype(&v, answered.await)? {
        Err(again) => Ok(again),
        Ok(Answered::Stored) => Ok(html(StatusCode::OK, view::thanks(lang))),
        Ok(Answered::Again(vc, errors)) => form_again(&v, &posted, vc, &errors),
    }
}

/// The form again, as it was sent, with what to correct.
fn form_again(
    v: &Visit,
    posted: &Posted,
    vc: VisitCode,
    errors: &[FieldError],
) -> Result<HttpResponse, PageError> {
    let sid = posted.submission_id().to_string();
    let o = Online::new(&v.ticket, vc, sid, posted.chosen())?;
    render(
        &v.state,
        v.lang,
        StatusCode::UNPROCESSABLE_ENTITY,
        &o,
        errors,
    )
}

/// The form that makes codes, again with what to correct (or afresh).
fn codes_page(state: &AppState, r: &Reader<Admin>, error: Option<&str>) -> HttpResponse {
    // A reader limited to a unit is offered that unit and the units below it.
    let units = Actor::from(&r.user).units_today(&state.units, state.clock.today());
    let page = view::issue_page(&view::IssuePage {
        staff: r.staff_at("/codes"),
        surveys: counter_surveys(state),
        units: &units,
        error,
    });
    match error {
        None => r.page(page),
        Some(_) => r.page_with(StatusCode::UNPROCESSABLE_ENTITY, page),
    }
}

pub async fn codes(r: Reader<Admin>) -> HttpResponse {
    codes_page(&r.state, &r, None)
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

with_csrf!(IssueForm);

/// Codes as CSV `code,url`.
pub fn codes_csv(codes: &[String], base_url: &str) -> String {
    let mut out = String::from("code,url\n");
    for c in codes {
        out.push_str(&format!("{c},{base_url}/o/{c}\n"));
    }
    out
}

pub async fn issue(
    r: Reader<Admin>,
    CsrfForm(f): CsrfForm<IssueForm>,
) -> Result<HttpResponse, PageError> {
    let (actor, format) = (Actor::from(&r.user), f.format.clone());
    let order =
        move |st: &AppState| app::issue_typed(st, &actor, &f.unit, &f.survey, &f.count, &f.days);
    let outcome = r.state.run(order).await;
    issued(&r.state, &r, outcome, &format)
}

/// The codes made, once: as labels to print or a CSV file; or the form again with why none
/// were made.
fn issued(
    state: &AppState,
    r: &Reader<Admin>,
    outcome: Result<(Vec<String>, String, String), CodeError>,
    format: &str,
) -> Result<HttpResponse, PageError> {
    let (codes, expires, unit_name) = match outcome {
        Ok(x) => x,
        Err(CodeError::Invalid(e)) => {
            let not_made = r.lang.pick("Chưa tạo được mã:", "The codes were not made:");
            let msg = format!("{not_made} {}.", r.lang.text(&e.text));
            return Ok(codes_page(state, r, Some(&msg)));
        }
        Err(e) => return Err(e.into()),
    };
    let base = &state.settings.public_url;
    Ok(match format {
        "csv" => private_csv("ma-danh-gia.csv", &codes_csv(&codes, base)),
        _ => r.page(view::labels(r.lang, &codes, base, &unit_name, &expires)),
    })
}

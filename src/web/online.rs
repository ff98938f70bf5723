//! Citizens' online channel: `/o` asks for the code on the appointment slip, `/o/CODE` opens
//! the counter form of the code's unit and takes one answer. Admins make codes at `/codes`.

use super::api::read_body;
use super::extract::{Admin, Csrf, CsrfForm, SignedIn, WithCsrf};
use super::kiosk::{answers_of, for_citizen};
use crate::app::codes::{self as app, CodeError};
use crate::error::PageError;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission};
use crate::views::codes as view;
use crate::views::entry::Staff;
use crate::views::kiosk::{form as form_view, FormState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::Map;
use std::collections::HashMap;

fn html(status: StatusCode, body: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        // The address holds a secret: never sent to another site. Not "no-referrer": with it
        // browsers send `Origin: null` on the page's own form posts, which are then refused.
        .insert_header(("Referrer-Policy", "same-origin"))
        .body(body.into_string())
}

impl From<CodeError> for PageError {
    fn from(e: CodeError) -> Self {
        match e {
            CodeError::Unknown => PageError::new(
                StatusCode::NOT_FOUND,
                "Mã không đúng",
                "Không tìm thấy mã này. Xin kiểm tra lại mã in trên phiếu hẹn (10 ký tự, không có chữ O và số 0, chữ I và số 1) rồi nhập lại tại /o.",
            ),
            CodeError::Used => PageError::new(
                StatusCode::GONE,
                "Mã đã được dùng",
                "Mã này đã được dùng để gửi một đánh giá. Mỗi mã chỉ dùng được một lần. Xin cảm ơn Ông/Bà.",
            ),
            CodeError::Expired => PageError::new(
                StatusCode::GONE,
                "Mã đã hết hạn",
                "Mã này đã quá thời hạn đánh giá in trên phiếu hẹn. Xin cảm ơn Ông/Bà.",
            ),
            CodeError::Gone(name) => PageError::new(
                StatusCode::GONE,
                "Đơn vị không còn",
                format!("{name} không còn là đơn vị hành chính sau khi sắp xếp, nên mã này không dùng được nữa."),
            ),
            CodeError::Invalid(f) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Chưa tạo được mã",
                format!("{}. Xin quay lại, sửa rồi gửi lại.", f.message),
            ),
            CodeError::Answer(f) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Phiếu chưa hợp lệ",
                f.message,
            ),
            CodeError::Refused(m) => {
                PageError::new(StatusCode::CONFLICT, "Chưa ghi nhận được", m)
            }
            CodeError::Busy => PageError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Hệ thống đang bận",
                "Đánh giá chưa được ghi nhận. Xin quay lại và gửi lại sau ít giây.",
            ),
            CodeError::Db(e) => e.into(),
        }
    }
}

#[derive(Deserialize)]
pub struct CodeQuery {
    #[serde(default)]
    code: Option<String>,
}

/// Asks for the code; a code typed in goes to its form.
pub async fn ask(q: web::Query<CodeQuery>) -> HttpResponse {
    match q.code.as_deref().map(str::trim) {
        None | Some("") => html(StatusCode::OK, view::ask(None)),
        Some(typed) => match app::normalise(typed) {
            Some(code) => HttpResponse::SeeOther()
                .insert_header(("Location", format!("/o/{code}")))
                .insert_header(("Referrer-Policy", "same-origin"))
                .finish(),
            None => html(
                StatusCode::UNPROCESSABLE_ENTITY,
                view::ask(Some(
                    "Mã gồm 10 ký tự in trên phiếu hẹn (chữ và số, không có O, 0, I, 1). Xin nhập lại.",
                )),
            ),
        },
    }
}

fn render(
    state: &AppState,
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
            },
        ),
    ))
}

pub async fn form(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let typed = path.into_inner();
    let vc = app::open(&state, &typed).await?;
    let code = app::normalise(&typed).ok_or(CodeError::Unknown)?;
    let sid = uuid::Uuid::new_v4().to_string();
    render(
        &state,
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
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let typed = path.into_inner();
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
        Ok(()) => Ok(html(StatusCode::OK, view::thanks())),
        Err(CodeError::Answer(e)) => {
            let vc = app::open(&state, &typed).await?;
            let code = app::normalise(&typed).ok_or(CodeError::Unknown)?;
            let survey = state
                .catalog
                .get(&vc.survey_id)
                .ok_or_else(PageError::not_found)?;
            let beside = [FieldError::new(e.field.clone(), for_citizen(survey, &e))];
            render(
                &state,
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
    status: StatusCode,
    error: Option<&str>,
) -> HttpResponse {
    let today = state
        .units
        .set_on(state.clock.today())
        .map(|s| s.id.clone());
    let units: Vec<_> = state
        .units
        .units_of(today.as_deref())
        .into_iter()
        .cloned()
        .collect();
    let role = user.role.to_string();
    let page = view::issue_page(&view::IssuePage {
        staff: Staff {
            username: &user.username,
            role: &role,
            csrf: &csrf.token,
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
) -> HttpResponse {
    codes_page(&state, &user, &csrf, StatusCode::OK, None).await
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
    CsrfForm(f): CsrfForm<IssueForm>,
) -> Result<HttpResponse, PageError> {
    let number = |s: &str, default: u32| match s.trim() {
        "" => Some(default),
        n => n.parse::<u32>().ok(),
    };
    let (Some(count), Some(days)) = (number(&f.count, 0), number(&f.days, app::DEFAULT_DAYS))
    else {
        let msg = "Số mã và số ngày phải là số.";
        return Ok(codes_page(
            &state,
            &user,
            &csrf,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(msg),
        )
        .await);
    };
    let st = state.get_ref().clone();
    let actor = user.username.clone();
    let (unit, survey) = (f.unit.clone(), f.survey.clone());
    let outcome = web::block(move || app::issue(&st, &actor, &unit, &survey, count, days))
        .await
        .map_err(|_| PageError::busy())?;
    let (codes, expires) = match outcome {
        Ok(x) => x,
        Err(CodeError::Invalid(e)) => {
            let msg = format!("Chưa tạo được mã: {}.", e.message);
            return Ok(codes_page(
                &state,
                &user,
                &csrf,
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
        view::labels(&codes, &base, &unit_name, &expires),
    ))
}

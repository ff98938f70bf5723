//! One-time links (`/i/TOKEN`): an official answers the campaign's survey, a page per section.
//! The URL's token is the only credential; nothing tied to it is stored before the submit.

use crate::features::api::routes::read_body;
use crate::features::invitations::page::{self as view, Link};
use crate::features::invitations::service::{self as invite, Invitation, InviteError, LinkError};
use crate::features::kiosk::routes::unreadable;
use crate::state::AppState;
use crate::survey::Survey;
use crate::text::Lang;
use crate::web::error::PageError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::Map;

fn html(status: StatusCode, body: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body.into_string())
}

/// What an official is told (answers to put right are shown beside their questions).
impl From<InviteError> for PageError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::Link(l) => l.into(),
            InviteError::Invalid(_) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ("Phiếu chưa hợp lệ", "The form is not valid"),
                (
                    "Một số câu trả lời chưa hợp lệ. Xin quay lại và kiểm tra phiếu.",
                    "Some answers are not valid. Please go back and check the form.",
                ),
            ),
            InviteError::Refused(m) => PageError::new(
                StatusCode::CONFLICT,
                ("Phiếu chưa được ghi nhận", "The form was not recorded"),
                m,
            ),
            InviteError::Busy => PageError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ("Hệ thống đang bận", "The system is busy"),
                (
                    "Phiếu chưa được ghi nhận. Xin bấm quay lại rồi gửi lại sau ít giây; các câu trả lời vẫn còn trên trang.",
                    "The form was not recorded. Please go back and send it again in a few seconds; your answers are still on the page.",
                ),
            ),
            InviteError::Db(e) => e.into(),
        }
    }
}

impl From<LinkError> for PageError {
    fn from(e: LinkError) -> Self {
        let (status, title, message) = match e {
            LinkError::Unknown => (
                StatusCode::NOT_FOUND,
                ("Đường dẫn không đúng", "Unknown link"),
                (
                    "Không tìm thấy phiếu của đường dẫn này. Xin kiểm tra lại đường dẫn đã nhận; nếu cơ quan tổ chức đã gửi đường dẫn mới, xin dùng đường dẫn mới.",
                    "No form was found for this link. Please check the link you received; if the organiser sent you a new one, please use the new one.",
                ),
            ),
            LinkError::Revoked => (
                StatusCode::GONE,
                ("Đường dẫn đã bị thu hồi", "The link was revoked"),
                (
                    "Đường dẫn này không còn dùng được. Xin liên hệ cơ quan tổ chức khảo sát để nhận đường dẫn mới.",
                    "This link no longer works. Please ask the survey's organiser for a new one.",
                ),
            ),
            LinkError::Answered => (
                StatusCode::GONE,
                ("Phiếu đã được trả lời", "Already answered"),
                (
                    "Phiếu của đường dẫn này đã được gửi. Mỗi đường dẫn chỉ dùng được một lần. Trân trọng cảm ơn Ông/Bà.",
                    "The form of this link has been sent. Each link works only once. Thank you.",
                ),
            ),
            LinkError::NotOpen => (
                StatusCode::NOT_FOUND,
                ("Đợt khảo sát chưa mở", "The survey has not opened yet"),
                (
                    "Đợt khảo sát này chưa bắt đầu nhận phiếu. Xin mở lại đường dẫn khi cơ quan tổ chức thông báo.",
                    "This survey does not take answers yet. Please open the link again when the organiser says so.",
                ),
            ),
            LinkError::Closed => (
                StatusCode::GONE,
                ("Đợt khảo sát đã kết thúc", "The survey has ended"),
                (
                    "Đợt khảo sát này đã đóng, đường dẫn không còn dùng được. Trân trọng cảm ơn Ông/Bà.",
                    "This survey is closed and the link no longer works. Thank you.",
                ),
            ),
        };
        PageError::new(status, title, message)
    }
}

fn survey_of<'a>(state: &'a AppState, inv: &Invitation) -> Result<&'a Survey, PageError> {
    state
        .catalog
        .get(&inv.campaign.survey_id)
        .ok_or_else(|| PageError::from(LinkError::Closed))
}

fn link<'a>(
    lang: Lang,
    token: &'a str,
    survey: &'a Survey,
    inv: &'a Invitation,
    sid: &'a str,
) -> Link<'a> {
    Link {
        token,
        survey,
        organiser: &inv.campaign.organiser,
        campaign_title: &inv.campaign.title,
        group_label: survey
            .groups
            .iter()
            .find(|g| g.code == inv.group)
            .map_or(inv.group.as_str(), |g| g.label.as_str()),
        submission_id: sid,
        lang,
    }
}

pub async fn open(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let inv = invite::open_link(&state, &token)
        .await
        .map_err(PageError::from)?;
    let survey = survey_of(&state, &inv)?;
    // The submission id names the answer when it is stored: random, and known only to this
    // browser's page.
    let sid = uuid::Uuid::new_v4().to_string();
    Ok(html(
        StatusCode::OK,
        view::welcome(&link(lang, &token, survey, &inv, &sid)),
    ))
}

pub async fn post(
    state: web::Data<AppState>,
    lang: Lang,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let body = read_body(payload).await.map_err(|e| unreadable(e.status))?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| unreadable(StatusCode::BAD_REQUEST))?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let sid = match get("submission_id").map(|s| uuid::Uuid::parse_str(s.trim())) {
        Some(Ok(u)) => u.hyphenated().to_string(),
        _ => {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                ("Phiếu không hợp lệ", "The form is not valid"),
                (
                    "Trang phiếu không còn hợp lệ. Xin mở lại đường dẫn đã nhận để trả lời.",
                    "This page of the form is no longer valid. Please open the link you received again to answer.",
                ),
            ))
        }
    };
    let inv = match invite::open_link(&state, &token).await {
        Ok(inv) => inv,
        // A page sent again after its answer was stored (a reload of the last page).
        Err(InviteError::Link(LinkError::Answered)) if get("go") == Some("submit") => {
            // Succeeds only when this page's own answer is the one stored.
            invite::answer(&state, &token, Map::new(), &sid)
                .await
                .map_err(PageError::from)?;
            return Ok(html(
                StatusCode::OK,
                view::thanks(lang, thank_you(lang, None), ""),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let survey = survey_of(&state, &inv)?;
    let l = link(lang, &token, survey, &inv, &sid);
    let answers = invite::answers_from_form(survey, &fields);
    let last = survey.sections.len().saturating_sub(1);
    let current = get("page").and_then(|p| p.parse::<usize>().ok());
    let go = get("go").unwrap_or("");
    if go == "submit" {
        return match invite::answer(&state, &token, answers.clone(), &sid).await {
            Ok(()) => Ok(html(
                StatusCode::OK,
                view::thanks(
                    lang,
                    thank_you(lang, survey.thanks.as_deref()),
                    &inv.campaign.organiser,
                ),
            )),
            Err(InviteError::Invalid(errors)) => {
                let first = first_page_with_error(survey, &errors).unwrap_or(last);
                Ok(html(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    view::section(&l, first, &answers, &errors),
                ))
            }
            Err(e) => Err(e.into()),
        };
    }
    let target = go.parse::<usize>().unwrap_or(0).min(last);
    // Going forward checks the page being left; going back keeps whatever was chosen.
    if let Some(cur) = current.filter(|c| *c < target) {
        if let Some(sec) = survey.sections.get(cur) {
            let errors = invite::section_errors(survey, sec, &answers);
            if !errors.is_empty() {
                return Ok(html(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    view::section(&l, cur, &answers, &errors),
                ));
            }
        }
    }
    Ok(html(
        StatusCode::OK,
        view::section(&l, target, &answers, &[]),
    ))
}

/// The thanks under the thank-you page: the survey's own (as defined, Vietnamese) on a
/// Vietnamese page, a plain one in English.
fn thank_you(lang: Lang, defined: Option<&str>) -> &str {
    match lang {
        Lang::Vi => defined.unwrap_or("Trân trọng cảm ơn Ông/Bà."),
        Lang::En => "Thank you.",
    }
}

fn first_page_with_error(survey: &Survey, errors: &[crate::survey::FieldError]) -> Option<usize> {
    survey.sections.iter().position(|s| {
        s.items.iter().any(|i| {
            errors
                .iter()
                .any(|e| e.field.strip_prefix("answers.") == Some(i.code.as_str()))
        })
    })
}

//! One-time links (`/i/TOKEN`): an official answers the campaign's survey, a page per section.
//! The URL's token is the only credential; nothing tied to it is stored before the submit.

use crate::features::answer_once::public::{html, Posted, Visit};
use crate::features::invitations::page::{self as view, Link};
use crate::features::invitations::service::{
    self as invite, Invitation, InviteError, LinkError, Reply,
};
use crate::state::AppState;
use crate::survey::Survey;
use crate::text::{Lang, Text};
use crate::web::error::PageError;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

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
        let (status, title, message): (StatusCode, (&str, &str), Text) = match e {
            LinkError::Unknown => (
                StatusCode::NOT_FOUND,
                ("Đường dẫn không đúng", "Unknown link"),
                (
                    "Không tìm thấy phiếu của đường dẫn này. Xin kiểm tra lại đường dẫn đã nhận; nếu cơ quan tổ chức đã gửi đường dẫn mới, xin dùng đường dẫn mới.",
                    "No form was found for this link. Please check the link you received; if the organiser sent you a new one, please use the new one.",
                ).into(),
            ),
            LinkError::Replaced { organiser } => (
                StatusCode::GONE,
                ("Đường dẫn đã được thay", "The link was replaced"),
                (
                    format!("Đường dẫn này đã được thay bằng một đường dẫn mới. Xin dùng đường dẫn mới nhất Ông/Bà nhận được; nếu chưa nhận được, xin liên hệ {organiser} để được gửi lại."),
                    format!("This link was replaced by a newer one. Please use the latest link you received; if you have not received it, please ask {organiser} to send it again."),
                ).into(),
            ),
            LinkError::Revoked => (
                StatusCode::GONE,
                ("Đường dẫn đã bị thu hồi", "The link was revoked"),
                (
                    "Đường dẫn này không còn dùng được. Xin liên hệ cơ quan tổ chức khảo sát để nhận đường dẫn mới.",
                    "This link no longer works. Please ask the survey's organiser for a new one.",
                ).into(),
            ),
            LinkError::Answered => (
                StatusCode::GONE,
                ("Phiếu đã được trả lời", "Already answered"),
                (
                    "Phiếu của đường dẫn này đã được gửi. Mỗi đường dẫn chỉ dùng được một lần. Trân trọng cảm ơn Ông/Bà.",
                    "The form of this link has been sent. Each link works only once. Thank you.",
                ).into(),
            ),
            LinkError::NotOpen => (
                StatusCode::NOT_FOUND,
                ("Đợt khảo sát chưa mở", "The survey has not opened yet"),
                (
                    "Đợt khảo sát này chưa bắt đầu nhận phiếu. Xin mở lại đường dẫn khi cơ quan tổ chức thông báo.",
                    "This survey does not take answers yet. Please open the link again when the organiser says so.",
                ).into(),
            ),
            LinkError::Closed => (
                StatusCode::GONE,
                ("Đợt khảo sát đã kết thúc", "The survey has ended"),
                (
                    "Đợt khảo sát này đã đóng, đường dẫn không còn dùng được. Trân trọng cảm ơn Ông/Bà.",
                    "This survey is closed and the link no longer works. Thank you.",
                ).into(),
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

pub async fn open(v: Visit) -> Result<HttpResponse, PageError> {
    let (state, lang, token) = (&v.state, v.lang, &v.ticket);
    let inv = v.open(invite::open_link).await?;
    let survey = survey_of(state, &inv)?;
    // The submission id names the answer when it is stored: random, and known only to this
    // browser's page.
    let sid = uuid::Uuid::new_v4().to_string();
    Ok(html(
        StatusCode::OK,
        view::welcome(&link(lang, token, survey, &inv, &sid)),
    ))
}

pub async fn post(v: Visit, payload: web::Payload) -> Result<HttpResponse, PageError> {
    let posted = Posted::read(payload).await?;
    let sid = submission_id(&posted)?;
    let (t, s) = (v.ticket.clone(), sid.clone());
    let reply = v
        .state
        .run(move |st| invite::post(st, &t, &s, &posted.0))
        .await?;
    answered(&v.state, v.lang, &v.ticket, &sid, reply)
}

/// The page a post through a link is answered with.
fn answered(
    state: &AppState,
    lang: Lang,
    token: &str,
    sid: &str,
    reply: Reply,
) -> Result<HttpResponse, PageError> {
    Ok(match reply {
        Reply::Thanks(None) => html(
            StatusCode::OK,
            view::thanks(lang, thank_you(lang, None), ""),
        ),
        Reply::Thanks(Some(inv)) => {
            let thanks = thank_you(lang, survey_of(state, &inv)?.thanks.as_deref());
            html(
                StatusCode::OK,
                view::thanks(lang, thanks, &inv.campaign.organiser),
            )
        }
        Reply::Page {
            invitation: inv,
            page,
            answers,
            errors,
        } => {
            let l = link(lang, token, survey_of(state, &inv)?, &inv, sid);
            let status = match errors.is_empty() {
                true => StatusCode::OK,
                false => StatusCode::UNPROCESSABLE_ENTITY,
            };
            html(status, view::section(&l, page, &answers, &errors))
        }
    })
}

/// The submission id the page was drawn with, as a UUID.
fn submission_id(posted: &Posted) -> Result<String, PageError> {
    match posted.get("submission_id").map(|s| uuid::Uuid::parse_str(s.trim())) {
        Some(Ok(u)) => Ok(u.hyphenated().to_string()),
        _ => Err(PageError::new(
            StatusCode::BAD_REQUEST,
            ("Phiếu không hợp lệ", "The form is not valid"),
            (
                "Trang phiếu không còn hợp lệ. Xin mở lại đường dẫn đã nhận để trả lời.",
                "This page of the form is no longer valid. Please open the link you received again to answer.",
            ),
        )),
    }
}

/// The thanks under the thank-you page: the survey's own (as defined, Vietnamese) on a
/// Vietnamese page, a plain one in English.
fn thank_you(lang: Lang, defined: Option<&str>) -> &str {
    match lang {
        Lang::Vi => defined.unwrap_or("Trân trọng cảm ơn Ông/Bà."),
        Lang::En => "Thank you.",
    }
}

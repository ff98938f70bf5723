//! One-time links (`/i/TOKEN`): an official answers the campaign's survey, a page per section.
//! The URL's token is the only credential; nothing tied to it is stored before the submit.

use super::api::read_body;
use crate::app::invite::{self, Invitation, InviteError, LinkError};
use crate::error::PageError;
use crate::state::AppState;
use crate::survey::Survey;
use crate::views::invite::{self as view, Link};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::Map;

fn html(status: StatusCode, body: maud::Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        // The address holds a secret: never sent to another site. Not "no-referrer": with it
        // browsers send `Origin: null` on the page's own form posts, which are then refused.
        .insert_header(("Referrer-Policy", "same-origin"))
        .body(body.into_string())
}

impl From<InviteError> for PageError {
    fn from(e: InviteError) -> Self {
        match e {
            InviteError::Link(l) => link_error(l),
            InviteError::Invalid(_) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Phiếu chưa hợp lệ",
                e.to_string(),
            ),
            InviteError::Refused(m) => {
                PageError::new(StatusCode::CONFLICT, "Phiếu chưa được ghi nhận", m)
            }
            InviteError::Busy => PageError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "Hệ thống đang bận",
                "Phiếu chưa được ghi nhận. Xin bấm quay lại rồi gửi lại sau ít giây; các câu trả lời vẫn còn trên trang.",
            ),
            InviteError::Db(e) => e.into(),
        }
    }
}

fn link_error(e: LinkError) -> PageError {
    match e {
        LinkError::Unknown => PageError::new(
            StatusCode::NOT_FOUND,
            "Đường dẫn không đúng",
            "Không tìm thấy phiếu của đường dẫn này. Xin kiểm tra lại đường dẫn đã nhận; nếu cơ quan tổ chức đã gửi đường dẫn mới, xin dùng đường dẫn mới.",
        ),
        LinkError::Revoked => PageError::new(
            StatusCode::GONE,
            "Đường dẫn đã bị thu hồi",
            "Đường dẫn này không còn dùng được. Xin liên hệ cơ quan tổ chức khảo sát để nhận đường dẫn mới.",
        ),
        LinkError::Answered => PageError::new(
            StatusCode::GONE,
            "Phiếu đã được trả lời",
            "Phiếu của đường dẫn này đã được gửi. Mỗi đường dẫn chỉ dùng được một lần. Trân trọng cảm ơn Ông/Bà.",
        ),
        LinkError::NotOpen => PageError::new(
            StatusCode::NOT_FOUND,
            "Đợt khảo sát chưa mở",
            "Đợt khảo sát này chưa bắt đầu nhận phiếu. Xin mở lại đường dẫn khi cơ quan tổ chức thông báo.",
        ),
        LinkError::Closed => PageError::new(
            StatusCode::GONE,
            "Đợt khảo sát đã kết thúc",
            "Đợt khảo sát này đã đóng, đường dẫn không còn dùng được. Trân trọng cảm ơn Ông/Bà.",
        ),
    }
}

fn survey_of<'a>(state: &'a AppState, inv: &Invitation) -> Result<&'a Survey, PageError> {
    state
        .catalog
        .get(&inv.campaign.survey_id)
        .ok_or_else(|| link_error(LinkError::Closed))
}

fn link<'a>(token: &'a str, survey: &'a Survey, inv: &'a Invitation, sid: &'a str) -> Link<'a> {
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
    }
}

pub async fn open(
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let inv = invite::open_link(&state, &token).await?;
    let survey = survey_of(&state, &inv)?;
    // The submission id names the answer when it is stored: random, and known only to this
    // browser's page.
    let sid = uuid::Uuid::new_v4().to_string();
    Ok(html(
        StatusCode::OK,
        view::welcome(&link(&token, survey, &inv, &sid)),
    ))
}

pub async fn post(
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let token = path.into_inner();
    let body = read_body(payload)
        .await
        .map_err(|e| PageError::new(e.status, "Phiếu không hợp lệ", e.message))?;
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).map_err(|_| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            "Phiếu không hợp lệ",
            "Dữ liệu gửi lên không đọc được. Xin mở lại đường dẫn đã nhận.",
        )
    })?;
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let sid = match get("submission_id").map(|s| uuid::Uuid::parse_str(s.trim())) {
        Some(Ok(u)) => u.hyphenated().to_string(),
        _ => {
            return Err(PageError::new(
                StatusCode::BAD_REQUEST,
                "Phiếu không hợp lệ",
                "Trang phiếu không còn hợp lệ. Xin mở lại đường dẫn đã nhận để trả lời.",
            ))
        }
    };
    let inv = match invite::open_link(&state, &token).await {
        Ok(inv) => inv,
        // A page sent again after its answer was stored (a reload of the last page).
        Err(InviteError::Link(LinkError::Answered)) if get("go") == Some("submit") => {
            // Succeeds only when this page's own answer is the one stored.
            invite::answer(&state, &token, Map::new(), &sid).await?;
            return Ok(html(
                StatusCode::OK,
                view::thanks("Trân trọng cảm ơn Ông/Bà.", ""),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let survey = survey_of(&state, &inv)?;
    let l = link(&token, survey, &inv, &sid);
    let answers = invite::answers_from_form(survey, &fields);
    let last = survey.sections.len().saturating_sub(1);
    let current = get("page").and_then(|p| p.parse::<usize>().ok());
    let go = get("go").unwrap_or("");
    if go == "submit" {
        return match invite::answer(&state, &token, answers.clone(), &sid).await {
            Ok(()) => Ok(html(
                StatusCode::OK,
                view::thanks(
                    survey
                        .thanks
                        .as_deref()
                        .unwrap_or("Trân trọng cảm ơn Ông/Bà."),
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

fn first_page_with_error(survey: &Survey, errors: &[crate::survey::FieldError]) -> Option<usize> {
    survey.sections.iter().position(|s| {
        s.items.iter().any(|i| {
            errors
                .iter()
                .any(|e| e.field.strip_prefix("answers.") == Some(i.code.as_str()))
        })
    })
}

//! Answering through a one-time link (`/i/TOKEN`).
//!
//! The form goes a page per section; earlier pages' answers travel in the next page's hidden
//! fields, so nothing tied to the link is stored before the final submit, which answers once
//! (see [`crate::features::answer_once`]): the link is marked used (a flag on the person's
//! row, no day) only while its campaign is open, and the answer carries the person's group and
//! the campaign's unit, never the link or the person, and no day; it stays sealed (out of
//! every count and read) until the campaign closes.

use crate::db::campaigns::{self as rows, Campaign, OPEN};
use crate::db::{AnyConnection, DbError};
use crate::features::answer_once::{self, service::answer_value, Ticket};
use crate::ingest::Provenance;
use crate::secrets::hash_token;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Section, Survey};
use crate::text::Text;
use serde_json::{Map, Value};

/// Why a link opens no form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkError {
    /// No such link (mistyped, or cut short).
    Unknown,
    /// A newer link replaced this one; the campaign's organiser sent it and can send it again.
    Replaced {
        organiser: String,
    },
    Revoked,
    Answered,
    /// The campaign is not open yet.
    NotOpen,
    Closed,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("link: {0:?}")]
    Link(LinkError),
    /// Answers to put right, every one, in Vietnamese.
    #[error("{}", .0.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The answer cannot be taken for a reason the person cannot put right.
    #[error("{}", .0.en)]
    Refused(Text),
    #[error("the server is busy")]
    Busy,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What a valid link opens.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub campaign: Campaign,
    pub group: String,
}

pub fn open_link(state: &AppState, token: &str) -> Result<Invitation, InviteError> {
    let hash = hash_token(token);
    let Some(link) = state.db_blocking(|conn| rows::by_token(conn, &hash))? else {
        let replaced = state.db_blocking(|conn| rows::replaced(conn, &hash))?;
        return Err(InviteError::Link(match replaced {
            Some(c) => LinkError::Replaced {
                organiser: c.organiser,
            },
            None => LinkError::Unknown,
        }));
    };
    let refused = match () {
        _ if link.answered => Some(LinkError::Answered),
        _ if link.campaign.status == rows::CLOSED => Some(LinkError::Closed),
        _ if link.revoked => Some(LinkError::Revoked),
        _ if link.campaign.status != OPEN => Some(LinkError::NotOpen),
        _ => None,
    };
    if let Some(e) = refused {
        return Err(InviteError::Link(e));
    }
    Ok(Invitation {
        campaign: link.campaign,
        group: link.group,
    })
}

/// The answers of a posted page (`a:CODE` fields), for the survey's items only.
pub fn answers_from_form(survey: &Survey, fields: &[(String, String)]) -> Map<String, Value> {
    let mut answers = Map::new();
    for (k, v) in fields {
        let Some(code) = k.strip_prefix("a:") else {
            continue;
        };
        if survey.item(code).is_none() || v.is_empty() {
            continue;
        }
        answers.insert(code.to_string(), answer_value(v));
    }
    answers
}

/// What is missing or wrong on one page, each naming its question, in Vietnamese.
pub fn section_errors(
    survey: &Survey,
    section: &Section,
    answers: &Map<String, Value>,
) -> Vec<FieldError> {
    let mut out = Vec::new();
    for item in &section.items {
        let field = format!("answers.{}", item.code);
        let Some(scale) = survey.scale_of(item) else {
            continue;
        };
        match answers.get(&item.code) {
            None if item.required && item.show_if.is_none() => out.push(FieldError::new(
                field,
                format!("Câu {}: xin chọn một mức đánh giá.", item.code),
            )),
            Some(Value::Number(n))
                if n.as_i64()
                    .and_then(|v| i16::try_from(v).ok())
                    .is_some_and(|v| scale.allows(v)) => {}
            Some(Value::Null) if scale.no_opinion.is_some() => {}
            Some(_) => out.push(FieldError::new(
                field,
                format!(
                    "Câu {}: câu trả lời gửi lên không có trong thang đánh giá, xin chọn lại.",
                    item.code
                ),
            )),
            None => {}
        }
    }
    out
}

/// Every error of every page.
pub fn all_errors(survey: &Survey, answers: &Map<String, Value>) -> Vec<FieldError> {
    survey
        .sections
        .iter()
        .flat_map(|s| section_errors(survey, s, answers))
        .collect()
}

/// Stores the answers given through a link, once, and marks the link used.
pub fn answer(
    state: &AppState,
    token: &str,
    answers: Map<String, Value>,
    submission_id: &str,
) -> Result<(), InviteError> {
    let raw = answer_once::service::posted_answers(submission_id, answers, Map::new());
    answer_once::answer(state, &Link(token), raw)
}

/// A campaign's link: it belongs to one person of one group, and its answer stays sealed.
struct Link<'a>(&'a str);

impl Ticket for Link<'_> {
    type Opened = Invitation;
    type Error = InviteError;

    fn open(&self, state: &AppState) -> Result<Invitation, InviteError> {
        open_link(state, self.0)
    }

    fn is_used(e: &InviteError) -> bool {
        matches!(e, InviteError::Link(LinkError::Answered))
    }

    fn used() -> InviteError {
        InviteError::Link(LinkError::Answered)
    }

    fn busy() -> InviteError {
        InviteError::Busy
    }

    fn submission(
        &self,
        state: &AppState,
        inv: Invitation,
        raw: RawSubmission,
    ) -> Result<RawSubmission, InviteError> {
        let survey = state
            .catalog
            .get(&inv.campaign.survey_id)
            .ok_or(InviteError::Link(LinkError::Closed))?;
        let errors = all_errors(survey, &raw.answers);
        if !errors.is_empty() {
            return Err(InviteError::Invalid(errors));
        }
        Ok(RawSubmission {
            survey: survey.id.clone(),
            unit: inv.campaign.unit_code.clone(),
            channel: "invitation".into(),
            period: inv.campaign.period,
            group: Some(inv.group),
            background: Map::new(),
            ..raw
        })
    }

    fn provenance(&self) -> Provenance {
        Provenance {
            sealed: true,
            ..Provenance::default()
        }
    }

    fn consume(&self, _: &AppState, conn: &mut AnyConnection) -> Result<bool, DbError> {
        rows::consume(conn, &hash_token(self.0))
    }

    fn release(&self, conn: &mut AnyConnection) -> Result<(), DbError> {
        rows::release(conn, &hash_token(self.0))
    }

    fn refusal(e: &FieldError) -> InviteError {
        refusal(e)
    }
}

/// What a posted page of the form comes to.
pub enum Reply {
    /// Stored: the thank-you page, with the invitation (none: the answer was stored before,
    /// from this same page sent again).
    Thanks(Option<Invitation>),
    /// A page of the form to show, with the answers so far and what to put right.
    Page {
        invitation: Invitation,
        page: usize,
        answers: Map<String, Value>,
        errors: Vec<FieldError>,
    },
}

/// A page posted through a link: `go=N` moves to page N (going forward checks the page being
/// left; going back keeps whatever was chosen), `go=submit` stores the answer once.
pub fn post(
    state: &AppState,
    token: &str,
    submission_id: &str,
    fields: &[(String, String)],
) -> Result<Reply, InviteError> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let go = get("go").unwrap_or("");
    let invitation = match open_link(state, token) {
        Ok(inv) => inv,
        // A page sent again after its answer was stored (a reload of the last page):
        // succeeds only when this page's own answer is the one stored.
        Err(InviteError::Link(LinkError::Answered)) if go == "submit" => {
            answer(state, token, Map::new(), submission_id)?;
            return Ok(Reply::Thanks(None));
        }
        Err(e) => return Err(e),
    };
    let survey = state
        .catalog
        .get(&invitation.campaign.survey_id)
        .ok_or(InviteError::Link(LinkError::Closed))?;
    let answers = answers_from_form(survey, fields);
    let last = survey.sections.len().saturating_sub(1);
    let page = |page, errors| Reply::Page {
        invitation: invitation.clone(),
        page,
        answers: answers.clone(),
        errors,
    };
    if go == "submit" {
        return match answer(state, token, answers.clone(), submission_id) {
            Ok(()) => Ok(Reply::Thanks(Some(invitation.clone()))),
            Err(InviteError::Invalid(errors)) => {
                let first = first_page_with_error(survey, &errors).unwrap_or(last);
                Ok(page(first, errors))
            }
            Err(e) => Err(e),
        };
    }
    let target = go.parse::<usize>().unwrap_or(0).min(last);
    let current = get("page").and_then(|p| p.parse::<usize>().ok());
    if let Some(cur) = current.filter(|c| *c < target) {
        if let Some(sec) = survey.sections.get(cur) {
            let errors = section_errors(survey, sec, &answers);
            if !errors.is_empty() {
                return Ok(page(cur, errors));
            }
        }
    }
    Ok(page(target, Vec::new()))
}

fn first_page_with_error(survey: &Survey, errors: &[FieldError]) -> Option<usize> {
    survey.sections.iter().position(|s| {
        s.items.iter().any(|i| {
            errors
                .iter()
                .any(|e| e.field.strip_prefix("answers.") == Some(i.code.as_str()))
        })
    })
}

/// A check of the whole submission that failed, for the person answering.
fn refusal(e: &FieldError) -> InviteError {
    if let Some(code) = e.field.strip_prefix("answers.") {
        return InviteError::Invalid(vec![FieldError::new(
            e.field.clone(),
            format!("Câu {code}: câu trả lời chưa hợp lệ, xin chọn lại."),
        )]);
    }
    match e.field.as_str() {
        "date" | "period" => InviteError::Refused(Text::new(
            "Đợt khảo sát này đã hết thời hạn nhận phiếu. Xin liên hệ cơ quan tổ chức.",
            "This survey no longer takes answers. Please contact the organiser.",
        )),
        "submission_id" => InviteError::Refused(Text::new(
            "Trang phiếu không còn hợp lệ. Xin mở lại đường dẫn đã nhận để trả lời.",
            "The form page is no longer valid. Please open the link you received again to answer.",
        )),
        // The check's own words are the API's (English), kept for the English reader.
        _ => InviteError::Refused(Text::new(
            "Phiếu chưa được ghi nhận. Xin liên hệ cơ quan tổ chức.",
            format!(
                "The form was not recorded ({}). Please contact the organiser.",
                e.message
            ),
        )),
    }
}

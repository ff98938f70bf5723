//! Answering through a one-time link (`/i/TOKEN`).
//!
//! The form goes a page per section; earlier pages' answers travel in the next page's hidden
//! fields, so nothing tied to the link is stored before the final submit. The submit then
//! happens in two steps:
//!
//! 1. the link is marked used (a flag on the person's row, no day), in one statement that only
//!    succeeds on an unused link of an open campaign — of two submissions racing (a double
//!    click, two tabs), one wins and the other stores nothing;
//! 2. the answer goes through the same writer as every channel, under the submission id the
//!    form was rendered with (random, known only to the browser): it carries the person's
//!    group and the campaign's unit, never the link or the person, and no day; it stays
//!    sealed (out of every count and read) until the campaign closes.
//!
//! If step 2 fails and the answer is known not to be stored, the link is given back (the
//! person may submit again). If that cannot be known (the database went away mid-way), the
//! link stays used: an answer may then be lost, but never stored twice.

use crate::db::campaigns::{self as rows, Campaign, OPEN};
use crate::db::DbError;
use crate::features::submit::{self, SubmitError};
use crate::ingest::{self, Provenance};
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Section, Survey};
use crate::text::Text;
use serde_json::{Map, Value};

/// Why a link opens no form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    /// No such link (mistyped, or replaced by a newer one).
    Unknown,
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

pub async fn open_link(state: &AppState, token: &str) -> Result<Invitation, InviteError> {
    let t = token.to_string();
    let link = state
        .db(move |conn| rows::by_token(conn, &t))
        .await?
        .ok_or(InviteError::Link(LinkError::Unknown))?;
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
        let value = match v.as_str() {
            "na" => Value::Null,
            n => n
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(n.into())),
        };
        answers.insert(code.to_string(), value);
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
pub async fn answer(
    state: &AppState,
    token: &str,
    answers: Map<String, Value>,
    submission_id: &str,
) -> Result<(), InviteError> {
    let sid = submission_id.to_string();
    let inv = match open_link(state, token).await {
        Ok(inv) => inv,
        // The same page sent twice after its answer was stored: already done.
        Err(InviteError::Link(LinkError::Answered)) if stored(state, &sid).await? => return Ok(()),
        Err(e) => return Err(e),
    };
    let survey = state
        .catalog
        .get(&inv.campaign.survey_id)
        .ok_or(InviteError::Link(LinkError::Closed))?;
    let errors = all_errors(survey, &answers);
    if !errors.is_empty() {
        return Err(InviteError::Invalid(errors));
    }
    let raw = RawSubmission {
        survey: survey.id.clone(),
        unit: inv.campaign.unit_code.clone(),
        channel: "invitation".into(),
        submission_id: sid.clone(),
        period: inv.campaign.period,
        group: Some(inv.group.clone()),
        background: Map::new(),
        answers,
        comments: Map::new(),
        date: None,
    };
    let sealed = Provenance {
        sealed: true,
        ..Provenance::default()
    };
    // Everything is checked before the link is used up.
    if let Err(e) = ingest::prepare(&state.intake(), &raw, &sealed) {
        return Err(refusal(&e));
    }
    let t = token.to_string();
    if !state.db(move |c| rows::consume(c, &t)).await? {
        // Another submission took the link first (a double click, a second tab).
        if stored(state, &sid).await? {
            return Ok(());
        }
        return Err(match open_link(state, token).await {
            Err(e) => e,
            Ok(_) => InviteError::Link(LinkError::Answered),
        });
    }
    match submit::submit_as(state, raw, &sealed).await {
        Ok(_) => Ok(()),
        Err(e) => {
            // Known not stored: the link is given back. Unknown: it stays used.
            let s = sid.clone();
            let t = token.to_string();
            let given_back = state
                .db(move |c| match ingest::already_stored(c, &s)? {
                    None => rows::release(c, &t).map(|_| true),
                    Some(_) => Ok::<_, DbError>(false),
                })
                .await;
            match (e, given_back) {
                (_, Ok(false)) => Ok(()),
                (SubmitError::Invalid(e), _) => Err(refusal(&e)),
                (SubmitError::Busy, _) => Err(InviteError::Busy),
                (SubmitError::Db(e), _) => Err(InviteError::Db(e)),
            }
        }
    }
}

async fn stored(state: &AppState, sid: &str) -> Result<bool, InviteError> {
    let s = sid.to_string();
    Ok(state
        .db(move |c| ingest::already_stored(c, &s))
        .await?
        .is_some())
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

//! Citizens' online channel: one-time codes printed on appointment slips (phiếu hẹn trả kết
//! quả). A code opens a unit's counter form at `/o/CODE` and admits exactly one answer.
//!
//! Codes are 10 characters from an alphabet without look-alikes (50 random bits), stored as
//! hashes with the last day they are accepted. Answering works as through a campaign's link:
//! the code is marked used (the day only) in one conditional statement, then the answer is
//! stored under a random submission id; a failure known to have stored nothing gives the code
//! back. Answers carry channel `online`, a random id and their day, nothing of the code.

use crate::db::codes::{self as rows, VisitCode};
use crate::db::{audit, write_transaction, DbError};
use crate::features::submit::{self, SubmitError};
use crate::features::Actor;
use crate::ingest::{self, Provenance};
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission};
use crate::text::FieldProblem;
use crate::text::Text;
use rand::Rng;
use serde_json::json;

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 10;
pub const DEFAULT_DAYS: u32 = 90;
pub const MAX_COUNT: u32 = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    /// A setting of an issue (unit, survey, count, days).
    #[error("{0}")]
    Invalid(FieldProblem),
    #[error("unknown code")]
    Unknown,
    #[error("code already used")]
    Used,
    #[error("code expired")]
    Expired,
    /// The code's unit was abolished since it was printed.
    #[error("{0} no longer exists")]
    Gone(String),
    /// An answer to put right (the question is named).
    #[error("{0}")]
    Answer(FieldError),
    /// The answer cannot be taken for a reason the citizen cannot put right.
    #[error("{}", .0.en)]
    Refused(Text),
    #[error("the server is busy")]
    Busy,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CodeError {
    fn from(e: diesel::result::Error) -> Self {
        CodeError::Db(e.into())
    }
}

fn invalid(field: &str, vi: impl Into<String>, en: impl Into<String>) -> CodeError {
    CodeError::Invalid(FieldProblem::new(field, vi, en))
}

fn new_code() -> String {
    let mut rng = rand::thread_rng();
    (0..CODE_LEN)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// A code as typed (any case, with spaces or hyphens) in its stored form, if it can be one.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// A code as printed: two groups of five.
pub fn display(code: &str) -> String {
    match (code.get(..5), code.get(5..)) {
        (Some(a), Some(b)) if !b.is_empty() => format!("{a}-{b}"),
        _ => code.to_string(),
    }
}

/// Makes `count` codes for a unit's counter form, valid for `days` days from today. An actor
/// limited to a unit makes codes for that unit or a unit below it only.
pub fn issue(
    state: &AppState,
    actor: impl Into<Actor>,
    unit: &str,
    survey: &str,
    count: u32,
    days: u32,
) -> Result<(Vec<String>, String), CodeError> {
    let s = state.catalog.get(survey.trim()).ok_or_else(|| {
        invalid(
            "survey",
            format!("không có phiếu khảo sát “{}”", survey.trim()),
            format!("there is no survey “{}”", survey.trim()),
        )
    })?;
    if !s.groups.is_empty() {
        return Err(invalid(
            "survey",
            format!(
                "phiếu “{}” hỏi theo nhóm người trả lời: dùng đợt khảo sát theo danh sách",
                s.id
            ),
            format!(
                "survey “{}” asks by respondent group: use a campaign with a list of people",
                s.id
            ),
        ));
    }
    let u = state.units.get(unit.trim()).ok_or_else(|| {
        invalid(
            "unit",
            format!("không có đơn vị “{}”", unit.trim()),
            format!("there is no unit “{}”", unit.trim()),
        )
    })?;
    let actor = actor.into();
    actor
        .check_unit(&state.units, Some(&u.code))
        .map_err(CodeError::Invalid)?;
    let today = state.clock.today();
    if !state.units.valid_on(u, today) {
        return Err(invalid(
            "unit",
            format!("{} ({}) không còn là đơn vị hiện nay", u.name, u.code),
            format!("{} ({}) is no longer a unit today", u.name, u.code),
        ));
    }
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(invalid(
            "count",
            format!("số mã phải từ 1 đến {MAX_COUNT}"),
            format!("the number of codes must be from 1 to {MAX_COUNT}"),
        ));
    }
    if !(1..=366).contains(&days) {
        return Err(invalid(
            "days",
            "thời hạn phải từ 1 đến 366 ngày",
            "the codes must last from 1 to 366 days",
        ));
    }
    let expires = (today + chrono::Duration::days(i64::from(days)))
        .format("%Y-%m-%d")
        .to_string();
    let codes: Vec<String> = (0..count).map(|_| new_code()).collect();
    let (unit_code, survey_id) = (u.code.clone(), s.id.clone());
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            rows::insert(c, &codes, &unit_code, &survey_id, &actor.name, &expires)?;
            let detail = json!({"unit": unit_code, "survey": survey_id, "count": count,
                "expires_on": expires});
            audit::record(c, &actor.name, "codes.issue", &detail.to_string())?;
            Ok::<_, CodeError>(())
        })
    })?;
    Ok((codes, expires))
}

/// What a code opens, if it may be used now.
pub async fn open(state: &AppState, typed: &str) -> Result<VisitCode, CodeError> {
    let code = normalise(typed).ok_or(CodeError::Unknown)?;
    let found = state
        .db(move |c| rows::by_code(c, &code))
        .await?
        .ok_or(CodeError::Unknown)?;
    let today = state.clock.today().format("%Y-%m-%d").to_string();
    if found.used {
        return Err(CodeError::Used);
    }
    if found.expires_on < today {
        return Err(CodeError::Expired);
    }
    match state.units.get(&found.unit_code) {
        Some(u) if state.units.valid_on(u, state.clock.today()) => Ok(found),
        Some(u) => Err(CodeError::Gone(u.name.clone())),
        None => Err(CodeError::Unknown),
    }
}

/// Stores one answer under a code and uses the code up; `raw` carries the answers and the
/// submission id, the rest comes from the code.
pub async fn answer(
    state: &AppState,
    typed: &str,
    mut raw: RawSubmission,
) -> Result<(), CodeError> {
    let sid = raw.submission_id.clone();
    let vc = match open(state, typed).await {
        Ok(vc) => vc,
        // The same page sent twice after its answer was stored.
        Err(CodeError::Used) if stored(state, &sid).await? => return Ok(()),
        Err(e) => return Err(e),
    };
    let code = normalise(typed).ok_or(CodeError::Unknown)?;
    raw.survey = vc.survey_id;
    raw.unit = vc.unit_code;
    raw.channel = "online".into();
    raw.period = state.clock.year();
    raw.group = None;
    raw.date = None;
    if let Err(e) = ingest::prepare(&state.intake(), &raw, &Provenance::default()) {
        return Err(refusal(e));
    }
    let day = state.clock.today().format("%Y-%m-%d").to_string();
    let c = code.clone();
    if !state.db(move |conn| rows::consume(conn, &c, &day)).await? {
        if stored(state, &sid).await? {
            return Ok(());
        }
        return Err(match open(state, &code).await {
            Err(e) => e,
            Ok(_) => CodeError::Used,
        });
    }
    match submit::submit(state, raw).await {
        Ok(_) => Ok(()),
        Err(e) => {
            let s = sid.clone();
            let given_back = state
                .db(move |conn| match ingest::already_stored(conn, &s)? {
                    None => rows::release(conn, &code).map(|_| true),
                    Some(_) => Ok::<_, DbError>(false),
                })
                .await;
            match (e, given_back) {
                (_, Ok(false)) => Ok(()),
                (SubmitError::Invalid(e), _) => Err(refusal(e)),
                (SubmitError::Busy, _) => Err(CodeError::Busy),
                (SubmitError::Db(e), _) => Err(CodeError::Db(e)),
            }
        }
    }
}

async fn stored(state: &AppState, sid: &str) -> Result<bool, CodeError> {
    let s = sid.to_string();
    Ok(state
        .db(move |c| ingest::already_stored(c, &s))
        .await?
        .is_some())
}

fn refusal(e: FieldError) -> CodeError {
    if e.field.starts_with("answers.") || e.field.starts_with("background.") {
        return CodeError::Answer(e);
    }
    match e.field.as_str() {
        "submission_id" => CodeError::Refused(Text::new(
            "Trang phiếu không còn hợp lệ. Xin mở lại mã trên phiếu hẹn để đánh giá.",
            "The form page is no longer valid. Please open the code on your appointment slip again to answer.",
        )),
        // The check's own words are the API's (English), kept for the English reader.
        _ => CodeError::Refused(Text::new(
            "Đánh giá chưa được ghi nhận. Xin thử lại sau.",
            format!("Your answer was not recorded ({}). Please try again later.", e.message),
        )),
    }
}

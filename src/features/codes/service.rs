//! Citizens' online channel: one-time codes printed on appointment slips (phiếu hẹn trả kết
//! quả). A code opens a unit's counter form at `/o/CODE` and admits exactly one answer.
//!
//! Codes are 10 characters from an alphabet without look-alikes (50 random bits), stored as
//! hashes with the last day they are accepted. Answering works as through a campaign's link:
//! the code is marked used (the day only) in one conditional statement, then the answer is
//! stored under a random submission id; a failure known to have stored nothing gives the code
//! back. Answers carry channel `online`, a random id and their day, nothing of the code.

use crate::clock::wall_now;
use crate::db::codes::{self as rows, VisitCode};
use crate::db::{audit, write_transaction, AnyConnection, DbError};
use crate::features::answer_once::{self, for_citizen, Ticket};
use crate::features::kiosk::service::{missing, steps};
use crate::features::Actor;
use crate::secrets::hash_token;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission};
use crate::text::FieldProblem;
use crate::text::{Lang, Text};
use rand::Rng;
use serde_json::json;
use std::collections::HashMap;

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

/// What a setting names, or the setting refused: there is no such thing.
fn known<T>(
    found: Option<T>,
    field: &str,
    typed: &str,
    vi: &str,
    en: &str,
) -> Result<T, CodeError> {
    let typed = typed.trim();
    found.ok_or_else(|| {
        invalid(
            field,
            format!("không có {vi} “{typed}”"),
            format!("there is no {en} “{typed}”"),
        )
    })
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
    let s = known(
        state.catalog.get(survey.trim()),
        "survey",
        survey,
        "phiếu khảo sát",
        "survey",
    )?;
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
    let u = known(state.units.get(unit.trim()), "unit", unit, "đơn vị", "unit")?;
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
    let hashes: Vec<String> = codes.iter().map(|c| hash_token(c)).collect();
    let (unit_code, survey_id) = (u.code.clone(), s.id.clone());
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            rows::insert(
                c,
                &hashes,
                &unit_code,
                &survey_id,
                &actor.name,
                &expires,
                wall_now(),
            )?;
            let detail = json!({"unit": unit_code, "survey": survey_id, "count": count,
                "expires_on": expires});
            audit::record(
                c,
                &actor.name,
                "codes.issue",
                &detail.to_string(),
                wall_now(),
            )?;
            Ok::<_, CodeError>(())
        })
    })?;
    Ok((codes, expires))
}

/// What a code opens, if it may be used now.
pub fn open(state: &AppState, typed: &str) -> Result<VisitCode, CodeError> {
    let code = normalise(typed).ok_or(CodeError::Unknown)?;
    let found = state
        .db_blocking(|c| rows::by_code(c, &hash_token(&code)))?
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
pub fn answer(state: &AppState, typed: &str, raw: RawSubmission) -> Result<(), CodeError> {
    let code = normalise(typed).ok_or(CodeError::Unknown)?;
    answer_once::answer(state, &Slip(code), raw)
}

/// A slip's code, normalised: it expires, and is used up on the day only.
struct Slip(String);

impl Ticket for Slip {
    type Opened = VisitCode;
    type Error = CodeError;

    fn open(&self, state: &AppState) -> Result<VisitCode, CodeError> {
        open(state, &self.0)
    }

    fn is_used(e: &CodeError) -> bool {
        matches!(e, CodeError::Used)
    }

    fn used() -> CodeError {
        CodeError::Used
    }

    fn busy() -> CodeError {
        CodeError::Busy
    }

    fn submission(
        &self,
        state: &AppState,
        vc: VisitCode,
        mut raw: RawSubmission,
    ) -> Result<RawSubmission, CodeError> {
        raw.survey = vc.survey_id;
        raw.unit = vc.unit_code;
        raw.channel = "online".into();
        raw.period = state.clock.year();
        raw.group = None;
        raw.date = None;
        Ok(raw)
    }

    fn consume(&self, state: &AppState, conn: &mut AnyConnection) -> Result<bool, DbError> {
        let day = state.clock.today().format("%Y-%m-%d").to_string();
        rows::consume(conn, &hash_token(&self.0), &day)
    }

    fn release(&self, conn: &mut AnyConnection) -> Result<(), DbError> {
        rows::release(conn, &hash_token(&self.0))
    }

    fn refusal(e: &FieldError) -> CodeError {
        if e.field.starts_with("answers.") || e.field.starts_with("background.") {
            return CodeError::Answer(e.clone());
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
}

/// What became of an answer sent under a code.
pub enum Answered {
    Stored,
    /// Answers to put right: the form again, with every question to answer named in the
    /// citizen's words.
    Again(VisitCode, Vec<FieldError>),
}

/// A number typed in a form, or `default` when left blank.
fn number(typed: &str, default: u32) -> Option<u32> {
    match typed.trim() {
        "" => Some(default),
        n => n.parse::<u32>().ok(),
    }
}

/// [`issue`] as an admin's form orders it: the number of codes and of days as typed (no
/// number of days is [`DEFAULT_DAYS`]); the codes, the last day they work, and the unit's name.
pub fn issue_typed(
    state: &AppState,
    actor: &Actor,
    unit: &str,
    survey: &str,
    count: &str,
    days: &str,
) -> Result<(Vec<String>, String, String), CodeError> {
    let (Some(count), Some(days)) = (number(count, 0), number(days, DEFAULT_DAYS)) else {
        return Err(invalid(
            "count",
            "số mã và số ngày phải là số",
            "the number of codes and of days must be numbers",
        ));
    };
    let (codes, expires) = issue(state, actor, unit, survey, count, days)?;
    Ok((codes, expires, unit_name(state, unit)))
}

/// [`answer`], with what the form needs to be shown again when answers must be put right:
/// every required question left without an answer (`chosen`: the form's fields), or else the
/// one the checks refused.
pub fn answer_or_again(
    state: &AppState,
    typed: &str,
    raw: RawSubmission,
    chosen: &HashMap<String, String>,
    lang: Lang,
) -> Result<Answered, CodeError> {
    match answer(state, typed, raw) {
        Ok(()) => Ok(Answered::Stored),
        Err(CodeError::Answer(e)) => {
            let vc = open(state, typed)?;
            let survey = state.catalog.get(&vc.survey_id).ok_or(CodeError::Unknown)?;
            let mut left: Vec<FieldError> = steps(survey)
                .iter()
                .flat_map(|s| missing(s, chosen))
                .collect();
            if left.is_empty() {
                left.push(e);
            }
            let beside = left
                .iter()
                .map(|e| FieldError::new(e.field.clone(), for_citizen(lang, survey, e)))
                .collect();
            Ok(Answered::Again(vc, beside))
        }
        Err(e) => Err(e),
    }
}

/// The name of a unit a form names (the code itself when there is no such unit).
pub fn unit_name(state: &AppState, code: &str) -> String {
    state
        .units
        .get(code)
        .map_or(code.to_string(), |u| u.name.clone())
}

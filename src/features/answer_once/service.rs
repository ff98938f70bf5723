//! Answering once through a ticket: a slip code or a campaign's link admits exactly one
//! answer. The submit happens in two steps:
//!
//! 1. the ticket is marked used, in one conditional statement that only succeeds on a ticket
//!    that may still be used — of two submissions racing (a double click, two tabs), one wins
//!    and the other stores nothing;
//! 2. the answer goes through the same writer as every channel, under the submission id the
//!    form was rendered with (random, known only to the browser), carrying nothing of the
//!    ticket.
//!
//! Everything is checked before the ticket is used up. If step 2 fails and the answer is known
//! not to be stored, the ticket is given back (the person may submit again). If that cannot be
//! known (the database went away mid-way), the ticket stays used: an answer may then be lost,
//! but never stored twice. A page sent again after its own answer was stored is answered as
//! done.

use crate::db::{AnyConnection, DbError};
use crate::features::submit::{self, SubmitError};
use crate::ingest::{self, Provenance};
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Survey};
use crate::text::Lang;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What admits one answer, and how it differs from the others: what it opens, what the
/// answer carries from it, how it is used up and given back, and what its holder is told.
pub trait Ticket {
    /// What a ticket that may be used now opens.
    type Opened;
    type Error: From<DbError>;

    /// What the ticket opens, or why it opens nothing now.
    fn open(&self, state: &AppState) -> Result<Self::Opened, Self::Error>;
    /// Whether `e` says that the ticket has been used.
    fn is_used(e: &Self::Error) -> bool;
    fn used() -> Self::Error;
    /// The writer's queue is full, or it has stopped.
    fn busy() -> Self::Error;
    /// The answer to store: `raw` brings the answers and the submission id, the ticket the
    /// rest. Answers to put right are refused here, before the ticket is used up.
    fn submission(
        &self,
        state: &AppState,
        opened: Self::Opened,
        raw: RawSubmission,
    ) -> Result<RawSubmission, Self::Error>;
    /// Where the answer came from (a campaign's answers stay sealed until it closes).
    fn provenance(&self) -> Provenance {
        Provenance::default()
    }
    /// Marks the ticket used, if it may still be used (step 1).
    fn consume(&self, state: &AppState, conn: &mut AnyConnection) -> Result<bool, DbError>;
    /// Gives a used ticket back.
    fn release(&self, conn: &mut AnyConnection) -> Result<(), DbError>;
    /// A check of the whole submission that failed, for the person answering.
    fn refusal(e: &FieldError) -> Self::Error;
}

/// Stores one answer through `ticket` and uses the ticket up.
pub fn answer<T: Ticket>(state: &AppState, ticket: &T, raw: RawSubmission) -> Result<(), T::Error> {
    let sid = raw.submission_id.clone();
    let opened = match ticket.open(state) {
        Ok(opened) => opened,
        // The same page sent twice after its answer was stored: already done.
        Err(e) if T::is_used(&e) && submit::already_stored(state, &sid)? => return Ok(()),
        Err(e) => return Err(e),
    };
    let raw = ticket.submission(state, opened, raw)?;
    let provenance = ticket.provenance();
    if let Err(e) = ingest::prepare(&state.intake(), &raw, &provenance) {
        return Err(T::refusal(&e));
    }
    if !state.db_blocking(|conn| ticket.consume(state, conn))? {
        // Another submission took the ticket first (a double click, a second tab).
        if submit::already_stored(state, &sid)? {
            return Ok(());
        }
        return Err(match ticket.open(state) {
            Err(e) => e,
            Ok(_) => T::used(),
        });
    }
    let Err(e) = submit::submit_waiting(state, &raw, &provenance) else {
        return Ok(());
    };
    // Known not stored: the ticket is given back. Unknown: it stays used.
    let given_back = state.db_blocking(|conn| {
        match ingest::already_stored(conn, &state.submission_key, &sid)? {
            None => ticket.release(conn).map(|_| true),
            Some(_) => Ok::<_, DbError>(false),
        }
    });
    match (e, given_back) {
        (_, Ok(false)) => Ok(()),
        (SubmitError::Invalid(e), _) => Err(T::refusal(&e)),
        (SubmitError::Busy, _) => Err(T::busy()),
        (SubmitError::Db(e), _) => Err(e.into()),
    }
}

/// An answer as posted: `na` for no opinion, a number for a point of the scale, else the
/// text itself (which the checks then refuse or accept).
pub fn answer_value(posted: &str) -> Value {
    match posted {
        "na" => Value::Null,
        n => n
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::String(n.into())),
    }
}

/// The answers (`a:CODE`) and background answers (`b:CODE`) of a posted counter form.
pub fn answers_of(chosen: &HashMap<String, String>) -> (Map<String, Value>, Map<String, Value>) {
    let mut answers = Map::new();
    let mut background = Map::new();
    for (k, v) in chosen {
        if let Some(code) = k.strip_prefix("a:") {
            answers.insert(code.to_string(), answer_value(v));
        } else if let Some(code) = k.strip_prefix("b:") {
            background.insert(code.to_string(), Value::String(v.clone()));
        }
    }
    (answers, background)
}

/// Turns a validation error into words for the citizen, naming the question.
pub fn for_citizen(lang: Lang, survey: &Survey, e: &FieldError) -> String {
    let question = e
        .field
        .strip_prefix("answers.")
        .and_then(|c| survey.item(c).map(|i| i.text.clone()))
        .or_else(|| {
            e.field.strip_prefix("background.").and_then(|c| {
                survey
                    .background
                    .iter()
                    .find(|b| b.code == c)
                    .map(|b| b.text.clone())
            })
        });
    match (lang, question) {
        (Lang::Vi, Some(q)) => format!("Xin Ông/Bà chọn một câu trả lời cho: “{q}”."),
        (Lang::En, Some(q)) => format!("Please choose an answer to: “{q}”."),
        (_, None) => lang
            .pick(
                "Phiếu chưa hợp lệ, xin kiểm tra lại.",
                "The form is not valid yet; please check it.",
            )
            .into(),
    }
}

/// A submission to be completed by a ticket: only the answers and the submission id.
pub fn posted_answers(
    submission_id: &str,
    answers: Map<String, Value>,
    background: Map<String, Value>,
) -> RawSubmission {
    RawSubmission {
        survey: String::new(),
        unit: String::new(),
        channel: String::new(),
        submission_id: submission_id.to_string(),
        period: 0,
        group: None,
        background,
        answers,
        comments: Map::new(),
        date: None,
    }
}

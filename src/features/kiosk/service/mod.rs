//! The kiosk's rules: the tablet at a one-stop counter. The URL's token is the kiosk's only
//! credential; nothing about the citizen but their answers is stored, and nothing that would
//! time an answer is shown.
//!
//! A kiosk answers only while its unit exists (a reorganisation may abolish it); a form counts
//! only as the server signed it, and only for a while; one kiosk takes an answer at most every
//! few seconds; the same page sent twice stores one answer.

mod steps;

pub use steps::*;

use crate::db::kiosks::{self, Kiosk};
use crate::db::DbError;
use crate::features::answer_once::{answers_of, for_citizen};
use crate::features::submit::{self, SubmitError};
use crate::ingest::Provenance;
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission, Survey};
use crate::text::Lang;
use serde_json::Map;
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum KioskError {
    /// No kiosk has this token (never, or revoked), or its form or unit is not known.
    #[error("unknown kiosk")]
    Unknown,
    /// The kiosk's unit was abolished by a reorganisation (its name).
    #[error("{0} no longer exists")]
    Gone(String),
    /// The answer was not stored (the server is busy or the database failed).
    #[error(transparent)]
    Submit(SubmitError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A kiosk that takes answers, with the name of its unit.
pub struct Counter {
    pub kiosk: Kiosk,
    pub unit_name: String,
}

impl Counter {
    /// The kiosk's form.
    pub fn survey<'s>(&self, state: &'s AppState) -> Result<&'s Survey, KioskError> {
        state
            .catalog
            .get(&self.kiosk.survey)
            .ok_or(KioskError::Unknown)
    }
}

/// The kiosk of a token, if it takes answers.
pub fn counter(state: &AppState, token: &str) -> Result<Counter, KioskError> {
    let kiosk = state
        .db_blocking(|conn| kiosks::by_token(conn, &crate::secrets::hash_token(token)))?
        .ok_or(KioskError::Unknown)?;
    let unit = state.units.get(&kiosk.unit).ok_or(KioskError::Unknown)?;
    // A kiosk of a unit that a reorganisation abolished takes no more answers.
    if !state.units.valid_on(unit, state.clock.today()) {
        return Err(KioskError::Gone(unit.name.clone()));
    }
    let counter = Counter {
        unit_name: unit.name.clone(),
        kiosk,
    };
    counter.survey(state)?;
    Ok(counter)
}

/// The surveys a kiosk (or a slip code) may open: those that ask no respondent group.
pub fn counter_surveys(state: &AppState) -> Vec<&Survey> {
    state
        .catalog
        .surveys
        .values()
        .filter(|s| s.groups.is_empty())
        .collect()
}

/// One screen of the form as the kiosk shows it.
pub struct Screen {
    pub submission_id: String,
    /// When the form was issued, and the server's signature of it.
    pub issued: i64,
    pub signature: String,
    /// Field name → chosen value: the answers given so far.
    pub chosen: HashMap<String, String>,
    pub step: usize,
    /// Questions to answer again, each named by its field.
    pub errors: Vec<FieldError>,
    /// The kiosk has just taken an answer: the citizen waits a few seconds and sends again.
    pub too_soon: bool,
}

impl Screen {
    fn new(state: &AppState, kiosk: &Kiosk, submission_id: String, issued: i64) -> Screen {
        Screen {
            signature: form_signature(state, kiosk, &submission_id, issued),
            submission_id,
            issued,
            chosen: HashMap::new(),
            step: 0,
            errors: Vec::new(),
            too_soon: false,
        }
    }
}

/// A fresh form: its first screen, under a new submission id. A page load, not an answer,
/// says the tablet is alive.
pub fn open(state: &AppState, token: &str) -> Result<(Counter, Screen), KioskError> {
    let counter = counter(state, token)?;
    if let Ok(mut m) = state.kiosk_seen.lock() {
        m.insert(counter.kiosk.id.clone(), Instant::now());
    }
    let sid = uuid::Uuid::new_v4().to_string();
    let screen = Screen::new(state, &counter.kiosk, sid, state.clock.timestamp());
    Ok((counter, screen))
}

/// What a posted screen comes to.
pub enum Reply {
    /// Stored (now or before, from the same page).
    Thanks,
    /// Refused for a reason the citizen cannot fix on this page: a fresh form follows.
    Stale,
    Screen(Screen),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Go {
    Back,
    Next,
    Submit,
}

/// Every screen posts here: `go=next` and `go=back` move between screens (nothing is stored;
/// the answers so far travel in the page), `go=submit` (or no `go`, a whole form at once)
/// stores the answer.
pub fn post(
    state: &AppState,
    counter: &Counter,
    lang: Lang,
    fields: &[(String, String)],
) -> Result<Reply, KioskError> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let survey = counter.survey(state)?;
    let submission_id = get("submission_id").unwrap_or("").to_string();
    let all = steps(survey);
    let last = all.len().saturating_sub(1);
    let step = get("step")
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(last, |s| s.min(last));
    let go = match get("go") {
        Some("back") => Go::Back,
        Some("next") if step < last => Go::Next,
        _ => Go::Submit,
    };
    // A double tap or a resubmitted page: the first copy was stored, say thanks again.
    if go == Go::Submit && submit::already_stored(state, &submission_id)? {
        return Ok(Reply::Thanks);
    }
    let now = state.clock.timestamp();
    // An answer the tablet kept while the network was down, sent when it returned: its form
    // may be as old as the offline allowance, and it waits its turn apart from the citizens
    // at the counter now.
    let kept = go == Go::Submit && get("kept") == Some("1");
    let mut issued: i64 = get("issued").and_then(|v| v.parse().ok()).unwrap_or(0);
    // The time a form was issued counts only as the server signed it (with the kiosk and the
    // submission id): a page cannot make itself younger, nor pick its submission id.
    let signed = verify_form(
        state,
        &counter.kiosk,
        &submission_id,
        issued,
        get("sig").unwrap_or(""),
    );
    let max_age = if kept {
        state.settings.kiosk_offline_max_secs
    } else {
        state.settings.form_max_age_secs
    };
    // `issued` is the tablet's word until the signature is checked: any i64.
    let age = now.saturating_sub(issued);
    let fresh = signed && (-60..=max_age).contains(&age);
    if get("version") != Some(survey.version.as_str()) {
        if kept {
            log::warn!(
                "kiosk {}: an answer kept offline was refused: its form is of an older definition of {}",
                counter.kiosk.id,
                survey.id
            );
        }
        return Ok(Reply::Stale);
    }
    if kept && !fresh {
        log::warn!(
            "kiosk {}: an answer kept offline was refused: its form was issued {} s ago (allowed: {} s){}",
            counter.kiosk.id,
            age,
            max_age,
            if signed { "" } else { ", and its signature does not match" }
        );
        return Ok(Reply::Stale);
    }
    if !fresh {
        // A form that waited untouched on its first screen is as good as new: only its first
        // answer is on it. Any later screen that old (or unsigned) is refused.
        if signed && step == 0 && go == Go::Next {
            issued = now;
        } else {
            return Ok(Reply::Stale);
        }
    }
    let mut screen = Screen::new(state, &counter.kiosk, submission_id, issued);
    screen.chosen = fields
        .iter()
        .filter(|(k, _)| k.starts_with("a:") || k.starts_with("b:"))
        .cloned()
        .collect();
    let (show, errors) = match go {
        Go::Back => (step.saturating_sub(1), Vec::new()),
        Go::Next => match all.get(step).map(|s| missing(s, &screen.chosen)) {
            Some(m) if !m.is_empty() => (step, m),
            _ => (step + 1, Vec::new()),
        },
        Go::Submit => match submit_answer(&Final {
            state,
            counter,
            lang,
            kept,
            all: &all,
            screen: &screen,
        })? {
            Outcome::Stored => return Ok(Reply::Thanks),
            Outcome::Stale => return Ok(Reply::Stale),
            Outcome::TooSoon => {
                screen.too_soon = true;
                (last, Vec::new())
            }
            Outcome::Again(step, errors) => (step, errors),
        },
    };
    screen.step = show;
    screen.errors = errors;
    Ok(Reply::Screen(screen))
}

/// A final submit: the kiosk, the page's language, the form's screens and the one sent.
struct Final<'a> {
    state: &'a AppState,
    counter: &'a Counter,
    lang: Lang,
    /// Kept offline and sent later: it takes the kiosk's second turn (see [`turn_of`]).
    kept: bool,
    all: &'a [Step<'a>],
    screen: &'a Screen,
}

/// What became of a final submit.
enum Outcome {
    Stored,
    /// The screen to show again, with the questions to answer again.
    Again(usize, Vec<FieldError>),
    /// The kiosk has just taken an answer.
    TooSoon,
    /// Refused for a reason the citizen cannot fix on this page.
    Stale,
}

/// Stores the answer, or says which screen to show again and why.
fn submit_answer(f: &Final) -> Result<Outcome, KioskError> {
    let (state, counter, all, screen) = (f.state, f.counter, f.all, f.screen);
    // Every question left out, on the first screen that has one.
    if let Some((step, missing)) = first_missing(all, &screen.chosen) {
        return Ok(Outcome::Again(step, missing));
    }
    let turn = turn_of(&counter.kiosk.id, f.kept);
    let Some(slot) = take_slot(state, &turn) else {
        return Ok(Outcome::TooSoon);
    };
    let outcome = store_answer(f);
    if !matches!(outcome, Ok(Outcome::Stored)) {
        give_back(state, &turn, slot);
    }
    outcome
}

/// Whose turn an answer takes: the counter's, or (kept offline) a second one of the same
/// interval, so that a tablet sending what it kept never tells the citizen now at the counter
/// to wait.
fn turn_of(kiosk_id: &str, kept: bool) -> String {
    if kept {
        format!("{kiosk_id}/kept")
    } else {
        kiosk_id.to_string()
    }
}

/// A kiosk's turn, taken: when it took one before (given back if this answer is not stored).
struct Slot {
    taken: Instant,
    before: Option<Instant>,
}

/// Takes the kiosk's turn in one step under the lock, so that answers sent at once cannot all
/// pass the interval check before any of them is recorded. `None`: too soon.
fn take_slot(state: &AppState, turn: &str) -> Option<Slot> {
    let min_gap = Duration::from_secs(state.settings.kiosk_min_interval_secs);
    let mut m = state.kiosk_last.lock().unwrap_or_else(|p| p.into_inner());
    let before = m.get(turn).copied();
    if before.is_some_and(|t| t.elapsed() < min_gap) {
        return None;
    }
    let taken = Instant::now();
    m.insert(turn.to_string(), taken);
    Some(Slot { taken, before })
}

/// An answer not stored does not hold the kiosk back: its turn goes back, unless a later one
/// was taken meanwhile.
fn give_back(state: &AppState, turn: &str, slot: Slot) {
    let mut m = state.kiosk_last.lock().unwrap_or_else(|p| p.into_inner());
    if m.get(turn) == Some(&slot.taken) {
        match slot.before {
            Some(t) => m.insert(turn.to_string(), t),
            None => m.remove(turn),
        };
    }
}

/// Stores a complete answer, or says which screen to show again and why.
fn store_answer(f: &Final) -> Result<Outcome, KioskError> {
    let (state, counter, lang, all, screen) = (f.state, f.counter, f.lang, f.all, f.screen);
    let survey = counter.survey(state)?;
    let (answers, background) = answers_of(&screen.chosen);
    let raw = RawSubmission {
        survey: survey.id.clone(),
        unit: counter.kiosk.unit.clone(),
        channel: "kiosk".into(),
        submission_id: screen.submission_id.clone(),
        period: state.clock.year(),
        group: None,
        background,
        answers,
        comments: Map::new(),
        date: None,
    };
    let outcome = submit::submit_waiting(state, &raw, &Provenance::default());
    // The citizen is asked again, on the screen of the question, for what is wrong.
    if let Some(e) = outcome.as_ref().err().and_then(SubmitError::invalid_answer) {
        if let Some(step) = step_of(all, &e.field) {
            let beside = FieldError::new(e.field.clone(), for_citizen(lang, survey, e));
            return Ok(Outcome::Again(step, vec![beside]));
        }
    }
    match outcome {
        Ok(_) => Ok(Outcome::Stored),
        Err(SubmitError::Invalid(_)) => Ok(Outcome::Stale),
        Err(e) => Err(KioskError::Submit(e)),
    }
}

/// A form issued ahead: what a tablet that lost its network puts on a form it opens, so that
/// each answer it keeps has a submission id of its own, signed by the server.
#[derive(serde::Serialize)]
pub struct Ticket {
    pub submission_id: String,
    pub issued: i64,
    pub sig: String,
}

/// How many forms a tablet is given ahead at a time: a day at a busy counter is fewer.
pub const TICKETS: usize = 50;

/// `n` forms issued now, for the tablet to open while the network is down.
pub fn tickets(state: &AppState, counter: &Counter, n: usize) -> Vec<Ticket> {
    let issued = state.clock.timestamp();
    (0..n)
        .map(|_| {
            let submission_id = uuid::Uuid::new_v4().to_string();
            Ticket {
                sig: form_signature(state, &counter.kiosk, &submission_id, issued),
                submission_id,
                issued,
            }
        })
        .collect()
}

/// What the server signs of a kiosk form: which kiosk, which submission id, issued when.
fn signed_part<'a>(kiosk: &'a Kiosk, submission_id: &'a str, issued: &'a str) -> [&'a str; 4] {
    ["kiosk-form", &kiosk.id, submission_id, issued]
}

fn form_signature(state: &AppState, kiosk: &Kiosk, submission_id: &str, issued: i64) -> String {
    let issued = issued.to_string();
    state
        .forms_key
        .sign(&signed_part(kiosk, submission_id, &issued))
}

fn verify_form(
    state: &AppState,
    kiosk: &Kiosk,
    submission_id: &str,
    issued: i64,
    signature: &str,
) -> bool {
    let issued = issued.to_string();
    state
        .forms_key
        .verify(&signed_part(kiosk, submission_id, &issued), signature)
}

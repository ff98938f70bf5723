//! One way in for a response, whatever the channel: check it in the caller's task, hand it to
//! the writer, wait for the commit.

use crate::db::responses::Stored;
use crate::db::DbError;
use crate::ingest::{self, Checked, IngestError, Intake, Provenance};
use crate::state::AppState;
use crate::survey::{FieldError, RawSubmission};
use crate::web::error::{ApiError, PageError};

/// Why a submission was not stored. Nothing is stored on any of them.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error(transparent)]
    Db(#[from] DbError),
    /// The writer's queue is full, or it has stopped.
    #[error("the server is busy; nothing was stored, retry in a second")]
    Busy,
}

impl SubmitError {
    /// The problem with an answer or a background question, which the person answering can
    /// put right (as opposed to a problem with the envelope or the server).
    pub fn invalid_answer(&self) -> Option<&FieldError> {
        match self {
            SubmitError::Invalid(e)
                if e.field.starts_with("answers.") || e.field.starts_with("background.") =>
            {
                Some(e)
            }
            _ => None,
        }
    }
}

impl From<IngestError> for SubmitError {
    fn from(e: IngestError) -> Self {
        match e {
            IngestError::Invalid(e) => SubmitError::Invalid(e),
            IngestError::Db(e) => SubmitError::Db(e),
        }
    }
}

impl AppState {
    /// What checking a submission needs, as of now.
    pub fn intake(&self) -> Intake<'_> {
        Intake {
            catalog: &self.catalog,
            layouts: &self.layouts,
            units: &self.units,
            today: self.clock.today(),
            window_days: self.settings.survey_window_days,
            submission_key: &self.submission_key,
        }
    }
}

/// Checks a submission, hands it to the writer and waits for the commit. A submission id
/// stored before answers with the first id, even when the answers would no longer pass.
pub async fn submit(state: &AppState, raw: RawSubmission) -> Result<Stored, SubmitError> {
    submit_as(state, raw, &Provenance::default()).await
}

/// [`submit`] with a provenance (a sealed answer through a campaign's link).
pub async fn submit_as(
    state: &AppState,
    raw: RawSubmission,
    provenance: &Provenance,
) -> Result<Stored, SubmitError> {
    match hand_over(state, &raw, provenance)? {
        HandedOver::Queued(ack) => committed(ack.await.ok()),
        HandedOver::Refused(invalid) => {
            let (key, sid) = (state.submission_key.clone(), raw.submission_id.clone());
            let before = state
                .db(move |conn| ingest::already_stored(conn, &key, &sid))
                .await?;
            stored_before(before, invalid)
        }
    }
}

/// Many submissions at once (a tablet's sync): all are checked and queued before any is
/// waited for, so the writer commits them in one or a few transactions; each answers on its
/// own, in order.
pub async fn submit_all(
    state: &AppState,
    raws: &[RawSubmission],
) -> Vec<Result<Stored, SubmitError>> {
    // A submission id repeated in one call is handed over once and its repeats answered as
    // stored before: otherwise two writers could take the two, and the later one in the call
    // be the one created.
    let first_of = |i: usize| {
        let sid = &raws[i].submission_id;
        let earlier = raws[..i].iter().position(|r| &r.submission_id == sid);
        earlier.filter(|_| !sid.is_empty())
    };
    let handed: Vec<_> = (0..raws.len())
        .map(|i| {
            first_of(i)
                .is_none()
                .then(|| hand_over(state, &raws[i], &Provenance::default()))
        })
        .collect();
    let mut out: Vec<Result<Stored, SubmitError>> = Vec::with_capacity(handed.len());
    for (i, (raw, handed)) in raws.iter().zip(handed).enumerate() {
        let repeat = first_of(i).and_then(|j| match &out[j] {
            Ok(Stored::Created(id) | Stored::Existing(id)) => Some(Stored::Existing(id.clone())),
            Err(_) => None,
        });
        let result = match (repeat, handed) {
            (Some(stored), _) => Ok(stored),
            (None, Some(h)) => answer(state, raw, h).await,
            // The first was refused: the repeat is checked on its own.
            (None, None) => answer(state, raw, hand_over(state, raw, &Provenance::default())).await,
        };
        out.push(result);
    }
    out
}

/// What became of a submission handed over: committed, or refused unless stored before.
async fn answer(
    state: &AppState,
    raw: &RawSubmission,
    handed: Result<HandedOver, SubmitError>,
) -> Result<Stored, SubmitError> {
    match handed {
        Ok(HandedOver::Queued(ack)) => committed(ack.await.ok()),
        Ok(HandedOver::Refused(invalid)) => {
            let (key, sid) = (state.submission_key.clone(), raw.submission_id.clone());
            match state
                .db(move |conn| ingest::already_stored(conn, &key, &sid))
                .await
            {
                Ok(before) => stored_before(before, invalid),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e),
    }
}

/// [`submit_as`] for a service running off the async threads: the same checks, the same
/// refusal when the writer's queue is full, and the wait for the commit on this thread.
pub fn submit_waiting(
    state: &AppState,
    raw: &RawSubmission,
    provenance: &Provenance,
) -> Result<Stored, SubmitError> {
    match hand_over(state, raw, provenance)? {
        HandedOver::Queued(ack) => committed(ack.blocking_recv().ok()),
        HandedOver::Refused(invalid) => {
            let before = state.db_blocking(|conn| {
                ingest::already_stored(conn, &state.submission_key, &raw.submission_id)
            })?;
            stored_before(before, invalid)
        }
    }
}

enum HandedOver {
    Queued(crate::writer::Ack),
    /// Refused by the checks: stored only if its submission id was stored before.
    Refused(FieldError),
}

/// Checks a submission and queues it for the writer. The happy path touches the database
/// only in the writer.
fn hand_over(
    state: &AppState,
    raw: &RawSubmission,
    provenance: &Provenance,
) -> Result<HandedOver, SubmitError> {
    match ingest::prepare(&state.intake(), raw, provenance) {
        Ok(pending) => Ok(HandedOver::Queued(
            state
                .writer
                .submit(pending)
                .map_err(|_| SubmitError::Busy)?,
        )),
        Err(invalid) => Ok(HandedOver::Refused(invalid)),
    }
}

/// The writer's answer (none: it stopped before answering).
fn committed(ack: Option<Result<Stored, DbError>>) -> Result<Stored, SubmitError> {
    Ok(ack.ok_or(SubmitError::Busy)??)
}

fn stored_before(before: Option<String>, invalid: FieldError) -> Result<Stored, SubmitError> {
    match before {
        Some(id) => Ok(Stored::Existing(id)),
        None => Err(SubmitError::Invalid(invalid)),
    }
}

/// [`submit`] for a caller that may block and wait for room in the queue (imports).
pub fn submit_blocking(state: &AppState, raw: &RawSubmission) -> Result<Stored, SubmitError> {
    let checked = state
        .db_blocking(|conn| ingest::check(conn, &state.intake(), raw, &Provenance::default()))?;
    match checked {
        Checked::Already(id) => Ok(Stored::Existing(id)),
        Checked::Pending(p) => {
            let ack = state
                .writer
                .submit_blocking(*p)
                .map_err(|_| SubmitError::Busy)?;
            Ok(ack.blocking_recv().map_err(|_| SubmitError::Busy)??)
        }
    }
}

impl From<SubmitError> for PageError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Invalid(e) => PageError::parameter(&e),
            SubmitError::Db(e) => e.into(),
            SubmitError::Busy => PageError::busy(),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::Invalid(e) => e.into(),
            SubmitError::Db(e) => e.into(),
            SubmitError::Busy => ApiError::busy(),
        }
    }
}

/// Whether an answer under this submission id is stored already (a page sent twice).
pub fn already_stored(state: &AppState, submission_id: &str) -> Result<bool, DbError> {
    Ok(state
        .db_blocking(|conn| ingest::already_stored(conn, &state.submission_key, submission_id))?
        .is_some())
}

//! Storing responses: response rows, their answers and the running counts, in one
//! transaction per batch. A repeated `submission_id` returns the first response's id and
//! stores nothing.
//!
//! Nothing stored dates an answer more precisely than its day: every response gets a random
//! (v4) id whatever its channel, `created_at` is the day it was stored, and the client's
//! `submission_id` is kept only in the keyed form its caller made (`Pending::stored_submission`).

mod answer_rows;
mod prepared;
mod spans;
mod stored;

pub use answer_rows::AnswerSpan;
use answer_rows::{insert_answers, number_answers, AnswerRows};
pub use spans::{answers_of, rows_disagreeing, AnswerValues};

pub use prepared::{prepare, store_prepared, Prepared};

pub use stored::{
    count, plain_submission_ids, replace, set_status, set_submission_ids, unseal, values,
    StoredValues,
};

use super::schema::{answers, responses};
use super::{counts, is_unique_violation, write_transaction, AnyConnection, DbError};
use crate::counts::{Contribution, Deltas, Layouts, SliceKey};
use crate::profile::{span, Phase};
use crate::survey::ValidSubmission;
use diesel::prelude::*;
use std::collections::HashMap;

/// The status of an answer given through a campaign's link while some campaign of its survey,
/// period and unit is open: stored, but held out of every count and every read of raw forms
/// until the last such campaign closes (see [`super::campaigns::unseal`]).
pub const SEALED: &str = "sealed";
/// The status of a response counted as it arrived (every channel but paper).
pub const RECEIVED: &str = "received";

/// A checked response waiting to be stored; owns everything, so it can cross to the writer.
#[derive(Debug, Clone)]
pub struct Pending {
    pub survey_id: String,
    pub unit: String,
    pub channel: String,
    pub period: i32,
    pub day: String,
    pub submission_id: String,
    /// The submission id as stored: keyed by the caller (`secrets::keyed_submission`).
    pub stored_submission: String,
    pub status: String,
    pub keyed_by: Option<String>,
    pub valid: ValidSubmission,
    /// What the response adds to the running counts, worked out before it reaches the writer
    /// so that the writer threads only add numbers.
    pub contribution: Contribution,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Created(String),
    /// The submission id was seen before: this is the first response's id.
    Existing(String),
}

impl Stored {
    pub fn id(&self) -> &str {
        match self {
            Stored::Created(id) | Stored::Existing(id) => id,
        }
    }
}

/// The response stored under a submission id in its stored (keyed) form.
pub fn find_by_submission(
    conn: &mut AnyConnection,
    stored_submission: &str,
) -> Result<Option<String>, DbError> {
    Ok(responses::table
        .filter(responses::submission_id.eq(stored_submission))
        .select(responses::id)
        .first::<String>(conn)
        .optional()?)
}

/// Stores a batch in one transaction; on any failure (say, a submission racing in from
/// another server) each response is retried in a transaction of its own, so one cannot
/// sink the others.
pub fn store_all(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    batch: &[Pending],
) -> Vec<Result<Stored, DbError>> {
    store_all_keeping(conn, layouts, batch, None)
}

/// [`store_all`] for a writer that keeps the count rows it writes decoded in `cache`.
pub fn store_all_keeping(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    batch: &[Pending],
    cache: Option<&counts::RowCache>,
) -> Vec<Result<Stored, DbError>> {
    stored_or_one_by_one(conn, layouts, batch, |c| {
        store_batch_keeping(c, layouts, batch, cache)
    })
}

/// Runs `store` in one write transaction; should it fail, each response of `batch` is
/// stored in a transaction of its own.
fn stored_or_one_by_one(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    batch: &[Pending],
    store: impl FnOnce(&mut AnyConnection) -> Result<Vec<Stored>, DbError>,
) -> Vec<Result<Stored, DbError>> {
    match write_transaction(conn, store) {
        Ok(stored) => stored.into_iter().map(Ok).collect(),
        Err(_) if batch.len() > 1 => batch.iter().map(|p| store_one(conn, layouts, p)).collect(),
        Err(e) => batch
            .first()
            .map(|p| retry_as_existing(conn, p, e))
            .into_iter()
            .collect(),
    }
}

pub fn store_one(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    p: &Pending,
) -> Result<Stored, DbError> {
    let one = std::slice::from_ref(p);
    match write_transaction(conn, |c| store_batch(c, layouts, one)) {
        Ok(mut v) => v
            .pop()
            .ok_or(DbError::Query(diesel::result::Error::NotFound)),
        Err(e) => retry_as_existing(conn, p, e),
    }
}

/// Two copies of one submission raced: the other one won and is the answer.
fn retry_as_existing(conn: &mut AnyConnection, p: &Pending, e: DbError) -> Result<Stored, DbError> {
    if let DbError::Query(q) = &e {
        if is_unique_violation(q) {
            if let Some(id) = find_by_submission(conn, &p.stored_submission)? {
                return Ok(Stored::Existing(id));
            }
        }
    }
    Err(e)
}

/// A response row about to be inserted.
#[derive(Insertable)]
#[diesel(table_name = responses, treat_none_as_default_value = false)]
struct NewResponse<'a> {
    id: String,
    survey_id: &'a str,
    survey_version: &'a str,
    unit_code: &'a str,
    channel: &'a str,
    period: i32,
    day: &'a str,
    respondent_group: Option<&'a str>,
    background: String,
    comments: String,
    status: &'a str,
    keyed_by: Option<&'a str>,
    submission_id: &'a str,
    created_at: &'a str,
    answer_list: String,
    /// The numbers of its first and last answer rows (none without answers).
    answers_from: Option<i64>,
    answers_to: Option<i64>,
}

impl<'a> NewResponse<'a> {
    /// The row of `p` under `id`, stored with survey `version` and `status`, and `text`.
    fn of(
        p: &'a Pending,
        id: String,
        version: &'a str,
        status: &'a str,
        text: RowText,
    ) -> NewResponse<'a> {
        let RowText {
            background,
            comments,
            answer_list,
        } = text;
        NewResponse {
            id,
            survey_id: &p.survey_id,
            survey_version: version,
            unit_code: &p.unit,
            channel: &p.channel,
            period: p.period,
            day: &p.day,
            respondent_group: p.valid.group.as_deref(),
            background,
            comments,
            status,
            keyed_by: p.keyed_by.as_deref(),
            submission_id: &p.stored_submission,
            // The day only (the day it counts under): nothing dates an answer more precisely.
            created_at: &p.day,
            answer_list,
            // Set when the answers get their numbers, in the transaction that stores them.
            answers_from: None,
            answers_to: None,
        }
    }
}

/// What a response's row keeps as text: its background answers and comments as JSON, and its
/// answers packed for exports ([`super::export::answer_list`]).
#[derive(Debug, Clone)]
struct RowText {
    background: String,
    comments: String,
    answer_list: String,
}

impl Pending {
    /// The text its row keeps.
    fn row_text(&self) -> RowText {
        RowText {
            background: serde_json::to_string(&self.valid.background).unwrap_or_default(),
            comments: serde_json::to_string(&self.valid.comments).unwrap_or_default(),
            answer_list: super::export::answer_list(&self.valid.answers),
        }
    }
}

/// Inside a write transaction: a batch's response rows (each naming the span of its answers),
/// its answers, then its summed counts: the order in which `recount --fix` locks the tables.
fn write_batch(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    (heads, rows, deltas): (&mut [NewResponse], &AnswerRows, &Deltas),
    cache: Option<&counts::RowCache>,
) -> Result<(), DbError> {
    let numbering = span(Phase::InsertAnswers);
    let numbered = number_answers(conn, rows)?;
    drop(numbering);
    for (head, &(from, to)) in heads.iter_mut().zip(&numbered.spans) {
        (head.answers_from, head.answers_to) = (from, to);
    }
    let inserting = span(Phase::InsertResponses);
    insert_responses(conn, heads)?;
    drop(inserting);
    let inserting = span(Phase::InsertAnswers);
    insert_answers(conn, rows, &numbered.numbers)?;
    drop(inserting);
    if !deltas.is_empty() {
        counts::add_keeping(conn, layouts, deltas, cache)?;
    }
    Ok(())
}

/// Inserts a batch's responses: in chunks of bound rows on SQLite, by `COPY` (binary) on
/// PostgreSQL.
fn insert_responses(conn: &mut AnyConnection, rows: &[NewResponse]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        AnyConnection::Sqlite(c) => {
            // Chunks stay under SQLite's limit on bound parameters.
            for chunk in rows.chunks(1000) {
                diesel::insert_into(responses::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
        AnyConnection::Postgresql(c) => {
            diesel::copy_from(responses::table)
                .from_insertable(rows)
                .execute(c)?;
        }
    }
    Ok(())
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = responses)]
struct Known {
    submission_id: String,
    id: String,
}

/// The responses already stored under the batch's submission ids, by submission id.
fn known_ids(
    conn: &mut AnyConnection,
    batch: &[Pending],
) -> Result<HashMap<String, String>, DbError> {
    let _looking_up = span(Phase::KnownIds);
    let ids: Vec<&str> = batch.iter().map(|p| p.stored_submission.as_str()).collect();
    let mut known: HashMap<String, String> = HashMap::new();
    for chunk in ids.chunks(1000) {
        let rows: Vec<Known> = responses::table
            .filter(responses::submission_id.eq_any(chunk))
            .select(Known::as_select())
            .load(conn)?;
        known.extend(rows.into_iter().map(|k| (k.submission_id, k.id)));
    }
    Ok(known)
}

/// Inside a write transaction: stores what is new in `batch` and adds its counts.
pub fn store_batch(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    batch: &[Pending],
) -> Result<Vec<Stored>, DbError> {
    store_batch_keeping(conn, layouts, batch, None)
}

fn store_batch_keeping(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    batch: &[Pending],
    cache: Option<&counts::RowCache>,
) -> Result<Vec<Stored>, DbError> {
    let mut known = known_ids(conn, batch)?;
    let preparing = span(Phase::Prepare);
    let mut out = Vec::with_capacity(batch.len());
    let mut heads = Vec::new();
    let mut rows = AnswerRows::default();
    let mut deltas = Deltas::default();
    for p in batch {
        let sid = &p.stored_submission;
        if let Some(id) = known.get(sid) {
            out.push(Stored::Existing(id.clone()));
            continue;
        }
        // Sealed only while its campaign is open when it commits; a campaign closed since
        // the link was used has unsealed the rest already, so this one counts at once.
        let sealed =
            p.status == SEALED && super::campaigns::sealing(conn, &p.survey_id, p.period, &p.unit)?;
        let status = match p.status.as_str() {
            SEALED if !sealed => RECEIVED,
            s => s,
        };
        let Some(layout) = layouts.get(&p.survey_id) else {
            return Err(diesel::result::Error::NotFound.into());
        };
        // A random id on every channel: a time-ordered one would date the answer.
        let id = uuid::Uuid::new_v4().to_string();
        known.insert(sid.clone(), id.clone());
        heads.push(NewResponse::of(
            p,
            id.clone(),
            layout.version(),
            status,
            p.row_text(),
        ));
        rows.push(&id, p);
        if sealed {
            out.push(Stored::Created(id));
            continue;
        }
        // Counts of the whole batch are summed first: one upsert per slice, not per response.
        deltas.add(layout, p.slice(layout.version()), &p.contribution);
        out.push(Stored::Created(id));
    }
    drop(preparing);
    write_batch(conn, layouts, (&mut heads, &rows, &deltas), cache)?;
    Ok(out)
}

impl Pending {
    /// The slice this response counts in, under the survey version it was stored with.
    fn slice(&self, survey_version: &str) -> SliceKey {
        SliceKey {
            survey_id: self.survey_id.clone(),
            survey_version: survey_version.to_string(),
            unit_code: self.unit.clone(),
            period: self.period,
            day: self.day.clone(),
            respondent_group: self.valid.group.clone().unwrap_or_default(),
            channel: self.channel.clone(),
            // The field of procedure it names, for the breakdown counts.
            field: self
                .valid
                .background
                .get(crate::counts::FIELD_QUESTION)
                .cloned()
                .unwrap_or_default(),
        }
    }
}

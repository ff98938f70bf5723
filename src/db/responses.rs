//! Storing responses: response rows, their answers and the running counts, in one
//! transaction per batch. A repeated `submission_id` returns the first response's id and
//! stores nothing.

use super::schema::{answers, responses};
use super::tallies::{ApplyTallies, Deltas, SliceKey};
use super::{is_unique_violation, now, AnyConnection, DbError};
use crate::scoring::dense::{Contribution, Layouts};
use crate::survey::ValidSubmission;
use crate::{with_conn, write_tx};
use diesel::prelude::*;
use std::collections::HashMap;

/// A checked response waiting to be stored; owns everything, so it can cross to the writer.
#[derive(Debug, Clone)]
pub struct Pending {
    pub survey_id: String,
    pub unit: String,
    pub channel: String,
    pub period: i32,
    pub day: String,
    pub submission_id: String,
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

pub fn find_by_submission(
    conn: &mut AnyConnection,
    submission: &str,
) -> Result<Option<String>, DbError> {
    Ok(with_conn!(conn, |c| responses::table
        .filter(responses::submission_id.eq(submission))
        .select(responses::id)
        .first::<String>(c)
        .optional())?)
}

/// Stores a batch in one transaction; on any failure (say, a submission racing in from
/// another server) each response is retried in a transaction of its own, so one cannot
/// sink the others.
pub fn store_all(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    batch: &[Pending],
) -> Vec<Result<Stored, DbError>> {
    match write_tx!(conn, |c| c.store_batch(layouts, batch)) {
        Ok(stored) => stored.into_iter().map(Ok).collect(),
        Err(_) if batch.len() > 1 => batch.iter().map(|p| store_one(conn, layouts, p)).collect(),
        Err(e) => vec![retry_as_existing(conn, &batch[0], e)],
    }
}

pub fn store_one(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    p: &Pending,
) -> Result<Stored, DbError> {
    let one = std::slice::from_ref(p);
    match write_tx!(conn, |c| c.store_batch(layouts, one)) {
        Ok(mut v) => v
            .pop()
            .ok_or(DbError::Query(diesel::result::Error::NotFound)),
        Err(e) => retry_as_existing(conn, p, e),
    }
}

/// Two copies of one submission raced: the other one won and is the answer.
fn retry_as_existing(
    conn: &mut AnyConnection,
    p: &Pending,
    e: diesel::result::Error,
) -> Result<Stored, DbError> {
    if is_unique_violation(&e) {
        if let Some(id) = find_by_submission(conn, &p.submission_id)? {
            return Ok(Stored::Existing(id));
        }
    }
    Err(e.into())
}

/// A response row about to be inserted.
pub struct Head<'a> {
    id: String,
    survey_version: &'a str,
    background: String,
    comments: String,
    created_at: &'a str,
    p: &'a Pending,
}

/// A batch's answers, column by column.
#[derive(Default)]
pub struct AnswerRows {
    response_ids: Vec<String>,
    item_codes: Vec<String>,
    values: Vec<Option<i16>>,
}

/// The statements that differ by backend on the write path: a batch's responses and their
/// thousands of answers.
trait InsertRows {
    fn insert_responses(&mut self, heads: &[Head]) -> QueryResult<()>;
    fn insert_answers(&mut self, rows: &AnswerRows) -> QueryResult<()>;
}

impl InsertRows for diesel::SqliteConnection {
    fn insert_responses(&mut self, heads: &[Head]) -> QueryResult<()> {
        let rows: Vec<_> = heads
            .iter()
            .map(|h| {
                (
                    responses::id.eq(&h.id),
                    responses::survey_id.eq(&h.p.survey_id),
                    responses::survey_version.eq(h.survey_version),
                    responses::unit_code.eq(&h.p.unit),
                    responses::channel.eq(&h.p.channel),
                    responses::period.eq(h.p.period),
                    responses::day.eq(&h.p.day),
                    responses::respondent_group.eq(&h.p.valid.group),
                    responses::background.eq(&h.background),
                    responses::comments.eq(&h.comments),
                    responses::status.eq(&h.p.status),
                    responses::keyed_by.eq(&h.p.keyed_by),
                    responses::submission_id.eq(&h.p.submission_id),
                    responses::created_at.eq(h.created_at),
                )
            })
            .collect();
        // Chunks stay under SQLite's limit on bound parameters.
        for chunk in rows.chunks(1000) {
            diesel::insert_into(responses::table)
                .values(chunk)
                .execute(self)?;
        }
        Ok(())
    }

    fn insert_answers(&mut self, rows: &AnswerRows) -> QueryResult<()> {
        let all: Vec<_> = rows
            .response_ids
            .iter()
            .zip(&rows.item_codes)
            .zip(&rows.values)
            .map(|((id, item), value)| {
                (
                    answers::response_id.eq(id),
                    answers::item_code.eq(item),
                    answers::value.eq(*value),
                )
            })
            .collect();
        // Chunks stay under SQLite's limit on bound parameters.
        for chunk in all.chunks(5000) {
            diesel::insert_into(answers::table)
                .values(chunk)
                .execute(self)?;
        }
        Ok(())
    }
}

impl InsertRows for diesel::PgConnection {
    /// One array per column, as for the answers.
    fn insert_responses(&mut self, heads: &[Head]) -> QueryResult<()> {
        use diesel::sql_types::{Array, Integer, Nullable, Text};
        if heads.is_empty() {
            return Ok(());
        }
        fn column<'h, T>(heads: &'h [Head], f: impl Fn(&'h Head) -> T) -> Vec<T> {
            heads.iter().map(f).collect()
        }
        diesel::sql_query(
            "INSERT INTO responses (id, survey_id, survey_version, unit_code, channel, period, day, \
             respondent_group, background, comments, status, keyed_by, submission_id, created_at) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::int4[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], \
             $13::text[], $14::text[])",
        )
        .bind::<Array<Text>, _>(column(heads, |h| h.id.as_str()))
        .bind::<Array<Text>, _>(column(heads, |h| h.p.survey_id.as_str()))
        .bind::<Array<Text>, _>(column(heads, |h| h.survey_version))
        .bind::<Array<Text>, _>(column(heads, |h| h.p.unit.as_str()))
        .bind::<Array<Text>, _>(column(heads, |h| h.p.channel.as_str()))
        .bind::<Array<Integer>, _>(column(heads, |h| h.p.period))
        .bind::<Array<Text>, _>(column(heads, |h| h.p.day.as_str()))
        .bind::<Array<Nullable<Text>>, _>(column(heads, |h| h.p.valid.group.as_deref()))
        .bind::<Array<Text>, _>(column(heads, |h| h.background.as_str()))
        .bind::<Array<Text>, _>(column(heads, |h| h.comments.as_str()))
        .bind::<Array<Text>, _>(column(heads, |h| h.p.status.as_str()))
        .bind::<Array<Nullable<Text>>, _>(column(heads, |h| h.p.keyed_by.as_deref()))
        .bind::<Array<Text>, _>(column(heads, |h| h.p.submission_id.as_str()))
        .bind::<Array<Text>, _>(column(heads, |h| h.created_at))
        .execute(self)?;
        Ok(())
    }

    /// Three arrays instead of thousands of bound values: PostgreSQL parses and plans a
    /// statement with a VALUES row per answer for longer than it takes to insert them.
    fn insert_answers(&mut self, rows: &AnswerRows) -> QueryResult<()> {
        use diesel::sql_types::{Array, Nullable, SmallInt, Text};
        if rows.response_ids.is_empty() {
            return Ok(());
        }
        diesel::sql_query(
            "INSERT INTO answers (response_id, item_code, value) \
             SELECT * FROM unnest($1::text[], $2::text[], $3::int2[])",
        )
        .bind::<Array<Text>, _>(&rows.response_ids)
        .bind::<Array<Text>, _>(&rows.item_codes)
        .bind::<Array<Nullable<SmallInt>>, _>(&rows.values)
        .execute(self)?;
        Ok(())
    }
}

/// Inside a write transaction: store what is new in `batch`, add its counts.
pub trait StoreBatch {
    fn store_batch(&mut self, layouts: &Layouts, batch: &[Pending]) -> QueryResult<Vec<Stored>>;
}

macro_rules! impl_store_batch {
    ($conn:ty) => {
        impl StoreBatch for $conn {
            fn store_batch(
                &mut self,
                layouts: &Layouts,
                batch: &[Pending],
            ) -> QueryResult<Vec<Stored>> {
                let ids: Vec<&str> = batch.iter().map(|p| p.submission_id.as_str()).collect();
                let mut known: HashMap<String, String> = HashMap::new();
                for chunk in ids.chunks(1000) {
                    let rows: Vec<(String, String)> = responses::table
                        .filter(responses::submission_id.eq_any(chunk))
                        .select((responses::submission_id, responses::id))
                        .load(self)?;
                    known.extend(rows);
                }
                let created_at = now();
                let mut out = Vec::with_capacity(batch.len());
                let mut heads = Vec::new();
                let mut rows = AnswerRows::default();
                let mut deltas = Deltas::default();
                for p in batch {
                    if let Some(id) = known.get(&p.submission_id) {
                        out.push(Stored::Existing(id.clone()));
                        continue;
                    }
                    let Some(layout) = layouts.get(&p.survey_id) else {
                        return Err(diesel::result::Error::NotFound);
                    };
                    let id = uuid::Uuid::now_v7().to_string();
                    known.insert(p.submission_id.clone(), id.clone());
                    heads.push(Head {
                        id: id.clone(),
                        survey_version: layout.version(),
                        background: serde_json::to_string(&p.valid.background).unwrap_or_default(),
                        comments: serde_json::to_string(&p.valid.comments).unwrap_or_default(),
                        created_at: &created_at,
                        p,
                    });
                    for (item, value) in &p.valid.answers {
                        rows.response_ids.push(id.clone());
                        rows.item_codes.push(item.clone());
                        rows.values.push(*value);
                    }
                    let key = SliceKey {
                        survey_id: p.survey_id.clone(),
                        survey_version: layout.version().to_string(),
                        unit_code: p.unit.clone(),
                        period: p.period,
                        day: p.day.clone(),
                        respondent_group: p.valid.group.clone().unwrap_or_default(),
                        channel: p.channel.clone(),
                    };
                    // Counts of the whole batch are summed first: one upsert per slice, not per response.
                    deltas.add(layout, key, &p.contribution);
                    out.push(Stored::Created(id));
                }
                // Chunks stay under SQLite's limit on bound parameters.
                self.insert_responses(&heads)?;
                self.insert_answers(&rows)?;
                if !deltas.is_empty() {
                    self.apply_tallies(layouts, &deltas)?;
                }
                Ok(out)
            }
        }
    };
}

impl_store_batch!(diesel::SqliteConnection);
impl_store_batch!(diesel::PgConnection);

/// Number of stored responses (all surveys), for status pages and tests.
pub fn count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(with_conn!(conn, |c| responses::table
        .count()
        .get_result(c))?)
}

//! The count rows: one per slice with its packed item and pair counts (`slice_counts`), one
//! per slice and channel with its number of responses (`response_tallies`). Added to in the
//! transaction that stores a batch, summed for scoring, replaced by `chiso recount --fix`.
//! What the numbers mean lives in [`crate::counts`].

mod cache;
mod read;
mod write;

use cache::Kept;
pub use cache::RowCache;

pub use read::{
    forms_by_day_group, load, load_buckets, load_buckets_by_unit, load_by_group, load_by_unit,
    load_by_unit_group, pooled_over_groups, Filter,
};

use super::schema::{response_tallies, slice_counts};
use super::{upsert, AnyConnection, DbError};
use crate::counts::{packed, Deltas, Layouts, SliceKey};
use crate::profile::{span, Phase};
use diesel::prelude::*;
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::upsert::excluded;
use std::collections::{BTreeMap, BTreeSet};

/// Rows per statement: under SQLite's limit on bound parameters.
const CHUNK: usize = 1000;

/// A slice row: its key and its packed counts.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = slice_counts, treat_none_as_default_value = false)]
struct SliceRow {
    survey_id: String,
    survey_version: String,
    unit_code: String,
    period: i32,
    day: String,
    respondent_group: String,
    counts: Vec<u8>,
}

impl SliceRow {
    fn new(k: &SliceKey, counts: Vec<u8>) -> SliceRow {
        SliceRow {
            survey_id: k.survey_id.clone(),
            survey_version: k.survey_version.clone(),
            unit_code: k.unit_code.clone(),
            period: k.period,
            day: k.day.clone(),
            respondent_group: k.respondent_group.clone(),
            counts,
        }
    }

    fn key(&self) -> SliceKey {
        SliceKey {
            survey_id: self.survey_id.clone(),
            survey_version: self.survey_version.clone(),
            unit_code: self.unit_code.clone(),
            period: self.period,
            day: self.day.clone(),
            respondent_group: self.respondent_group.clone(),
            channel: String::new(),
            field: String::new(),
        }
    }

    fn into_key(self) -> (SliceKey, Vec<u8>) {
        (self.key(), self.counts)
    }
}

/// A row of responses per slice and channel.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = response_tallies, treat_none_as_default_value = false)]
struct ResponsesRow {
    survey_id: String,
    survey_version: String,
    unit_code: String,
    period: i32,
    day: String,
    respondent_group: String,
    channel: String,
    n: i64,
}

impl ResponsesRow {
    fn new(k: &SliceKey, n: i64) -> ResponsesRow {
        ResponsesRow {
            survey_id: k.survey_id.clone(),
            survey_version: k.survey_version.clone(),
            unit_code: k.unit_code.clone(),
            period: k.period,
            day: k.day.clone(),
            respondent_group: k.respondent_group.clone(),
            channel: k.channel.clone(),
            n,
        }
    }

    fn into_key(self) -> (SliceKey, i64) {
        let key = SliceKey {
            survey_id: self.survey_id,
            survey_version: self.survey_version,
            unit_code: self.unit_code,
            period: self.period,
            day: self.day,
            respondent_group: self.respondent_group,
            channel: self.channel,
            field: String::new(),
        };
        (key, self.n)
    }
}

/// A constant naming a table's key columns, written once: the type is the list of columns.
macro_rules! key_columns {
    ($(#[$doc:meta])* $name:ident = $table:ident($($column:ident),+)) => {
        $(#[$doc])*
        const $name: ($($table::$column,)+) = ($($table::$column,)+);
    };
}

key_columns!(
    /// The slice table's primary key, in its index order: writers lock rows in this order and
    /// replace counts on conflict with it.
    SLICE_KEY = slice_counts(survey_id, period, day, unit_code, survey_version, respondent_group)
);

key_columns!(
    /// The response sums' primary key: the slice's and the channel.
    RESPONSES_KEY = response_tallies(
        survey_id,
        period,
        day,
        unit_code,
        survey_version,
        respondent_group,
        channel
    )
);

/// Adds a batch's deltas to the count rows, in a handful of statements; call inside the
/// write transaction that stores the batch. Fails, changing nothing, when a stored slice
/// cannot be read: overwriting it would lose everything counted before.
pub fn add(conn: &mut AnyConnection, layouts: &Layouts, deltas: &Deltas) -> Result<(), DbError> {
    add_keeping(conn, layouts, deltas, None)
}

/// [`add`], adding to the slices `cache` kept where the stored bytes are still the ones it
/// kept, and keeping what it writes there.
pub fn add_keeping(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    deltas: &Deltas,
    cache: Option<&RowCache>,
) -> Result<(), DbError> {
    let slices = &deltas.slices;
    // 1. Every slice row exists, so that 2. can lock it (a lock cannot hold a missing row).
    // A row this server wrote before exists still, unless a recount removed it: 2. notices.
    let known = |k: &SliceKey| cache.is_some_and(|c| c.knows(k));
    let missing: Vec<&SliceKey> = slices.keys().filter(|k| !known(k)).collect();
    create_missing(conn, &missing)?;
    // 2. Read them under a lock, so that two servers never lose each other's counts.
    let reading = span(Phase::ReadCountRows);
    let mut stored = locked_slices(conn, deltas)?;
    drop(reading);
    if cache.is_some() {
        let found: BTreeSet<SliceKey> = stored.iter().map(SliceRow::key).collect();
        let gone: Vec<&SliceKey> = slices.keys().filter(|k| !found.contains(*k)).collect();
        if !gone.is_empty() {
            create_missing(conn, &gone)?;
            stored = locked_slices(conn, deltas)?;
        }
    }
    // 3. Merge and write back in one statement per thousand slices.
    let mut merged = Vec::with_capacity(slices.len());
    let mut kept = Vec::new();
    for row in stored {
        let (key, bytes) = row.into_key();
        let (Some(delta), Some(layout)) = (slices.get(&key), layouts.get(&key.survey_id)) else {
            continue;
        };
        let before = cache.and_then(|c| c.get(&key, &bytes));
        let (sum, dense) =
            packed::add_dense_keeping(&bytes, before.as_deref().map(|k| &k.dense), layout, delta)
                .ok_or_else(|| DbError::UnreadableCounts {
                slice: key.to_string(),
            })?;
        if let (Some(dense), Some(_)) = (dense, cache) {
            kept.push((
                key.clone(),
                Kept {
                    bytes: sum.clone(),
                    dense,
                },
            ));
        }
        merged.push(SliceRow::new(&key, sum));
    }
    if merged.len() < slices.len() {
        // Only a writer that does not lock as this one does (an older version's recount)
        // can remove a row between 1. and 2.
        let found: BTreeSet<SliceKey> = merged.iter().map(SliceRow::key).collect();
        let missing = slices.keys().find(|k| !found.contains(*k));
        return Err(DbError::CountRowVanished {
            slice: missing.map(ToString::to_string).unwrap_or_default(),
        });
    }
    let writing = span(Phase::WriteCountRows);
    write::slices(conn, &merged)?;
    drop(writing);
    if let Some(c) = cache {
        // Kept before the commit: should the batch roll back, the stored bytes differ from
        // the kept ones and the next batch reads the row afresh.
        c.keep(kept);
    }
    let _writing = span(Phase::WriteTallies);
    let responses: Vec<ResponsesRow> = deltas
        .responses
        .iter()
        .map(|(k, n)| ResponsesRow::new(k, *n))
        .collect();
    upsert_chunks(conn, &responses, |chunk| {
        diesel::insert_into(response_tallies::table)
            .values(chunk)
            .on_conflict(RESPONSES_KEY)
            .do_update()
            .set(response_tallies::n.eq(response_tallies::n + excluded(response_tallies::n)))
    })
}

/// Runs the upsert `statement` makes of each [`CHUNK`] of `rows`.
fn upsert_chunks<'a, T, Q>(
    conn: &mut AnyConnection,
    rows: &'a [T],
    statement: impl Fn(&'a [T]) -> Q,
) -> Result<(), DbError>
where
    Q: ExecuteDsl<diesel::SqliteConnection> + ExecuteDsl<diesel::PgConnection>,
{
    for chunk in rows.chunks(CHUNK) {
        upsert(conn, statement(chunk))?;
    }
    Ok(())
}

/// Creates empty rows for these slices where there are none.
fn create_missing(conn: &mut AnyConnection, keys: &[&SliceKey]) -> Result<(), DbError> {
    let _ensuring = span(Phase::EnsureCountRows);
    let empty: Vec<SliceRow> = keys.iter().map(|k| SliceRow::new(k, Vec::new())).collect();
    upsert_chunks(conn, &empty, |chunk| {
        diesel::insert_into(slice_counts::table)
            .values(chunk)
            .on_conflict_do_nothing()
    })
}

/// The stored rows of the batch's slices, locked until the transaction ends: PostgreSQL
/// locks them (`FOR UPDATE`); on SQLite the write transaction already excludes every other
/// writer. The filter may match a few more rows than needed; those are left as they are.
fn locked_slices(conn: &mut AnyConnection, deltas: &Deltas) -> Result<Vec<SliceRow>, DbError> {
    let keys = || deltas.slices.keys();
    let distinct = |f: fn(&SliceKey) -> &str| -> Vec<String> {
        let mut v: Vec<String> = keys().map(|k| f(k).to_string()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let surveys = distinct(|k| &k.survey_id);
    let days = distinct(|k| &k.day);
    let units = distinct(|k| &k.unit_code);
    let mut periods: Vec<i32> = keys().map(|k| k.period).collect();
    periods.sort_unstable();
    periods.dedup();
    let query = slice_counts::table
        .filter(slice_counts::survey_id.eq_any(&surveys))
        .filter(slice_counts::period.eq_any(&periods))
        .filter(slice_counts::day.eq_any(&days))
        .filter(slice_counts::unit_code.eq_any(&units))
        // One order for every writer: they may wait for each other, never in a circle.
        .order(SLICE_KEY);
    Ok(match conn {
        AnyConnection::Sqlite(c) => query.select(SliceRow::as_select()).load(c)?,
        AnyConnection::Postgresql(c) => query.select(SliceRow::as_select()).for_update().load(c)?,
    })
}

/// Every count row removed, then `rebuilt` written: for `chiso recount --fix`, inside the
/// transaction that holds the writers off.
pub fn replace_all(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    rebuilt: &Deltas,
) -> Result<(), DbError> {
    diesel::delete(slice_counts::table).execute(conn)?;
    diesel::delete(response_tallies::table).execute(conn)?;
    add(conn, layouts, rebuilt)
}

/// Every stored slice row, still packed (small), by slice without channel.
pub fn stored_slices(conn: &mut AnyConnection) -> Result<BTreeMap<SliceKey, Vec<u8>>, DbError> {
    let rows: Vec<SliceRow> = slice_counts::table
        .select(SliceRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(SliceRow::into_key).collect())
}

/// Stored responses per slice and channel.
pub fn stored_responses(conn: &mut AnyConnection) -> Result<BTreeMap<SliceKey, i64>, DbError> {
    let rows: Vec<ResponsesRow> = response_tallies::table
        .select(ResponsesRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(ResponsesRow::into_key).collect())
}

//! `chiso recount`: every count rebuilt from the stored answers and compared with the counts
//! kept on insert; with `--fix`, the kept counts replaced while the writers wait.

use super::counts::{self, Filter};
use super::responses::SEALED;
use super::schema::{answers, responses};
use super::{reading_many_pages, write_transaction, AnyConnection, DbError, Pool};
use crate::counts::compare::differences;
use crate::counts::recount::{Partial, ReadResponse};
use crate::counts::{Deltas, Layouts, SliceKey};
use crate::scoring::Tallies;
use crate::survey::Catalog;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::collections::BTreeMap;

/// What `chiso recount` found.
#[derive(Debug, Clone, Default)]
pub struct RecountReport {
    pub responses: i64,
    pub slices: usize,
    /// One line per slice whose running counts disagree with the answers.
    pub differences: Vec<String>,
    pub fixed: bool,
}

/// Rebuilds every running count from the stored answers and compares them with the counts
/// kept on insert, slice by slice; with `fix`, replaces the kept counts.
///
/// The responses are split into one id range per core, read on connections of their own.
/// Each response's answers are read from the list its row keeps (written with the answer rows,
/// in their transaction): per-answer rows through the driver, or a second query joining them
/// per page, cost more than everything else together.
pub fn recount_all(pool: &Pool, layouts: &Layouts, fix: bool) -> Result<RecountReport, DbError> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let mut conn = pool.get()?;
    // Each part holds a connection throughout: never more parts than the pool can lend now.
    let state = pool.state();
    let in_use = state.connections.saturating_sub(state.idle_connections);
    let free = pool.max_size().saturating_sub(in_use) as usize;
    recount_on(&mut conn, pool, layouts, fix, cores.min(8).min(free.max(1)))
}

/// [`recount_all`] over `parts` id ranges read side by side (one when there are few answers).
pub fn recount_in_parts(
    pool: &Pool,
    layouts: &Layouts,
    fix: bool,
    parts: usize,
) -> Result<RecountReport, DbError> {
    let mut conn = pool.get()?;
    recount_on(&mut conn, pool, layouts, fix, parts)
}

/// Compares on `conn`; reads the answers on other connections of `pool`.
///
/// A fix holds the writers off on `conn` first, so the answers read and the counts replaced
/// are the same: a response committed before the lock is read, one committed after it adds
/// its counts to the replaced rows. The ranges may still be read side by side on other
/// connections: while no writer can commit, every connection sees the same answers.
fn recount_on(
    conn: &mut AnyConnection,
    pool: &Pool,
    layouts: &Layouts,
    fix: bool,
    parts: usize,
) -> Result<RecountReport, DbError> {
    if !fix {
        return rebuild_and_compare(conn, pool, layouts, parts).map(|(report, _)| report);
    }
    write_transaction(conn, |conn| {
        hold_writers_off(conn)?;
        let (mut report, rebuilt) = rebuild_and_compare(conn, pool, layouts, parts)?;
        if !report.differences.is_empty() {
            counts::replace_all(conn, layouts, &rebuilt)?;
            report.fixed = true;
        }
        Ok(report)
    })
}

/// Inside a write transaction, keeps every writer out until it ends. SQLite: the transaction
/// began with `BEGIN IMMEDIATE`, which already excludes other writers. PostgreSQL: a lock
/// that conflicts with the one every insert takes, and not with reads, so scores are still
/// served; taken in the order writers touch the tables, so it waits for a writer half-way
/// through instead of deadlocking with it.
fn hold_writers_off(conn: &mut AnyConnection) -> Result<(), DbError> {
    if let AnyConnection::Postgresql(c) = conn {
        c.batch_execute(
            "LOCK TABLE responses, answers, slice_counts, response_tallies \
             IN SHARE ROW EXCLUSIVE MODE",
        )?;
    }
    Ok(())
}

fn rebuild_and_compare(
    conn: &mut AnyConnection,
    pool: &Pool,
    layouts: &Layouts,
    parts: usize,
) -> Result<(RecountReport, Deltas), DbError> {
    let ranges = id_ranges(conn, parts)?;
    let parts: Vec<Result<Partial, DbError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|(lo, hi)| scope.spawn(move || recount_range(pool, layouts, lo, hi.as_deref())))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(DbError::Worker("a recount thread"))))
            .collect()
    });
    let mut total = Partial::default();
    for part in parts {
        total.merge(part?);
    }
    let mut report = RecountReport {
        responses: total.responses,
        differences: std::mem::take(&mut total.differences),
        ..RecountReport::default()
    };
    let rebuilt = total.into_deltas(layouts);
    report.slices = rebuilt.slices.len();
    let kept_slices = counts::stored_slices(conn)?;
    let kept_responses = counts::stored_responses(conn)?;
    report.differences.extend(differences(
        layouts,
        &rebuilt,
        &kept_slices,
        &kept_responses,
    ));
    Ok((report, rebuilt))
}

/// `parts` id ranges (exclusive low end, inclusive high end; None = to the last), cut at
/// equal numbers of responses.
fn id_ranges(
    conn: &mut AnyConnection,
    parts: usize,
) -> Result<Vec<(String, Option<String>)>, DbError> {
    let n: i64 = responses::table.count().get_result(conn)?;
    let parts = parts.max(1) as i64;
    let mut cuts: Vec<String> = Vec::new();
    for k in 1..parts {
        let cut: Option<String> = responses::table
            .order(responses::id)
            .select(responses::id)
            .offset(n * k / parts)
            .first(conn)
            .optional()?;
        cuts.extend(cut);
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut ranges = Vec::new();
    let mut lo = String::new();
    for cut in cuts {
        ranges.push((std::mem::replace(&mut lo, cut.clone()), Some(cut)));
    }
    ranges.push((lo, None));
    Ok(ranges)
}

/// What a recount reads of a response besides its answers.
#[derive(Queryable, Selectable)]
#[diesel(table_name = responses)]
struct Head {
    id: String,
    survey_id: String,
    survey_version: String,
    unit_code: String,
    period: i32,
    day: String,
    respondent_group: Option<String>,
    channel: String,
    background: String,
    /// Its answers as its row keeps them: "code:value;code:value…", "" for "no opinion", and
    /// "" for none (codes hold neither separator: the loader checks the current definitions).
    answer_list: String,
}

fn recount_range(
    pool: &Pool,
    layouts: &Layouts,
    lo: &str,
    hi: Option<&str>,
) -> Result<Partial, DbError> {
    let mut conn = pool.get()?;
    reading_many_pages(&mut conn, true)?;
    let part = read_range(&mut conn, layouts, lo, hi);
    reading_many_pages(&mut conn, false)?;
    part
}

fn read_range(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    lo: &str,
    hi: Option<&str>,
) -> Result<Partial, DbError> {
    const PAGE: i64 = 5_000;
    let mut part = Partial::default();
    let mut after = lo.to_string();
    loop {
        // Sealed answers (an open campaign's) are in no count until it closes.
        let mut q = responses::table
            .filter(responses::id.gt(&after))
            .filter(responses::status.ne(SEALED))
            .into_boxed();
        if let Some(hi) = hi {
            q = q.filter(responses::id.le(hi));
        }
        let heads: Vec<Head> = q
            .order(responses::id)
            .limit(PAGE)
            .select(Head::as_select())
            .load(conn)?;
        let Some(last) = heads.last() else { break };
        after = last.id.clone();
        let mut parsed = Vec::new();
        for h in &heads {
            // Written with the answer rows, in their transaction: a page needs no second query.
            let answers = Some(h.answer_list.as_str()).filter(|a| !a.is_empty());
            let key = SliceKey {
                survey_id: h.survey_id.clone(),
                survey_version: h.survey_version.clone(),
                unit_code: h.unit_code.clone(),
                period: h.period,
                day: h.day.clone(),
                respondent_group: h.respondent_group.clone().unwrap_or_default(),
                channel: h.channel.clone(),
                field: crate::counts::recount::field_in(&h.background).to_string(),
            };
            let read = ReadResponse {
                id: &h.id,
                key,
                answers,
                background: &h.background,
            };
            part.add(layouts, read, &mut parsed);
        }
    }
    Ok(part)
}

/// A response's group and background, for [`tallies_from_answers`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = responses)]
struct GroupAndBackground {
    id: String,
    respondent_group: Option<String>,
    background: String,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = answers)]
struct Answer {
    response_id: String,
    item_code: String,
    value: Option<i16>,
}

/// Rebuilds the tallies of a slice from the stored answers, per respondent group, the plain
/// way (string-keyed, one response at a time): the reference the running counts are tested
/// against.
pub fn tallies_from_answers(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    f: &Filter,
) -> Result<BTreeMap<String, Tallies>, DbError> {
    let mut groups: BTreeMap<String, Tallies> = BTreeMap::new();
    let Some(survey) = catalog.get(&f.survey_id) else {
        return Ok(groups);
    };
    let mut q = responses::table
        .select(GroupAndBackground::as_select())
        .into_boxed()
        .filter(responses::survey_id.eq(&f.survey_id))
        .filter(responses::period.eq(f.period))
        .filter(responses::status.ne(SEALED));
    if let Some(units) = &f.units {
        q = q.filter(responses::unit_code.eq_any(units));
    }
    if let Some(from) = &f.from {
        q = q.filter(responses::day.ge(from));
    }
    if let Some(to) = &f.to {
        q = q.filter(responses::day.le(to));
    }
    let heads: Vec<GroupAndBackground> = q.load(conn)?;
    let mut by_response: BTreeMap<String, Vec<(String, Option<i16>)>> = BTreeMap::new();
    let ids: Vec<&str> = heads.iter().map(|h| h.id.as_str()).collect();
    for chunk in ids.chunks(1000) {
        let rows: Vec<Answer> = answers::table
            .filter(answers::response_id.eq_any(chunk))
            .select(Answer::as_select())
            .load(conn)?;
        for a in rows {
            by_response
                .entry(a.response_id)
                .or_default()
                .push((a.item_code, a.value));
        }
    }
    for h in heads {
        let answers = by_response.remove(&h.id).unwrap_or_default();
        let background: BTreeMap<String, String> =
            serde_json::from_str(&h.background).unwrap_or_default();
        groups
            .entry(h.respondent_group.unwrap_or_default())
            .or_default()
            .add(&Tallies::of_response(survey, &answers, &background));
    }
    Ok(groups)
}

/// The mark a migration leaves when the counts no longer match what it changed (answers
/// moved out of their day, sealed): the next start rebuilds them.
const RECOUNT_NEEDED: &str = "recount-needed";

/// At start, before serving: rebuilds every count from the answers when a migration asked for
/// it (as `chiso recount --fix`, writers held off), then removes the mark.
pub fn after_upgrade(pool: &Pool, layouts: &Layouts) -> Result<Option<RecountReport>, DbError> {
    use super::schema::server_keys;
    let mut conn = pool.get()?;
    let marked: Option<String> = server_keys::table
        .find(RECOUNT_NEEDED)
        .select(server_keys::value)
        .first(&mut conn)
        .optional()?;
    if marked.is_none() {
        return Ok(None);
    }
    let report = recount_on(&mut conn, pool, layouts, true, 1)?;
    diesel::delete(server_keys::table.find(RECOUNT_NEEDED)).execute(&mut conn)?;
    Ok(Some(report))
}

//! `chiso recount`: every count rebuilt from the stored answers and compared with the counts
//! kept on insert; with `--fix`, the kept counts replaced while the writers wait.

use super::counts::{self, Filter};
use super::responses::{answers_of, AnswerSpan, SEALED};
use super::schema::responses;
use super::{reading_many_pages, write_transaction, AnyConnection, DbError, Pool};
use crate::counts::compare::differences;
use crate::counts::recount::{Partial, ReadResponse};
use crate::counts::{Deltas, Layouts, SliceKey};
use crate::scoring::Tallies;
use crate::survey::Catalog;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::collections::{BTreeMap, HashMap};

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
/// The responses are split into one range of table positions per core, read on connections
/// of their own, a window at a time. Each response's answers are read from the list its row
/// keeps (written with the answer rows, in their transaction): per-answer rows through the
/// driver, or a second query joining them per page, cost more than everything else together.
pub fn recount_all(pool: &Pool, layouts: &Layouts, fix: bool) -> Result<RecountReport, DbError> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let mut conn = pool.get()?;
    // Each part holds a connection throughout: never more parts than the pool can lend now.
    let state = pool.state();
    let in_use = state.connections.saturating_sub(state.idle_connections);
    let free = pool.max_size().saturating_sub(in_use) as usize;
    let split = Split::of(&conn, cores.min(8).min(free.max(1)));
    recount_on(&mut conn, pool, layouts, fix, split)
}

/// [`recount_all`] over `parts` ranges read side by side, in windows of one position each
/// (a row, or a block of rows), so that a few responses already cross every kind of edge.
pub fn recount_in_parts(
    pool: &Pool,
    layouts: &Layouts,
    fix: bool,
    parts: usize,
) -> Result<RecountReport, DbError> {
    let mut conn = pool.get()?;
    let split = Split {
        window: 1,
        ..Split::of(&conn, parts)
    };
    recount_on(&mut conn, pool, layouts, fix, split)
}

/// Compares on `conn`; reads the answers on other connections of `pool`.
///
/// A fix holds the writers off on `conn` first, so the answers read and the counts replaced
/// are the same: a response committed before the lock is read, one committed after it adds
/// its counts to the replaced rows. The ranges may still be read side by side on other
/// connections: while no writer can commit, every connection sees the same answers. Without
/// a fix, writers go on: a form stored or corrected while the recount reads may show as a
/// difference that the next recount no longer finds.
fn recount_on(
    conn: &mut AnyConnection,
    pool: &Pool,
    layouts: &Layouts,
    fix: bool,
    split: Split,
) -> Result<RecountReport, DbError> {
    if !fix {
        return rebuild_and_compare(conn, pool, layouts, split).map(|(report, _)| report);
    }
    write_transaction(conn, |conn| {
        hold_writers_off(conn)?;
        let (mut report, rebuilt) = rebuild_and_compare(conn, pool, layouts, split)?;
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
    split: Split,
) -> Result<(RecountReport, Deltas), DbError> {
    let end = split.positions.end(conn)?;
    let parts: Vec<Result<Partial, DbError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..split.parts.max(1))
            .map(|part| scope.spawn(move || recount_part(pool, layouts, split, end, part)))
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

/// Where a response's row stands in its table: SQLite's rowid, PostgreSQL's block (the first
/// half of its ctid). A recount reads the rows a window of positions at a time, in the order
/// the table keeps them: read in id order instead, through the id index, nearly every row
/// costs a page read of its own, as ids are random and rows are stored as they arrive. The
/// positions only bound what one query reads; nothing is shown or kept of them.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Positions {
    Rowid,
    Block,
}

impl Positions {
    fn of(conn: &AnyConnection) -> Self {
        match conn {
            AnyConnection::Postgresql(_) => Positions::Block,
            _ => Positions::Rowid,
        }
    }

    /// Positions a window spans in a full recount: about 5,000 responses either way.
    fn window(self) -> i64 {
        match self {
            Positions::Rowid => 5_000,
            Positions::Block => 250,
        }
    }

    /// One past the last position in use now.
    fn end(self, conn: &mut AnyConnection) -> Result<i64, DbError> {
        let sql = match self {
            Positions::Rowid => "SELECT COALESCE(MAX(rowid), 0) + 1 AS n FROM responses",
            Positions::Block => {
                "SELECT pg_relation_size('responses') / current_setting('block_size')::bigint + 1 \
                 AS n"
            }
        };
        #[derive(QueryableByName)]
        struct End {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        Ok(diesel::sql_query(sql).get_result::<End>(conn)?.n)
    }

    /// The rows from `lo` (inclusive) to `hi` (exclusive; None: to the end).
    fn between(
        self,
        lo: i64,
        hi: Option<i64>,
    ) -> diesel::expression::SqlLiteral<diesel::sql_types::Bool> {
        use diesel::dsl::sql;
        // Positions are numbers this function made, never anything a caller sent.
        match (self, hi) {
            (Positions::Rowid, Some(hi)) => sql(&format!("rowid >= {lo} AND rowid < {hi}")),
            (Positions::Rowid, None) => sql(&format!("rowid >= {lo}")),
            (Positions::Block, Some(hi)) => sql(&format!(
                "ctid >= '({lo},0)'::tid AND ctid < '({hi},0)'::tid"
            )),
            (Positions::Block, None) => sql(&format!("ctid >= '({lo},0)'::tid")),
        }
    }
}

/// How a recount splits its reading: `parts` ranges of positions read side by side, each a
/// window of `window` positions per query.
#[derive(Clone, Copy)]
struct Split {
    positions: Positions,
    parts: usize,
    window: i64,
}

impl Split {
    /// `parts` ranges of `conn`'s positions, in windows of about 5,000 responses.
    fn of(conn: &AnyConnection, parts: usize) -> Split {
        let positions = Positions::of(conn);
        Split {
            positions,
            parts,
            window: positions.window(),
        }
    }
}

/// The windows of the `part`-th of `split.parts` equal ranges of `[0, end)`: the last range
/// runs on to whatever lies past `end`.
fn windows(split: Split, end: i64, part: usize) -> Vec<(i64, Option<i64>)> {
    let parts = split.parts.max(1) as i64;
    let part = part as i64;
    let lo = end * part / parts;
    let hi = end * (part + 1) / parts;
    let mut out = Vec::new();
    let mut at = lo;
    while at < hi {
        let next = (at + split.window.max(1)).min(hi);
        out.push((at, Some(next)));
        at = next;
    }
    if part == parts - 1 {
        out.push((hi, None));
    }
    out
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

/// Counts the `part`-th range of positions on a connection of its own.
fn recount_part(
    pool: &Pool,
    layouts: &Layouts,
    split: Split,
    end: i64,
    part: usize,
) -> Result<Partial, DbError> {
    let mut conn = pool.get()?;
    reading_many_pages(&mut conn, true)?;
    let counted = read_windows(&mut conn, layouts, split, &windows(split, end, part));
    reading_many_pages(&mut conn, false)?;
    counted
}

fn read_windows(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    split: Split,
    windows: &[(i64, Option<i64>)],
) -> Result<Partial, DbError> {
    let mut part = Partial::default();
    for &(lo, hi) in windows {
        // Sealed answers (an open campaign's) are in no count until it closes.
        let mut heads: Vec<Head> = responses::table
            .filter(split.positions.between(lo, hi))
            .filter(responses::status.ne(SEALED))
            .select(Head::as_select())
            .load(conn)?;
        let mut parsed = Vec::new();
        for h in &mut heads {
            let key = SliceKey {
                field: crate::counts::recount::field_in(&h.background).to_string(),
                survey_id: std::mem::take(&mut h.survey_id),
                survey_version: std::mem::take(&mut h.survey_version),
                unit_code: std::mem::take(&mut h.unit_code),
                period: h.period,
                day: std::mem::take(&mut h.day),
                respondent_group: h.respondent_group.take().unwrap_or_default(),
                channel: std::mem::take(&mut h.channel),
            };
            // Written with the answer rows, in their transaction: a window needs no second query.
            let read = ReadResponse {
                id: &h.id,
                key,
                answers: Some(h.answer_list.as_str()).filter(|a| !a.is_empty()),
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
    answers_from: Option<i64>,
    answers_to: Option<i64>,
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
    let mut by_response = HashMap::new();
    for chunk in heads.chunks(1000) {
        let wanted: Vec<(&str, AnswerSpan)> = (chunk.iter())
            .map(|h| (h.id.as_str(), (h.answers_from, h.answers_to)))
            .collect();
        by_response.extend(answers_of(conn, &wanted)?);
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
    let split = Split::of(&conn, 1);
    let report = recount_on(&mut conn, pool, layouts, true, split)?;
    diesel::delete(server_keys::table.find(RECOUNT_NEEDED)).execute(&mut conn)?;
    Ok(Some(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every position from 0 on is in exactly one window of exactly one part, whatever the
    /// split, and only the last part runs on past the end.
    #[test]
    fn the_windows_of_the_parts_cover_every_position_once() {
        for end in [0, 1, 2, 7, 250, 10_001] {
            for parts in 1..=5 {
                for window in [1, 3, 250, 5_000] {
                    let split = Split {
                        positions: Positions::Rowid,
                        parts,
                        window,
                    };
                    let all: Vec<(i64, Option<i64>)> =
                        (0..parts).flat_map(|p| windows(split, end, p)).collect();
                    let mut at = 0;
                    for (i, &(lo, hi)) in all.iter().enumerate() {
                        assert_eq!(lo, at, "end {end}, {parts} parts, window {window}");
                        match hi {
                            Some(hi) => {
                                assert!(hi > lo && hi - lo <= window);
                                at = hi;
                            }
                            None => assert_eq!(i, all.len() - 1),
                        }
                    }
                    assert_eq!(at, end);
                    assert_eq!(all.last().map(|w| w.1), Some(None));
                }
            }
        }
    }

    #[test]
    fn a_window_names_positions_in_each_database_s_own_terms() {
        use diesel::query_builder::QueryFragment;
        let sql = |p: Positions, hi| {
            let mut qb = diesel::sqlite::SqliteQueryBuilder::new();
            p.between(5, hi)
                .to_sql(&mut qb, &diesel::sqlite::Sqlite)
                .unwrap();
            diesel::query_builder::QueryBuilder::finish(qb)
        };
        assert_eq!(sql(Positions::Rowid, Some(9)), "rowid >= 5 AND rowid < 9");
        assert_eq!(sql(Positions::Rowid, None), "rowid >= 5");
        assert_eq!(
            sql(Positions::Block, Some(9)),
            "ctid >= '(5,0)'::tid AND ctid < '(9,0)'::tid"
        );
        assert_eq!(sql(Positions::Block, None), "ctid >= '(5,0)'::tid");
    }
}

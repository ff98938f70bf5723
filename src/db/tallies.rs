//! Running counts: applied on insert, summed for scoring, and rebuilt from answers to check.

use super::schema::{answers, response_tallies, responses, slice_counts};
use super::{AnyConnection, DbError, Pool};
use crate::scoring::dense::{Contribution, Dense, FastMap, Layout, Layouts};
use crate::scoring::Tallies;
use crate::survey::Catalog;
use crate::with_conn;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::upsert::excluded;
use diesel::Connection;
use std::collections::BTreeMap;

/// The slice a response is counted under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SliceKey {
    pub survey_id: String,
    pub survey_version: String,
    pub unit_code: String,
    pub period: i32,
    pub day: String,
    /// "" for surveys without respondent groups.
    pub respondent_group: String,
    pub channel: String,
}

impl SliceKey {
    /// The same slice for the whole period.
    pub fn rollup(&self) -> SliceKey {
        SliceKey {
            day: ROLLUP_DAY.to_string(),
            ..self.clone()
        }
    }

    /// The same slice over all channels: items and pairs are kept per slice, responses per
    /// slice and channel.
    fn without_channel(&self) -> SliceKey {
        SliceKey {
            channel: String::new(),
            ..self.clone()
        }
    }
}

/// What a batch adds to the running counts: items and pairs per slice (channel ""), and
/// responses per slice and channel. Each response counts in its day and its period's rollup.
#[derive(Default)]
pub struct Deltas {
    pub slices: BTreeMap<SliceKey, Dense>,
    pub responses: BTreeMap<SliceKey, i64>,
}

impl Deltas {
    /// Adds one response, keyed with its channel, to its day slice and its period rollup.
    pub fn add(&mut self, layout: &Layout, key: SliceKey, c: &Contribution) {
        self.add_with(key, 1, |slice| layout.add(slice, c));
    }

    /// Counts `n` responses under `key` (with its channel) in its day and its period rollup;
    /// `fill` adds their items and pairs to each of the two slices.
    fn add_with(&mut self, key: SliceKey, n: i64, mut fill: impl FnMut(&mut Dense)) {
        for k in [key.rollup(), key] {
            fill(self.slices.entry(k.without_channel()).or_default());
            *self.responses.entry(k).or_default() += n;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }
}

/// The day of the rows that hold a whole period's counts.
pub const ROLLUP_DAY: &str = "";

/// Adds a stored slice's counts into `t`; an unreadable row counts as empty and is logged
/// (`chiso recount` reports and fixes it).
fn unpack_into(bytes: &[u8], t: &mut Tallies) {
    if super::packed::unpack_into(bytes, t).is_none() {
        log::error!("unreadable slice counts; run `chiso recount --fix`");
    }
}

/// A stored slice plus what the batch adds to it, packed again.
fn merged(layout: &Layout, stored: &[u8], delta: &Dense) -> Vec<u8> {
    let mut sum = delta.clone();
    if super::packed::unpack_dense(stored, layout, &mut sum).is_some() {
        return super::packed::pack_dense(layout, &sum);
    }
    // A slice of another version, or unreadable: the string-keyed merge, then a fresh start.
    super::packed::merge(stored, &layout.tallies(delta)).unwrap_or_else(|| {
        log::error!("unreadable slice counts; run `chiso recount --fix`");
        super::packed::pack_dense(layout, delta)
    })
}

macro_rules! apply_all_on {
    ($c:ident, $layouts:ident, $deltas:ident, $lock:expr) => {{
        let slices = &$deltas.slices;
        let rows_of = |k: &SliceKey, counts: Vec<u8>| {
            (
                slice_counts::survey_id.eq(k.survey_id.clone()),
                slice_counts::survey_version.eq(k.survey_version.clone()),
                slice_counts::unit_code.eq(k.unit_code.clone()),
                slice_counts::period.eq(k.period),
                slice_counts::day.eq(k.day.clone()),
                slice_counts::respondent_group.eq(k.respondent_group.clone()),
                slice_counts::counts.eq(counts),
            )
        };
        // 1. Every slice row exists, so that 2. can lock it (a lock cannot hold a missing row).
        let empty: Vec<_> = slices.keys().map(|k| rows_of(k, Vec::new())).collect();
        for chunk in empty.chunks(1000) {
            diesel::insert_into(slice_counts::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .execute($c)?;
        }
        // 2. Read them under a lock (PostgreSQL: FOR UPDATE, so two servers never lose each
        // other's counts; SQLite: the write transaction is exclusive). The filter may match a
        // few more rows than needed; those are left as they are.
        let distinct = |f: fn(&SliceKey) -> String| -> Vec<String> {
            let mut v: Vec<String> = slices.keys().map(f).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let surveys = distinct(|k| k.survey_id.clone());
        let days = distinct(|k| k.day.clone());
        let units = distinct(|k| k.unit_code.clone());
        let mut periods: Vec<i32> = slices.keys().map(|k| k.period).collect();
        periods.sort_unstable();
        periods.dedup();
        let stored: Vec<SliceRow> = $lock(
            slice_counts::table
                .filter(slice_counts::survey_id.eq_any(&surveys))
                .filter(slice_counts::period.eq_any(&periods))
                .filter(slice_counts::day.eq_any(&days))
                .filter(slice_counts::unit_code.eq_any(&units))
                // One order for every writer: they may wait for each other, never in a circle.
                .order(SLICE_KEY)
                .select(SLICE_COLUMNS),
        )
        .load($c)?;
        // 3. Merge and write back in one statement per thousand slices.
        let mut merged_rows = Vec::with_capacity(slices.len());
        for row in stored {
            let (key, bytes) = slice_of(row);
            if let (Some(delta), Some(layout)) = (slices.get(&key), $layouts.get(&key.survey_id)) {
                merged_rows.push(rows_of(&key, merged(layout, &bytes, delta)));
            }
        }
        if merged_rows.len() < slices.len() {
            // A row vanished between 1. and 2. (a `recount --fix` replacing every count): fail
            // the batch, whose responses are then stored one by one, recreating the rows.
            return Err(diesel::result::Error::NotFound);
        }
        for chunk in merged_rows.chunks(1000) {
            diesel::insert_into(slice_counts::table)
                .values(chunk)
                .on_conflict(SLICE_KEY)
                .do_update()
                .set(slice_counts::counts.eq(excluded(slice_counts::counts)))
                .execute($c)?;
        }
        let tallies: Vec<_> = $deltas
            .responses
            .iter()
            .map(|(k, n)| {
                (
                    response_tallies::survey_id.eq(k.survey_id.clone()),
                    response_tallies::survey_version.eq(k.survey_version.clone()),
                    response_tallies::unit_code.eq(k.unit_code.clone()),
                    response_tallies::period.eq(k.period),
                    response_tallies::day.eq(k.day.clone()),
                    response_tallies::respondent_group.eq(k.respondent_group.clone()),
                    response_tallies::channel.eq(k.channel.clone()),
                    response_tallies::n.eq(*n),
                )
            })
            .collect();
        for chunk in tallies.chunks(1000) {
            diesel::insert_into(response_tallies::table)
                .values(chunk)
                .on_conflict((
                    response_tallies::survey_id,
                    response_tallies::period,
                    response_tallies::day,
                    response_tallies::unit_code,
                    response_tallies::survey_version,
                    response_tallies::respondent_group,
                    response_tallies::channel,
                ))
                .do_update()
                .set(response_tallies::n.eq(response_tallies::n + excluded(response_tallies::n)))
                .execute($c)?;
        }
        Ok(())
    }};
}

/// A slice row as read: its key columns and its packed counts.
type SliceRow = (String, String, String, i32, String, String, Vec<u8>);

/// The slice table's primary key, in its index order: writers lock rows in this
/// order and replace counts on conflict with it.
const SLICE_KEY: (
    slice_counts::survey_id,
    slice_counts::period,
    slice_counts::day,
    slice_counts::unit_code,
    slice_counts::survey_version,
    slice_counts::respondent_group,
) = (
    slice_counts::survey_id,
    slice_counts::period,
    slice_counts::day,
    slice_counts::unit_code,
    slice_counts::survey_version,
    slice_counts::respondent_group,
);

const SLICE_COLUMNS: (
    slice_counts::survey_id,
    slice_counts::survey_version,
    slice_counts::unit_code,
    slice_counts::period,
    slice_counts::day,
    slice_counts::respondent_group,
    slice_counts::counts,
) = (
    slice_counts::survey_id,
    slice_counts::survey_version,
    slice_counts::unit_code,
    slice_counts::period,
    slice_counts::day,
    slice_counts::respondent_group,
    slice_counts::counts,
);

fn slice_of(
    (survey_id, survey_version, unit_code, period, day, respondent_group, bytes): SliceRow,
) -> (SliceKey, Vec<u8>) {
    let key = SliceKey {
        survey_id,
        survey_version,
        unit_code,
        period,
        day,
        respondent_group,
        channel: String::new(),
    };
    (key, bytes)
}

/// Adds the deltas of a whole batch to the running counts in a handful of statements; call
/// inside the transaction that stores the answers.
pub trait ApplyTallies {
    fn apply_tallies(
        &mut self,
        layouts: &Layouts,
        deltas: &Deltas,
    ) -> Result<(), diesel::result::Error>;
}

impl ApplyTallies for diesel::SqliteConnection {
    fn apply_tallies(
        &mut self,
        layouts: &Layouts,
        deltas: &Deltas,
    ) -> Result<(), diesel::result::Error> {
        let c = self;
        apply_all_on!(c, layouts, deltas, |q| q)
    }
}

impl ApplyTallies for diesel::PgConnection {
    fn apply_tallies(
        &mut self,
        layouts: &Layouts,
        deltas: &Deltas,
    ) -> Result<(), diesel::result::Error> {
        let c = self;
        apply_all_on!(c, layouts, deltas, diesel::QueryDsl::for_update)
    }
}

/// Which responses to score.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub survey_id: String,
    pub period: i32,
    /// Units to include (a unit and all below it); None = every unit.
    pub units: Option<Vec<String>>,
    pub from: Option<String>,
    pub to: Option<String>,
}

macro_rules! filtered {
    ($table:ident, $f:ident) => {
        filtered!($table, $f, |t| t)
    };
    ($table:ident, $f:ident, |$t:ident| $shape:expr) => {{
        let $t = $table::table;
        let mut q = $shape
            .into_boxed()
            .filter($table::survey_id.eq(&$f.survey_id))
            .filter($table::period.eq($f.period));
        if let Some(units) = &$f.units {
            q = q.filter($table::unit_code.eq_any(units));
        }
        if let Some(from) = &$f.from {
            q = q.filter($table::day.ge(from));
        }
        if let Some(to) = &$f.to {
            q = q.filter($table::day.le(to));
        }
        q
    }};
}

/// Like `filtered!`, on a counts table: a whole period is read from its rollup rows
/// (day = ""), a date range from the day rows, so a year's scores read a few thousand rows.
macro_rules! counts {
    ($table:ident, $f:ident, |$t:ident| $shape:expr) => {{
        let q = filtered!($table, $f, |$t| $shape);
        if $f.from.is_none() && $f.to.is_none() {
            q.filter($table::day.eq(ROLLUP_DAY))
        } else {
            q.filter($table::day.ne(ROLLUP_DAY))
        }
    }};
}

/// Sums the running counts of a slice, pooled over respondent groups.
pub fn load(conn: &mut AnyConnection, f: &Filter) -> Result<Tallies, DbError> {
    let mut t = Tallies::default();
    for g in load_by_group(conn, f)?.values() {
        t.add(g);
    }
    Ok(t)
}

/// Sums the running counts of a slice per respondent group.
pub fn load_by_group(
    conn: &mut AnyConnection,
    f: &Filter,
) -> Result<BTreeMap<String, Tallies>, DbError> {
    let mut groups: BTreeMap<String, Tallies> = BTreeMap::new();
    let rows: Vec<(String, Vec<u8>)> = with_conn!(conn, |c| counts!(slice_counts, f, |t| t
        .select((slice_counts::respondent_group, slice_counts::counts)))
    .load(c))?;
    for (group, text) in rows {
        unpack_into(&text, groups.entry(group).or_default());
    }
    let responses: Vec<(String, i64)> = with_conn!(conn, |c| counts!(response_tallies, f, |t| t
        .group_by(response_tallies::respondent_group)
        .select((
            response_tallies::respondent_group,
            sql::<BigInt>("CAST(SUM(n) AS BIGINT)"),
        )))
    .load(c))?;
    for (group, n) in responses {
        groups.entry(group).or_default().responses += n;
    }
    Ok(groups)
}

/// Rebuilds the tallies of a slice from the stored answers, per respondent group, for checking
/// the running counts.
pub fn recount(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    f: &Filter,
) -> Result<BTreeMap<String, Tallies>, DbError> {
    let mut groups: BTreeMap<String, Tallies> = BTreeMap::new();
    let Some(survey) = catalog.get(&f.survey_id) else {
        return Ok(groups);
    };
    let rows: Vec<(String, String, Option<i16>)> =
        with_conn!(conn, |c| filtered!(responses, f, |t| t
            .inner_join(answers::table)
            .select((responses::id, answers::item_code, answers::value)))
        .load(c))?;
    let mut by_response: BTreeMap<String, Vec<(String, Option<i16>)>> = BTreeMap::new();
    for (id, item, value) in rows {
        by_response.entry(id).or_default().push((item, value));
    }
    let heads: Vec<(String, Option<String>, String)> =
        with_conn!(conn, |c| filtered!(responses, f, |t| t.select((
            responses::id,
            responses::respondent_group,
            responses::background
        )))
        .load(c))?;
    for (id, group, background) in heads {
        let answers = by_response.remove(&id).unwrap_or_default();
        let background: BTreeMap<String, String> =
            serde_json::from_str(&background).unwrap_or_default();
        groups
            .entry(group.unwrap_or_default())
            .or_default()
            .add(&Tallies::of_response(survey, &answers, &background));
    }
    Ok(groups)
}

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
/// Each page's answers come back as one row per response (the database concatenates them),
/// because per-answer rows through the driver cost more than everything else together.
pub fn recount_all(pool: &Pool, layouts: &Layouts, fix: bool) -> Result<RecountReport, DbError> {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    // Each part holds a connection throughout: never more parts than the pool can lend now.
    let state = pool.state();
    let in_use = state.connections.saturating_sub(state.idle_connections);
    let free = pool.max_size().saturating_sub(in_use) as usize;
    recount_in_parts(pool, layouts, fix, cores.min(8).min(free.max(1)))
}

/// [`recount_all`] over `parts` id ranges read side by side (one when there are few answers).
pub fn recount_in_parts(
    pool: &Pool,
    layouts: &Layouts,
    fix: bool,
    parts: usize,
) -> Result<RecountReport, DbError> {
    let ranges = id_ranges(pool, parts)?;
    let parts: Vec<Result<Partial, DbError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|(lo, hi)| scope.spawn(move || recount_range(pool, layouts, lo, hi.as_deref())))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(DbError::Connect("a recount thread failed".into())))
            })
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
    let mut pooled = pool.get()?;
    let conn: &mut AnyConnection = &mut pooled;
    compare(conn, layouts, &rebuilt, &mut report)?;
    if fix && !report.differences.is_empty() {
        crate::write_tx!(conn, |c| {
            diesel::delete(slice_counts::table).execute(c)?;
            diesel::delete(response_tallies::table).execute(c)?;
            c.apply_tallies(layouts, &rebuilt)
        })?;
        report.fixed = true;
    }
    Ok(report)
}

/// `parts` id ranges (exclusive low end, inclusive high end; None = to the last), cut at
/// equal numbers of responses.
fn id_ranges(pool: &Pool, parts: usize) -> Result<Vec<(String, Option<String>)>, DbError> {
    let mut pooled = pool.get()?;
    let conn: &mut AnyConnection = &mut pooled;
    let n: i64 = with_conn!(conn, |c| responses::table.count().get_result(c))?;
    let parts = parts.max(1) as i64;
    let mut cuts: Vec<String> = Vec::new();
    for k in 1..parts {
        let cut: Option<String> = with_conn!(conn, |c| responses::table
            .order(responses::id)
            .select(responses::id)
            .offset(n * k / parts)
            .first(c)
            .optional())?;
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

/// What one thread rebuilt: items, pairs and responses per slice with its channel (rollups
/// and channel-free slices are derived at the end, once, instead of per response).
#[derive(Default)]
struct Partial {
    responses: i64,
    slices: FastMap<SliceKey, Dense>,
    differences: Vec<String>,
}

impl Partial {
    fn merge(&mut self, other: Partial) {
        self.responses += other.responses;
        self.differences.extend(other.differences);
        for (k, d) in other.slices {
            match self.slices.get_mut(&k) {
                Some(mine) => mine.add(&d),
                None => {
                    self.slices.insert(k, d);
                }
            }
        }
    }

    /// The rebuilt counts in the shape the writer keeps them. Consumed slice by slice, so
    /// that each one is freed once it is counted.
    fn into_deltas(self, layouts: &Layouts) -> Deltas {
        let mut out = Deltas::default();
        for (key, d) in self.slices {
            if layouts.get(&key.survey_id).is_some() {
                out.add_with(key, d.responses, |slice| slice.add(&d));
            }
        }
        out
    }
}

type Head = (
    String,
    String,
    String,
    String,
    i32,
    String,
    Option<String>,
    String,
    String,
);

#[derive(QueryableByName)]
struct AnswerRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    response_id: String,
    /// The response's answers as "code:value;code:value…", "" for "no opinion" (codes hold
    /// neither separator: the loader checks the current definitions).
    #[diesel(sql_type = diesel::sql_types::Text)]
    answers: String,
}

/// The answers of the responses in (first, last], one row per response in id order.
fn page_answers(
    conn: &mut AnyConnection,
    first: &str,
    last: &str,
) -> Result<Vec<AnswerRow>, DbError> {
    use diesel::sql_types::Text;
    let rows = match conn {
        AnyConnection::Sqlite(c) => diesel::sql_query(
            // Literal separators: a function such as char() in the expression runs per row.
            "SELECT response_id, group_concat(item_code || ':' || COALESCE(value, ''), ';') AS answers \
             FROM answers WHERE response_id > ? AND response_id <= ? \
             GROUP BY response_id ORDER BY response_id",
        )
        .bind::<Text, _>(first)
        .bind::<Text, _>(last)
        .load(c)?,
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT response_id, string_agg(item_code || ':' || COALESCE(value::text, ''), ';') AS answers \
             FROM answers WHERE response_id > $1 AND response_id <= $2 \
             GROUP BY response_id ORDER BY response_id",
        )
        .bind::<Text, _>(first)
        .bind::<Text, _>(last)
        .load(c)?,
    };
    Ok(rows)
}

/// Reads "code:value;code:value…" into `out`; None when a value is not a number.
fn parse_answers<'a>(row: &'a AnswerRow, out: &mut Vec<(&'a str, Option<i16>)>) -> Option<()> {
    out.clear();
    for a in row.answers.split(';') {
        let (code, value) = a.rsplit_once(':')?;
        let value = if value.is_empty() {
            None
        } else {
            Some(value.parse().ok()?)
        };
        out.push((code, value));
    }
    Some(())
}

fn recount_range(
    pool: &Pool,
    layouts: &Layouts,
    lo: &str,
    hi: Option<&str>,
) -> Result<Partial, DbError> {
    let mut pooled = pool.get()?;
    let conn: &mut AnyConnection = &mut pooled;
    reading_many_pages(conn, true)?;
    let part = read_range(conn, layouts, lo, hi);
    reading_many_pages(conn, false)?;
    part
}

/// PostgreSQL plans each page's read as if it were rare: it compiles it (JIT) and sorts a
/// bitmap scan, which together cost several times the read on a large table. A recount reads
/// hundreds of pages in key order, so it asks for the ordered index scan instead, and puts
/// the settings back before the connection returns to the pool.
fn reading_many_pages(conn: &mut AnyConnection, on: bool) -> Result<(), DbError> {
    if let AnyConnection::Postgresql(c) = conn {
        let sql = if on {
            "SET jit = off; SET enable_bitmapscan = off"
        } else {
            "RESET jit; RESET enable_bitmapscan"
        };
        diesel::connection::SimpleConnection::batch_execute(c, sql)?;
    }
    Ok(())
}

fn read_range(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    lo: &str,
    hi: Option<&str>,
) -> Result<Partial, DbError> {
    const PAGE: i64 = 5_000;
    let mut part = Partial::default();
    let mut contribution = Contribution::default();
    let mut after = lo.to_string();
    loop {
        let heads: Vec<Head> = with_conn!(conn, |c| {
            let mut q = responses::table
                .filter(responses::id.gt(&after))
                .into_boxed();
            if let Some(hi) = hi {
                q = q.filter(responses::id.le(hi));
            }
            q.order(responses::id)
                .limit(PAGE)
                .select((
                    responses::id,
                    responses::survey_id,
                    responses::survey_version,
                    responses::unit_code,
                    responses::period,
                    responses::day,
                    responses::respondent_group,
                    responses::channel,
                    responses::background,
                ))
                .load(c)
        })?;
        let Some(last) = heads.last() else { break };
        let first = std::mem::replace(&mut after, last.0.clone());
        let rows = page_answers(conn, &first, &after)?;
        let mut rows = rows.iter().peekable();
        let mut answers = Vec::new();
        for (id, survey_id, version, unit, period, day, group, channel, background) in heads {
            part.responses += 1;
            // Both sides are in id order: skip answers of responses this page does not hold.
            while rows.next_if(|r| r.response_id < id).is_some() {}
            let row = rows.next_if(|r| r.response_id == id);
            let Some(layout) = layouts.get(&survey_id) else {
                part.differences.push(format!(
                    "response {id}: survey '{survey_id}' is no longer defined; not counted"
                ));
                continue;
            };
            let parsed = match row {
                Some(r) => parse_answers(r, &mut answers),
                None => {
                    answers.clear();
                    Some(())
                }
            };
            if parsed.is_none() {
                part.differences
                    .push(format!("response {id}: an answer's value is not a number"));
                continue;
            }
            let background: BTreeMap<String, String> = if layout.has_conditions() {
                serde_json::from_str(&background).unwrap_or_default()
            } else {
                BTreeMap::new()
            };
            let key = SliceKey {
                survey_id,
                survey_version: version,
                unit_code: unit,
                period,
                day,
                respondent_group: group.unwrap_or_default(),
                channel,
            };
            layout.contribution_into(&mut contribution, &answers, &background);
            layout.add(part.slices.entry(key).or_default(), &contribution);
        }
    }
    Ok(part)
}

/// Compares rebuilt counts with the kept ones, adding a line per slice that differs.
fn compare(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    rebuilt: &Deltas,
    report: &mut RecountReport,
) -> Result<(), DbError> {
    let stored = stored_slices(conn)?;
    for key in rebuilt
        .slices
        .keys()
        .chain(stored.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let layout = layouts.get(&key.survey_id);
        let bytes = stored.get(key).map(Vec::as_slice).unwrap_or_default();
        // Compared by position when the stored slice fits the layout: thousands of day
        // slices cannot each afford maps of strings. Otherwise by item code.
        let by_position = layout.and_then(|l| {
            let mut kept = Dense::default();
            super::packed::unpack_dense(bytes, l, &mut kept)?;
            let empty = Dense::default();
            Some(rebuilt.slices.get(key).unwrap_or(&empty).same_counts(&kept))
        });
        let agree = match by_position {
            Some(agree) => agree,
            None => {
                let mut kept = Tallies::default();
                if super::packed::unpack_into(bytes, &mut kept).is_none() {
                    report
                        .differences
                        .push(format!("{}: stored counts are unreadable", describe(key)));
                    continue;
                }
                let rebuilt = match (rebuilt.slices.get(key), layout) {
                    (Some(d), Some(l)) => l.tallies(d),
                    _ => Tallies::default(),
                };
                same(
                    &Tallies {
                        responses: 0,
                        ..rebuilt
                    },
                    &Tallies {
                        responses: 0,
                        ..kept
                    },
                )
            }
        };
        if !agree {
            report.differences.push(format!(
                "{}: item or pair counts differ from the answers",
                describe(key)
            ));
        }
    }
    let kept = stored_responses(conn)?;
    for key in rebuilt
        .responses
        .keys()
        .chain(kept.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (x, y) = (
            rebuilt.responses.get(key).copied().unwrap_or(0),
            kept.get(key).copied().unwrap_or(0),
        );
        if x != y {
            report.differences.push(format!(
                "{} channel {}: answers give {x} responses, counts say {y}",
                describe(key),
                key.channel
            ));
        }
    }
    Ok(())
}

fn describe(k: &SliceKey) -> String {
    let day = if k.day.is_empty() {
        "whole period"
    } else {
        k.day.as_str()
    };
    format!(
        "{} {} {} unit {} {day} group '{}'",
        k.survey_id, k.period, k.survey_version, k.unit_code, k.respondent_group
    )
}

fn same(x: &Tallies, y: &Tallies) -> bool {
    let close = crate::scoring::sums_agree;
    x.responses == y.responses
        && x.items == y.items
        && x.pairs.len() == y.pairs.len()
        && x.pairs.iter().all(|(k, m)| {
            y.pairs.get(k).is_some_and(|n| {
                m.n == n.n
                    && close(m.sum_a, n.sum_a)
                    && close(m.sum_b, n.sum_b)
                    && close(m.sum_ab, n.sum_ab)
            })
        })
}

/// Every stored slice row, still packed (small), by slice without channel.
fn stored_slices(conn: &mut AnyConnection) -> Result<BTreeMap<SliceKey, Vec<u8>>, DbError> {
    let rows: Vec<SliceRow> =
        with_conn!(conn, |c| slice_counts::table.select(SLICE_COLUMNS).load(c))?;
    Ok(rows.into_iter().map(slice_of).collect())
}

/// Stored responses per slice and channel.
fn stored_responses(conn: &mut AnyConnection) -> Result<BTreeMap<SliceKey, i64>, DbError> {
    type Row = (String, String, String, i32, String, String, String, i64);
    let rows: Vec<Row> = with_conn!(conn, |c| response_tallies::table
        .select((
            response_tallies::survey_id,
            response_tallies::survey_version,
            response_tallies::unit_code,
            response_tallies::period,
            response_tallies::day,
            response_tallies::respondent_group,
            response_tallies::channel,
            response_tallies::n,
        ))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(
            |(survey_id, survey_version, unit_code, period, day, respondent_group, channel, n)| {
                let key = SliceKey {
                    survey_id,
                    survey_version,
                    unit_code,
                    period,
                    day,
                    respondent_group,
                    channel,
                };
                (key, n)
            },
        )
        .collect())
}

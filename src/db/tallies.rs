//! Running counts: applied on insert, summed for scoring, and rebuilt from answers to check.

use super::schema::{answers, response_tallies, responses, slice_counts};
use super::{AnyConnection, DbError};
use crate::scoring::dense::{Dense, Layout};
use crate::scoring::Tallies;
use crate::survey::Catalog;
use crate::with_conn;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel::upsert::excluded;
use diesel::Connection;
use std::collections::{BTreeMap, HashMap};

/// The slice a response is counted under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
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
}

/// Adds one response's tallies to its day slice and to its period rollup.
pub fn add_with_rollup(deltas: &mut BTreeMap<SliceKey, Tallies>, key: SliceKey, t: &Tallies) {
    deltas.entry(key.rollup()).or_default().add(t);
    deltas.entry(key).or_default().add(t);
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

macro_rules! apply_all_on {
    ($c:ident, $deltas:ident, $lock:expr) => {{
        // Items and pairs are kept per slice; responses per slice and channel.
        let mut slices: BTreeMap<SliceKey, Tallies> = BTreeMap::new();
        for (k, t) in $deltas.iter() {
            let key = SliceKey { channel: String::new(), ..k.clone() };
            match slices.get_mut(&key) {
                Some(s) => s.add(t),
                None => {
                    slices.insert(key, t.clone());
                }
            }
        }
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
                .select(SLICE_COLUMNS),
        )
        .load($c)?;
        // 3. Merge and write back in one statement per thousand slices.
        let mut merged = Vec::with_capacity(slices.len());
        for row in stored {
            let (key, bytes) = slice_of(row);
            if let Some(delta) = slices.get(&key) {
                // An unreadable row is rebuilt from this delta alone and logged; recount repairs it.
                let packed = super::packed::merge(&bytes, delta).unwrap_or_else(|| {
                    log::error!("unreadable slice counts; run `chiso recount --fix`");
                    super::packed::pack(delta)
                });
                merged.push(rows_of(&key, packed));
            }
        }
        for chunk in merged.chunks(1000) {
            diesel::insert_into(slice_counts::table)
                .values(chunk)
                .on_conflict((
                    slice_counts::survey_id,
                    slice_counts::period,
                    slice_counts::day,
                    slice_counts::unit_code,
                    slice_counts::survey_version,
                    slice_counts::respondent_group,
                ))
                .do_update()
                .set(slice_counts::counts.eq(excluded(slice_counts::counts)))
                .execute($c)?;
        }
        let tallies: Vec<_> = $deltas
            .iter()
            .map(|(k, t)| {
                (
                    response_tallies::survey_id.eq(k.survey_id.clone()),
                    response_tallies::survey_version.eq(k.survey_version.clone()),
                    response_tallies::unit_code.eq(k.unit_code.clone()),
                    response_tallies::period.eq(k.period),
                    response_tallies::day.eq(k.day.clone()),
                    response_tallies::respondent_group.eq(k.respondent_group.clone()),
                    response_tallies::channel.eq(k.channel.clone()),
                    response_tallies::n.eq(t.responses),
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
        deltas: &BTreeMap<SliceKey, Tallies>,
    ) -> Result<(), diesel::result::Error>;
}

impl ApplyTallies for diesel::SqliteConnection {
    fn apply_tallies(
        &mut self,
        deltas: &BTreeMap<SliceKey, Tallies>,
    ) -> Result<(), diesel::result::Error> {
        let c = self;
        apply_all_on!(c, deltas, |q| q)
    }
}

impl ApplyTallies for diesel::PgConnection {
    fn apply_tallies(
        &mut self,
        deltas: &BTreeMap<SliceKey, Tallies>,
    ) -> Result<(), diesel::result::Error> {
        let c = self;
        apply_all_on!(c, deltas, diesel::QueryDsl::for_update)
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

/// Rebuilds every running count from the stored answers, page by page, in flat arrays per
/// slice; compares with the counts kept on insert one slice at a time and, with `fix`,
/// replaces them.
pub fn recount_all(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    fix: bool,
) -> Result<RecountReport, DbError> {
    const PAGE: i64 = 5_000;
    let layouts: BTreeMap<&str, Layout> = catalog
        .surveys
        .iter()
        .map(|(id, s)| (id.as_str(), Layout::new(s)))
        .collect();
    // Items and pairs per slice (no channel), day rows and period rollups alike.
    let mut dense: BTreeMap<SliceKey, Dense> = BTreeMap::new();
    // Responses per slice and channel.
    let mut responses_by_channel: BTreeMap<SliceKey, i64> = BTreeMap::new();
    let mut report = RecountReport::default();
    let mut after = String::new();
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
    loop {
        let heads: Vec<Head> = with_conn!(conn, |c| responses::table
            .filter(responses::id.gt(&after))
            .order(responses::id)
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
            .load(c))?;
        let Some(last) = heads.last() else { break };
        let first = std::mem::replace(&mut after, last.0.clone());
        // The page's answers are one range of the answers' primary key (ids sort by time).
        let rows: Vec<(String, String, Option<i16>)> = with_conn!(conn, |c| answers::table
            .filter(answers::response_id.gt(&first))
            .filter(answers::response_id.le(&after))
            .select((answers::response_id, answers::item_code, answers::value))
            .load(c))?;
        let mut by_response: HashMap<String, Vec<(String, Option<i16>)>> = HashMap::new();
        for (id, item, value) in rows {
            by_response.entry(id).or_default().push((item, value));
        }
        for (id, survey_id, version, unit, period, day, group, channel, background) in heads {
            report.responses += 1;
            let Some(layout) = layouts.get(survey_id.as_str()) else {
                report.differences.push(format!(
                    "response {id}: survey '{survey_id}' is no longer defined; not counted"
                ));
                continue;
            };
            let answers = by_response.remove(&id).unwrap_or_default();
            let background: BTreeMap<String, String> =
                serde_json::from_str(&background).unwrap_or_default();
            let key = SliceKey {
                survey_id,
                survey_version: version,
                unit_code: unit,
                period,
                day,
                respondent_group: group.unwrap_or_default(),
                channel: String::new(),
            };
            for k in [key.rollup(), key.clone()] {
                *responses_by_channel
                    .entry(SliceKey {
                        channel: channel.clone(),
                        ..k.clone()
                    })
                    .or_default() += 1;
                layout.add(dense.entry(k).or_default(), &answers, &background);
            }
        }
    }
    report.slices = dense.len();
    let stored = stored_slices(conn)?;
    for key in dense
        .keys()
        .chain(stored.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let rebuilt = match (dense.get(key), layouts.get(key.survey_id.as_str())) {
            (Some(d), Some(l)) => l.tallies(d),
            _ => Tallies::default(),
        };
        let mut kept = Tallies::default();
        if let Some(bytes) = stored.get(key) {
            if super::packed::unpack_into(bytes, &mut kept).is_none() {
                report
                    .differences
                    .push(format!("{}: stored counts are unreadable", describe(key)));
                continue;
            }
        }
        let (a, b) = (
            Tallies {
                responses: 0,
                ..rebuilt
            },
            Tallies {
                responses: 0,
                ..kept
            },
        );
        if !same(&a, &b) {
            report.differences.push(format!(
                "{}: item or pair counts differ from the answers",
                describe(key)
            ));
        }
    }
    let kept_responses = stored_responses(conn)?;
    for key in responses_by_channel
        .keys()
        .chain(kept_responses.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let (x, y) = (
            responses_by_channel.get(key).copied().unwrap_or(0),
            kept_responses.get(key).copied().unwrap_or(0),
        );
        if x != y {
            report.differences.push(format!(
                "{} channel {}: answers give {x} responses, counts say {y}",
                describe(key),
                key.channel
            ));
        }
    }
    if fix && !report.differences.is_empty() {
        // The rebuilt counts, as the deltas of one batch on empty tables: responses per
        // channel, and each slice's items and pairs on the first channel of that slice (a key
        // with channel "" sorts just before its channels).
        let mut deltas: BTreeMap<SliceKey, Tallies> = responses_by_channel
            .iter()
            .map(|(k, n)| {
                (
                    k.clone(),
                    Tallies {
                        responses: *n,
                        ..Tallies::default()
                    },
                )
            })
            .collect();
        for (k, d) in &dense {
            let Some(layout) = layouts.get(k.survey_id.as_str()) else {
                continue;
            };
            let first = deltas.range_mut(k.clone()..).next().filter(|(c, _)| {
                SliceKey {
                    channel: String::new(),
                    ..(*c).clone()
                } == *k
            });
            if let Some((_, t)) = first {
                t.add(&Tallies {
                    responses: 0,
                    ..layout.tallies(d)
                });
            }
        }
        crate::write_tx!(conn, |c| {
            diesel::delete(slice_counts::table).execute(c)?;
            diesel::delete(response_tallies::table).execute(c)?;
            c.apply_tallies(&deltas)
        })?;
        report.fixed = true;
    }
    Ok(report)
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
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * (1.0 + a.abs());
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

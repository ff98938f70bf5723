//! Reading the count rows for scoring: summed over a filter's units and days, per respondent
//! group, per unit, per day, or per breakdown bucket.

use crate::counts::{Sum, ROLLUP_DAY};
use crate::db::schema::{response_tallies, slice_counts};
use crate::db::{AnyConnection, DbError};
use crate::scoring::Tallies;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use std::collections::BTreeMap;

/// Below every day and above every breakdown bucket.
const FIRST_DAY: &str = "0";

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

impl Filter {
    /// Whether the filter covers the whole period: then its rollup rows (day "") hold the
    /// counts, and a year's scores read one row per unit instead of one per day.
    fn whole_period(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

/// Narrows a boxed query on the count rows (`slice_counts`) or the response sums
/// (`response_tallies`), which share these columns, to a filter's survey, period, units and
/// days: the rollup rows for a whole period, else the days between its bounds.
macro_rules! within {
    ($query:expr, $table:ident, $filter:expr) => {{
        let f: &Filter = $filter;
        let mut q = $query
            .filter($table::survey_id.eq(&f.survey_id))
            .filter($table::period.eq(f.period));
        if let Some(units) = &f.units {
            q = q.filter($table::unit_code.eq_any(units));
        }
        if f.whole_period() {
            q = q.filter($table::day.eq(ROLLUP_DAY));
        } else {
            // Breakdown rows (`#…`) sort before every day: a lower bound always leaves them out.
            q = q.filter($table::day.ge(f.from.as_deref().unwrap_or(FIRST_DAY)));
            if let Some(to) = &f.to {
                q = q.filter($table::day.le(to));
            }
        }
        q
    }};
}

/// One kind of breakdown row of a survey's period: the rows under a bucket prefix.
struct Buckets<'a> {
    survey_id: &'a str,
    period: i32,
    prefix: &'a str,
    /// The stored days of the prefix's rows: from `first`, before `end`.
    first: String,
    end: String,
}

impl<'a> Buckets<'a> {
    fn new(survey_id: &'a str, period: i32, prefix: &'a str) -> Buckets<'a> {
        let (first, end) = crate::counts::bucket_range(prefix);
        Buckets {
            survey_id,
            period,
            prefix,
            first,
            end,
        }
    }

    /// A row's key: what follows the prefix in its stored day.
    fn key(&self, day: &str) -> String {
        day.get(self.prefix.len()..).unwrap_or_default().to_string()
    }

    /// The rows as a log line names them.
    fn name(&self) -> String {
        format!("{} {} {}", self.survey_id, self.period, self.prefix)
    }
}

/// A query on the count rows (`slice_counts`) or the response sums (`response_tallies`)
/// narrowed to one kind of [`Buckets`].
macro_rules! in_buckets {
    ($table:ident, $buckets:expr) => {{
        let b: &Buckets = $buckets;
        $table::table
            .filter($table::survey_id.eq(b.survey_id))
            .filter($table::period.eq(b.period))
            .filter($table::day.ge(&b.first))
            .filter($table::day.lt(&b.end))
    }};
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = slice_counts)]
struct GroupCounts {
    respondent_group: String,
    counts: Vec<u8>,
}

#[derive(Queryable)]
struct GroupResponses {
    respondent_group: String,
    n: i64,
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
    let mut groups: BTreeMap<String, Sum> = BTreeMap::new();
    let q = within!(
        slice_counts::table
            .select(GroupCounts::as_select())
            .into_boxed(),
        slice_counts,
        f
    );
    for row in q.load::<GroupCounts>(conn)? {
        let t = groups.entry(row.respondent_group).or_default();
        if t.add_packed(&row.counts).is_none() {
            // Scores go on from the rest; the recount names the slice and rebuilds it.
            log::error!(
                "unreadable slice counts of {} {}; run `chiso recount --fix`",
                f.survey_id,
                f.period
            );
        }
    }
    let q = within!(
        response_tallies::table
            .group_by(response_tallies::respondent_group)
            .select((
                response_tallies::respondent_group,
                sql::<BigInt>("CAST(SUM(n) AS BIGINT)"),
            ))
            .into_boxed(),
        response_tallies,
        f
    );
    for row in q.load::<GroupResponses>(conn)? {
        groups.entry(row.respondent_group).or_default().responses += row.n;
    }
    Ok(groups.into_iter().map(|(g, s)| (g, s.tallies())).collect())
}

#[derive(Queryable)]
struct KeyedCounts {
    key: String,
    counts: Vec<u8>,
}

#[derive(Queryable)]
struct KeyedResponses {
    key: String,
    n: i64,
}

/// Adds packed rows and response sums by key (as `key` makes it of the stored one), pooled
/// over respondent groups.
fn gather(
    rows: Vec<KeyedCounts>,
    responses: Vec<KeyedResponses>,
    key: impl Fn(&str) -> String,
    what: &str,
) -> BTreeMap<String, Sum> {
    let mut out: BTreeMap<String, Sum> = BTreeMap::new();
    for row in rows {
        let t = out.entry(key(&row.key)).or_default();
        if t.add_packed(&row.counts).is_none() {
            log::error!("unreadable counts of {what}; run `chiso recount --fix`");
        }
    }
    for row in responses {
        out.entry(key(&row.key)).or_default().responses += row.n;
    }
    out
}

/// The whole period's counts of each unit (rollup rows), or of each unit between two days,
/// pooled over respondent groups: what a page needs to drill down and to sum by level.
pub fn load_by_unit(
    conn: &mut AnyConnection,
    f: &Filter,
) -> Result<BTreeMap<String, Sum>, DbError> {
    Ok(pooled_over_groups(load_by_unit_group(conn, f)?))
}

/// Each unit's counts summed over its groups.
pub fn pooled_over_groups(
    by_group: BTreeMap<String, BTreeMap<String, Sum>>,
) -> BTreeMap<String, Sum> {
    let mut out: BTreeMap<String, Sum> = BTreeMap::new();
    for units in by_group.into_values() {
        for (unit, s) in units {
            out.entry(unit).or_default().add(&s);
        }
    }
    out
}

#[derive(Queryable)]
struct UnitKeyedCounts {
    unit: String,
    key: String,
    counts: Vec<u8>,
}

#[derive(Queryable)]
struct UnitKeyedResponses {
    unit: String,
    key: String,
    n: i64,
}

/// [`gather`] per unit: packed rows and response sums by key (as `key` makes it of the stored
/// one) and unit, key → unit → counts.
fn gather_by_unit(
    rows: Vec<UnitKeyedCounts>,
    responses: Vec<UnitKeyedResponses>,
    key: impl Fn(&str) -> String,
    what: &str,
) -> BTreeMap<String, BTreeMap<String, Sum>> {
    let mut out: BTreeMap<String, BTreeMap<String, Sum>> = BTreeMap::new();
    for row in rows {
        let t = out
            .entry(key(&row.key))
            .or_default()
            .entry(row.unit)
            .or_default();
        if t.add_packed(&row.counts).is_none() {
            log::error!("unreadable counts of {what}; run `chiso recount --fix`");
        }
    }
    for row in responses {
        out.entry(key(&row.key))
            .or_default()
            .entry(row.unit)
            .or_default()
            .responses += row.n;
    }
    out
}

/// The counts of each unit per respondent group (group → unit → counts), over the whole
/// period or between two days: the same rows [`load_by_unit`] reads (count rows are kept per
/// group), not pooled.
pub fn load_by_unit_group(
    conn: &mut AnyConnection,
    f: &Filter,
) -> Result<BTreeMap<String, BTreeMap<String, Sum>>, DbError> {
    let q = within!(
        slice_counts::table
            .select((
                slice_counts::unit_code,
                slice_counts::respondent_group,
                slice_counts::counts,
            ))
            .into_boxed(),
        slice_counts,
        f
    );
    let r = within!(
        response_tallies::table
            .group_by((
                response_tallies::unit_code,
                response_tallies::respondent_group,
            ))
            .select((
                response_tallies::unit_code,
                response_tallies::respondent_group,
                sql::<BigInt>("CAST(SUM(n) AS BIGINT)"),
            ))
            .into_boxed(),
        response_tallies,
        f
    );
    Ok(gather_by_unit(
        q.load(conn)?,
        r.load(conn)?,
        str::to_string,
        &format!("{} {} by unit", f.survey_id, f.period),
    ))
}

#[derive(Queryable)]
struct DayGroupResponses {
    day: String,
    group: String,
    n: i64,
}

/// Forms of a period over `f.units` per day and respondent group (day → group → forms), and
/// the whole period's per group (dated or not): what the rule on ranges of days reads. Reads
/// the response sums only, never the packed counts.
#[allow(clippy::type_complexity)]
pub fn forms_by_day_group(
    conn: &mut AnyConnection,
    f: &Filter,
) -> Result<
    (
        BTreeMap<String, BTreeMap<String, i64>>,
        BTreeMap<String, i64>,
    ),
    DbError,
> {
    let mut r = response_tallies::table
        .group_by((response_tallies::day, response_tallies::respondent_group))
        .select((
            response_tallies::day,
            response_tallies::respondent_group,
            sql::<BigInt>("CAST(SUM(n) AS BIGINT)"),
        ))
        .into_boxed()
        .filter(response_tallies::survey_id.eq(&f.survey_id))
        .filter(response_tallies::period.eq(f.period))
        // The period's rows and its days, not the breakdown rows (`#…`, between the two).
        .filter(
            response_tallies::day
                .eq(ROLLUP_DAY)
                .or(response_tallies::day.ge(FIRST_DAY)),
        );
    if let Some(units) = &f.units {
        r = r.filter(response_tallies::unit_code.eq_any(units));
    }
    let mut days: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut whole: BTreeMap<String, i64> = BTreeMap::new();
    for row in r.load::<DayGroupResponses>(conn)? {
        if row.day == ROLLUP_DAY {
            *whole.entry(row.group).or_default() += row.n;
        } else {
            *days
                .entry(row.day)
                .or_default()
                .entry(row.group)
                .or_default() += row.n;
        }
    }
    Ok((days, whole))
}

/// The bucket rows under `prefix` of every unit (not the `*` rows), key → unit → counts: one
/// read of the same rows each unit's page reads for itself, so that a unit's field or channel
/// can be checked down the chain of units holding only that field's or channel's forms.
pub fn load_buckets_by_unit(
    conn: &mut AnyConnection,
    survey_id: &str,
    period: i32,
    prefix: &str,
) -> Result<BTreeMap<String, BTreeMap<String, Sum>>, DbError> {
    let b = Buckets::new(survey_id, period, prefix);
    let rows: Vec<UnitKeyedCounts> = in_buckets!(slice_counts, &b)
        .filter(slice_counts::unit_code.ne(crate::counts::ALL_UNITS))
        .select((
            slice_counts::unit_code,
            slice_counts::day,
            slice_counts::counts,
        ))
        .load(conn)?;
    let responses: Vec<UnitKeyedResponses> = in_buckets!(response_tallies, &b)
        .filter(response_tallies::unit_code.ne(crate::counts::ALL_UNITS))
        .group_by((response_tallies::unit_code, response_tallies::day))
        .select((
            response_tallies::unit_code,
            response_tallies::day,
            sql::<BigInt>("CAST(SUM(n) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(gather_by_unit(rows, responses, |day| b.key(day), &b.name()))
}

/// One kind of breakdown row (a [`crate::counts::MONTH_BUCKET`] or
/// [`crate::counts::FIELD_CHANNEL_BUCKET`] prefix) of a period, summed over `units` (None:
/// the rows of every unit together), keyed by what follows the prefix.
pub fn load_buckets(
    conn: &mut AnyConnection,
    survey_id: &str,
    period: i32,
    units: Option<&[String]>,
    prefix: &str,
) -> Result<BTreeMap<String, Sum>, DbError> {
    let b = Buckets::new(survey_id, period, prefix);
    let all = [crate::counts::ALL_UNITS.to_string()];
    let units = units.unwrap_or(&all);
    let rows: Vec<KeyedCounts> = in_buckets!(slice_counts, &b)
        .filter(slice_counts::unit_code.eq_any(units))
        .select((slice_counts::day, slice_counts::counts))
        .load(conn)?;
    let responses: Vec<KeyedResponses> = in_buckets!(response_tallies, &b)
        .filter(response_tallies::unit_code.eq_any(units))
        .group_by(response_tallies::day)
        .select((
            response_tallies::day,
            sql::<BigInt>("CAST(SUM(n) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(gather(rows, responses, |day| b.key(day), &b.name()))
}

//! Breakdowns of a survey's headline index — by unit below, level of unit, field of procedure,
//! channel, month, quarter and year — from the count rows kept on insert (never the answers),
//! read by the caller.

use crate::cells::shown_or_withheld;
pub use crate::cells::{cell, table, table_given, Cell, UnitChain, UnitTable};
use crate::counts::split_field_channel;
use crate::counts::Sum;
use crate::scoring::ranges::quarter_of;
use crate::scoring::{headline, Scores};
use crate::survey::{Survey, UnitTree};
use serde::Serialize;
use std::collections::BTreeMap;

/// The headline tree and every breakdown of one survey, period and unit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Breakdowns {
    pub scores: Scores,
    /// The unit the page is about ("" for everything), and its parent on the map.
    pub unit: String,
    pub parent: Option<String>,
    /// The units one step below, each with everything below it.
    pub below: Vec<Cell>,
    /// Answers given at units of each level (city, department, district, commune).
    pub levels: Vec<Cell>,
    pub fields: Vec<Cell>,
    pub channels: Vec<Cell>,
    pub months: Vec<Cell>,
    pub quarters: Vec<Cell>,
    pub year: Cell,
}

/// Where a page stands on its map: the unit it is about (the top of the map for everything)
/// and that unit's parent.
pub fn place(units: &UnitTree, map: Option<&str>, unit: &str) -> (String, Option<String>) {
    let here = if unit.is_empty() {
        units
            .units_of(map)
            .iter()
            .find(|u| u.parent.is_none())
            .map(|u| u.code.clone())
            .unwrap_or_default()
    } else {
        unit.to_string()
    };
    let parent = units.get(&here).and_then(|u| u.parent.clone());
    (here, parent)
}

/// The field-and-channel rows a page reads: every unit's, when the page is below the top and
/// covers some units only (so each field and channel can be checked down the chain of units),
/// else the page's own units' rows together.
pub enum FieldChannelRows {
    ByUnit(BTreeMap<String, BTreeMap<String, Sum>>),
    Together(BTreeMap<String, Sum>),
}

/// The count rows a page's breakdowns are worked out from, read by the caller.
pub struct Rows {
    /// Every unit's counts of the whole period: the tables from the top down to the page's
    /// unit decide what it shows.
    pub by_unit: BTreeMap<String, Sum>,
    /// The page's month rows (`YYYY-MM` → counts).
    pub months: BTreeMap<String, Sum>,
    pub field_channel: FieldChannelRows,
}

/// Every breakdown of one survey, period and unit (`unit`, "" for everything) on `map`, whose
/// units are `codes` (None: every unit), from its headline `scores` and count `rows`. Cells
/// under `min_n` answers are withheld.
#[allow(clippy::too_many_arguments)]
pub fn assemble(
    survey: &Survey,
    units: &UnitTree,
    map: Option<&str>,
    codes: Option<&[String]>,
    period: i32,
    unit: &str,
    scores: Scores,
    rows: Rows,
    min_n: i64,
) -> Breakdowns {
    let Rows {
        by_unit,
        months: months_t,
        field_channel,
    } = rows;
    let (here, parent) = place(units, map, unit);
    let unit_chain = UnitChain {
        survey,
        units,
        map,
        min_n,
    };
    let chain = unit_chain.table(&by_unit, &here);
    let below = chain.below;
    let mut levels: BTreeMap<String, Sum> = BTreeMap::new();
    let mine: Option<std::collections::HashSet<&String>> = codes.map(|c| c.iter().collect());
    for (code, t) in &by_unit {
        if mine.as_ref().is_some_and(|m| !m.contains(code)) {
            continue;
        }
        let level = units.get(code).map(|u| u.level.clone()).unwrap_or_default();
        levels.entry(level).or_default().add(t);
    }

    let Calendar {
        year,
        year_sum,
        quarters,
        months,
    } = calendar(survey, period, &months_t, chain.withheld, min_n);
    let year_withheld = year.suppressed;

    // Below the top, each level, field and channel is also a cell down the chain of units
    // holding only its forms: the parent's communes minus this unit's are the rest's.
    let below_top = parent.is_some();
    // A table breaking the year down into rows, each row also withheld where it is withheld
    // in the chain of units holding only its forms.
    let year_table = |parts: Vec<(String, Sum)>, by_unit: &RowsByUnit| {
        let given: Vec<bool> = parts
            .iter()
            .map(|(k, _)| {
                below_top
                    && by_unit
                        .get(k)
                        .is_some_and(|b| unit_chain.withheld(b, &here))
            })
            .collect();
        table_given(survey, parts, &given, &year_sum, year_withheld, min_n)
    };
    let levels: Vec<(String, Sum)> =
        ordered(LEVELS.iter().map(|s| s.to_string()), levels).collect();
    let mut by_level: RowsByUnit = BTreeMap::new();
    if below_top {
        for (code, t) in &by_unit {
            let level = units.get(code).map(|u| u.level.clone()).unwrap_or_default();
            by_level
                .entry(level)
                .or_default()
                .insert(code.clone(), t.clone());
        }
    }
    let levels = year_table(levels, &by_level);

    let mut fields: BTreeMap<String, Sum> = BTreeMap::new();
    let mut channels: BTreeMap<String, Sum> = BTreeMap::new();
    let mut field_by_unit: RowsByUnit = BTreeMap::new();
    let mut channel_by_unit: RowsByUnit = BTreeMap::new();
    match (field_channel, &mine) {
        // Every unit's rows in one read: this unit's fields are its own units' rows.
        (FieldChannelRows::ByUnit(fc), Some(mine)) => {
            for (k, by_unit) in &fc {
                let (field, channel) = split_field_channel(k);
                for (code, t) in by_unit {
                    if !field.is_empty() {
                        add_to_unit(&mut field_by_unit, field, code, t);
                    }
                    add_to_unit(&mut channel_by_unit, channel, code, t);
                    if mine.contains(code) {
                        if !field.is_empty() {
                            fields.entry(field.to_string()).or_default().add(t);
                        }
                        channels.entry(channel.to_string()).or_default().add(t);
                    }
                }
            }
        }
        (FieldChannelRows::Together(fc), _) => {
            for (k, t) in &fc {
                let (field, channel) = split_field_channel(k);
                if !field.is_empty() {
                    fields.entry(field.to_string()).or_default().add(t);
                }
                channels.entry(channel.to_string()).or_default().add(t);
            }
        }
        // Every unit's rows for a page of every unit: not what the caller reads.
        (FieldChannelRows::ByUnit(_), None) => {}
    }
    // Fields in the order the form lists them; any other (a retired option) after.
    let order: Vec<String> = survey
        .background
        .iter()
        .find(|b| b.code == crate::counts::FIELD_QUESTION)
        .map(|b| b.options.iter().map(|o| o.code.clone()).collect())
        .unwrap_or_default();
    let fields: Vec<(String, Sum)> = ordered(order, fields).collect();
    let fields = year_table(fields, &field_by_unit);
    let channels: Vec<(String, Sum)> =
        ordered(CHANNELS.iter().map(|s| s.to_string()), channels).collect();
    let channels = year_table(channels, &channel_by_unit);

    Breakdowns {
        scores,
        unit: here,
        parent,
        below,
        levels,
        fields,
        channels,
        months,
        quarters,
        year,
    }
}

/// The year, its quarters and their months of one unit (or everything).
pub struct Calendar {
    pub year: Cell,
    pub year_sum: Sum,
    pub quarters: Vec<Cell>,
    pub months: Vec<Cell>,
}

/// The year, quarter and month tables of the month rows `months_t` (`YYYY-MM` → counts):
/// the year withheld with its unit (`unit_withheld`) or under the smallest cell; quarters
/// break the year down, and months their quarter, so no month is the difference of its
/// quarter and the months shown beside it.
pub fn calendar(
    survey: &Survey,
    period: i32,
    months_t: &BTreeMap<String, Sum>,
    unit_withheld: bool,
    min_n: i64,
) -> Calendar {
    let mut by_quarter: BTreeMap<String, Vec<(String, Sum)>> = BTreeMap::new();
    let mut year_sum = Sum::default();
    for (m, t) in months_t {
        by_quarter
            .entry(quarter_of(m))
            .or_default()
            .push((m.clone(), t.clone()));
        year_sum.add(t);
    }
    let year_node = headline(survey, &year_sum);
    let year_small = year_node.as_ref().map(|n| n.n).unwrap_or(0) < min_n;
    let year = shown_or_withheld(
        period.to_string(),
        &year_sum,
        year_node,
        unit_withheld || year_small,
    );
    let quarter_parts: Vec<(String, Sum)> = by_quarter
        .iter()
        .map(|(k, ms)| {
            let mut t = Sum::default();
            ms.iter().for_each(|(_, x)| t.add(x));
            (k.clone(), t)
        })
        .collect();
    let quarters = table(
        survey,
        quarter_parts.clone(),
        &year_sum,
        year.suppressed,
        min_n,
    );
    let mut months = Vec::new();
    for ((key, total), quarter) in quarter_parts.iter().zip(&quarters) {
        let parts = by_quarter.get(key).cloned().unwrap_or_default();
        months.extend(table(survey, parts, total, quarter.suppressed, min_n));
    }
    months.sort_by(|a, b| a.key.cmp(&b.key));
    Calendar {
        year,
        year_sum,
        quarters,
        months,
    }
}

/// A breakdown's rows (levels, fields, channels), each with its counts by unit.
type RowsByUnit = BTreeMap<String, BTreeMap<String, Sum>>;

/// Adds a unit's counts `t` to those of the breakdown's row `row` at unit `code`.
fn add_to_unit(by_row: &mut RowsByUnit, row: &str, code: &str, t: &Sum) {
    by_row
        .entry(row.to_string())
        .or_default()
        .entry(code.to_string())
        .or_default()
        .add(t);
}

/// The entries of `map` in the order of `order`, then the others in their own order.
fn ordered(
    order: impl IntoIterator<Item = String>,
    mut map: BTreeMap<String, Sum>,
) -> impl Iterator<Item = (String, Sum)> {
    let first: Vec<(String, Sum)> = order
        .into_iter()
        .filter_map(|k| map.remove(&k).map(|t| (k, t)))
        .collect();
    first.into_iter().chain(map)
}

/// Levels of unit, top down.
pub const LEVELS: [&str; 4] = ["city", "department", "district", "commune"];

/// Channels, in the order pages list them.
pub const CHANNELS: [&str; 5] = ["kiosk", "online", "paper", "invitation", "api"];

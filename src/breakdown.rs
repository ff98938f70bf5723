//! Breakdowns of a survey's headline index — by unit below, level of unit, field of procedure,
//! channel, month, quarter and year — from the count rows kept on insert (never the answers).

use crate::counts::Sum;
use crate::counts::{split_field_channel, FIELD_CHANNEL_BUCKET, MONTH_BUCKET};
use crate::db::counts::{self, Filter};
use crate::db::AnyConnection;
use crate::report::{self, ReportError, ScoreQuery};
use crate::scoring::{headline, NodeScore, Scores};
use crate::survey::{Catalog, FieldError, Survey, UnitTree};
use serde::Serialize;
use std::collections::BTreeMap;

/// One row of a breakdown: the headline index (with its children, without items) of the
/// answers that fall in it, or nothing where they are too few to publish.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Cell {
    /// What the row is: a unit code, a level, a field or channel code, `2025-06`, `Q2`, the year.
    pub key: String,
    pub responses: i64,
    /// Fewer than `min_n` answers: no value shown.
    pub suppressed: bool,
    pub node: Option<NodeScore>,
}

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

/// The headline of the counts in `sum`: the survey's first root index, with its children but
/// not their items, or nothing under `min_n` answers.
pub fn cell(survey: &Survey, key: String, sum: &Sum, min_n: i64) -> Cell {
    let node = headline(survey, sum);
    let n = node.as_ref().map(|n| n.n).unwrap_or(0);
    let suppressed = n < min_n;
    Cell {
        key,
        responses: sum.responses,
        suppressed,
        node: if suppressed { None } else { node },
    }
}

/// Every breakdown of the query's survey, period and unit (on its map). Breakdowns are of
/// the whole period: `from` and `to` are refused. Cells under `min_n` answers are withheld.
pub fn breakdowns(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    units: &UnitTree,
    q: &ScoreQuery,
    min_n: i64,
) -> Result<Breakdowns, ReportError> {
    let min_n = min_n.max(1);
    let survey = catalog.get(&q.survey).ok_or_else(|| {
        ReportError::Invalid(FieldError::new(
            "survey",
            format!("unknown survey '{}'", q.survey),
        ))
    })?;
    let whole = ScoreQuery {
        from: None,
        to: None,
        ..q.clone()
    };
    let scores = report::scores(conn, catalog, units, &whole, min_n)?;
    let (map, _, codes) = report::scope(units, &whole)?;
    let filter = Filter {
        survey_id: survey.id.clone(),
        period: q.period,
        units: codes.clone(),
        from: None,
        to: None,
    };
    let by_unit = counts::load_by_unit(conn, &filter)?;
    let sum = |codes: &[String]| {
        let mut t = Sum::default();
        for c in codes {
            if let Some(x) = by_unit.get(c) {
                t.add(x);
            }
        }
        t
    };
    let unit = q.unit.clone().unwrap_or_default();
    let on_map: Vec<&crate::survey::Unit> = units.units_of(map.as_deref());
    let top = on_map
        .iter()
        .find(|u| u.parent.is_none())
        .map(|u| u.code.clone());
    let here = if unit.is_empty() {
        top.clone().unwrap_or_default()
    } else {
        unit.clone()
    };
    let parent = units.get(&here).and_then(|u| u.parent.clone());
    let below = on_map
        .iter()
        .filter(|u| u.parent.as_deref() == Some(here.as_str()))
        .map(|u| {
            let codes = match &map {
                Some(m) => units.roll_up(&u.code, m).codes,
                None => units.subtree(&u.code),
            };
            cell(survey, u.code.clone(), &sum(&codes), min_n)
        })
        .collect();
    let mut levels: BTreeMap<String, Sum> = BTreeMap::new();
    for (code, t) in &by_unit {
        let level = units.get(code).map(|u| u.level.clone()).unwrap_or_default();
        levels.entry(level).or_default().add(t);
    }
    let levels = ordered(LEVELS.iter().map(|s| s.to_string()), levels)
        .map(|(l, t)| cell(survey, l, &t, min_n))
        .collect();

    let unit_rows = codes.as_deref();
    let fc = counts::load_buckets(conn, &survey.id, q.period, unit_rows, FIELD_CHANNEL_BUCKET)?;
    let mut fields: BTreeMap<String, Sum> = BTreeMap::new();
    let mut channels: BTreeMap<String, Sum> = BTreeMap::new();
    for (k, t) in &fc {
        let (field, channel) = split_field_channel(k);
        if !field.is_empty() {
            fields.entry(field.to_string()).or_default().add(t);
        }
        channels.entry(channel.to_string()).or_default().add(t);
    }
    // Fields in the order the form lists them; any other (a retired option) after.
    let order: Vec<String> = survey
        .background
        .iter()
        .find(|b| b.code == crate::counts::FIELD_QUESTION)
        .map(|b| b.options.iter().map(|o| o.code.clone()).collect())
        .unwrap_or_default();
    let fields = ordered(order, fields)
        .map(|(f, t)| cell(survey, f, &t, min_n))
        .collect();
    let channels = ordered(CHANNELS.iter().map(|s| s.to_string()), channels)
        .map(|(c, t)| cell(survey, c, &t, min_n))
        .collect();

    let months_t = counts::load_buckets(conn, &survey.id, q.period, unit_rows, MONTH_BUCKET)?;
    let mut quarters: BTreeMap<String, Sum> = BTreeMap::new();
    let mut year = Sum::default();
    for (m, t) in &months_t {
        let q = m
            .get(5..7)
            .and_then(|x| x.parse::<u32>().ok())
            .map(|m| m.div_ceil(3))
            .unwrap_or(0);
        quarters.entry(format!("Q{q}")).or_default().add(t);
        year.add(t);
    }
    let months = months_t
        .iter()
        .map(|(m, t)| cell(survey, m.clone(), t, min_n))
        .collect();
    let quarters = quarters
        .iter()
        .map(|(k, t)| cell(survey, k.clone(), t, min_n))
        .collect();
    let year = cell(survey, q.period.to_string(), &year, min_n);
    Ok(Breakdowns {
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
    })
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

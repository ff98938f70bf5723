//! Cells of published tables and the rule that withholds them: a cell under the smallest
//! cell, and enough others beside it that none can be worked out by subtraction — within a
//! table, and down the chain of units from the top of the map.

use crate::counts::Sum;
use crate::scoring::suppress;
use crate::scoring::{headline, headline_n, NodeScore};
use crate::survey::{Survey, UnitTree};
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

/// The headline of the counts in `sum`: the survey's first root index, with its children but
/// not their items, or nothing under `min_n` answers.
pub fn cell(survey: &Survey, key: String, sum: &Sum, min_n: i64) -> Cell {
    let node = headline(survey, sum);
    let n = node.as_ref().map(|n| n.n).unwrap_or(0);
    shown_or_withheld(key, sum, node, n < min_n)
}

pub fn shown_or_withheld(key: String, sum: &Sum, node: Option<NodeScore>, withheld: bool) -> Cell {
    Cell {
        key,
        responses: sum.responses,
        suppressed: withheld,
        node: if withheld { None } else { node },
    }
}

/// The cells of one table that breaks `total` down: each withheld under `min_n` answers, and
/// enough others that none can be worked out from the total ([`suppress::withhold`]). A withheld total
/// withholds every cell.
pub fn table(
    survey: &Survey,
    parts: Vec<(String, Sum)>,
    total: &Sum,
    total_withheld: bool,
    min_n: i64,
) -> Vec<Cell> {
    table_given(survey, parts, &[], total, total_withheld, min_n)
}

/// [`table`] where some cells are withheld already by another table (`given`: a unit's field
/// withheld down the chain of units holding that field's forms): each such cell is withheld,
/// and never the only withheld one beside a published total ([`suppress::withhold_given`]).
pub fn table_given(
    survey: &Survey,
    parts: Vec<(String, Sum)>,
    given: &[bool],
    total: &Sum,
    total_withheld: bool,
    min_n: i64,
) -> Vec<Cell> {
    let nodes: Vec<Option<NodeScore>> = parts.iter().map(|(_, t)| headline(survey, t)).collect();
    let ns: Vec<i64> = nodes
        .iter()
        .map(|n| n.as_ref().map_or(0, |n| n.n))
        .collect();
    let hidden = withholding(&parts, &ns, given, total, total_withheld, min_n);
    parts
        .into_iter()
        .zip(nodes)
        .zip(hidden)
        .map(|(((key, sum), node), hide)| shown_or_withheld(key, &sum, node, hide))
        .collect()
}

/// Which cells of a table are withheld, from each cell's forms and headline n.
fn withholding(
    parts: &[(String, Sum)],
    ns: &[i64],
    given: &[bool],
    total: &Sum,
    total_withheld: bool,
    min_n: i64,
) -> Vec<bool> {
    let cells: Vec<suppress::Cell> = parts
        .iter()
        .zip(ns)
        .map(|((_, t), n)| suppress::Cell {
            forms: t.responses,
            small: *n < min_n,
        })
        .collect();
    suppress::withhold_given(&cells, given, total.responses, total_withheld, min_n).cells
}

/// The stored unit codes a unit covers on a map (the top: None, every unit).
fn covered(units: &UnitTree, map: Option<&str>, code: &str) -> Option<Vec<String>> {
    if units.get(code).is_some_and(|u| u.parent.is_none()) {
        return None;
    }
    Some(match map {
        Some(m) => units.roll_up(code, m).codes,
        None => units.subtree(code),
    })
}

fn sum_of(by_unit: &BTreeMap<String, Sum>, codes: Option<&[String]>) -> Sum {
    let mut t = Sum::default();
    match codes {
        None => by_unit.values().for_each(|x| t.add(x)),
        Some(codes) => codes
            .iter()
            .filter_map(|c| by_unit.get(c))
            .for_each(|x| t.add(x)),
    }
    t
}

/// A unit in the chain of tables from the top of the map down to it.
#[derive(Debug, Clone)]
pub struct UnitTable {
    /// Withheld as a cell of a table above it (the top never is: the whole is published).
    pub withheld: bool,
    /// The units directly below it, each with everything below it, each withheld or shown.
    pub below: Vec<Cell>,
}

/// The tables of units from the top of a map down, each cell withheld under `min_n` answers:
/// what decides whether a slice's counts by unit (all forms, or only one field's, channel's,
/// level's or respondent group's) may be shown at a unit.
#[derive(Clone, Copy)]
pub struct UnitChain<'a> {
    pub survey: &'a Survey,
    pub units: &'a UnitTree,
    pub map: Option<&'a str>,
    pub min_n: i64,
}

impl UnitChain<'_> {
    /// Applies the table rule from the top of the map down to `here`: at each unit, the units
    /// directly below it (each with everything below it) and the unit's own forms break its
    /// whole down, so no published unit minus its published units below, nor the city minus a
    /// ward, gives a withheld unit's answers. A withheld unit withholds every unit below it.
    pub fn table(&self, by_unit: &BTreeMap<String, Sum>, here: &str) -> UnitTable {
        let withheld = self.withheld(by_unit, here);
        UnitTable {
            withheld,
            below: self.below(by_unit, here, withheld),
        }
    }

    /// Whether `here` is withheld in the chain of unit tables from the top of the map down to
    /// it ([`UnitChain::table`]) over the counts `by_unit`, so that the same slice read at a
    /// unit and at its parent cannot be subtracted.
    pub fn withheld(&self, by_unit: &BTreeMap<String, Sum>, here: &str) -> bool {
        let units = self.units;
        // The chain top → here, by parents on the map.
        let mut path = vec![here.to_string()];
        while let Some(p) = path
            .last()
            .and_then(|c| units.get(c))
            .and_then(|u| u.parent.clone())
        {
            if path.contains(&p) || path.len() > 64 {
                break;
            }
            path.push(p);
        }
        path.reverse();
        let mut withheld = false;
        for pair in path.windows(2) {
            let (Some(up), Some(down)) = (pair.first(), pair.get(1)) else {
                continue;
            };
            let (parts, total) = self.parts_below(by_unit, up);
            // Only whether each cell is withheld: no interval is worked out on the way down.
            let ns: Vec<i64> = parts
                .iter()
                .map(|(_, t)| headline_n(self.survey, t))
                .collect();
            let hidden = withholding(&parts, &ns, &[], &total, withheld, self.min_n);
            withheld = parts
                .iter()
                .zip(hidden)
                .find(|((key, _), _)| key == down)
                .map_or(withheld, |(_, hide)| hide);
        }
        withheld
    }

    /// The table of the units directly below `code` (each with everything below it), under a
    /// total withheld or not.
    fn below(&self, by_unit: &BTreeMap<String, Sum>, code: &str, withheld: bool) -> Vec<Cell> {
        let (parts, total) = self.parts_below(by_unit, code);
        table(self.survey, parts, &total, withheld, self.min_n)
    }

    /// The units directly below `code`, each with the counts of everything below it, and the
    /// counts of `code` as a whole.
    fn parts_below(
        &self,
        by_unit: &BTreeMap<String, Sum>,
        code: &str,
    ) -> (Vec<(String, Sum)>, Sum) {
        let UnitChain { units, map, .. } = *self;
        let parts: Vec<(String, Sum)> = units
            .units_of(map)
            .iter()
            .filter(|u| u.parent.as_deref() == Some(code))
            .map(|u| {
                let codes = covered(units, map, &u.code);
                (u.code.clone(), sum_of(by_unit, codes.as_deref()))
            })
            .collect();
        let total = sum_of(by_unit, covered(units, map, code).as_deref());
        (parts, total)
    }
}

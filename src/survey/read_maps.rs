//! Reading the unit tree on a map: which set holds on a day, the units of a set, the map a
//! unit is read on by default, and the unit codes whose answers count for a unit on a map.

use super::baselines::MergedBaselines;
use super::units::{CrosswalkRow, Unit, UnitSet, UnitTree};
use chrono::NaiveDate;
use std::collections::{BTreeSet, HashMap};

/// What scores on a map read: the unit codes whose answers count, and what a reader must know.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RollUp {
    pub codes: Vec<String>,
    pub notes: Vec<String>,
}

impl UnitTree {
    /// The set valid on `day`; `None` when the tree has no sets, or none covers the day.
    pub fn set_on(&self, day: NaiveDate) -> Option<&UnitSet> {
        self.sets.iter().find(|s| s.valid_on(day))
    }

    pub fn set(&self, id: &str) -> Option<&UnitSet> {
        self.sets.iter().find(|s| s.id == id)
    }

    /// Whether answers dated `day` may name this unit. Without sets, every unit always may.
    pub fn valid_on(&self, unit: &Unit, day: NaiveDate) -> bool {
        self.sets.is_empty() || self.set_on(day).is_some_and(|s| unit.sets.contains(&s.id))
    }

    /// The units of one set, in file order; every unit when the tree has no sets.
    pub fn units_of(&self, set: Option<&str>) -> Vec<&Unit> {
        self.units
            .iter()
            .filter(|u| set.is_none_or(|s| u.sets.iter().any(|x| x == s)))
            .collect()
    }

    /// The merged city's 2022 baselines, when `map` is the newest map (the merged city's).
    pub fn merged_baselines_on(&self, map: Option<&str>) -> Option<&MergedBaselines> {
        let newest = self.sets.last()?;
        (map == Some(newest.id.as_str()))
            .then_some(self.merged_baselines.as_ref())
            .flatten()
    }

    /// The newest set a unit belongs to: the map its scores are read on by default.
    pub fn home_set(&self, code: &str) -> Option<&UnitSet> {
        let unit = self.get(code)?;
        self.sets.iter().rev().find(|s| unit.sets.contains(&s.id))
    }

    /// The unit codes whose answers count for `code` read on the map of set `map`.
    pub fn roll_up(&self, code: &str, map: &str) -> RollUp {
        let own: Vec<String> = self.subtree(code);
        let mut codes: BTreeSet<String> = own.iter().cloned().collect();
        let mut notes = Vec::new();
        let name = |c: &str| {
            self.get(c)
                .map(|u| u.name.clone())
                .unwrap_or_else(|| c.into())
        };
        // Older units that went into this map's units.
        for r in self.crosswalk.iter().filter(|r| r.to_set == map) {
            if !own.contains(&r.new) {
                continue;
            }
            if r.whole {
                codes.insert(r.old.clone());
            } else if r.primary {
                codes.insert(r.old.clone());
                notes.push(format!(
                    "{} được chia tách khi sắp xếp; chưa rõ tỷ lệ nên các phiếu của đơn vị này được tính trọn vào {}.",
                    name(&r.old),
                    name(&r.new)
                ));
            }
        }
        // Newer units that lie wholly inside this map's unit.
        let mut formed: HashMap<&str, Vec<&CrosswalkRow>> = HashMap::new();
        for r in self.crosswalk.iter().filter(|r| r.from_set == map) {
            formed.entry(r.new.as_str()).or_default().push(r);
        }
        for (new, parts) in formed {
            if parts.iter().all(|r| r.whole && own.contains(&r.old)) {
                codes.insert(new.to_string());
            }
        }
        RollUp {
            codes: codes.into_iter().collect(),
            notes,
        }
    }
}

//! Administrative units (city → district → commune, departments), as data of any depth.
//!
//! A file is one **unit set**: the units as they were between two dates (Cần Thơ of the 2023
//! plan until 30 June 2025; the merged two-tier city from 1 July 2025). `unit_maps.rs` puts the
//! sets and the crosswalk between them together into one [`UnitTree`].

use super::source::{self, Source};
use super::DefinitionError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent: Option<String>,
    /// phường / xã, for commune-level units where the set says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The national administrative unit code, where the set gives it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gso_code: Option<String>,
    /// Ids of the unit sets this unit belongs to (a department that carried on is in both).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sets: Vec<String>,
}

/// A set of units and the dates it is valid for (either end open).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UnitSet {
    pub id: String,
    pub name: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    #[serde(skip)]
    pub file: String,
}

impl UnitSet {
    pub fn valid_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| f <= day) && self.valid_to.is_none_or(|t| day <= t)
    }

    /// "từ 01/07/2025", "đến 30/06/2025", as a person reads it.
    pub fn period_text(&self) -> String {
        let d = |x: NaiveDate| x.format("%d/%m/%Y").to_string();
        match (self.valid_from, self.valid_to) {
            (Some(f), Some(t)) => format!("{} – {}", d(f), d(t)),
            (Some(f), None) => format!("từ {}", d(f)),
            (None, Some(t)) => format!("đến {}", d(t)),
            (None, None) => "mọi thời điểm".into(),
        }
    }
}

/// One old unit → one new unit it went (wholly or partly) into.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CrosswalkRow {
    pub from_set: String,
    pub to_set: String,
    pub old: String,
    pub new: String,
    /// All of the old unit went into the new one.
    pub whole: bool,
    /// Of a split unit: the new unit that kept the rest (where its answers are counted).
    pub primary: bool,
    /// Share of the old unit that went into the new one, where a source gives it.
    pub share: Option<f64>,
    pub confirmed: bool,
}

/// Every unit of every set (each code once), the sets, and the crosswalk between them.
#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    pub units: Vec<Unit>,
    /// Oldest first. Empty for a single file without a `[set]` table: then every unit is
    /// valid on every day.
    pub sets: Vec<UnitSet>,
    pub crosswalk: Vec<CrosswalkRow>,
    /// 2022 baselines of the merged city (estimates), where the sets come with them.
    pub merged_baselines: Option<super::baselines::MergedBaselines>,
}

impl UnitTree {
    pub fn get(&self, code: &str) -> Option<&Unit> {
        self.units.iter().find(|u| u.code == code)
    }

    /// `code` and every unit below it: scores for a district include its communes.
    pub fn subtree(&self, code: &str) -> Vec<String> {
        let mut out = vec![code.to_string()];
        let mut i = 0;
        while let Some(parent) = out.get(i).cloned() {
            out.extend(
                self.units
                    .iter()
                    .filter(|u| u.parent.as_deref() == Some(parent.as_str()))
                    .map(|u| u.code.clone()),
            );
            i += 1;
        }
        out
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnits {
    set: Option<RawSet>,
    unit: Vec<RawUnit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSet {
    id: String,
    name: String,
    valid_from: Option<Spanned<String>>,
    valid_to: Option<Spanned<String>>,
}

/// A unit as written. Beside the tree, a set may record where each unit came from; those
/// fields are read (so that a misspelt key is an error) and kept in the file for people.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawUnit {
    code: Spanned<String>,
    name: String,
    level: String,
    parent: Option<Spanned<String>>,
    kind: Option<String>,
    gso_code: Option<String>,
    order: Option<u32>,
    area_km2: Option<f64>,
    population: Option<u64>,
    former_province: Option<String>,
    unchanged: Option<bool>,
    formed_from: Option<Vec<String>>,
    /// Codes of the previous set this unit continues (departments merged in 2025).
    from_2023: Option<Vec<String>>,
    from_2023_confirmed: Option<bool>,
    confirmed: Option<bool>,
    note: Option<String>,
    valid_from: Option<String>,
}

/// One set as read from its file: what it is, its units, and the previous units each one
/// continues (`from_2023`).
pub struct ParsedSet {
    pub set: Option<UnitSet>,
    pub units: Vec<Unit>,
    pub continues: Vec<(String, Vec<String>, bool)>,
}

/// One file of units as a tree of its own (no other sets, no crosswalk).
pub fn load_units(path: &Path) -> Result<UnitTree, Vec<DefinitionError>> {
    source::load(path, parse_units)
}

pub fn parse_units(file: &str, text: &str) -> Result<UnitTree, Vec<DefinitionError>> {
    let parsed = parse_set(file, text)?;
    Ok(UnitTree {
        units: parsed.units,
        sets: parsed.set.into_iter().collect(),
        crosswalk: Vec::new(),
        merged_baselines: None,
    })
}

pub fn parse_set(file: &str, text: &str) -> Result<ParsedSet, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawUnits = source.parse()?;
    let mut errors = Vec::new();
    let mut date = |d: &Option<Spanned<String>>, what: &str| -> Option<NaiveDate> {
        let d = d.as_ref()?;
        NaiveDate::parse_from_str(d.get_ref(), "%Y-%m-%d")
            .map_err(|_| {
                errors.push(source.error_at(
                    d,
                    format!("{what} '{}' is not a date written YYYY-MM-DD", d.get_ref()),
                ))
            })
            .ok()
    };
    let set = raw.set.as_ref().map(|s| UnitSet {
        id: s.id.clone(),
        name: s.name.clone(),
        valid_from: date(&s.valid_from, "valid_from"),
        valid_to: date(&s.valid_to, "valid_to"),
        file: file.to_string(),
    });
    if let Some(s) = &set {
        if let (Some(f), Some(t)) = (s.valid_from, s.valid_to) {
            if t < f {
                errors.push(source.error(0, format!("set '{}' ends before it begins", s.id)));
            }
        }
    }
    let mut seen = HashSet::new();
    for u in &raw.unit {
        if !seen.insert(u.code.get_ref().as_str()) {
            errors.push(source.error_at(
                &u.code,
                format!("unit '{}' appears twice", u.code.get_ref()),
            ));
        }
    }
    let parents: HashMap<&str, Option<&str>> = raw
        .unit
        .iter()
        .map(|u| {
            (
                u.code.get_ref().as_str(),
                u.parent.as_ref().map(|p| p.get_ref().as_str()),
            )
        })
        .collect();
    for u in &raw.unit {
        if let Some(p) = &u.parent {
            if !parents.contains_key(p.get_ref().as_str()) {
                errors.push(source.error_at(
                    p,
                    format!(
                        "unit '{}' has unknown parent '{}'",
                        u.code.get_ref(),
                        p.get_ref()
                    ),
                ));
            }
        }
        let mut at = u.parent.as_ref().map(|p| p.get_ref().as_str());
        for _ in 0..=raw.unit.len() {
            match at {
                Some(p) if p == u.code.get_ref() => {
                    errors.push(
                        source.error_at(&u.code, format!("unit '{}' is its own ancestor", p)),
                    );
                    break;
                }
                Some(p) => at = parents.get(p).copied().flatten(),
                None => break,
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let set_id = set.as_ref().map(|s| s.id.clone());
    let continues = raw
        .unit
        .iter()
        .filter_map(|u| {
            let from = u.from_2023.clone()?;
            Some((
                u.code.get_ref().clone(),
                from,
                u.from_2023_confirmed.unwrap_or(false),
            ))
        })
        .collect();
    Ok(ParsedSet {
        set,
        continues,
        units: raw
            .unit
            .into_iter()
            .map(|u| Unit {
                code: u.code.into_inner(),
                name: u.name,
                level: u.level,
                parent: u.parent.map(Spanned::into_inner),
                kind: u.kind,
                gso_code: u.gso_code,
                sets: set_id.iter().cloned().collect(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtree_walks_every_depth() {
        let t = parse_units(
            "u.toml",
            "[[unit]]\ncode='C'\nname='c'\nlevel='city'\n[[unit]]\ncode='D'\nname='d'\nlevel='district'\nparent='C'\n[[unit]]\ncode='W'\nname='w'\nlevel='commune'\nparent='D'\n",
        )
        .unwrap();
        assert_eq!(t.subtree("C"), vec!["C", "D", "W"]);
        assert_eq!(t.subtree("W"), vec!["W"]);
    }

    #[test]
    fn rejects_unknown_parent_with_line() {
        let e = parse_units(
            "u.toml",
            "[[unit]]\ncode='C'\nname='c'\nlevel='city'\nparent='X'\n",
        )
        .unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "u.toml:5: unit 'C' has unknown parent 'X'"
        );
    }
}

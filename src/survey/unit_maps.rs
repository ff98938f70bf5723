//! Maps that change under the data: the unit sets put together, and the crosswalk between
//! them, so that answers keep the unit they were given while scores can be read on either map.
//!
//! - A submission is checked against the set valid on its date.
//! - On the newer map, an old unit's answers count in the new unit it became; a split unit's
//!   answers count whole in the unit that kept the rest of it, and the scores say so (the
//!   shares are not known).
//! - On the older map, a new unit's answers count in an old unit only when every part the new
//!   unit was formed from lay wholly inside that old unit.

pub use super::read_maps::RollUp;
use super::source::{read_definition, Source};
pub use super::units::CrosswalkRow;
use super::units::{parse_set, UnitTree};
use super::DefinitionError;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use toml::Spanned;

/// Folder beside `units.toml` with later unit sets and the crosswalks between sets.
pub const UNITS_DIR: &str = "units";

#[derive(Deserialize)]
struct RawCrosswalk {
    crosswalk: RawHead,
    row: Vec<RawRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHead {
    from: String,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RawRow {
    old_code: Spanned<String>,
    old_name: String,
    new_code: Spanned<String>,
    new_name: String,
    new_gso_code: Option<String>,
    relation: Spanned<String>,
    #[serde(default)]
    primary: bool,
    share: toml::Value,
    share_basis: Option<String>,
    part_area_km2: Option<f64>,
    part_population: Option<u64>,
    via: Option<String>,
    source: Vec<String>,
    confirmed: bool,
    note: Option<String>,
}

/// `units.toml` and every set and crosswalk in `units/`, checked against each other.
pub fn load_unit_maps(dir: &Path) -> Result<UnitTree, Vec<DefinitionError>> {
    let mut files = vec![dir.join(super::UNITS_FILE)];
    if let Ok(entries) = std::fs::read_dir(dir.join(UNITS_DIR)) {
        let mut more: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        more.sort();
        files.extend(more);
    }
    let mut errors = Vec::new();
    let (mut sets, mut crosswalks) = (Vec::new(), Vec::new());
    let mut baselines = None;
    for path in files {
        let (file, text) = match read_definition(&path) {
            Ok(x) => x,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        // A file is a set (it lists units), a crosswalk (it lists rows), or the merged city's
        // baselines (it lists provinces); anything else is left alone.
        let table: toml::Table = match Source::new(&file, &text).parse() {
            Ok(t) => t,
            Err(mut e) => {
                errors.append(&mut e);
                continue;
            }
        };
        let parsed = if table.contains_key("unit") {
            parse_set(&file, &text).map(|s| sets.push(s))
        } else if table.contains_key("crosswalk") {
            parse_crosswalk(&file, &text).map(|c| crosswalks.push((file.clone(), c)))
        } else if table.contains_key("province") {
            super::baselines::parse_baselines(&file, &text).map(|b| baselines = Some(b))
        } else {
            Ok(())
        };
        if let Err(mut e) = parsed {
            errors.append(&mut e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut tree = assemble(sets, crosswalks)?;
    tree.merged_baselines = baselines;
    Ok(tree)
}

fn parse_crosswalk(file: &str, text: &str) -> Result<Vec<CrosswalkRow>, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawCrosswalk = source.parse()?;
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for r in raw.row {
        let whole = match r.relation.get_ref().as_str() {
            "whole" => true,
            "part" => false,
            other => {
                errors.push(source.error_at(
                    &r.relation,
                    format!("relation '{other}' must be \"whole\" or \"part\""),
                ));
                continue;
            }
        };
        let share = match &r.share {
            toml::Value::Float(f) => Some(*f),
            toml::Value::Integer(i) => Some(*i as f64),
            toml::Value::String(s) if s == "unknown" => None,
            other => {
                errors.push(source.error_at(
                    &r.old_code,
                    format!("share {other} must be a number or \"unknown\""),
                ));
                None
            }
        };
        if share.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
            errors.push(source.error_at(&r.old_code, "share must lie between 0 and 1"));
        }
        rows.push(CrosswalkRow {
            from_set: raw.crosswalk.from.clone(),
            to_set: raw.crosswalk.to.clone(),
            old: r.old_code.into_inner(),
            new: r.new_code.into_inner(),
            whole,
            primary: r.primary,
            share,
            confirmed: r.confirmed,
        });
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn assemble(
    sets: Vec<super::units::ParsedSet>,
    crosswalks: Vec<(String, Vec<CrosswalkRow>)>,
) -> Result<UnitTree, Vec<DefinitionError>> {
    let mut errors = Vec::new();
    let err = |file: &str, message: String| DefinitionError {
        file: file.to_string(),
        line: 0,
        message,
    };
    let mut tree = UnitTree::default();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut members: HashMap<String, BTreeSet<String>> = HashMap::new();
    let mut continued = Vec::new();
    for parsed in sets {
        let set_id = parsed.set.as_ref().map(|s| s.id.clone());
        let file = parsed
            .set
            .as_ref()
            .map(|s| s.file.clone())
            .unwrap_or_default();
        if let Some(set) = parsed.set {
            if tree.sets.iter().any(|s| s.id == set.id) {
                errors.push(err(
                    &file,
                    format!("unit set '{}' is defined twice", set.id),
                ));
            }
            tree.sets.push(set);
        }
        for unit in parsed.units {
            if let Some(id) = &set_id {
                members
                    .entry(id.clone())
                    .or_default()
                    .insert(unit.code.clone());
            }
            match index.get(&unit.code).and_then(|&i| tree.units.get_mut(i)) {
                // A unit that carries on into a later set: one unit, in both sets, named as
                // it is now.
                Some(known) => {
                    if known.parent != unit.parent {
                        errors.push(err(
                            &file,
                            format!(
                                "unit '{}' has another parent here than in an earlier set",
                                unit.code
                            ),
                        ));
                    }
                    known.name = unit.name;
                    known.sets.extend(unit.sets);
                }
                None => {
                    index.insert(unit.code.clone(), tree.units.len());
                    tree.units.push(unit);
                }
            }
        }
        if let Some(id) = set_id {
            continued.extend(parsed.continues.into_iter().map(|c| (id.clone(), c)));
        }
    }
    tree.sets.sort_by_key(|s| s.valid_from);
    for pair in tree.sets.windows(2) {
        if let [a, b] = pair {
            let overlaps = match (a.valid_to, b.valid_from) {
                (Some(end), Some(start)) => start <= end,
                _ => true,
            };
            if overlaps {
                errors.push(err(
                    &b.file,
                    format!(
                        "unit sets '{}' and '{}' are valid on the same days",
                        a.id, b.id
                    ),
                ));
            }
        }
    }
    let in_set = |set: &str, code: &str| members.get(set).is_some_and(|m| m.contains(code));
    for (file, rows) in crosswalks {
        for r in &rows {
            for (set, code) in [(&r.from_set, &r.old), (&r.to_set, &r.new)] {
                if !in_set(set, code) {
                    errors.push(err(&file, format!("unit '{code}' is not in set '{set}'")));
                }
            }
        }
        let mut by_old: HashMap<&str, Vec<&CrosswalkRow>> = HashMap::new();
        for r in &rows {
            by_old.entry(r.old.as_str()).or_default().push(r);
        }
        for (old, parts) in &by_old {
            let primaries = parts.iter().filter(|r| r.primary).count();
            if parts.len() > 1 && (parts.iter().any(|r| r.whole) || primaries != 1) {
                errors.push(err(
                    &file,
                    format!("unit '{old}' is split: every row must be a part, exactly one primary"),
                ));
            }
            let total: f64 = parts.iter().filter_map(|r| r.share).sum();
            if total > 1.0 + 1e-9 {
                errors.push(err(
                    &file,
                    format!("the shares of unit '{old}' add up to more than 1"),
                ));
            }
        }
        // Every commune-level unit of the old set must say where it went.
        if let Some(first) = rows.first() {
            for u in tree
                .units
                .iter()
                .filter(|u| u.level == "commune" && u.sets.contains(&first.from_set))
            {
                if !by_old.contains_key(u.code.as_str()) && !in_set(&first.to_set, &u.code) {
                    errors.push(err(
                        &file,
                        format!(
                            "commune-level unit '{}' has no row in the crosswalk",
                            u.code
                        ),
                    ));
                }
            }
        }
        tree.crosswalk.extend(rows);
    }
    // Departments that took over others (2025): their answers carry on too.
    for (set, (new, olds, confirmed)) in continued {
        let from = tree
            .sets
            .iter()
            .rev()
            .skip_while(|s| s.id != set)
            .nth(1)
            .map(|s| s.id.clone());
        let Some(from) = from else { continue };
        for old in olds.into_iter().filter(|o| *o != new) {
            if !in_set(&from, &old) {
                errors.push(err(
                    "units",
                    format!("'{new}' continues unknown unit '{old}'"),
                ));
                continue;
            }
            tree.crosswalk.push(CrosswalkRow {
                from_set: from.clone(),
                to_set: set.clone(),
                old,
                new: new.clone(),
                whole: true,
                primary: false,
                share: None,
                confirmed,
            });
        }
    }
    if errors.is_empty() {
        Ok(tree)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn shipped() -> UnitTree {
        load_unit_maps(&Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys")).unwrap()
    }

    #[test]
    fn the_shipped_sets_meet_on_1_july_2025() {
        let t = shipped();
        let ids: Vec<&str> = t.sets.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["can-tho-2023", "can-tho-2025"]);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(t.set_on(day("2025-06-30")).unwrap().id, "can-tho-2023");
        assert_eq!(t.set_on(day("2025-07-01")).unwrap().id, "can-tho-2025");
        let new = t.units_of(Some("can-tho-2025"));
        assert_eq!(new.iter().filter(|u| u.level == "commune").count(), 103);
        assert_eq!(
            new.iter()
                .filter(|u| u.kind.as_deref() == Some("phường"))
                .count(),
            31
        );
        let ward = t.get("NK-P-CAI-KHE").unwrap();
        assert!(t.valid_on(ward, day("2025-06-30")) && !t.valid_on(ward, day("2025-07-01")));
        let city = t.get("CT").unwrap();
        assert!(t.valid_on(city, day("2022-01-01")) && t.valid_on(city, day("2026-01-01")));
    }

    #[test]
    fn old_answers_roll_up_to_new_units_and_new_ones_to_old_where_wholly_inside() {
        let t = shipped();
        // Cái Khế ward (2025) = An Hòa + Cái Khế + part of Bùi Hữu Nghĩa (2023).
        let r = t.roll_up("P-CAI-KHE", "can-tho-2025");
        assert!(r.codes.contains(&"NK-P-AN-HOA".to_string()));
        assert!(r.codes.contains(&"NK-P-CAI-KHE".to_string()));
        assert!(
            !r.codes.contains(&"BT-P-BUI-HUU-NGHIA".to_string()),
            "the moved part is not the primary one"
        );
        // Bình Thủy ward kept the rest of Bùi Hữu Nghĩa: counted there, and labelled.
        let r = t.roll_up("P-BINH-THUY", "can-tho-2025");
        assert!(r.codes.contains(&"BT-P-BUI-HUU-NGHIA".to_string()));
        assert!(r.notes.iter().any(|n| n.contains("Bùi Hữu Nghĩa")));
        // On the 2023 map, new Cái Khế is not inside any one old ward, but is inside no
        // district either (part of it came from Bình Thủy district).
        let old_ck = t.roll_up("NK-P-CAI-KHE", "can-tho-2023");
        assert_eq!(old_ck.codes, ["NK-P-CAI-KHE"]);
        let nk = t.roll_up("NK", "can-tho-2023");
        assert!(!nk.codes.contains(&"P-CAI-KHE".to_string()));
        // Ninh Kiều ward (2025) was formed wholly from wards of Ninh Kiều district.
        assert!(nk.codes.contains(&"P-NINH-KIEU".to_string()));
    }

    #[test]
    fn a_split_unit_needs_one_primary_part() {
        let set = |id: &str, units: &str| {
            parse_set(
                &format!("{id}.toml"),
                &format!("[set]\nid='{id}'\nname='x'\n{units}"),
            )
            .unwrap()
        };
        let old = set("a", "[[unit]]\ncode='C'\nname='c'\nlevel='city'\n[[unit]]\ncode='W'\nname='w'\nlevel='commune'\nparent='C'\n");
        let new = set("b", "[[unit]]\ncode='C'\nname='c'\nlevel='city'\n[[unit]]\ncode='N1'\nname='n'\nlevel='commune'\nparent='C'\n[[unit]]\ncode='N2'\nname='n'\nlevel='commune'\nparent='C'\n");
        let row = |new: &str, primary: bool| CrosswalkRow {
            from_set: "a".into(),
            to_set: "b".into(),
            old: "W".into(),
            new: new.into(),
            whole: false,
            primary,
            share: None,
            confirmed: true,
        };
        let e = assemble(
            vec![old, new],
            vec![("x.toml".into(), vec![row("N1", false), row("N2", false)])],
        )
        .unwrap_err();
        assert!(
            e.iter().any(|e| e.message.contains("exactly one primary")),
            "{e:?}"
        );
    }
}

//! Administrative units (city → district → commune, departments), as data of any depth.

use super::source::{read_definition, Source};
use super::DefinitionError;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use toml::Spanned;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct UnitTree {
    pub units: Vec<Unit>,
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
    unit: Vec<RawUnit>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUnit {
    code: Spanned<String>,
    name: String,
    level: String,
    parent: Option<Spanned<String>>,
}

pub fn load_units(path: &Path) -> Result<UnitTree, Vec<DefinitionError>> {
    let (file, text) = read_definition(path)?;
    parse_units(&file, &text)
}

pub fn parse_units(file: &str, text: &str) -> Result<UnitTree, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawUnits = source.parse()?;
    let mut errors = Vec::new();
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
    Ok(UnitTree {
        units: raw
            .unit
            .into_iter()
            .map(|u| Unit {
                code: u.code.into_inner(),
                name: u.name,
                level: u.level,
                parent: u.parent.map(Spanned::into_inner),
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

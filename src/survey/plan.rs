//! The city's plan (Kế hoạch 121/KH-UBND, 2023) as data: the lead agencies (cơ quan chủ trì)
//! and the tasks its appendices give them — Phụ lục I (PAR INDEX criteria below the maximum),
//! II (SIPAS) and III (PAPI) — each citing its appendix and row.

use super::source::{read_definition, Source};
pub use super::succession::{task_key, Held, Succession};
use super::DefinitionError;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;
use toml::Spanned;

/// Folder under the survey directory with the plan.
pub const PLAN_DIR: &str = "plan";

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub id: String,
    pub title: String,
    pub source: String,
    pub agencies: Vec<Agency>,
    pub tasks: Vec<Task>,
    /// Who took over an agency's work, and from which period (`[[succession]]`).
    pub successions: Vec<Succession>,
    pub file: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    /// Used in addresses (`/agencies/SNV`); the unit code where the agency is a unit.
    pub code: String,
    pub name: String,
    /// The unit whose users act for this agency (enter its PAR INDEX values).
    pub unit: Option<String>,
    /// The first period the agency exists in, for agencies formed after the plan.
    #[serde(default)]
    pub since: Option<i32>,
    /// Other ways the plan's text writes it ("UBND cấp huyện").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Task {
    /// "I", "II" or "III".
    pub appendix: String,
    /// The row as the appendix numbers it (STT or criterion code).
    pub row: String,
    /// "parindex", "sipas" or "papi".
    pub index: String,
    /// The criterion, element or sub-dimension the task serves.
    pub refers: String,
    pub lead: String,
    pub partners: Option<String>,
    pub when: Option<String>,
    pub text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    id: String,
    title: String,
    source: String,
    #[serde(default)]
    agency: Vec<Spanned<Agency>>,
    #[serde(default)]
    task: Vec<Spanned<RawTask>>,
    #[serde(default)]
    succession: Vec<Spanned<Succession>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTask {
    appendix: String,
    row: String,
    index: String,
    refers: String,
    lead: String,
    partners: Option<String>,
    when: Option<String>,
    text: String,
}

pub const APPENDICES: [&str; 3] = ["I", "II", "III"];
pub const INDICES: [&str; 3] = ["parindex", "sipas", "papi"];

impl Plan {
    pub fn agency(&self, code: &str) -> Option<&Agency> {
        self.agencies.iter().find(|a| a.code == code)
    }

    /// The agencies an owner text names ("Sở Y tế, Sở Giáo dục và Đào tạo"), in order; the
    /// text left over when no agency's name matches it, if any.
    pub fn split_owner<'a>(&'a self, owner: &str) -> (Vec<&'a Agency>, Option<String>) {
        let mut by_length: Vec<(&str, &Agency)> = self
            .agencies
            .iter()
            .flat_map(|a| {
                std::iter::once(a.name.as_str())
                    .chain(a.aliases.iter().map(String::as_str))
                    .map(move |n| (n, a))
            })
            // A blank name (refused on loading) would match everywhere, for ever.
            .filter(|(n, _)| !n.trim().is_empty())
            .collect();
        by_length.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        let mut found: Vec<(usize, &Agency)> = Vec::new();
        let mut rest = owner.to_string();
        for (name, a) in by_length {
            while let Some(at) = rest.find(name) {
                found.push((at, a));
                // Keep positions: blank the name out with as many spaces.
                rest.replace_range(at..at + name.len(), &" ".repeat(name.len()));
            }
        }
        found.sort_by_key(|f| f.0);
        let left = rest.replace([',', ';'], " ");
        let left = left.trim();
        let mut agencies: Vec<&Agency> = Vec::new();
        for (_, a) in found {
            if !agencies.iter().any(|x| x.code == a.code) {
                agencies.push(a);
            }
        }
        (
            agencies,
            (!left.is_empty()).then(|| left.split_whitespace().collect::<Vec<_>>().join(" ")),
        )
    }

    /// The codes of the agencies an owner text names.
    pub fn owner_codes(&self, owner: &str) -> Vec<String> {
        self.split_owner(owner)
            .0
            .iter()
            .map(|a| a.code.clone())
            .collect()
    }

    /// The agency whose unit is `unit`.
    pub fn agency_of_unit(&self, unit: &str) -> Option<&Agency> {
        self.agencies
            .iter()
            .find(|a| a.unit.as_deref() == Some(unit))
    }

    /// The tasks of an agency: those it leads.
    pub fn tasks_of(&self, code: &str) -> Vec<&Task> {
        self.tasks
            .iter()
            .filter(|t| self.owner_codes(&t.lead).iter().any(|c| c == code))
            .collect()
    }
}

pub fn load_plan(path: &Path) -> Result<Plan, Vec<DefinitionError>> {
    let (file, text) = read_definition(path)?;
    parse_plan(&file, &text)
}

pub fn parse_plan(file: &str, text: &str) -> Result<Plan, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawPlan = source.parse()?;
    let mut errors = Vec::new();
    let mut codes = HashSet::new();
    for a in &raw.agency {
        let at = a.span().start;
        let a = a.get_ref();
        if !codes.insert(a.code.clone()) {
            errors.push(source.error(at, format!("agency '{}' appears twice", a.code)));
        }
        if a.code.is_empty()
            || !a
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            errors.push(source.error(
                at,
                format!(
                    "agency code '{}' must be letters, digits, '-' or '_'",
                    a.code
                ),
            ));
        }
        // Owner texts are searched for every name: a blank one would match everywhere.
        if std::iter::once(&a.name)
            .chain(&a.aliases)
            .any(|n| n.trim().is_empty())
        {
            errors.push(source.error(at, format!("agency '{}': a name or alias is blank", a.code)));
        }
    }
    let plan = Plan {
        id: raw.id,
        title: raw.title,
        source: raw.source,
        agencies: raw.agency.into_iter().map(|a| a.into_inner()).collect(),
        tasks: Vec::new(),
        successions: Vec::new(),
        file: file.to_string(),
    };
    let mut tasks = Vec::new();
    for t in raw.task {
        let at = t.span().start;
        let t = t.into_inner();
        if !APPENDICES.contains(&t.appendix.as_str()) {
            errors.push(source.error(
                at,
                format!(
                    "task row {}: appendix '{}' is not I, II or III",
                    t.row, t.appendix
                ),
            ));
        }
        if !INDICES.contains(&t.index.as_str()) {
            errors.push(source.error(
                at,
                format!(
                    "task row {}: index '{}' is not one of {}",
                    t.row,
                    t.index,
                    INDICES.join(", ")
                ),
            ));
        }
        if t.text.trim().is_empty() {
            errors.push(source.error(at, format!("task row {} has no text", t.row)));
        }
        let (leads, left) = plan.split_owner(&t.lead);
        if leads.is_empty() || left.is_some() {
            errors.push(source.error(
                at,
                format!(
                    "task row {}: lead '{}' names no agency of the plan{}",
                    t.row,
                    t.lead,
                    left.map(|l| format!(" ('{l}' is unknown)"))
                        .unwrap_or_default()
                ),
            ));
        }
        tasks.push(Task {
            appendix: t.appendix,
            row: t.row,
            index: t.index,
            refers: t.refers,
            lead: t.lead,
            partners: t.partners,
            when: t.when,
            text: t.text.trim().to_string(),
        });
    }
    let plan = Plan { tasks, ..plan };
    errors.extend(super::succession::check(&plan, &raw.succession, &source));
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Plan {
        successions: raw.succession.into_iter().map(|s| s.into_inner()).collect(),
        ..plan
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = r#"
id = "p"
title = "Kế hoạch"
source = "bản quét"
[[agency]]
code = "SVHTTDL"
name = "Sở Văn hóa, Thể thao và Du lịch"
[[agency]]
code = "SYT"
name = "Sở Y tế"
unit = "SYT"
[[agency]]
code = "UBND-HX"
name = "UBND cấp huyện, cấp xã"
[[task]]
appendix = "II"
row = "1"
index = "sipas"
refers = "E1"
lead = "Sở Y tế"
text = "Niêm yết thủ tục."
"#;

    #[test]
    fn owners_split_into_agencies_even_where_a_name_holds_a_comma() {
        let p = parse_plan("p.toml", PLAN).unwrap();
        assert_eq!(
            p.owner_codes("Sở Y tế, Sở Văn hóa, Thể thao và Du lịch, UBND cấp huyện, cấp xã"),
            ["SYT", "SVHTTDL", "UBND-HX"]
        );
        let (a, left) = p.split_owner("Sở Y tế, Sở Ngoại vụ");
        assert_eq!(a.len(), 1);
        assert_eq!(left.as_deref(), Some("Sở Ngoại vụ"));
        assert_eq!(p.tasks_of("SYT").len(), 1);
        assert_eq!(
            p.agency_of_unit("SYT").map(|a| a.code.as_str()),
            Some("SYT")
        );
    }

    #[test]
    fn a_task_led_by_an_unknown_agency_is_refused_at_its_line() {
        let bad = PLAN.replace("lead = \"Sở Y tế\"", "lead = \"Sở Ngoại vụ\"");
        let e = parse_plan("p.toml", &bad).unwrap_err();
        assert!(
            e.iter()
                .any(|e| e.message.contains("'Sở Ngoại vụ' is unknown") && e.line > 10),
            "{e:?}"
        );
        let bad = PLAN.replace("appendix = \"II\"", "appendix = \"IV\"");
        assert!(parse_plan("p.toml", &bad).is_err());
    }

    #[test]
    fn a_blank_agency_name_or_alias_is_refused() {
        for bad in [
            PLAN.replace("name = \"Sở Y tế\"", "name = \"\""),
            PLAN.replace(
                "name = \"Sở Y tế\"",
                "name = \"Sở Y tế\"\naliases = [\"  \"]",
            ),
        ] {
            let e = parse_plan("p.toml", &bad).unwrap_err();
            assert!(
                e.iter()
                    .any(|e| e.message.contains("'SYT': a name or alias is blank")),
                "{e:?}"
            );
        }
    }
}

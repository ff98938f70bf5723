//! TOML → [`Survey`]: reads definition files and runs the checking stages in order (questions,
//! rank table, index tree), rejecting bad definitions with `file:line: message`.

use super::check::Checker;
use super::questions::Question;
use super::ranks::read_rank_table;
use super::raw::RawSurvey;
use super::source::{self, DefinitionError, Source};
use super::{Pooling, Survey};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Every instrument found in a directory, by id.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub surveys: BTreeMap<String, Survey>,
}

impl Catalog {
    pub fn get(&self, id: &str) -> Option<&Survey> {
        self.surveys.get(id)
    }
}

/// Files in a survey directory that are not instruments.
pub const UNITS_FILE: &str = "units.toml";

/// Loads every `*.toml` instrument in `dir`; collects all errors rather than stopping at the first.
pub fn load_dir(dir: &Path) -> Result<Catalog, Vec<DefinitionError>> {
    let read_err = |message: String| DefinitionError {
        file: dir.display().to_string(),
        line: 0,
        message,
    };
    let entries = std::fs::read_dir(dir)
        .map_err(|e| vec![read_err(format!("cannot read survey directory: {e}"))])?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| p.file_name().is_some_and(|n| n != UNITS_FILE))
        .collect();
    paths.sort();
    let mut catalog = Catalog::default();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for path in paths {
        match load_file(&path) {
            Ok(survey) => {
                if let Some(other) = seen.insert(survey.id.clone(), survey.file.clone()) {
                    errors.push(DefinitionError {
                        file: survey.file.clone(),
                        line: 1,
                        message: format!("survey id '{}' is also used by {other}", survey.id),
                    });
                }
                catalog.surveys.insert(survey.id.clone(), survey);
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    errors.extend(super::versions::check_catalog(&catalog));
    if errors.is_empty() {
        Ok(catalog)
    } else {
        Err(errors)
    }
}

pub fn load_file(path: &Path) -> Result<Survey, Vec<DefinitionError>> {
    source::load(path, parse)
}

/// Parses and checks one definition; `file` only names it in messages.
pub fn parse(file: &str, text: &str) -> Result<Survey, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawSurvey = source.parse()?;
    let mut checker = Checker::new(&source);
    let survey = checker.build(raw);
    checker.finish(survey)
}

impl Checker<'_> {
    fn build(&mut self, raw: RawSurvey) -> Survey {
        let scales = self.scales(&raw.scales);
        let groups = self.choices(&raw.groups, "respondent group");
        let mut codes: HashMap<String, Question> = HashMap::new();
        let background = self.background(&raw.background, &mut codes);
        let sections = self.sections(&raw.sections, &scales, &mut codes);
        let open = self.open(&raw.open, &mut codes);
        self.conditions(&raw, &codes);
        let pooling = match raw.pooling.as_ref().map(|p| p.get_ref().as_str()) {
            None | Some("pooled") => Pooling::Pooled,
            Some("mean_of_groups") => Pooling::MeanOfGroups,
            Some(other) => {
                let at = raw.pooling.as_ref().unwrap_or(&raw.id);
                self.err(
                    at,
                    format!("pooling '{other}' is not 'pooled' or 'mean_of_groups'"),
                );
                Pooling::Pooled
            }
        };
        if pooling == Pooling::MeanOfGroups && raw.groups.is_empty() {
            self.err(&raw.id, "pooling = \"mean_of_groups\" needs [[groups]]");
        }
        let rank_table = raw.rank_table.as_ref().and_then(|t| {
            let column = raw.rank_column.as_deref().unwrap_or("total");
            let exclude = raw.rank_exclude.as_deref();
            match read_rank_table(self.source.file, t.get_ref(), column, exclude) {
                Ok(table) => Some(table),
                Err(message) => {
                    self.err(t, message);
                    None
                }
            }
        });
        let top20 = raw.top20.as_ref().map(|t| {
            let r = t.get_ref();
            let threshold = match (r.threshold_low, r.threshold_high) {
                (Some(l), Some(h)) if l <= h => Some((l, h)),
                (None, None) => None,
                _ => {
                    self.err(
                        t,
                        "top20: threshold_low and threshold_high go together, low ≤ high",
                    );
                    None
                }
            };
            if r.movement.is_some() && rank_table.is_none() {
                self.err(
                    t,
                    "top20: movement needs a rank_table of the other provinces",
                );
            }
            if r.movement.is_some_and(|m| m.is_nan() || m < 0.0) {
                self.err(t, "top20: movement must be 0 or more");
            }
            if r.note.trim().is_empty() {
                self.err(t, "top20: note must say where the figures come from");
            }
            crate::survey::Top20Setting {
                threshold,
                movement: r.movement,
                rank: r.rank.unwrap_or(20).max(1),
                note: r.note.trim().to_string(),
                note_en: r.note_en.as_deref().map(str::trim).map(str::to_string),
                against: None,
            }
        });
        let index = self.index(&raw.index, &raw.sections);
        if raw.sections.iter().all(|s| s.items.is_empty()) {
            self.err(&raw.id, "the survey has no items");
        }
        let ended_groups = self.ended_groups(&raw);
        let interview = match &raw.mode {
            None => false,
            Some(m) if m.get_ref() == "interview" => true,
            Some(m) => {
                self.err(m, "mode must be \"interview\" (or left out)");
                false
            }
        };
        let digest = Sha256::digest(self.source.text.as_bytes());
        Survey {
            id: raw.id.get_ref().clone(),
            version: hex::encode(digest.get(..6).unwrap_or_default()),
            title: raw.title,
            title_en: raw.title_en,
            instrument: raw.instrument,
            intro: raw.intro,
            intro_online: raw.intro_online,
            thanks: raw.thanks,
            scales,
            background,
            sections,
            groups,
            pooling,
            open,
            index,
            rank_table,
            count_single_keyed: raw.count_single_keyed,
            interview,
            top20,
            supersedes: raw.supersedes.map(|s| s.into_inner()),
            ended_groups,
            file: self.source.file.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::fixture::{errors, GOOD};
    use rust_decimal::Decimal;

    #[test]
    fn accepts_a_good_definition() {
        let s = parse("t.toml", GOOD).unwrap();
        assert_eq!(s.node("E").unwrap().baseline, Some(Decimal::new(8024, 2)));
        assert_eq!(s.node("ROOT").unwrap().children, vec!["E".to_string()]);
        assert_eq!(s.version.len(), 12);
    }

    #[test]
    fn reports_toml_syntax_errors_with_line() {
        let e = errors("id = \"x\"\ntitle = \n");
        assert!(e[0].starts_with("t.toml:2:"), "{e:?}");
    }
}

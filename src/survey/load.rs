//! TOML → [`Survey`], rejecting bad definitions with `file:line: message`.

use super::decimal::RawNumber;
use super::ranks::read_rank_table;
use super::raw::{
    RawBackground, RawChoice, RawCondition, RawOpen, RawScale, RawSection, RawSurvey,
};
use super::source::{read_definition, DefinitionError, Source};
use super::{
    Background, Choice, Condition, Item, OpenQuestion, Pooling, Scale, ScaleValue, Section, Survey,
};
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use toml::Spanned;

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
    if errors.is_empty() {
        Ok(catalog)
    } else {
        Err(errors)
    }
}

pub fn load_file(path: &Path) -> Result<Survey, Vec<DefinitionError>> {
    let (file, text) = read_definition(path)?;
    parse(&file, &text)
}

/// Parses and checks one definition; `file` only names it in messages.
pub fn parse(file: &str, text: &str) -> Result<Survey, Vec<DefinitionError>> {
    let source = Source::new(file, text);
    let raw: RawSurvey = source.parse()?;
    let mut checker = Checker {
        source: &source,
        errors: Vec::new(),
    };
    let survey = checker.build(raw);
    if checker.errors.is_empty() {
        Ok(survey)
    } else {
        Err(checker.errors)
    }
}

/// Turns a raw definition into a [`Survey`], collecting every problem on the way rather than
/// stopping at the first.
pub(super) struct Checker<'a> {
    source: &'a Source<'a>,
    errors: Vec<DefinitionError>,
}

impl Checker<'_> {
    pub(super) fn err<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.errors.push(self.source.error_at(at, message));
    }

    pub(super) fn decimal(&mut self, raw: &Spanned<RawNumber>, what: &str) -> Option<Decimal> {
        let d = raw.get_ref().decimal();
        if d.is_none() {
            self.err(raw, format!("{what} is not a number"));
        }
        d
    }

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
        let index = self.index(&raw.index, &raw.sections);
        if raw.sections.iter().all(|s| s.items.is_empty()) {
            self.err(&raw.id, "the survey has no items");
        }
        let digest = Sha256::digest(self.source.text.as_bytes());
        Survey {
            id: raw.id.get_ref().clone(),
            version: hex::encode(&digest[..6]),
            title: raw.title,
            title_en: raw.title_en,
            instrument: raw.instrument,
            intro: raw.intro,
            thanks: raw.thanks,
            scales,
            background,
            sections,
            groups,
            pooling,
            open,
            index,
            rank_table,
            file: self.source.file.to_string(),
        }
    }

    fn open(
        &mut self,
        raw: &[RawOpen],
        codes: &mut HashMap<String, Question>,
    ) -> Vec<OpenQuestion> {
        raw.iter()
            .map(|o| {
                self.claim(
                    codes,
                    &o.code,
                    Question {
                        allowed: Vec::new(),
                    },
                );
                OpenQuestion {
                    code: o.code.get_ref().clone(),
                    text: o.text.clone(),
                    max_length: o.max_length.unwrap_or(1000),
                }
            })
            .collect()
    }

    fn scales(&mut self, raw: &[RawScale]) -> BTreeMap<String, Scale> {
        let mut scales = BTreeMap::new();
        for s in raw {
            let code = s.code.get_ref().clone();
            if scales.contains_key(&code) {
                self.err(&s.code, format!("scale '{code}' is defined twice"));
                continue;
            }
            let mut values = Vec::new();
            let mut seen = HashSet::new();
            for v in &s.values {
                let n = *v.value.get_ref();
                let Ok(value) = i16::try_from(n) else {
                    self.err(
                        &v.value,
                        format!("scale '{code}': value {n} is out of range"),
                    );
                    continue;
                };
                // Negative values are reserved: counts store "no opinion" as -1.
                if value < 0 {
                    self.err(
                        &v.value,
                        format!("scale '{code}': value {n} must not be negative"),
                    );
                }
                if !seen.insert(value) {
                    self.err(&v.value, format!("scale '{code}': value {n} appears twice"));
                }
                let score = match &v.score {
                    None => None,
                    Some(raw) => match self.decimal(raw, "score") {
                        Some(d) if d >= Decimal::ZERO && d <= Decimal::ONE => Some(d),
                        Some(d) => {
                            self.err(
                                raw,
                                format!("scale '{code}': score {d} of value {n} is outside [0, 1]"),
                            );
                            None
                        }
                        None => None,
                    },
                };
                values.push(ScaleValue {
                    value,
                    label: v.label.clone(),
                    label_en: v.label_en.clone(),
                    score,
                });
            }
            if values.is_empty() {
                self.err(&s.code, format!("scale '{code}' has no values"));
            }
            scales.insert(
                code.clone(),
                Scale {
                    code,
                    values,
                    no_opinion: s.no_opinion.clone(),
                },
            );
        }
        scales
    }

    fn choices(&mut self, raw: &[RawChoice], what: &str) -> Vec<Choice> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for c in raw {
            if !seen.insert(c.code.get_ref().clone()) {
                self.err(
                    &c.code,
                    format!("{what} '{}' appears twice", c.code.get_ref()),
                );
            }
            out.push(Choice {
                code: c.code.get_ref().clone(),
                label: c.label.clone(),
            });
        }
        out
    }

    fn claim(
        &mut self,
        codes: &mut HashMap<String, Question>,
        code: &Spanned<String>,
        q: Question,
    ) {
        let text = code.get_ref();
        // Codes name JSON fields, CSV columns and form fields, and the recount reads them
        // back joined with ':' and ';': plain characters only.
        if text.is_empty()
            || !text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            self.err(
                code,
                format!("question code '{text}' may only hold letters, digits, '.', '_' and '-'"),
            );
        }
        if codes.insert(text.clone(), q).is_some() {
            self.err(code, format!("question code '{text}' is used twice"));
        }
    }

    fn background(
        &mut self,
        raw: &[RawBackground],
        codes: &mut HashMap<String, Question>,
    ) -> Vec<Background> {
        let mut out = Vec::new();
        for b in raw {
            let options = self.choices(&b.options, &format!("option of '{}'", b.code.get_ref()));
            if options.is_empty() {
                self.err(
                    &b.code,
                    format!("background question '{}' has no options", b.code.get_ref()),
                );
            }
            let allowed = options.iter().map(|o| o.code.clone()).collect();
            self.claim(codes, &b.code, Question { allowed });
            out.push(Background {
                code: b.code.get_ref().clone(),
                text: b.text.clone(),
                options,
                required: b.required,
                show_if: b.show_if.as_ref().map(condition),
            });
        }
        out
    }

    fn sections(
        &mut self,
        raw: &[RawSection],
        scales: &BTreeMap<String, Scale>,
        codes: &mut HashMap<String, Question>,
    ) -> Vec<Section> {
        let mut section_codes = HashSet::new();
        let mut out = Vec::new();
        for s in raw {
            if !section_codes.insert(s.code.get_ref().clone()) {
                self.err(
                    &s.code,
                    format!("section '{}' appears twice", s.code.get_ref()),
                );
            }
            let mut items = Vec::new();
            for i in &s.items {
                let allowed = match scales.get(i.scale.get_ref()) {
                    Some(scale) => scale.values.iter().map(|v| v.value.to_string()).collect(),
                    None => {
                        self.err(
                            &i.scale,
                            format!(
                                "item '{}' uses unknown scale '{}'",
                                i.code.get_ref(),
                                i.scale.get_ref()
                            ),
                        );
                        Vec::new()
                    }
                };
                self.claim(codes, &i.code, Question { allowed });
                items.push(Item {
                    code: i.code.get_ref().clone(),
                    text: i.text.clone(),
                    text_en: i.text_en.clone(),
                    scale: i.scale.get_ref().clone(),
                    required: i.required,
                    show_if: i.show_if.as_ref().map(condition),
                });
            }
            out.push(Section {
                code: s.code.get_ref().clone(),
                title: s.title.clone(),
                items,
            });
        }
        out
    }

    fn conditions(&mut self, raw: &RawSurvey, codes: &HashMap<String, Question>) {
        let conds = raw
            .background
            .iter()
            .filter_map(|b| b.show_if.as_ref().map(|c| (b.code.get_ref(), c)))
            .chain(raw.sections.iter().flat_map(|s| {
                s.items
                    .iter()
                    .filter_map(|i| i.show_if.as_ref().map(|c| (i.code.get_ref(), c)))
            }))
            .chain(
                raw.index
                    .iter()
                    .filter_map(|n| n.count_if.as_ref().map(|c| (n.code.get_ref(), c))),
            );
        for (owner, c) in conds {
            let target = c.code.get_ref();
            match codes.get(target) {
                None => self.err(
                    &c.code,
                    format!("condition of '{owner}' refers to unknown question '{target}'"),
                ),
                Some(_) if target == owner => {
                    self.err(&c.code, format!("'{owner}' cannot depend on itself"))
                }
                Some(q) => {
                    for v in &c.values {
                        let v = value_text(v);
                        if !q.allowed.contains(&v) {
                            self.err(
                                &c.code,
                                format!(
                                    "condition of '{owner}': '{v}' is not an answer of '{target}'"
                                ),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// What a condition may compare against: the answers a question allows, as text.
struct Question {
    allowed: Vec<String>,
}

fn value_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) fn condition(c: &RawCondition) -> Condition {
    Condition {
        code: c.code.get_ref().clone(),
        values: c.values.iter().map(value_text).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::fixture::{errors, GOOD};

    #[test]
    fn accepts_a_good_definition() {
        let s = parse("t.toml", GOOD).unwrap();
        assert_eq!(s.node("E").unwrap().baseline, Some(Decimal::new(8024, 2)));
        assert_eq!(s.node("ROOT").unwrap().children, vec!["E".to_string()]);
        assert_eq!(s.version.len(), 12);
    }

    #[test]
    fn rejects_item_codes_with_separators() {
        let bad = GOOD.replace("code = \"A2\"", "code = \"A,2\"");
        let e = errors(&bad);
        assert!(
            e.iter()
                .any(|m| m
                    .starts_with("t.toml:24: question code 'A,2' may only hold letters, digits")),
            "{e:?}"
        );
    }

    #[test]
    fn rejects_duplicate_item_codes_with_line() {
        let bad = GOOD.replace("code = \"A2\"", "code = \"A1\"");
        let e = errors(&bad);
        assert!(
            e.iter()
                .any(|m| m.starts_with("t.toml:24: question code 'A1' is used twice")),
            "{e:?}"
        );
    }

    #[test]
    fn rejects_unknown_scale() {
        let bad = GOOD.replacen("scale = \"s\"", "scale = \"zz\"", 1);
        assert!(errors(&bad)
            .iter()
            .any(|m| m.contains("unknown scale 'zz'")));
    }

    #[test]
    fn rejects_condition_on_unknown_item() {
        let bad = GOOD.replace("code = \"A1\", in", "code = \"A9\", in");
        assert!(errors(&bad)
            .iter()
            .any(|m| m.contains("unknown question 'A9'")));
    }

    #[test]
    fn rejects_score_outside_unit_interval() {
        let bad = GOOD.replace("score = 1 }", "score = 1.5 }");
        assert!(errors(&bad).iter().any(|m| m.contains("outside [0, 1]")));
    }

    #[test]
    fn reports_toml_syntax_errors_with_line() {
        let e = errors("id = \"x\"\ntitle = \n");
        assert!(e[0].starts_with("t.toml:2:"), "{e:?}");
    }
}

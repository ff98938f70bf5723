//! What a survey asks and how it may be answered: scales, respondent groups, background and
//! open questions, sections of items, the question codes they claim, and the conditions that
//! show a question or count its answers.

use super::check::Checker;
use super::raw::{
    RawBackground, RawChoice, RawCondition, RawOpen, RawScale, RawSection, RawSurvey,
};
use super::{Background, Choice, Condition, Item, OpenQuestion, Scale, ScaleValue, Section};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};
use toml::Spanned;

impl Checker<'_> {
    pub(super) fn open(
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

    pub(super) fn scales(&mut self, raw: &[RawScale]) -> BTreeMap<String, Scale> {
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

    pub(super) fn choices(&mut self, raw: &[RawChoice], what: &str) -> Vec<Choice> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for c in raw {
            self.once(&mut seen, &c.code, what);
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

    pub(super) fn background(
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

    pub(super) fn sections(
        &mut self,
        raw: &[RawSection],
        scales: &BTreeMap<String, Scale>,
        codes: &mut HashMap<String, Question>,
    ) -> Vec<Section> {
        let mut section_codes = HashSet::new();
        let mut out = Vec::new();
        for s in raw {
            self.once(&mut section_codes, &s.code, "section");
            let mut items = Vec::new();
            for i in &s.items {
                let allowed = match scales.get(i.scale.get_ref()) {
                    Some(scale) => scale.value_texts(),
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

    pub(super) fn conditions(&mut self, raw: &RawSurvey, codes: &HashMap<String, Question>) {
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
pub(super) struct Question {
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
    use crate::survey::fixture::assert_refused;

    #[test]
    fn rejects_item_codes_with_separators() {
        assert_refused(
            "code = \"A2\"",
            "code = \"A,2\"",
            "t.toml:24: question code 'A,2' may only hold letters, digits",
        );
    }

    #[test]
    fn rejects_duplicate_item_codes_with_line() {
        assert_refused(
            "code = \"A2\"",
            "code = \"A1\"",
            "t.toml:24: question code 'A1' is used twice",
        );
    }

    #[test]
    fn rejects_unknown_scale() {
        assert_refused("scale = \"s\"", "scale = \"zz\"", "unknown scale 'zz'");
    }

    #[test]
    fn rejects_condition_on_unknown_item() {
        assert_refused(
            "code = \"A1\", in",
            "code = \"A9\", in",
            "unknown question 'A9'",
        );
    }

    #[test]
    fn rejects_score_outside_unit_interval() {
        assert_refused("score = 1 }", "score = 1.5 }", "outside [0, 1]");
    }
}

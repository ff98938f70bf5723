//! A survey as it is laid out on paper: numbered fields, each with the codes written beside
//! its boxes. The printed form and the keying screen are both drawn from this, so paper and
//! screen cannot drift apart; keyed codes turn into a [`RawSubmission`] here too.

use super::{Condition, Survey};
use crate::text::Text;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What a keyer types for "not answered" (the box left empty on paper).
pub const NOT_ANSWERED: &str = "0";

/// One field of the paper form, in the paper's order.
#[derive(Debug, Clone, PartialEq)]
pub struct PaperField {
    /// The form field's name on the keying screen: `group`, `bg.CODE`, `q.CODE`, `c.CODE`.
    pub name: String,
    /// Position on the paper, from 1.
    pub number: usize,
    /// What the paper prints before the question: the item code ("E1.1", "C8.4") — the same
    /// name the CSV files use — or T1… for background questions, Y1… for comments.
    pub label: String,
    /// The section heading it falls under, if any.
    pub section: Option<String>,
    pub text: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Asked only when another field was keyed with one of these codes.
    pub show_if: Option<KeyedCondition>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    /// Boxes with codes: one keystroke per answer (two where a list runs past 9).
    Codes(Vec<Code>),
    /// Free text, written on lines.
    Text { max_length: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Code {
    /// What is printed beside the box and typed.
    pub key: String,
    pub label: String,
    /// What is stored: a scale value, an option code, or nothing ("no opinion").
    pub stored: Stored,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Value(i16),
    Option(String),
    NoOpinion,
}

/// "Only when field `name` was keyed with one of `keys`", in the keys the paper prints.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyedCondition {
    pub name: String,
    pub label: String,
    pub keys: Vec<String>,
}

/// The code printed for "no opinion": 9 unless the scale uses 9 itself, then the highest free
/// digit. 0 is never used: it is "not answered".
pub fn no_opinion_key(values: &[i16]) -> Option<i16> {
    (1..=9).rev().find(|d| !values.contains(d))
}

/// The survey's paper layout: respondent group, background questions, items by section,
/// then open questions.
pub fn layout(survey: &Survey) -> Vec<PaperField> {
    let mut fields: Vec<PaperField> = Vec::new();
    let mut push = |mut f: PaperField| {
        f.number = fields.len() + 1;
        fields.push(f);
    };
    if !survey.groups.is_empty() {
        push(PaperField {
            name: "group".into(),
            number: 0,
            label: "N".into(),
            section: None,
            text: "Nhóm người trả lời".into(),
            kind: numbered(
                survey
                    .groups
                    .iter()
                    .map(|g| (g.code.clone(), g.label.clone())),
            ),
            required: true,
            show_if: None,
        });
    }
    for (i, b) in survey.background.iter().enumerate() {
        push(PaperField {
            name: format!("bg.{}", b.code),
            number: 0,
            label: format!("T{}", i + 1),
            section: Some("Thông tin người trả lời".into()),
            text: b.text.clone(),
            kind: numbered(b.options.iter().map(|o| (o.code.clone(), o.label.clone()))),
            required: b.required,
            show_if: None,
        });
    }
    for section in &survey.sections {
        for item in &section.items {
            let codes = survey
                .scale_of(item)
                .map(|scale| {
                    let values: Vec<i16> = scale.values.iter().map(|v| v.value).collect();
                    let mut codes: Vec<Code> = scale
                        .values
                        .iter()
                        .map(|v| Code {
                            key: v.value.to_string(),
                            label: v.label.clone(),
                            stored: Stored::Value(v.value),
                        })
                        .collect();
                    if let (Some(label), Some(key)) = (&scale.no_opinion, no_opinion_key(&values)) {
                        codes.push(Code {
                            key: key.to_string(),
                            label: label.clone(),
                            stored: Stored::NoOpinion,
                        });
                    }
                    codes
                })
                .unwrap_or_default();
            push(PaperField {
                name: format!("q.{}", item.code),
                number: 0,
                label: item.code.clone(),
                section: Some(section.title.clone()),
                text: item.text.clone(),
                kind: FieldKind::Codes(codes),
                required: item.required,
                show_if: None,
            });
        }
    }
    for (i, o) in survey.open.iter().enumerate() {
        push(PaperField {
            name: format!("c.{}", o.code),
            number: 0,
            label: format!("Y{}", i + 1),
            section: Some("Ý kiến khác".into()),
            text: o.text.clone(),
            kind: FieldKind::Text {
                max_length: o.max_length,
            },
            required: false,
            show_if: None,
        });
    }
    // Conditions refer to stored values; the paper names the field's number and its keys.
    let conditions: Vec<Option<KeyedCondition>> = fields
        .iter()
        .map(|f| condition_of(survey, f).and_then(|c| keyed(&fields, c)))
        .collect();
    for (f, c) in fields.iter_mut().zip(conditions) {
        f.show_if = c;
    }
    fields
}

fn numbered(options: impl Iterator<Item = (String, String)>) -> FieldKind {
    FieldKind::Codes(
        options
            .enumerate()
            .map(|(i, (code, label))| Code {
                key: (i + 1).to_string(),
                label,
                stored: Stored::Option(code),
            })
            .collect(),
    )
}

fn condition_of<'a>(survey: &'a Survey, f: &PaperField) -> Option<&'a Condition> {
    if let Some(code) = f.name.strip_prefix("q.") {
        return survey.item(code).and_then(|i| i.show_if.as_ref());
    }
    if let Some(code) = f.name.strip_prefix("bg.") {
        return survey
            .background
            .iter()
            .find(|b| b.code == code)
            .and_then(|b| b.show_if.as_ref());
    }
    None
}

fn keyed(fields: &[PaperField], c: &Condition) -> Option<KeyedCondition> {
    let target = fields
        .iter()
        .find(|f| f.name == format!("q.{}", c.code) || f.name == format!("bg.{}", c.code))?;
    let FieldKind::Codes(codes) = &target.kind else {
        return None;
    };
    let keys = codes
        .iter()
        .filter(|code| match &code.stored {
            Stored::Value(v) => c.values.contains(&v.to_string()),
            Stored::Option(o) => c.values.contains(o),
            Stored::NoOpinion => false,
        })
        .map(|code| code.key.clone())
        .collect();
    Some(KeyedCondition {
        name: target.name.clone(),
        label: target.label.clone(),
        keys,
    })
}

/// What was keyed for one form: field name → the code or text typed ("" or "0" = not
/// answered). Kept as typed, so two keyings compare field by field.
pub type Keyed = BTreeMap<String, String>;

/// A keyed field the paper does not allow, named by its number as the keyer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyError {
    pub name: String,
    pub message: Text,
}

impl PaperField {
    /// Whether this field is asked, given what was keyed before it.
    pub fn asked(&self, keyed: &Keyed) -> bool {
        self.show_if.as_ref().is_none_or(|c| {
            keyed
                .get(&c.name)
                .is_some_and(|k| c.keys.iter().any(|x| x == k.trim()))
        })
    }

    /// The code keyed for this field, when it is one of the printed ones.
    pub fn code(&self, key: &str) -> Option<&Code> {
        match &self.kind {
            FieldKind::Codes(codes) => codes.iter().find(|c| c.key == key),
            FieldKind::Text { .. } => None,
        }
    }

    /// The codes printed beside the boxes, as the paper and the screen write them.
    pub fn keys(&self) -> String {
        match &self.kind {
            FieldKind::Codes(codes) => codes
                .iter()
                .map(|c| c.key.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            FieldKind::Text { .. } => String::new(),
        }
    }
}

/// Whether a keyed value means "left empty on paper".
pub fn is_blank(key: &str) -> bool {
    let k = key.trim();
    k.is_empty() || k == NOT_ANSWERED
}

/// Checks keyed codes against the paper and keeps only what is asked: every error, in the
/// paper's order, so the screen can mark each field at once.
pub fn check(fields: &[PaperField], keyed: &Keyed) -> Result<Keyed, Vec<KeyError>> {
    let mut clean = Keyed::new();
    let mut errors = Vec::new();
    for f in fields {
        let key = keyed.get(&f.name).map(|k| k.trim()).unwrap_or("");
        if !f.asked(&clean) {
            continue;
        }
        match &f.kind {
            FieldKind::Codes(_) if is_blank(key) => {
                if f.required {
                    errors.push(KeyError {
                        name: f.name.clone(),
                        message: Text::new(
                            format!("Câu {}: bắt buộc, hãy gõ một mã ({})", f.number, f.keys()),
                            format!(
                                "Question {}: required, type a code ({})",
                                f.number,
                                f.keys()
                            ),
                        ),
                    });
                }
            }
            FieldKind::Codes(_) => {
                if f.code(key).is_some() {
                    clean.insert(f.name.clone(), key.to_string());
                } else {
                    errors.push(KeyError {
                        name: f.name.clone(),
                        message: Text::new(
                            format!(
                                "{}: “{key}” không phải mã trên phiếu; mã hợp lệ: {}, {NOT_ANSWERED} = để trống",
                                f.label,
                                f.keys()
                            ),
                            format!(
                                "{}: “{key}” is not a code on the paper; valid codes: {}, {NOT_ANSWERED} = left empty",
                                f.label,
                                f.keys()
                            ),
                        ),
                    });
                }
            }
            FieldKind::Text { max_length } => {
                if key.chars().count() > *max_length {
                    errors.push(KeyError {
                        name: f.name.clone(),
                        message: Text::new(
                            format!("{}: dài quá {max_length} ký tự", f.label),
                            format!("{}: longer than {max_length} characters", f.label),
                        ),
                    });
                } else if !key.is_empty() {
                    clean.insert(f.name.clone(), key.to_string());
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

/// The parts of a submission a keyed form fills in: group, background, answers, comments.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filled {
    pub group: Option<String>,
    pub background: Map<String, Value>,
    pub answers: Map<String, Value>,
    pub comments: Map<String, Value>,
}

/// Turns checked keys into what a submission stores.
pub fn fill(fields: &[PaperField], clean: &Keyed) -> Filled {
    let mut out = Filled::default();
    for f in fields {
        let Some(key) = clean.get(&f.name) else {
            continue;
        };
        if let Some(code) = f.name.strip_prefix("c.") {
            out.comments.insert(code.into(), Value::String(key.clone()));
            continue;
        }
        let Some(stored) = f.code(key).map(|c| &c.stored) else {
            continue;
        };
        let value = match stored {
            Stored::Value(v) => Value::from(*v),
            Stored::Option(o) => Value::String(o.clone()),
            Stored::NoOpinion => Value::Null,
        };
        if f.name == "group" {
            if let Value::String(g) = value {
                out.group = Some(g);
            }
        } else if let Some(code) = f.name.strip_prefix("bg.") {
            out.background.insert(code.into(), value);
        } else if let Some(code) = f.name.strip_prefix("q.") {
            out.answers.insert(code.into(), value);
        }
    }
    out
}

/// The keys a keyer would have typed for stored values (an imported form): the reverse of
/// [`fill`]. Values the paper has no code for are left out.
pub fn keys_for(fields: &[PaperField], filled: &Filled) -> Keyed {
    let mut out = Keyed::new();
    for f in fields {
        let value = if f.name == "group" {
            filled.group.clone().map(Value::String)
        } else if let Some(code) = f.name.strip_prefix("bg.") {
            filled.background.get(code).cloned()
        } else if let Some(code) = f.name.strip_prefix("q.") {
            filled.answers.get(code).cloned()
        } else if let Some(code) = f.name.strip_prefix("c.") {
            if let Some(Value::String(t)) = filled.comments.get(code) {
                out.insert(f.name.clone(), t.clone());
            }
            continue;
        } else {
            None
        };
        let (Some(value), FieldKind::Codes(codes)) = (value, &f.kind) else {
            continue;
        };
        let code = codes.iter().find(|c| match (&c.stored, &value) {
            (Stored::Value(v), Value::Number(n)) => n.as_i64() == Some(i64::from(*v)),
            (Stored::Option(o), Value::String(s)) => o == s,
            (Stored::NoOpinion, Value::Null) => true,
            _ => false,
        });
        if let Some(c) = code {
            out.insert(f.name.clone(), c.key.clone());
        }
    }
    out
}

/// The fields where two keyings differ, in the paper's order (both sides as typed, blank
/// written "").
pub fn differences<'a>(
    fields: &'a [PaperField],
    a: &Keyed,
    b: &Keyed,
) -> Vec<(&'a PaperField, String, String)> {
    let get = |k: &Keyed, name: &str| k.get(name).cloned().unwrap_or_default();
    fields
        .iter()
        .filter_map(|f| {
            let (x, y) = (get(a, &f.name), get(b, &f.name));
            (x != y).then_some((f, x, y))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::{fixture, load_file, parse_definition};
    use std::path::Path;

    mod fixture_survey {
        use super::*;
        pub fn household() -> Survey {
            let path =
                Path::new(env!("CARGO_MANIFEST_DIR")).join("surveys/sipas-2022-household.toml");
            load_file(&path).expect("the household form loads")
        }
    }
    use fixture_survey as fx;

    #[test]
    fn a_skipped_question_is_not_asked_and_its_condition_is_in_keys() {
        let survey = parse_definition("t.toml", fixture::GOOD).expect("fixture");
        let fields = layout(&survey);
        let a2 = fields.iter().find(|f| f.name == "q.A2").expect("A2");
        let cond = a2.show_if.as_ref().expect("A2 has a condition");
        assert_eq!(
            (cond.name.as_str(), cond.label.as_str(), cond.keys.clone()),
            ("q.A1", "A1", vec!["2".to_string()])
        );
        let mut keyed = Keyed::new();
        keyed.insert("q.A1".into(), "1".into());
        keyed.insert("q.A2".into(), "2".into());
        // A2 is skipped on paper when A1 = 1: whatever was typed there is dropped.
        let clean = check(&fields, &keyed).expect("valid");
        assert!(!clean.contains_key("q.A2"));
    }

    #[test]
    fn no_opinion_takes_nine_unless_the_scale_uses_it() {
        assert_eq!(no_opinion_key(&[1, 2, 3, 4, 5]), Some(9));
        assert_eq!(no_opinion_key(&[1, 2, 9]), Some(8));
    }

    #[test]
    fn the_household_form_is_numbered_in_order_and_keys_back() {
        let survey = fx::household();
        let fields = layout(&survey);
        assert!(fields.iter().enumerate().all(|(i, f)| f.number == i + 1));
        // The first satisfaction item: its scale, then "no opinion" under 9.
        let first_item = fields
            .iter()
            .find(|f| f.name.starts_with("q.") && f.keys().contains('5'))
            .expect("items");
        assert_eq!(first_item.keys(), "1, 2, 3, 4, 5, 9");
        let mut keyed = Keyed::new();
        keyed.insert(first_item.name.clone(), "9".into());
        keyed.insert("bg.gioi_tinh".into(), "2".into());
        let clean = check(&fields, &keyed).expect("valid");
        let filled = fill(&fields, &clean);
        let code = first_item.name.trim_start_matches("q.");
        assert_eq!(filled.answers.get(code), Some(&Value::Null));
        assert_eq!(
            filled.background.get("gioi_tinh"),
            Some(&Value::String("nu".into()))
        );
    }

    #[test]
    fn a_code_not_on_the_paper_is_refused_by_number() {
        let survey = fx::household();
        let fields = layout(&survey);
        let item = fields
            .iter()
            .find(|f| f.name.starts_with("q."))
            .expect("items");
        let mut keyed = Keyed::new();
        keyed.insert(item.name.clone(), "7".into());
        let errors = check(&fields, &keyed).expect_err("7 is not a code");
        assert_eq!(errors.len(), 1);
        assert!(errors[0]
            .message
            .vi
            .starts_with(&format!("{}:", item.label)));
        assert!(errors[0]
            .message
            .en
            .starts_with(&format!("{}:", item.label)));
    }

    #[test]
    fn stored_values_key_back_to_what_was_typed() {
        let survey = fx::household();
        let fields = layout(&survey);
        let mut keyed = Keyed::new();
        keyed.insert("bg.gioi_tinh".into(), "2".into());
        keyed.insert("q.C8.4".into(), "1".into());
        keyed.insert("q.E1.1".into(), "9".into());
        keyed.insert("q.E1.2".into(), "4".into());
        let clean = check(&fields, &keyed).expect("valid");
        assert_eq!(keys_for(&fields, &fill(&fields, &clean)), clean);
    }

    #[test]
    fn differences_name_the_fields_that_differ() {
        let survey = fx::household();
        let fields = layout(&survey);
        let mut a = Keyed::new();
        a.insert("bg.gioi_tinh".into(), "1".into());
        let mut b = a.clone();
        assert!(differences(&fields, &a, &b).is_empty());
        b.insert("bg.gioi_tinh".into(), "2".into());
        let d = differences(&fields, &a, &b);
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].1.as_str(), d[0].2.as_str()), ("1", "2"));
    }
}

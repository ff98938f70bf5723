//! A survey as it is laid out on paper: numbered fields, each with the codes written beside
//! its boxes. The printed form and the keying screen are both drawn from this, so paper and
//! screen cannot drift apart; keyed codes turn into a [`RawSubmission`] here too.

mod keying;
#[cfg(test)]
mod tests;

pub use keying::{check, differences, fill, is_blank, keys_for, Filled, KeyError, Keyed};

use super::{Condition, Survey};

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

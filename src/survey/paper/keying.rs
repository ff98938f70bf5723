//! Keying a paper form: the codes typed for each field checked against the paper, turned into
//! the answers they stand for, and two keyings of one form compared.

use super::{FieldKind, PaperField, Stored, NOT_ANSWERED};
use crate::text::Text;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What was keyed for one form: field name → the code or text typed ("" or "0" = not
/// answered). Kept as typed, so two keyings compare field by field.
pub type Keyed = BTreeMap<String, String>;

/// A keyed field the paper does not allow, named by its number as the keyer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyError {
    pub name: String,
    pub message: Text,
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

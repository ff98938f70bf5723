//! Checks one submission's answers against a definition. Pure: the caller resolves the survey
//! and the unit; this decides whether the answers themselves may be stored.

use super::{Condition, Survey};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;

/// The body of `POST /api/v1/responses`, also built by the kiosk and import paths.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Submission)]
pub struct RawSubmission {
    /// A survey id from `GET /api/v1/surveys`.
    pub survey: String,
    /// A unit code from `GET /api/v1/units`, of the unit set valid on the answer's date.
    pub unit: String,
    #[schema(pattern = "^(kiosk|online|paper|invitation|api)$")]
    pub channel: String,
    /// The client's idempotency key (a UUID): the same key again stores nothing twice.
    pub submission_id: String,
    /// The year the answers are for.
    pub period: i32,
    /// A respondent group code of the survey, for surveys with groups.
    #[serde(default)]
    pub group: Option<String>,
    /// Background question code → option code.
    #[serde(default)]
    #[schema(value_type = HashMap<String, String>)]
    pub background: Map<String, Value>,
    /// Item code → answer value, `null` for "no opinion".
    #[schema(value_type = HashMap<String, Option<i16>>)]
    pub answers: Map<String, Value>,
    /// Free-text answers to the survey's open questions.
    #[serde(default)]
    #[schema(value_type = HashMap<String, String>)]
    pub comments: Map<String, Value>,
    /// Day of the answer (YYYY-MM-DD); today when absent.
    #[serde(default)]
    #[schema(format = Date)]
    pub date: Option<String>,
}

/// Answers that passed every check, in definition order.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidSubmission {
    /// Item code → value; `None` is "no opinion".
    pub answers: Vec<(String, Option<i16>)>,
    pub background: BTreeMap<String, String>,
    pub comments: BTreeMap<String, String>,
    pub group: Option<String>,
}

/// What was wrong, and with which field (dotted path as the client sent it).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

pub fn validate(survey: &Survey, raw: &RawSubmission) -> Result<ValidSubmission, FieldError> {
    let (answers, background, group) = (&raw.answers, &raw.background, raw.group.as_deref());
    let group = match group {
        None if survey.groups.is_empty() => None,
        None => {
            return Err(FieldError::new(
                "group",
                format!("survey '{}' needs a respondent group", survey.id),
            ))
        }
        Some(g) if survey.groups.iter().any(|c| c.code == g) => Some(g.to_string()),
        Some(g) => {
            return Err(FieldError::new(
                "group",
                format!("'{g}' is not a respondent group of survey '{}'", survey.id),
            ))
        }
    };

    // Unknown codes: the loops below look up every known one; only when fewer were found than
    // were sent is there an unknown one to name (a scan per sent code cost more than the rest).
    let known_bg = survey
        .background
        .iter()
        .filter(|b| background.contains_key(&b.code))
        .count();
    if known_bg < background.len() {
        if let Some(key) = background
            .keys()
            .find(|k| !survey.background.iter().any(|b| &b.code == *k))
        {
            return Err(FieldError::new(
                format!("background.{key}"),
                format!("survey '{}' has no background question '{key}'", survey.id),
            ));
        }
    }
    let known_items = survey
        .items()
        .filter(|i| answers.contains_key(&i.code))
        .count();
    if known_items < answers.len() {
        if let Some(key) = answers.keys().find(|k| survey.item(k).is_none()) {
            return Err(FieldError::new(
                format!("answers.{key}"),
                format!("survey '{}' has no item '{key}'", survey.id),
            ));
        }
    }

    let mut valid_bg = BTreeMap::new();
    for b in &survey.background {
        let field = || format!("background.{}", b.code);
        match background.get(&b.code) {
            None | Some(Value::Null) => {
                if b.required && applies(b.show_if.as_ref(), answers, background) {
                    return Err(FieldError::new(field(), "this question must be answered"));
                }
            }
            Some(Value::String(s)) => {
                if !b.options.iter().any(|o| &o.code == s) {
                    let options: Vec<&str> = b.options.iter().map(|o| o.code.as_str()).collect();
                    return Err(FieldError::new(
                        field(),
                        format!("'{s}' is not one of the options: {}", options.join(", ")),
                    ));
                }
                if !applies(b.show_if.as_ref(), answers, background) {
                    return Err(not_applicable(field(), b.show_if.as_ref()));
                }
                valid_bg.insert(b.code.clone(), s.clone());
            }
            Some(other) => {
                return Err(FieldError::new(
                    field(),
                    format!("must be an option code (text), not {}", json_kind(other)),
                ))
            }
        }
    }

    let mut valid = Vec::new();
    for item in survey.items() {
        let field = || format!("answers.{}", item.code);
        let scale = survey.scale_of(item);
        let applicable = applies(item.show_if.as_ref(), answers, background);
        match answers.get(&item.code) {
            None => {
                if item.required && applicable {
                    return Err(FieldError::new(field(), "this question must be answered"));
                }
            }
            Some(v) if !applicable => {
                if !v.is_null() {
                    return Err(not_applicable(field(), item.show_if.as_ref()));
                }
            }
            Some(Value::Null) => {
                if scale.is_some_and(|s| s.no_opinion.is_none()) {
                    return Err(FieldError::new(
                        field(),
                        "this question has no \"no opinion\" answer; choose a value of its scale",
                    ));
                }
                valid.push((item.code.clone(), None));
            }
            Some(Value::Number(n)) => {
                let value = n.as_i64().and_then(|v| i16::try_from(v).ok());
                match (value, scale) {
                    (Some(v), Some(s)) if s.allows(v) => valid.push((item.code.clone(), Some(v))),
                    (_, Some(s)) => {
                        return Err(FieldError::new(
                            field(),
                            format!(
                                "{n} is not on the scale; allowed: {} or null",
                                s.value_texts().join(", ")
                            ),
                        ));
                    }
                    (_, None) => return Err(FieldError::new(field(), "item has no scale")),
                }
            }
            Some(other) => {
                return Err(FieldError::new(
                    field(),
                    format!("must be a whole number or null, not {}", json_kind(other)),
                ))
            }
        }
    }
    let mut comments = BTreeMap::new();
    for (code, v) in &raw.comments {
        let field = format!("comments.{code}");
        let Some(q) = survey.open.iter().find(|o| &o.code == code) else {
            return Err(FieldError::new(
                field,
                format!("survey '{}' has no open question '{code}'", survey.id),
            ));
        };
        match v {
            Value::Null => {}
            Value::String(s) if s.chars().count() <= q.max_length => {
                if !s.trim().is_empty() {
                    comments.insert(code.clone(), s.trim().to_string());
                }
            }
            Value::String(_) => {
                return Err(FieldError::new(
                    field,
                    format!("longer than {} characters", q.max_length),
                ))
            }
            other => {
                return Err(FieldError::new(
                    field,
                    format!("must be text, not {}", json_kind(other)),
                ))
            }
        }
    }
    Ok(ValidSubmission {
        answers: valid,
        background: valid_bg,
        comments,
        group,
    })
}

/// Whether a conditional question applies given the answers sent with it.
fn applies(
    cond: Option<&Condition>,
    answers: &Map<String, Value>,
    bg: &Map<String, Value>,
) -> bool {
    let Some(c) = cond else { return true };
    let given = answers.get(&c.code).or_else(|| bg.get(&c.code));
    match given {
        Some(Value::String(s)) => c.values.contains(s),
        Some(Value::Number(n)) => c.values.contains(&n.to_string()),
        _ => false,
    }
}

fn not_applicable(field: String, cond: Option<&Condition>) -> FieldError {
    let why = cond
        .map(|c| {
            format!(
                " (asked only when '{}' is {})",
                c.code,
                c.values.join(" or ")
            )
        })
        .unwrap_or_default();
    FieldError::new(
        field,
        format!("this question does not apply to this respondent{why}"),
    )
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

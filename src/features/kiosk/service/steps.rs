//! The counter form as a citizen walks through it at the kiosk: one element per screen. The
//! required background questions (the field of procedure) come first, then one screen per
//! section (E1..E5), then the optional background questions, if the survey has any.

use crate::survey::{Background, FieldError, Item, Survey};
use std::collections::HashMap;

/// One question of a screen.
#[derive(Clone, Copy)]
pub enum Question<'a> {
    Background(&'a Background),
    Item(&'a Item),
}

impl Question<'_> {
    /// The form field's name: `b:CODE` or `a:CODE`.
    pub fn name(&self) -> String {
        match self {
            Question::Background(b) => format!("b:{}", b.code),
            Question::Item(i) => format!("a:{}", i.code),
        }
    }

    /// The field a validation error names: `background.CODE` or `answers.CODE`.
    pub fn field(&self) -> String {
        match self {
            Question::Background(b) => format!("background.{}", b.code),
            Question::Item(i) => format!("answers.{}", i.code),
        }
    }

    fn must_answer(&self) -> bool {
        match self {
            Question::Background(b) => b.required && b.show_if.is_none(),
            Question::Item(i) => i.required && i.show_if.is_none(),
        }
    }
}

/// One screen: a title (none for the opening question) and its questions.
pub struct Step<'a> {
    pub title: Option<&'a str>,
    pub questions: Vec<Question<'a>>,
}

/// The screens of a survey, in order.
pub fn steps(survey: &Survey) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    let (first, last): (Vec<_>, Vec<_>) = survey.background.iter().partition(|b| b.required);
    if !first.is_empty() {
        out.push(Step {
            title: None,
            questions: first.into_iter().map(Question::Background).collect(),
        });
    }
    for s in &survey.sections {
        out.push(Step {
            title: Some(s.title.as_str()),
            questions: s.items.iter().map(Question::Item).collect(),
        });
    }
    if !last.is_empty() {
        out.push(Step {
            title: Some("Thông tin thêm (không bắt buộc)"),
            questions: last.into_iter().map(Question::Background).collect(),
        });
    }
    out
}

/// What the citizen is told beside a question left without an answer.
pub const MISSING: &str = "Ông/Bà chưa chọn câu trả lời cho câu này.";

/// Every required question of `step` left without an answer, each named by its field.
pub fn missing(step: &Step, chosen: &HashMap<String, String>) -> Vec<FieldError> {
    step.questions
        .iter()
        .filter(|q| q.must_answer() && chosen.get(&q.name()).is_none_or(|v| v.is_empty()))
        .map(|q| FieldError::new(q.field(), MISSING))
        .collect()
}

/// The first screen with a required question unanswered, and every such question on it.
pub fn first_missing(
    steps: &[Step],
    chosen: &HashMap<String, String>,
) -> Option<(usize, Vec<FieldError>)> {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| (i, missing(s, chosen)))
        .find(|(_, m)| !m.is_empty())
}

/// The screen holding the question a validation error names.
pub fn step_of(steps: &[Step], field: &str) -> Option<usize> {
    steps
        .iter()
        .position(|s| s.questions.iter().any(|q| q.field() == field))
}

//! What to put right on a form sent back, at the top where the eye is: each problem a link to
//! its question, the list focused when the page opens (no script needed: `autofocus` on a
//! focusable region), so that a screen reader reads it first and a tap leads to the question.

use crate::text::Lang;
use maud::{html, Markup};

/// One problem: the id of the question it is about (none when the question is on another
/// page), and what to do, in the page's language.
pub struct Problem {
    pub target: Option<String>,
    pub message: String,
}

/// The summary, or nothing when there is nothing to put right.
pub fn summary(l: Lang, problems: &[Problem]) -> Markup {
    html! {
        @if !problems.is_empty() {
            section.error.problems #problems tabindex="-1" autofocus aria-labelledby="problems-title" {
                h2 #problems-title { @match l {
                    Lang::Vi => { "Phiếu còn " (problems.len()) " chỗ cần sửa" }
                    Lang::En => { (problems.len()) " answers to put right" }
                } }
                ul { @for p in problems { li { @match &p.target {
                    Some(t) => { a href={ "#" (t) } { (p.message) } }
                    None => { (p.message) }
                } } } }
            }
        }
    }
}

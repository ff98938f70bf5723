//! The kiosk: the counter form one element per screen with the progress shown, then a
//! thank-you screen, then a fresh form. Works without JavaScript: every screen is a form post
//! carrying the answers given so far; `/static/kiosk.js` only switches screens in place and
//! returns an untouched form to the start.

use super::layout::page;
use crate::app::kiosk::{steps, Question, Step};
use crate::survey::{FieldError, Scale, Survey};
use maud::{html, Markup};
use std::collections::HashMap;

/// Seconds without a touch before a form (with JavaScript) returns to the start.
pub const IDLE_RESET_SECS: u32 = 120;
/// Seconds the thank-you screen stays.
pub const THANKS_SECS: u32 = 5;
/// Seconds the stale-page screen stays before a fresh form.
pub const STALE_SECS: u32 = 15;

pub struct FormState<'a> {
    pub token: &'a str,
    pub unit_name: &'a str,
    pub submission_id: &'a str,
    pub issued: i64,
    /// The server's signature of the submission id and `issued` (kiosk forms; empty online).
    pub signature: &'a str,
    /// Field name → chosen value: the answers given so far.
    pub chosen: &'a HashMap<String, String>,
    /// The screen shown (kiosk only).
    pub step: usize,
    /// A message for the whole form (the kiosk just took an answer, …).
    pub error: Option<&'a str>,
    /// Questions to answer again, each shown beside its question.
    pub errors: &'a [FieldError],
    /// Opened with a code from an appointment slip (`/o/CODE`) on the citizen's own phone:
    /// the whole form on one page, posted there, and never reset.
    pub online: bool,
}

pub fn form(survey: &Survey, s: &FormState) -> Markup {
    let all = steps(survey);
    let total = all.len();
    let current = s.step.min(total.saturating_sub(1));
    let head = if s.online {
        html! {}
    } else {
        // No timed reload: a page holding answers is never thrown away without JavaScript.
        html! { script src=(super::assets::kiosk_js_url()) defer {} }
    };
    let action = if s.online { "/o/" } else { "/k/" };
    page(
        &survey.title,
        "kiosk",
        head,
        html! {
            main {
                p.note.unit { (s.unit_name) }
                h1 { (survey.title) }
                @if !s.online {
                    div.progress.kprogress {
                        span.steptext { "Bước " span.stepno { (current + 1) } "/" (total) }
                        progress max=(total) value=(current + 1) { (current + 1) "/" (total) }
                    }
                }
                @if let Some(e) = s.error { p.error role="alert" { (e) } }
                form #kiosk method="post" action={ (action) (s.token) }
                    data-home=[(!s.online).then(|| format!("/k/{}", s.token))]
                    data-idle=[(!s.online).then_some(IDLE_RESET_SECS * 1000)] novalidate {
                    input type="hidden" name="submission_id" value=(s.submission_id);
                    input type="hidden" name="version" value=(survey.version);
                    input type="hidden" name="issued" value=(s.issued);
                    @if !s.signature.is_empty() {
                        input type="hidden" name="sig" value=(s.signature);
                    }
                    @if s.online {
                        @if let Some(intro) = &survey.intro { p { (intro) } }
                        @for step in &all { (screen(survey, step, s)) }
                        button.primary.submit type="submit" { "Gửi đánh giá" }
                    } @else {
                        input type="hidden" name="step" value=(current);
                        @for (i, step) in all.iter().enumerate() {
                            section.step data-step=(i) hidden[i != current] {
                                @if i == 0 { @if let Some(intro) = &survey.intro { p.intro { (intro) } } }
                                (screen(survey, step, s))
                                (nav(i, total, s.errors, step))
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The buttons of a screen. "Tiếp" comes first in the page, so Enter moves forward.
fn nav(i: usize, total: usize, errors: &[FieldError], step: &Step) -> Markup {
    let here = errors
        .iter()
        .filter(|e| step.questions.iter().any(|q| q.field() == e.field))
        .count();
    html! {
        p.error.summary role="alert" hidden[here == 0] {
            "Còn " span.count { (here) } " câu chưa chọn câu trả lời (đánh dấu đỏ ở trên)."
        }
        div.nav.knav {
            @if i + 1 == total {
                button.primary.big type="submit" name="go" value="submit" { "Gửi đánh giá" }
            } @else {
                button.primary.big type="submit" name="go" value="next" { "Tiếp ›" }
            }
            @if i > 0 {
                button.back type="submit" name="go" value="back" { "‹ Quay lại" }
            }
        }
    }
}

fn screen(survey: &Survey, step: &Step, s: &FormState) -> Markup {
    html! {
        @if let Some(t) = step.title { h2 { (t) } }
        @for q in &step.questions {
            @let field = q.field();
            @let error = s.errors.iter().find(|e| e.field == field);
            @match q {
                Question::Background(b) => {
                    (question(q, &b.text, b.required, error, &b.options.iter()
                        .map(|o| (o.code.clone(), o.label.clone())).collect::<Vec<_>>(), false, s.chosen))
                }
                Question::Item(item) => {
                    @if let Some(scale) = survey.scale_of(item) {
                        (question(q, &item.text, item.required, error, &choices(scale), true, s.chosen))
                    }
                }
            }
        }
    }
}

fn choices(scale: &Scale) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = scale
        .values
        .iter()
        .map(|v| (v.value.to_string(), v.label.clone()))
        .collect();
    if let Some(no) = &scale.no_opinion {
        out.push(("na".into(), no.clone()));
    }
    out
}

fn question(
    q: &Question,
    text: &str,
    required: bool,
    error: Option<&FieldError>,
    options: &[(String, String)],
    scale: bool,
    chosen: &HashMap<String, String>,
) -> Markup {
    let name = q.name();
    let picked = chosen.get(&name);
    html! {
        fieldset.q.bad[error.is_some()] id={ "q-" (name) } data-required[required] {
            legend { (text) }
            p.fielderror role="alert" hidden[error.is_none()] {
                (error.map_or(crate::app::kiosk::MISSING, |e| e.message.as_str()))
            }
            div.choices.scale[scale] {
                @for (value, label) in options {
                    label.na[value == "na"] {
                        input type="radio" name=(name) value=(value)
                            checked[picked == Some(value)];
                        span { (label) }
                    }
                }
            }
        }
    }
}

pub fn thanks(survey: &Survey, token: &str) -> Markup {
    let next = format!("{THANKS_SECS};url=/k/{token}");
    page(
        "Cảm ơn",
        "kiosk",
        html! { meta http-equiv="refresh" content=(next); },
        html! {
            main.thanks {
                p { strong { "Đã ghi nhận đánh giá của Ông/Bà." } }
                p { (survey.thanks.as_deref().unwrap_or("Xin cảm ơn Ông/Bà.")) }
                p { a.button.primary.big href={ "/k/" (token) } { "Phiếu mới" } }
            }
        },
    )
}

/// A page from an older definition, or open too long: nothing was stored. Back to a fresh
/// form by a touch, or by itself after a few seconds (no answers are on this screen).
pub fn stale(token: &str) -> Markup {
    let next = format!("{STALE_SECS};url=/k/{token}");
    page(
        "Trang đã cũ",
        "kiosk",
        html! { meta http-equiv="refresh" content=(next); },
        html! {
            main.thanks.stale {
                h1 { "Trang đã cũ" }
                p { "Phiếu này đã được mở quá lâu hoặc nội dung phiếu vừa được cập nhật, nên chưa được ghi nhận. Xin chạm “Phiếu mới” để đánh giá lại." }
                p { a.button.primary.big href={ "/k/" (token) } { "Phiếu mới" } }
                p.note { "Phiếu mới sẽ tự mở sau " (STALE_SECS) " giây." }
            }
        },
    )
}

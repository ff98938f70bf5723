//! The kiosk: one form on a touch screen, then a thank-you screen, then a fresh form.

use super::layout::page;
use crate::survey::{Background, Item, Scale, Survey};
use maud::{html, Markup, PreEscaped};
use std::collections::HashMap;

/// Seconds a half-filled form waits before returning to the start.
pub const IDLE_RESET_SECS: u32 = 120;
/// Seconds the thank-you screen stays.
pub const THANKS_SECS: u32 = 5;

pub struct FormState<'a> {
    pub token: &'a str,
    pub unit_name: &'a str,
    pub submission_id: &'a str,
    pub issued: i64,
    /// Field name → chosen value, to keep answers when the form comes back with an error.
    pub chosen: &'a HashMap<String, String>,
    pub error: Option<&'a str>,
    /// Opened with a code from an appointment slip (`/o/CODE`) on the citizen's own phone:
    /// posts there, and never resets itself.
    pub online: bool,
}

pub fn form(survey: &Survey, s: &FormState) -> Markup {
    let head = if s.online {
        html! {}
    } else {
        html! {
            // Without JavaScript the page simply reloads after the idle time; with it, the timer
            // restarts on every touch.
            noscript { meta http-equiv="refresh" content=(IDLE_RESET_SECS); }
            script { (PreEscaped(idle_script(s.token))) }
        }
    };
    let action = if s.online { "/o/" } else { "/k/" };
    page(
        &survey.title,
        "kiosk",
        head,
        html! {
            main {
                h1 { (survey.title) }
                p.note { (s.unit_name) }
                @if let Some(intro) = &survey.intro { p { (intro) } }
                @if let Some(e) = s.error { p.error role="alert" { (e) } }
                form method="post" action={ (action) (s.token) } {
                    input type="hidden" name="submission_id" value=(s.submission_id);
                    input type="hidden" name="version" value=(survey.version);
                    input type="hidden" name="issued" value=(s.issued);
                    @for b in &survey.background {
                        (background(b, s.chosen))
                    }
                    @for section in &survey.sections {
                        h2 { (section.title) }
                        @for item in &section.items {
                            @if let Some(scale) = survey.scale_of(item) {
                                (item_choices(item, scale, s.chosen))
                            }
                        }
                    }
                    button.primary.submit type="submit" { "Gửi đánh giá" }
                }
            }
        },
    )
}

fn background(b: &Background, chosen: &HashMap<String, String>) -> Markup {
    let name = format!("b:{}", b.code);
    html! {
        fieldset {
            legend { (b.text) @if b.required { " *" } }
            div.choices {
                @for o in &b.options {
                    label {
                        input type="radio" name=(name) value=(o.code) required[b.required]
                            checked[chosen.get(&name) == Some(&o.code)];
                        span { (o.label) }
                    }
                }
            }
        }
    }
}

fn item_choices(item: &Item, scale: &Scale, chosen: &HashMap<String, String>) -> Markup {
    let name = format!("a:{}", item.code);
    let picked = chosen.get(&name);
    html! {
        fieldset {
            legend { (item.text) }
            div.choices {
                @for v in &scale.values {
                    @let value = v.value.to_string();
                    label {
                        input type="radio" name=(name) value=(value) required[item.required]
                            checked[picked == Some(&value)];
                        span { (v.label) }
                    }
                }
                @if let Some(no) = &scale.no_opinion {
                    label {
                        input type="radio" name=(name) value="na" checked[picked.map(String::as_str) == Some("na")];
                        span { (no) }
                    }
                }
            }
        }
    }
}

fn idle_script(token: &str) -> String {
    format!(
        "(function(){{var t;function r(){{clearTimeout(t);t=setTimeout(function(){{location.href='/k/{token}';}},{ms});}}\
         ['input','touchstart','keydown','click'].forEach(function(e){{document.addEventListener(e,r,true);}});r();}})();",
        ms = IDLE_RESET_SECS * 1000
    )
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
                p { a href={ "/k/" (token) } { "Phiếu mới" } }
            }
        },
    )
}

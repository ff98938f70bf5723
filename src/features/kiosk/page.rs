//! The kiosk: the counter form one element per screen with the progress shown, then a
//! thank-you screen, then a fresh form. Works without JavaScript: every screen is a form post
//! carrying the answers given so far; `/static/kiosk.js` only switches screens in place and
//! returns an untouched form to the start.

use crate::features::kiosk::service::{steps, Question, Step};
use crate::survey::{FieldError, Scale, Survey};
use crate::text::Lang;
use crate::ui::layout::{alert, lang_switch, page_in};
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
    /// The language of the page: its own words, and the questions and answers where the
    /// definition words them in English (in Vietnamese where it does not). At a kiosk it is
    /// one citizen's: chosen on the form, carried by it, and gone with the next form.
    pub lang: Lang,
}

pub fn form(survey: &Survey, s: &FormState) -> Markup {
    let all = steps(survey);
    let total = all.len();
    let current = s.step.min(total.saturating_sub(1));
    let head = if s.online {
        html! {}
    } else {
        // No timed reload: a page holding answers is never thrown away without JavaScript.
        kiosk_head(s.token)
    };
    let action = if s.online { "/o/" } else { "/k/" };
    let l = s.lang;
    // The switch opens the form afresh: offered only before anything was chosen.
    let here = format!("{action}{}", s.token);
    let switch = if s.online {
        lang_switch(l, &here)
    } else {
        kiosk_switch(l, s.token)
    };
    page_in(
        l,
        &survey.title,
        "kiosk",
        head,
        html! {
            main {
                @if s.chosen.is_empty() { p.noprint { (switch) } }
                p.note.unit { (s.unit_name) }
                h1 { (l.titled(&survey.title, survey.title_en.as_deref())) }
                @if !s.online {
                    div.progress.kprogress {
                        span.steptext { (l.pick("Bước ", "Step ")) span.stepno { (current + 1) } "/" (total) }
                        progress max=(total) value=(current + 1) { (current + 1) "/" (total) }
                    }
                }
                (alert(s.error))
                @if !s.online { (kept_marker(l)) }
                form #kiosk method="post" action={ (action) (s.token) }
                    data-home=[(!s.online).then(|| format!("/k/{}", s.token))]
                    data-idle=[(!s.online).then_some(IDLE_RESET_SECS * 1000)] novalidate {
                    input type="hidden" name="submission_id" value=(s.submission_id);
                    input type="hidden" name="version" value=(survey.version);
                    input type="hidden" name="issued" value=(s.issued);
                    @if !s.online && l == Lang::En { input type="hidden" name="lang" value="en"; }
                    @if !s.signature.is_empty() {
                        input type="hidden" name="sig" value=(s.signature);
                    }
                    @if s.online {
                        @if let Some(intro) = survey.intro_online.as_ref().or(survey.intro.as_ref()) { p { (intro) } }
                        @for step in &all { (screen(survey, step, s)) }
                        button.primary.submit type="submit" { (l.pick("Gửi đánh giá", "Send")) }
                    } @else {
                        input type="hidden" name="step" value=(current);
                        @for (i, step) in all.iter().enumerate() {
                            section.step data-step=(i) hidden[i != current] {
                                @if i == 0 { @if let Some(intro) = &survey.intro { p.intro { (intro) } } }
                                (screen(survey, step, s))
                                (nav(l, i, total, s.errors, step))
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The buttons of a screen. "Tiếp" comes first in the page, so Enter moves forward.
fn nav(l: Lang, i: usize, total: usize, errors: &[FieldError], step: &Step) -> Markup {
    let here = errors
        .iter()
        .filter(|e| step.questions.iter().any(|q| q.field() == e.field))
        .count();
    html! {
        p.error.summary role="alert" hidden[here == 0] {
            @match l {
                Lang::Vi => { "Còn " span.count { (here) } " câu chưa chọn câu trả lời (đánh dấu đỏ ở trên)." }
                Lang::En => { span.count { (here) } " questions still need an answer (marked in red above)." }
            }
        }
        div.nav.knav {
            @if i + 1 == total {
                button.primary.big type="submit" name="go" value="submit" { (l.pick("Gửi đánh giá", "Send")) }
            } @else {
                button.primary.big type="submit" name="go" value="next" { (l.pick("Tiếp ›", "Next ›")) }
            }
            @if i > 0 {
                button.back type="submit" name="go" value="back" { (l.pick("‹ Quay lại", "‹ Back")) }
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
                    (question(s.lang, q, &b.text, b.required, error, &b.options.iter()
                        .map(|o| (o.code.clone(), o.label.clone())).collect::<Vec<_>>(), false, s.chosen))
                }
                Question::Item(item) => {
                    @if let Some(scale) = survey.scale_of(item) {
                        (question(s.lang, q, s.lang.titled(&item.text, item.text_en.as_deref()), item.required, error, &choices(s.lang, scale), true, s.chosen))
                    }
                }
            }
        }
    }
}

fn choices(l: Lang, scale: &Scale) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = scale
        .values
        .iter()
        .map(|v| {
            (
                v.value.to_string(),
                l.titled(&v.label, v.label_en.as_deref()).to_string(),
            )
        })
        .collect();
    if let Some(no) = &scale.no_opinion {
        out.push(("na".into(), no.clone()));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn question(
    l: Lang,
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
                (error.map_or(missing(l), |e| citizen_message(l, e)))
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

/// "This question needs an answer", in the page's language.
fn missing(l: Lang) -> &'static str {
    l.pick(
        crate::features::kiosk::service::MISSING,
        "Please choose an answer to this question.",
    )
}

/// A message beside a question: the application layer's "no answer" said in the page's
/// language; the handler words the others in it already.
fn citizen_message(l: Lang, e: &FieldError) -> &str {
    if e.message == crate::features::kiosk::service::MISSING {
        missing(l)
    } else {
        &e.message
    }
}

/// The thank-you screen: the survey's own thanks stays as defined (Vietnamese); in English
/// the page says its own.
pub fn thanks(lang: Lang, survey: &Survey, token: &str) -> Markup {
    let l = lang;
    let content = html! {
        h1 { (l.pick("Đã ghi nhận đánh giá của Ông/Bà.", "Your answer has been recorded.")) }
        p { @match l {
            Lang::Vi => (survey.thanks.as_deref().unwrap_or("Xin cảm ơn Ông/Bà.")),
            Lang::En => "Thank you.",
        } }
        (new_form(l, token))
    };
    between(
        l,
        l.pick("Cảm ơn", "Thank you"),
        token,
        THANKS_SECS,
        false,
        content,
    )
}

/// What every kiosk screen loads: its script (screens in place, the return to a fresh form,
/// the service worker that rides out a network drop) and the manifest that makes the kiosk an
/// installable app.
fn kiosk_head(token: &str) -> Markup {
    html! {
        link rel="manifest" href={ "/k/" (token) "/manifest.webmanifest" };
        script src=(crate::ui::assets::kiosk_js_url()) defer {}
    }
}

/// For the staff at the counter: how many answers the tablet keeps until the network returns
/// (shown by the script, only when there are some).
fn kept_marker(l: Lang) -> Markup {
    html! {
        p #kept.kept.noprint role="status" hidden {
            span.n { "0" } (l.pick(" phiếu chờ gửi", " answers waiting to be sent"))
        }
    }
}

/// A screen between two forms, with no answers on it: back to a fresh form by a touch, or
/// (with the script) by itself after `secs` seconds. No meta refresh: a timed reload is the
/// script's, so a reader who needs longer is not taken away.
fn between(l: Lang, title: &str, token: &str, secs: u32, stale: bool, content: Markup) -> Markup {
    let home = format!("/k/{token}");
    page_in(
        l,
        title,
        "kiosk",
        kiosk_head(token),
        html! {
            main.thanks.stale[stale] data-home=(home) data-return=(secs) {
                p.noprint { (kiosk_switch(l, token)) }
                (kept_marker(l))
                (content)
            }
        },
    )
}

/// The kiosk's language switch: a fresh form in the other language, for this citizen only
/// (the next form is Vietnamese again). No cookie: a tablet serves a hundred people a day.
fn kiosk_switch(l: Lang, token: &str) -> Markup {
    let other = l.other();
    html! {
        a.lang href=(form_address(token, other)) hreflang=(other.code()) lang=(other.code()) {
            (other.pick("Tiếng Việt", "English"))
        }
    }
}

/// A kiosk's address in a language: Vietnamese is the bare address.
pub fn form_address(token: &str, l: Lang) -> String {
    match l {
        Lang::Vi => format!("/k/{token}"),
        Lang::En => format!("/k/{token}?lang=en"),
    }
}

fn new_form(l: Lang, token: &str) -> Markup {
    html! { p { a.button.primary.big href={ "/k/" (token) } { (l.pick("Phiếu mới", "New form")) } } }
}

/// A page from an older definition, or open too long: nothing was stored. Back to a fresh
/// form by a touch, or by itself after a few seconds (no answers are on this screen).
pub fn stale(lang: Lang, token: &str) -> Markup {
    let l = lang;
    let title = l.pick("Trang đã cũ", "This page is out of date");
    let content = html! {
        h1 { (title) }
        p { (l.pick("Phiếu này đã được mở quá lâu hoặc nội dung phiếu vừa được cập nhật, nên chưa được ghi nhận. Xin chạm “Phiếu mới” để đánh giá lại.", "This form was open too long, or the form has just been updated, so it was not recorded. Please touch “New form” to answer again.")) }
        (new_form(l, token))
        p.note { @match l {
            Lang::Vi => { "Phiếu mới sẽ tự mở sau " (STALE_SECS) " giây." }
            Lang::En => { "A new form opens by itself in " (STALE_SECS) " seconds." }
        } }
    };
    between(l, title, token, STALE_SECS, true, content)
}

/// The kiosk's web app manifest: installed on a tablet, it opens on this kiosk's form, full
/// screen, named for its unit.
pub fn manifest(l: Lang, token: &str, unit_name: &str) -> serde_json::Value {
    let home = format!("/k/{token}");
    serde_json::json!({
        "name": format!("chiso — {}", unit_name),
        "short_name": l.pick("Đánh giá", "Rate us"),
        "description": l.pick(
            "Đánh giá sự hài lòng về dịch vụ hành chính công tại quầy",
            "Rate the public service at the counter",
        ),
        "lang": l.pick("vi", "en"),
        "start_url": home,
        "scope": home,
        "display": "fullscreen",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": [{ "src": crate::ui::assets::icon_url(), "sizes": "any", "type": "image/svg+xml", "purpose": "any" }],
    })
}

//! The pages an official opens from a one-time link: who runs the survey and the promise of
//! confidentiality, then one page per section with the progress shown, then thanks. Made for
//! a phone; no JavaScript.

use crate::survey::{FieldError, Item, Scale, Survey};
use crate::text::Lang;
use crate::ui::layout::{lang_switch, page};
use crate::ui::problems::{summary, Problem};
use maud::{html, Markup};
use serde_json::{Map, Value};

/// What every page of one link shows.
pub struct Link<'a> {
    pub token: &'a str,
    pub survey: &'a Survey,
    pub organiser: &'a str,
    pub campaign_title: &'a str,
    pub group_label: &'a str,
    pub submission_id: &'a str,
    /// The language of the page's own words; the survey's questions stay as defined.
    pub lang: Lang,
}

fn promise(l: &Link) -> Markup {
    let t = l.lang;
    html! {
        div.promise {
            p { strong { (t.pick("Cam kết bảo mật.", "Our promise of confidentiality.")) } }
            ul {
                li { (t.pick("Phiếu không ghi họ tên. Câu trả lời được lưu tách riêng, không gắn với đường dẫn này hay với Ông/Bà.", "The form carries no name. Answers are stored apart, tied neither to this link nor to you.")) }
                li { (t.pick("Hệ thống chỉ ghi nhận Ông/Bà đã trả lời (theo ngày) để không nhắc lại; không ai xem được Ông/Bà đã trả lời thế nào.", "Only the fact that you answered (and the day) is kept, so you are not reminded again; nobody can see how you answered.")) }
                li { (t.pick("Kết quả chỉ được tổng hợp theo nhóm “", "Results are only added up by group, “")) (l.group_label) (t.pick("”; nhóm nào có dưới 5 phiếu thì không hiển thị riêng.", "”; a group with fewer than 5 forms is not shown on its own.")) }
                li { (t.pick("Đường dẫn chỉ dùng được một lần. Xin không chuyển cho người khác.", "The link works only once. Please do not pass it on.")) }
            }
        }
    }
}

/// The first page: who asks, why, and the promise.
pub fn welcome(l: &Link) -> Markup {
    let t = l.lang;
    let questions: usize = l.survey.sections.iter().map(|s| s.items.len()).sum();
    let here = format!("/i/{}", l.token);
    page(
        t,
        &l.survey.title,
        "invite",
        html! {
            main {
                p.noprint { (lang_switch(t, &here)) }
                p.note { (l.campaign_title) }
                h1 { (l.survey.title) }
                p { (t.pick("Cơ quan tổ chức khảo sát: ", "Survey organised by: ")) strong { (l.organiser) } }
                @if let Some(intro) = &l.survey.intro { p { (intro) } }
                (promise(l))
                p { @match t {
                    Lang::Vi => { "Phiếu gồm " (l.survey.sections.len()) " phần, " (questions) " câu hỏi; mất khoảng 10 phút. Có thể quay lại phần trước để sửa trước khi gửi." }
                    Lang::En => { "The form has " (l.survey.sections.len()) " parts and " (questions) " questions; it takes about 10 minutes. You can go back to an earlier part to change it before sending." }
                } }
                form method="post" action={ "/i/" (l.token) } {
                    input type="hidden" name="submission_id" value=(l.submission_id);
                    input type="hidden" name="page" value="start";
                    button.primary.submit type="submit" name="go" value="0" { (t.pick("Bắt đầu trả lời", "Start")) }
                }
            }
        },
    )
}

fn value_of(v: &Value) -> String {
    match v {
        Value::Null => "na".into(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One section of the form, with the answers given so far (the other sections' in hidden
/// fields) and what is wrong, if anything.
pub fn section(
    l: &Link,
    index: usize,
    answers: &Map<String, Value>,
    errors: &[FieldError],
) -> Markup {
    let total = l.survey.sections.len();
    let Some(sec) = l.survey.sections.get(index) else {
        return welcome(l);
    };
    let here: Vec<&str> = sec.items.iter().map(|i| i.code.as_str()).collect();
    let last = index + 1 == total;
    let t = l.lang;
    page(
        t,
        &l.survey.title,
        "invite",
        html! {
            main {
                p.note { (l.survey.title) }
                div.progress {
                    span { (t.pick("Phần ", "Part ")) (index + 1) " / " (total) }
                    progress max=(total) value=(index + 1) { (index + 1) "/" (total) }
                }
                (summary(t, &problems(t, &here, errors, answers)))
                h1 { (sec.title) }
                // The server checks every page and says what to put right at the top, in the
                // page's words, rather than the browser's own tooltip.
                form method="post" action={ "/i/" (l.token) } novalidate {
                    input type="hidden" name="submission_id" value=(l.submission_id);
                    input type="hidden" name="page" value=(index);
                    @for (code, v) in answers {
                        @if !here.contains(&code.as_str()) {
                            input type="hidden" name={ "a:" (code) } value=(value_of(v));
                        }
                    }
                    @for item in &sec.items {
                        @if let Some(scale) = l.survey.scale_of(item) {
                            (question(t, item, scale, answers, errors))
                        }
                    }
                    div.nav {
                        @if index > 0 {
                            button type="submit" name="go" value=(index - 1) formnovalidate { (t.pick("‹ Phần trước", "‹ Previous part")) }
                        }
                        @if last {
                            button.primary type="submit" name="go" value="submit" { (t.pick("Gửi phiếu", "Send the form")) }
                        } @else {
                            button.primary type="submit" name="go" value=(index + 1) { (t.pick("Phần tiếp ›", "Next part ›")) }
                        }
                    }
                }
                p.note { (t.pick("Câu trả lời chỉ được lưu khi Ông/Bà bấm “Gửi phiếu” ở phần cuối. Tải lại trang này không làm mất câu trả lời.", "Answers are stored only when you press “Send the form” on the last part. Reloading this page loses no answer.")) }
            }
        },
    )
}

fn question(
    t: Lang,
    item: &Item,
    scale: &Scale,
    answers: &Map<String, Value>,
    errors: &[FieldError],
) -> Markup {
    let picked = answers.get(&item.code).map(value_of);
    let name = format!("a:{}", item.code);
    let field = format!("answers.{}", item.code);
    let error = errors.iter().find(|e| e.field == field);
    html! {
        fieldset.bad[error.is_some()] id={ "q-" (item.code) } {
            legend { span.qnum { (item.code) } " " (item.text) }
            @if let Some(e) = error { p.fielderror { (answer_message(t, e, answers)) } }
            div.choices.scale {
                @for v in &scale.values {
                    @let value = v.value.to_string();
                    label {
                        input type="radio" name=(name) value=(value) required[item.required]
                            checked[picked.as_deref() == Some(value.as_str())];
                        span { (v.label) }
                    }
                }
                @if let Some(no) = &scale.no_opinion {
                    label {
                        input type="radio" name=(name) value="na" checked[picked.as_deref() == Some("na")];
                        span { (no) }
                    }
                }
            }
        }
    }
}

/// Each problem of the form, linked to its question when the question is on this page.
fn problems(
    t: Lang,
    here: &[&str],
    errors: &[FieldError],
    answers: &Map<String, Value>,
) -> Vec<Problem> {
    errors
        .iter()
        .map(|e| Problem {
            target: e
                .field
                .strip_prefix("answers.")
                .filter(|c| here.contains(c))
                .map(|c| format!("q-{c}")),
            message: answer_message(t, e, answers),
        })
        .collect()
}

/// The application layer's message about a question, in the page's language: a question
/// left without an answer is said in English too; any other message (rare: a value not on the
/// scale) stays as the layer words it.
fn answer_message(t: Lang, e: &FieldError, answers: &Map<String, Value>) -> String {
    match (t, e.field.strip_prefix("answers.")) {
        (Lang::En, Some(code)) if answers.get(code).is_none() => {
            format!("Question {code}: please choose a rating.")
        }
        _ => e.message.clone(),
    }
}

pub fn thanks(lang: Lang, text: &str, organiser: &str) -> Markup {
    page(
        lang,
        lang.pick("Cảm ơn", "Thank you"),
        "invite",
        html! {
            main.thanks {
                h1 { (lang.pick("Phiếu của Ông/Bà đã được ghi nhận.", "Your form has been recorded.")) }
                p { (text) }
                p.note { (organiser) }
            }
        },
    )
}

//! The pages an official opens from a one-time link: who runs the survey and the promise of
//! confidentiality, then one page per section with the progress shown, then thanks. Made for
//! a phone; no JavaScript.

use super::layout::page;
use crate::survey::{FieldError, Item, Scale, Survey};
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
}

fn promise(l: &Link) -> Markup {
    html! {
        div.promise {
            p { strong { "Cam kết bảo mật." } }
            ul {
                li { "Phiếu không ghi họ tên. Câu trả lời được lưu tách riêng, không gắn với đường dẫn này hay với Ông/Bà." }
                li { "Hệ thống chỉ ghi nhận Ông/Bà đã trả lời (theo ngày) để không nhắc lại; không ai xem được Ông/Bà đã trả lời thế nào." }
                li { "Kết quả chỉ được tổng hợp theo nhóm “" (l.group_label) "”; nhóm nào có dưới 5 phiếu thì không hiển thị riêng." }
                li { "Đường dẫn chỉ dùng được một lần. Xin không chuyển cho người khác." }
            }
        }
    }
}

/// The first page: who asks, why, and the promise.
pub fn welcome(l: &Link) -> Markup {
    let questions: usize = l.survey.sections.iter().map(|s| s.items.len()).sum();
    page(
        &l.survey.title,
        "invite",
        html! {},
        html! {
            main {
                p.note { (l.campaign_title) }
                h1 { (l.survey.title) }
                p { "Cơ quan tổ chức khảo sát: " strong { (l.organiser) } }
                @if let Some(intro) = &l.survey.intro { p { (intro) } }
                (promise(l))
                p { "Phiếu gồm " (l.survey.sections.len()) " phần, " (questions) " câu hỏi; mất khoảng 10 phút. Có thể quay lại phần trước để sửa trước khi gửi." }
                form method="post" action={ "/i/" (l.token) } {
                    input type="hidden" name="submission_id" value=(l.submission_id);
                    input type="hidden" name="page" value="start";
                    button.primary.submit type="submit" name="go" value="0" { "Bắt đầu trả lời" }
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
    page(
        &l.survey.title,
        "invite",
        html! {},
        html! {
            main {
                p.note { (l.survey.title) }
                div.progress {
                    span { "Phần " (index + 1) " / " (total) }
                    progress max=(total) value=(index + 1) { (index + 1) "/" (total) }
                }
                @if !errors.is_empty() {
                    div.error role="alert" {
                        p { strong { "Phiếu chưa đủ hoặc chưa đúng:" } }
                        ul { @for e in errors { li { (e.message) } } }
                    }
                }
                h2 { (sec.title) }
                form method="post" action={ "/i/" (l.token) } {
                    input type="hidden" name="submission_id" value=(l.submission_id);
                    input type="hidden" name="page" value=(index);
                    @for (code, v) in answers {
                        @if !here.contains(&code.as_str()) {
                            input type="hidden" name={ "a:" (code) } value=(value_of(v));
                        }
                    }
                    @for item in &sec.items {
                        @if let Some(scale) = l.survey.scale_of(item) {
                            (question(item, scale, answers.get(&item.code).map(value_of), errors))
                        }
                    }
                    div.nav {
                        @if index > 0 {
                            button type="submit" name="go" value=(index - 1) formnovalidate { "‹ Phần trước" }
                        }
                        @if last {
                            button.primary type="submit" name="go" value="submit" { "Gửi phiếu" }
                        } @else {
                            button.primary type="submit" name="go" value=(index + 1) { "Phần tiếp ›" }
                        }
                    }
                }
                p.note { "Câu trả lời chỉ được lưu khi Ông/Bà bấm “Gửi phiếu” ở phần cuối. Tải lại trang này không làm mất câu trả lời." }
            }
        },
    )
}

fn question(item: &Item, scale: &Scale, picked: Option<String>, errors: &[FieldError]) -> Markup {
    let name = format!("a:{}", item.code);
    let field = format!("answers.{}", item.code);
    let error = errors.iter().find(|e| e.field == field);
    html! {
        fieldset.bad[error.is_some()] id={ "q-" (item.code) } {
            legend { span.qnum { (item.code) } " " (item.text) }
            @if let Some(e) = error { p.fielderror { (e.message) } }
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

pub fn thanks(text: &str, organiser: &str) -> Markup {
    page(
        "Cảm ơn",
        "invite",
        html! {},
        html! {
            main.thanks {
                p { strong { "Phiếu của Ông/Bà đã được ghi nhận." } }
                p { (text) }
                p.note { (organiser) }
            }
        },
    )
}

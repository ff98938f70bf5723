//! The paper form, printed from the definition: the same numbers and codes as the keying
//! screen, because both come from [`crate::survey::paper::layout`].

use crate::features::paper::page::with_headings;
use crate::survey::paper::{FieldKind, PaperField, NOT_ANSWERED};
use crate::survey::Survey;
use crate::text::Lang;
use crate::ui::layout::{lang_switch, page_in};
use maud::{html, Markup};

/// The printed form stays Vietnamese whatever the page's language (it is handed to
/// citizens); only the line above it, which is not printed, follows the language.
pub fn paper_form(lang: Lang, here: &str, survey: &Survey, fields: &[PaperField]) -> Markup {
    let l = lang;
    page_in(
        l,
        &survey.title,
        "print-form",
        html! {},
        html! {
            main.paper lang="vi" {
                p.noprint lang=(l.code()) {
                    a href="/entry" { (l.pick("← Nhập phiếu giấy", "← Paper forms")) } " · "
                    (l.pick("Trang này in ra phiếu giấy khổ A4 (Ctrl+P). Mã số và đáp án trùng với màn hình nhập phiếu.", "This page prints the paper form on A4 (Ctrl+P). Its numbers and codes are those of the keying screen."))
                    " · " (lang_switch(l, here))
                }
                header.formhead {
                    p.nation { "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM" br; "Độc lập – Tự do – Hạnh phúc" }
                    h1 { (survey.title) }
                    div.boxes {
                        span { "Mã phiếu: " span.box.wide {} }
                        span { "Phường/xã: " span.box.wide {} }
                        span { "Ngày trả lời: " span.box {} "/" span.box {} "/" span.box.wide {} }
                    }
                }
                @if let Some(intro) = &survey.intro { p.intro { (intro) } }
                p.howto {
                    "Cách trả lời: khoanh tròn " strong { "một mã số" } " cho mỗi câu. "
                    "Câu không trả lời thì để trống (khi nhập liệu gõ " (NOT_ANSWERED) "). "
                    "Câu có ghi “chỉ trả lời khi…” thì bỏ qua nếu câu được nhắc đến không có đáp án đó."
                }
                @for (heading, f) in with_headings(fields) {
                    @if let Some(h) = heading { h2 { (h) } }
                    (question(f))
                }
                @if let Some(thanks) = &survey.thanks { p.thanks-note { (thanks) } }
                p.footer { "Phiếu " (survey.id) " · phiên bản " (survey.version) }
            }
        },
    )
}

fn question(f: &PaperField) -> Markup {
    html! {
        div.q {
            p.qtext {
                strong { (f.label) ". " } (f.text)
                @if let Some(c) = &f.show_if {
                    " " em.skip { "(Chỉ trả lời khi câu " (c.label) " chọn " (c.keys.join(" hoặc ")) "; nếu không, chuyển sang câu tiếp theo.)" }
                }
            }
            @match &f.kind {
                FieldKind::Codes(codes) => {
                    ol.codes {
                        @for c in codes { li { span.code { (c.key) } " " (c.label) } }
                    }
                }
                FieldKind::Text { .. } => {
                    div.lines { span {} span {} span {} }
                }
            }
        }
    }
}

//! Codes on appointment slips: the page that asks for one, the thank-you page, and for admins
//! the form that makes them and the printable labels with QR codes.

use crate::features::campaigns::page::qr;
use crate::features::codes::service::{display, DEFAULT_DAYS, MAX_COUNT};
use crate::features::paper::page::Staff;
use crate::survey::{Survey, Unit};
use crate::text::Lang;
use crate::ui::layout::{choose_option, lang_switch, page};
use maud::{html, Markup};

/// The page asking for a slip's code, with the switch to the other language. A code refused
/// (`problem`) stays in the input as typed, with why beside it, ready to be corrected.
pub fn ask(lang: Lang, typed: &str, problem: Option<&str>) -> Markup {
    let l = lang;
    page(
        l,
        l.pick("Đánh giá sự hài lòng", "Rate our service"),
        "invite",
        html! {
            main {
                p.noprint { (lang_switch(l, "/o")) }
                h1 { (l.pick("Đánh giá sự hài lòng về dịch vụ hành chính công", "How satisfied are you with our public administrative service?")) }
                p { (l.pick("Nhập mã in trên phiếu hẹn trả kết quả để đánh giá lần giao dịch của Ông/Bà. Phiếu đánh giá không ghi tên; mỗi mã dùng được một lần.", "Type the code printed on your appointment slip to rate your visit. The form is anonymous; each code works once.")) }
                form method="get" action="/o" {
                    label for="code" { (l.pick("Mã trên phiếu hẹn", "Code on the slip")) }
                    input.code #code type="text" name="code" value=(typed) required autocomplete="off" autocapitalize="characters"
                        inputmode="text" maxlength="20" placeholder=(l.pick("vd. AB3CD-EF4GH", "e.g. AB3CD-EF4GH"))
                        autofocus[problem.is_some()]
                        aria-invalid=[problem.map(|_| "true")]
                        aria-describedby=[problem.map(|_| "code-problem")];
                    @if let Some(m) = problem { p.fielderror #code-problem role="alert" { (m) } }
                    div.nav { button.primary type="submit" { (l.pick("Bắt đầu đánh giá", "Start")) } }
                }
            }
        },
    )
}

pub fn thanks(lang: Lang) -> Markup {
    let l = lang;
    page(
        l,
        l.pick("Cảm ơn", "Thank you"),
        "invite",
        html! {
            main.thanks {
                p { strong { (l.pick("Đã ghi nhận đánh giá của Ông/Bà.", "Your answer has been recorded.")) } }
                p { (l.pick("Xin cảm ơn Ông/Bà đã giúp cải thiện dịch vụ hành chính công.", "Thank you for helping us improve our public services.")) }
            }
        },
    )
}

pub struct IssuePage<'a> {
    pub staff: Staff<'a>,
    pub surveys: Vec<&'a Survey>,
    pub units: &'a [Unit],
    pub error: Option<&'a str>,
}

pub fn issue_page(p: &IssuePage) -> Markup {
    let (st, l) = (&p.staff, p.staff.lang);
    st.section(
        l.pick("Mã đánh giá trên phiếu hẹn", "Codes for appointment slips"),
        l.pick("Mỗi mã in trên một phiếu hẹn trả kết quả; người dân nhập mã tại /o (hoặc quét mã QR) để đánh giá một lần trên điện thoại. Mã chỉ hiện một lần khi tạo (hệ thống chỉ lưu mã băm).", "Each code is printed on one appointment slip; the citizen types it at /o (or scans the QR code) to rate the service once on a phone. Codes are shown only once, when made (only their hashes are kept)."),
        p.error,
        html! {
            form.stack method="post" action="/codes" {
                input type="hidden" name="csrf" value=(st.csrf);
                label { (l.pick("Phiếu khảo sát", "Survey")) select name="survey" required { (choose_option(l)) @for s in &p.surveys { option value=(s.id) { (s.title_in(l)) } } } }
                label { (l.pick("Đơn vị (nơi trả kết quả)", "Unit (where results are handed back)")) select name="unit" required data-search=(crate::ui::layout::unit_search(l)) { (choose_option(l)) @for u in p.units { option value=(u.code) { (u.name) } } } }
                label { (l.pick("Số mã", "Number of codes")) input type="number" name="count" value="100" min="1" max=(MAX_COUNT) required; }
                label { (l.pick("Dùng được trong (ngày)", "Valid for (days)")) input type="number" name="days" value=(DEFAULT_DAYS) min="1" max="366" required; }
                label { (l.pick("Kết quả", "Output"))
                    select name="format" {
                        option value="labels" { (l.pick("Trang in nhãn (có mã QR)", "Labels to print (with QR codes)")) }
                        option value="csv" { (l.pick("Tệp CSV (code,url)", "CSV file (code,url)")) }
                    }
                }
                button.primary type="submit" { (l.pick("Tạo mã", "Make the codes")) }
            }
        },
    )
}

/// Labels to print on appointment slips, each with its QR code. Shown once, so it offers no
/// language switch (leaving it would lose the codes); the labels themselves stay Vietnamese,
/// for the citizens who read them.
pub fn labels(
    lang: Lang,
    codes: &[String],
    base_url: &str,
    unit_name: &str,
    expires: &str,
) -> Markup {
    let l = lang;
    let n = l.count(i64::try_from(codes.len()).unwrap_or(i64::MAX));
    page(
        l,
        l.pick("Mã đánh giá", "Slip codes"),
        "",
        html! {
            main {
                p.crumbs.noprint { a href="/codes" { (l.pick("‹ Tạo mã khác", "‹ Make other codes")) } }
                p.noprint.saved { @match l {
                    Lang::Vi => { "Đã tạo " (n) " mã cho " (unit_name) ", dùng được đến hết ngày " (l.when(expires)) ". Trang này chỉ hiện một lần: in ngay hoặc lưu thành PDF." }
                    Lang::En => { (n) " codes made for " (unit_name) ", valid until the end of " (l.when(expires)) ". This page is shown only once: print it now or save it as a PDF." }
                } }
                div.cards {
                    @for c in codes {
                        @let url = format!("{base_url}/o/{c}");
                        div.card {
                            (qr(&url))
                            div {
                                strong { "Đánh giá sự hài lòng" } br;
                                span.note { (unit_name) } br;
                                "Mã: " strong.code { (display(c)) } br;
                                span.note { "Quét mã QR, hoặc vào " } span.url { (base_url) "/o" } span.note { " và nhập mã." } br;
                                span.note { "Dùng đến " (crate::text::format::when(expires)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

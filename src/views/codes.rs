//! Codes on appointment slips: the page that asks for one, the thank-you page, and for admins
//! the form that makes them and the printable labels with QR codes.

use super::campaigns::qr;
use super::entry::Staff;
use super::format::when;
use super::layout::{page, staff_bar};
use crate::app::codes::{display, DEFAULT_DAYS, MAX_COUNT};
use crate::survey::{Survey, Unit};
use maud::{html, Markup};

pub fn ask(error: Option<&str>) -> Markup {
    page(
        "Đánh giá sự hài lòng",
        "invite",
        html! {},
        html! {
            main {
                h1 { "Đánh giá sự hài lòng về dịch vụ hành chính công" }
                p { "Nhập mã in trên phiếu hẹn trả kết quả để đánh giá lần giao dịch của Ông/Bà. Phiếu đánh giá không ghi tên; mỗi mã dùng được một lần." }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="get" action="/o" {
                    label { "Mã trên phiếu hẹn"
                        input.code type="text" name="code" required autocomplete="off" autocapitalize="characters"
                            inputmode="text" maxlength="20" placeholder="vd. AB3CD-EF4GH";
                    }
                    div.nav { button.primary type="submit" { "Bắt đầu đánh giá" } }
                }
            }
        },
    )
}

pub fn thanks() -> Markup {
    page(
        "Cảm ơn",
        "invite",
        html! {},
        html! {
            main.thanks {
                p { strong { "Đã ghi nhận đánh giá của Ông/Bà." } }
                p { "Xin cảm ơn Ông/Bà đã giúp cải thiện dịch vụ hành chính công." }
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
    page(
        "Mã đánh giá trên phiếu hẹn",
        "",
        html! {},
        html! {
            (staff_bar(p.staff.username, p.staff.role, p.staff.csrf))
            main {
                h1 { "Mã đánh giá trên phiếu hẹn" }
                p.note { "Mỗi mã in trên một phiếu hẹn trả kết quả; người dân nhập mã tại /o (hoặc quét mã QR) để đánh giá một lần trên điện thoại. Mã chỉ hiện một lần khi tạo (hệ thống chỉ lưu mã băm)." }
                @if let Some(e) = p.error { p.error role="alert" { (e) } }
                form.stack method="post" action="/codes" {
                    input type="hidden" name="csrf" value=(p.staff.csrf);
                    label { "Phiếu khảo sát" select name="survey" required { @for s in &p.surveys { option value=(s.id) { (s.title) } } } }
                    label { "Đơn vị (nơi trả kết quả)" select name="unit" required { @for u in p.units { option value=(u.code) { (u.name) } } } }
                    label { "Số mã" input type="number" name="count" value="100" min="1" max=(MAX_COUNT) required; }
                    label { "Dùng được trong (ngày)" input type="number" name="days" value=(DEFAULT_DAYS) min="1" max="366" required; }
                    label { "Kết quả"
                        select name="format" {
                            option value="labels" { "Trang in nhãn (có mã QR)" }
                            option value="csv" { "Tệp CSV (code,url)" }
                        }
                    }
                    button.primary type="submit" { "Tạo mã" }
                }
            }
        },
    )
}

/// Labels to print on appointment slips, each with its QR code.
pub fn labels(codes: &[String], base_url: &str, unit_name: &str, expires: &str) -> Markup {
    page(
        "Mã đánh giá",
        "",
        html! {},
        html! {
            main {
                p.crumbs.noprint { a href="/codes" { "‹ Tạo mã khác" } }
                p.noprint.saved { "Đã tạo " (codes.len()) " mã cho " (unit_name) ", dùng được đến hết ngày " (when(expires)) ". Trang này chỉ hiện một lần: in ngay hoặc lưu thành PDF." }
                div.cards {
                    @for c in codes {
                        @let url = format!("{base_url}/o/{c}");
                        div.card {
                            (qr(&url))
                            div {
                                strong { "Đánh giá sự hài lòng" } br;
                                span.note { (unit_name) } br;
                                "Mã: " strong.code { (display(c)) } br;
                                span.url { (base_url) "/o" } br;
                                span.note { "Dùng đến " (when(expires)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

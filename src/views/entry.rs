//! Survey staff's pages: batches of paper forms, their progress, and the keying screen.

use super::format::{count, when};
use super::layout::{page, staff_bar};
use crate::app::paper::{
    BatchProgress, FormLine, ADJUDICATED, DATE, DISPUTED, KEYED_ONCE, VERIFIED,
};
use crate::survey::paper::{FieldKind, KeyError, Keyed, PaperField};
use crate::survey::{Survey, Unit};
use maud::{html, Markup};

/// Who is looking, for the top bar and for what they may do.
pub struct Staff<'a> {
    pub username: &'a str,
    pub role: &'a str,
    pub csrf: &'a str,
}

impl Staff<'_> {
    pub fn supervises(&self) -> bool {
        matches!(self.role, "supervisor" | "admin")
    }
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        KEYED_ONCE => "Đã nhập 1 lần",
        VERIFIED => "Đã xác minh",
        DISPUTED => "Chờ đối chiếu",
        ADJUDICATED => "Đã đối chiếu",
        _ => "—",
    }
}

/// The batches page: every batch with its progress, and (for supervisors) a new one.
pub struct BatchesPage<'a> {
    pub staff: Staff<'a>,
    pub batches: &'a [BatchProgress],
    pub surveys: Vec<&'a Survey>,
    pub units: &'a [Unit],
    pub period: i32,
    pub error: Option<&'a str>,
    pub unit_name: &'a dyn Fn(&str) -> String,
    pub survey_title: &'a dyn Fn(&str) -> String,
}

pub fn batches(p: &BatchesPage) -> Markup {
    page(
        "Nhập phiếu giấy",
        "",
        html! {},
        html! {
            (staff_bar(p.staff.username, p.staff.role, p.staff.csrf))
            main {
                h1 { "Nhập phiếu giấy" }
                p.note { "Mỗi phiếu được hai người nhập độc lập; hai lần nhập trùng nhau thì phiếu được xác minh và tính vào kết quả, khác nhau thì người giám sát đối chiếu với phiếu giấy." }
                @if let Some(e) = p.error { p.error role="alert" { (e) } }
                @if p.batches.is_empty() {
                    p { "Chưa có lô phiếu nào." @if p.staff.supervises() { " Tạo lô đầu tiên bằng biểu mẫu bên dưới." } @else { " Người giám sát tạo lô phiếu trước khi nhập." } }
                } @else {
                    div.scroll {
                        table {
                            thead { tr {
                                th { "Lô phiếu" } th { "Phiếu khảo sát" } th { "Đơn vị" } th { "Năm" }
                                th.num { "Số phiếu" } th.num { "Nhập 1 lần" } th.num { "Nhập 2 lần" }
                                th.num { "Đã xác minh" } th.num { "Chờ đối chiếu" } th { "" }
                            } }
                            tbody {
                                @for b in p.batches {
                                    tr {
                                        td { a href={ "/entry/batches/" (b.batch.id) } { (b.batch.label) } }
                                        td { ((p.survey_title)(&b.batch.survey_id)) }
                                        td { ((p.unit_name)(&b.batch.unit_code)) }
                                        td.num { (b.batch.period) }
                                        td.num { (count(i64::from(b.batch.expected))) }
                                        td.num { (count(b.keyed())) }
                                        td.num { (count(b.keyed_twice())) }
                                        td.num { (count(b.done())) }
                                        td.num { @if b.disputed > 0 { strong.down { (count(b.disputed)) } } @else { "0" } }
                                        td { a.button href={ "/entry/batches/" (b.batch.id) "/key" } { "Nhập phiếu" } }
                                    }
                                }
                            }
                        }
                    }
                }
                @if p.staff.supervises() { (new_batch_form(p)) }
                p.links {
                    a href="/entry/disputes" { "Phiếu chờ đối chiếu" } " · "
                    a href="/entry/keyers" { "Thống kê người nhập" }
                    @if p.staff.supervises() { " · " a href="/audit" { "Nhật ký thay đổi" } }
                }
            }
        },
    )
}

fn new_batch_form(p: &BatchesPage) -> Markup {
    html! {
        h2 { "Tạo lô phiếu mới" }
        form.stack method="post" action="/entry/batches" {
            input type="hidden" name="csrf" value=(p.staff.csrf);
            label { "Phiếu khảo sát"
                select name="survey" required {
                    @for s in &p.surveys { option value=(s.id) { (s.title) } }
                }
            }
            label { "Đơn vị (phường, xã nơi phát phiếu)"
                select name="unit" required {
                    @for u in p.units { option value=(u.code) { (u.name) } }
                }
            }
            label { "Năm khảo sát" input type="number" name="period" value=(p.period) min="2000" max="2100" required; }
            label { "Số phiếu trong lô" input type="number" name="expected" value="50" min="1" max="10000" required; }
            label { "Tên lô (không bắt buộc)" input type="text" name="label" maxlength="80" placeholder="vd. Lô 01 – Bưu điện Ninh Kiều"; }
            button.primary type="submit" { "Tạo lô" }
        }
    }
}

/// One batch: progress and its forms (who keyed each, never what).
pub fn batch(
    staff: &Staff,
    b: &BatchProgress,
    forms: &[FormLine],
    unit_name: &str,
    survey: &Survey,
) -> Markup {
    let pct = |n: i64| {
        if b.batch.expected > 0 {
            (n * 100 / i64::from(b.batch.expected)).min(100)
        } else {
            0
        }
    };
    page(
        &b.batch.label,
        "",
        html! {},
        html! {
            (staff_bar(staff.username, staff.role, staff.csrf))
            main {
                p.crumbs { a href="/entry" { "Nhập phiếu giấy" } " › " (b.batch.label) }
                h1 { (b.batch.label) }
                p { (survey.title) " · " (unit_name) " · năm " (b.batch.period) }
                @if survey.count_single_keyed {
                    p.error { "Phiếu khảo sát này được cài đặt tính cả phiếu mới nhập một lần vào kết quả, trước khi được xác minh." }
                }
                dl.progress {
                    (progress_row("Đã nhập ít nhất 1 lần", b.keyed(), b.batch.expected, pct(b.keyed())))
                    (progress_row("Đã nhập 2 lần", b.keyed_twice(), b.batch.expected, pct(b.keyed_twice())))
                    (progress_row("Đã xác minh hoặc đối chiếu", b.done(), b.batch.expected, pct(b.done())))
                    (progress_row("Chờ đối chiếu", b.disputed, b.batch.expected, pct(b.disputed)))
                }
                p {
                    a.button.primary href={ "/entry/batches/" (b.batch.id) "/key" } { "Nhập phiếu" } " "
                    a.button href={ "/surveys/" (survey.id) "/print" } { "In phiếu trắng" }
                }
                @if forms.is_empty() {
                    p { "Chưa có phiếu nào của lô này được nhập." }
                } @else {
                    div.scroll {
                        table {
                            thead { tr { th { "Mã phiếu" } th { "Trạng thái" } th { "Người nhập lần 1" } th { "Người nhập lần 2" } th.num { "Số ô khác nhau" } } }
                            tbody {
                                @for f in forms {
                                    tr {
                                        td { (f.form.serial) }
                                        td {
                                            @if f.form.status == DISPUTED && staff.supervises() {
                                                a href={ "/entry/forms/" (f.form.id) } { (status_label(&f.form.status)) }
                                            } @else if f.form.response_id.is_some() && staff.supervises() {
                                                (status_label(&f.form.status)) " · " a href={ "/entry/forms/" (f.form.id) "/correct" } { "sửa" }
                                            } @else { (status_label(&f.form.status)) }
                                        }
                                        td { (f.keyers.first().map_or("", String::as_str)) }
                                        td { (f.keyers.get(1).map_or("", String::as_str)) }
                                        td.num { (f.form.differences.map_or(String::new(), |d| d.to_string())) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn progress_row(label: &str, n: i64, expected: i32, pct: i64) -> Markup {
    html! {
        div {
            dt { (label) }
            dd {
                meter min="0" max=(expected) value=(n) {}
                " " (count(n)) " / " (count(i64::from(expected))) " (" (pct) " %)"
            }
        }
    }
}

/// The keying screen, as the server last saw it: blank, or what was posted with its errors.
pub struct KeyingPage<'a> {
    pub staff: Staff<'a>,
    pub batch: &'a BatchProgress,
    pub unit_name: &'a str,
    pub survey: &'a Survey,
    pub fields: &'a [PaperField],
    pub serial: &'a str,
    pub date: &'a str,
    pub keys: &'a Keyed,
    pub started_at: &'a str,
    /// Errors of the last post, by field name ("serial", "date" or a field), or for the form.
    pub errors: &'a [KeyError],
    /// What the last save did, shown above a fresh form.
    pub saved: Option<&'a str>,
}

pub fn keying(p: &KeyingPage) -> Markup {
    let error_of = |name: &str| {
        p.errors
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.message.as_str())
    };
    let general: Vec<&KeyError> = p.errors.iter().filter(|e| e.name.is_empty()).collect();
    page(
        "Nhập phiếu",
        "entry",
        html! { script src=(super::assets::entry_js_url()) defer {} },
        html! {
            (staff_bar(p.staff.username, p.staff.role, p.staff.csrf))
            main {
                p.crumbs { a href="/entry" { "Nhập phiếu giấy" } " › " a href={ "/entry/batches/" (p.batch.batch.id) } { (p.batch.batch.label) } " › nhập phiếu" }
                h1 { "Nhập phiếu: " (p.survey.title) }
                p { (p.unit_name) " · năm " (p.batch.batch.period) " · đã nhập " (count(p.batch.keyed())) " / " (count(i64::from(p.batch.batch.expected))) " phiếu" }
                @if let Some(s) = p.saved { p.saved role="status" { (s) } }
                @if p.survey.count_single_keyed {
                    p.note { "Phiếu khảo sát này tính cả phiếu mới nhập một lần vào kết quả, trước khi được xác minh." }
                }
                @if !p.errors.is_empty() {
                    div.error role="alert" {
                        p { strong { "Phiếu chưa được lưu." } " Sửa các ô được đánh dấu rồi lưu lại." }
                        @for e in &general { p { (e.message) } }
                    }
                }
                p.note.keyhelp {
                    "Gõ mã in bên cạnh ô trên phiếu; ô tự chuyển sang câu tiếp theo. "
                    kbd { "0" } " hoặc " kbd { "Space" } " = để trống, " kbd { "Backspace" } " = quay lại câu trước, "
                    kbd { "Enter" } " ở câu cuối = lưu và mở phiếu tiếp theo. Câu bị bỏ qua theo hướng dẫn trên phiếu được tự động bỏ qua."
                }
                form #keying method="post" action={ "/entry/batches/" (p.batch.batch.id) "/key" } autocomplete="off" {
                    input type="hidden" name="csrf" value=(p.staff.csrf);
                    input type="hidden" name="started_at" value=(p.started_at);
                    div.keyrow.wide {
                        label for="serial" { strong { "Mã phiếu" } }
                        input #serial type="text" name="serial" value=(p.serial) required autofocus maxlength="40" inputmode="text" aria-describedby="serial-hint" class=[error_of("serial").map(|_| "bad")];
                        span #serial-hint .codes { "Mã in ở góc phiếu" }
                        @if let Some(e) = error_of("serial") { span.fielderror { (e) } }
                    }
                    div.keyrow.wide {
                        label for="date" { strong { "Ngày trả lời" } }
                        input #date type="text" name=(DATE) value=(p.date) required maxlength="10" inputmode="numeric" placeholder="ngày/tháng/năm" aria-describedby="date-hint" class=[error_of(DATE).map(|_| "bad")];
                        span #date-hint .codes { "vd. 15/06/2025 hoặc 15062025" }
                        @if let Some(e) = error_of(DATE) { span.fielderror { (e) } }
                    }
                    @for (heading, f) in with_headings(p.fields) {
                        @if let Some(h) = heading { h2 { (h) } }
                        (key_field(f, p.keys.get(&f.name).map_or("", String::as_str), error_of(&f.name)))
                    }
                    button.primary.submit type="submit" { "Lưu và nhập phiếu tiếp" }
                }
            }
        },
    )
}

/// Each field with the section heading to print before it, where a new section starts.
pub fn with_headings(fields: &[PaperField]) -> Vec<(Option<&str>, &PaperField)> {
    let mut last: Option<&str> = None;
    fields
        .iter()
        .map(|f| {
            let here = f.section.as_deref();
            let heading = (here != last).then_some(here).flatten();
            last = here;
            (heading, f)
        })
        .collect()
}

pub(crate) fn key_field(f: &PaperField, value: &str, error: Option<&str>) -> Markup {
    let id = format!("f-{}", f.name.replace('.', "-"));
    let hint = format!("{id}-codes");
    let (keys, show_name, show_keys) = (
        f.keys().replace(", ", " "),
        f.show_if.as_ref().map(|c| c.name.clone()),
        f.show_if.as_ref().map(|c| c.keys.join(" ")),
    );
    html! {
        div.keyrow.text[matches!(f.kind, FieldKind::Text { .. })] data-field=(f.name) data-show-if=[show_name] data-show-keys=[show_keys] {
            label for=(id) { span.qnum { (f.label) "." } " " (f.text) }
            @match &f.kind {
                FieldKind::Codes(codes) => {
                    input id=(id) type="text" name=(f.name) value=(value) size="2" maxlength="2" inputmode="numeric"
                        data-keys=(keys) aria-describedby=(hint) class=[error.map(|_| "bad")];
                    span id=(hint) .codes {
                        @for c in codes { span.code { b { (c.key) } " " (c.label) } }
                        span.code { b { "0" } " để trống" }
                        @if let Some(c) = &f.show_if { span.skip { "(chỉ trả lời khi " (c.label) " = " (c.keys.join(" hoặc ")) ")" } }
                    }
                }
                FieldKind::Text { max_length } => {
                    input id=(id) type="text" name=(f.name) value=(value) maxlength=(max_length) class=[error.map(|_| "bad")];
                }
            }
            @if let Some(e) = error { span.fielderror role="alert" { (e) } }
        }
    }
}

/// When a form was saved, in words for the keyer.
pub fn saved_message(serial: &str, outcome: &crate::app::paper::Keyed1) -> String {
    use crate::app::paper::Keyed1;
    match outcome {
        Keyed1::First { counted: false } => format!("Đã lưu phiếu {serial} (lần nhập thứ nhất). Phiếu cần một người khác nhập lần hai."),
        Keyed1::First { counted: true } => format!("Đã lưu phiếu {serial} (lần nhập thứ nhất); phiếu đã được tính vào kết quả và chờ nhập lần hai."),
        Keyed1::Verified => format!("Đã lưu phiếu {serial}: trùng khớp với lần nhập thứ nhất, phiếu đã được xác minh."),
        Keyed1::Disputed(n) => format!("Đã lưu phiếu {serial}: khác lần nhập thứ nhất ở {n} ô; người giám sát sẽ đối chiếu với phiếu giấy."),
    }
}

/// Stored time, for pages that list keyings.
pub fn at(stored: &str) -> String {
    when(stored)
}

/// A counted form opened for correction: its stored values in the keying screen's fields, and
/// a reason.
pub struct CorrectionPage<'a> {
    pub staff: Staff<'a>,
    pub form_id: &'a str,
    pub serial: &'a str,
    pub batch: &'a crate::db::paper::Batch,
    pub survey: &'a Survey,
    pub fields: &'a [PaperField],
    pub date: &'a str,
    pub keys: &'a Keyed,
    pub reason: &'a str,
    pub errors: &'a [KeyError],
}

pub fn correction(p: &CorrectionPage) -> Markup {
    let error_of = |name: &str| {
        p.errors
            .iter()
            .find(|e| e.name == name)
            .map(|e| e.message.as_str())
    };
    page(
        &format!("Sửa phiếu {}", p.serial),
        "entry",
        html! { script src=(super::assets::entry_js_url()) defer {} },
        html! {
            (staff_bar(p.staff.username, p.staff.role, p.staff.csrf))
            main {
                p.crumbs { a href="/entry" { "Nhập phiếu giấy" } " › " a href={ "/entry/batches/" (p.batch.id) } { (p.batch.label) } " › sửa phiếu " (p.serial) }
                h1 { "Sửa phiếu " (p.serial) }
                p { "Phiếu đã được tính vào kết quả. Sửa những ô đọc sai trên phiếu giấy và ghi lý do: kết quả được cập nhật ngay, giá trị cũ và mới được ghi vào nhật ký." }
                @if !p.errors.is_empty() {
                    div.error role="alert" {
                        p { strong { "Chưa lưu." } " Sửa các ô được đánh dấu rồi lưu lại." }
                        @for e in p.errors.iter().filter(|e| e.name.is_empty() || e.name == "reason") { p { (e.message) } }
                    }
                }
                form #keying method="post" action={ "/entry/forms/" (p.form_id) "/correct" } autocomplete="off" {
                    input type="hidden" name="csrf" value=(p.staff.csrf);
                    div.keyrow.wide {
                        label for="date" { strong { "Ngày trả lời" } }
                        input #date type="text" name=(DATE) value=(p.date) required maxlength="10" class=[error_of(DATE).map(|_| "bad")];
                        @if let Some(e) = error_of(DATE) { span.fielderror { (e) } }
                    }
                    @for (heading, f) in with_headings(p.fields) {
                        @if let Some(h) = heading { h2 { (h) } }
                        (key_field(f, p.keys.get(&f.name).map_or("", String::as_str), error_of(&f.name)))
                    }
                    div.keyrow.wide {
                        label for="reason" { strong { "Lý do sửa" } }
                        input #reason type="text" name="reason" value=(p.reason) required maxlength="200" class=[error_of("reason").map(|_| "bad")];
                    }
                    button.primary.submit type="submit" { "Lưu phiếu đã sửa" }
                }
            }
        },
    )
}

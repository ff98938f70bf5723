//! Survey staff's pages: batches of paper forms, their progress, and the keying screen.

use crate::features::paper::service::batches::{BatchProgress, FormLine, Overview};
use crate::features::paper::service::corrections::Correction;
use crate::features::paper::service::keying::BLANK_OK;
use crate::features::paper::service::{Keyed1, ADJUDICATED, DATE, DISPUTED, KEYED_ONCE, VERIFIED};
use crate::survey::paper::{FieldKind, KeyError, Keyed, PaperField};
use crate::survey::Survey;
use crate::text::Lang;
use crate::ui::layout::{choose_option, unit_search};
use crate::ui::notice::Notice;
pub use crate::ui::staff::Staff;
use maud::{html, Markup};

pub fn status_label(lang: Lang, status: &str) -> &'static str {
    match status {
        KEYED_ONCE => lang.pick("Đã nhập 1 lần", "Keyed once"),
        VERIFIED => lang.pick("Đã xác minh", "Verified"),
        DISPUTED => lang.pick("Chờ đối chiếu", "Awaiting settlement"),
        ADJUDICATED => lang.pick("Đã đối chiếu", "Settled"),
        _ => "—",
    }
}

/// The batches page: every batch with its progress, and (for supervisors) a new one.
pub struct BatchesPage<'a> {
    pub staff: Staff<'a>,
    pub surveys: Vec<&'a Survey>,
    pub overview: &'a Overview,
    pub error: Option<&'a str>,
    /// What the last change said (a correction of a form that has no batch).
    pub said: Option<&'a Notice>,
}

pub fn batches(p: &BatchesPage) -> Markup {
    let (st, l, batches) = (&p.staff, p.staff.lang, &p.overview.batches);
    // A batch of a survey no longer loaded shows its id.
    let survey_title = |id: &str| {
        p.surveys
            .iter()
            .find(|s| s.id == id)
            .map_or(id.to_string(), |s| s.title_in(l).to_string())
    };
    st.section(
        st.t("Nhập phiếu giấy", "Paper forms"),
        st.t("Mỗi phiếu được hai người nhập độc lập; hai lần nhập trùng nhau thì phiếu được xác minh và tính vào kết quả, khác nhau thì người giám sát đối chiếu với phiếu giấy.", "Two people key every form independently; when both keyings agree the form is verified and counted, when they differ a supervisor settles them against the paper."),
        p.error,
        html! {
            @if let Some(n) = p.said { (n.draw(l)) }
            @if batches.is_empty() {
                p { (st.t("Chưa có lô phiếu nào.", "No batch yet.")) @if st.supervises() { (st.t(" Tạo lô đầu tiên bằng biểu mẫu bên dưới.", " Create the first one with the form below.")) } @else { (st.t(" Người giám sát tạo lô phiếu trước khi nhập.", " A supervisor creates a batch before keying starts.")) } }
            } @else {
                div.scroll {
                    table {
                        thead { tr {
                            th { (st.t("Lô phiếu", "Batch")) } th { (st.t("Phiếu khảo sát", "Survey")) } th { (st.t("Đơn vị", "Unit")) } th { (st.t("Năm", "Year")) }
                            th.num { (st.t("Số phiếu", "Forms")) } th.num { (st.t("Nhập 1 lần", "Keyed once")) } th.num { (st.t("Nhập 2 lần", "Keyed twice")) }
                            th.num { (st.t("Đã xác minh", "Verified")) } th.num { (st.t("Chờ đối chiếu", "Awaiting settlement")) } th { (st.t("Thao tác", "Action")) }
                        } }
                        tbody {
                            @for b in batches {
                                tr {
                                    td { a href={ "/entry/batches/" (b.batch.id) } { (b.batch.label) } }
                                    td { (survey_title(&b.batch.survey_id)) }
                                    td { (b.batch.unit_name) }
                                    td.num { (b.batch.period) }
                                    td.num { (l.count(i64::from(b.batch.expected))) }
                                    td.num { (l.count(b.keyed())) }
                                    td.num { (l.count(b.keyed_twice())) }
                                    td.num { (l.count(b.done())) }
                                    td.num { @if b.disputed > 0 { strong.down { (l.count(b.disputed)) } } @else { "0" } }
                                    td { a.button href={ "/entry/batches/" (b.batch.id) "/key" } { (st.t("Nhập phiếu", "Key forms")) } }
                                }
                            }
                        }
                    }
                }
            }
            @if st.supervises() { (new_batch_form(p)) }
            p.links {
                a href="/entry/disputes" { (st.t("Phiếu chờ đối chiếu", "Forms awaiting settlement")) } " · "
                a href="/entry/keyers" { (st.t("Thống kê người nhập", "Keyer statistics")) }
                @if st.supervises() { " · " a href="/audit" { (st.t("Nhật ký thay đổi", "Audit log")) } }
            }
        },
    )
}

fn new_batch_form(p: &BatchesPage) -> Markup {
    let st = &p.staff;
    html! {
        h2 { (st.t("Tạo lô phiếu mới", "New batch")) }
        form.stack method="post" action="/entry/batches" {
            input type="hidden" name="csrf" value=(st.csrf);
            label { (st.t("Phiếu khảo sát", "Survey"))
                select name="survey" required {
                    (choose_option(st.lang))
                    // The code first: two titles start alike ("Phiếu…"), codes do not.
                    @for s in &p.surveys { option value=(s.id) { (s.id) " — " (s.title_in(st.lang)) } }
                }
            }
            label { (st.t("Đơn vị (phường, xã nơi phát phiếu)", "Unit (the ward or commune the forms were handed out in)"))
                select name="unit" required data-search=(unit_search(st.lang)) {
                    (choose_option(st.lang))
                    @for u in &p.overview.units { option value=(u.code) { (u.name) } }
                }
            }
            label { (st.t("Năm khảo sát", "Survey year")) input type="number" name="period" value=(p.overview.period) min="2000" max="2100" required; }
            label { (st.t("Số phiếu trong lô", "Forms in the batch")) input type="number" name="expected" value="50" min="1" max="10000" required; }
            label { (st.t("Tên lô (không bắt buộc)", "Batch name (optional)")) input type="text" name="label" maxlength="80" placeholder=(st.t("vd. Lô 01 – Bưu điện Ninh Kiều", "e.g. Batch 01 – Ninh Kiều post office")); }
            button.primary type="submit" { (st.t("Tạo lô", "Create the batch")) }
        }
    }
}

/// One batch: progress and its forms (who keyed each, never what).
pub fn batch(
    staff: &Staff,
    said: Option<&Notice>,
    b: &BatchProgress,
    forms: &[FormLine],
    survey: &Survey,
) -> Markup {
    let (st, l) = (staff, staff.lang);
    let pct = |n: i64| {
        if b.batch.expected > 0 {
            (n * 100 / i64::from(b.batch.expected)).min(100)
        } else {
            0
        }
    };
    under_entry(
        st,
        &b.batch.label,
        &b.batch.label,
        html! {
            h1 { (b.batch.label) }
            @if let Some(n) = said { (n.draw(l)) }
            p { (survey.title_in(l)) " · " (b.batch.unit_name) " · " (st.t("năm", "year")) " " (b.batch.period) }
            @if survey.count_single_keyed {
                p.error { (st.t("Phiếu khảo sát này được cài đặt tính cả phiếu mới nhập một lần vào kết quả, trước khi được xác minh.", "This survey is set to count forms keyed once, before they are verified.")) }
            }
            dl.progress {
                (progress_row(l, st.t("Đã nhập ít nhất 1 lần", "Keyed at least once"), b.keyed(), b.batch.expected, pct(b.keyed())))
                (progress_row(l, st.t("Đã nhập 2 lần", "Keyed twice"), b.keyed_twice(), b.batch.expected, pct(b.keyed_twice())))
                (progress_row(l, st.t("Đã xác minh hoặc đối chiếu", "Verified or settled"), b.done(), b.batch.expected, pct(b.done())))
                (progress_row(l, st.t("Chờ đối chiếu", "Awaiting settlement"), b.disputed, b.batch.expected, pct(b.disputed)))
            }
            p {
                a.button.primary href={ "/entry/batches/" (b.batch.id) "/key" } { (st.t("Nhập phiếu", "Key forms")) } " "
                a.button href={ "/surveys/" (survey.id) "/print" } { (st.t("In phiếu trắng", "Print blank forms")) }
            }
            @if forms.is_empty() {
                p { (st.t("Chưa có phiếu nào của lô này được nhập.", "No form of this batch has been keyed yet.")) }
            } @else {
                div.scroll {
                    table {
                        thead { tr { th { (st.t("Mã phiếu", "Serial")) } th { (st.t("Trạng thái", "Status")) } th { (st.t("Người nhập lần 1", "First keyer")) } th { (st.t("Người nhập lần 2", "Second keyer")) } th.num { (st.t("Số ô khác nhau", "Fields that differ")) } } }
                        tbody {
                            @for f in forms {
                                tr {
                                    td { (f.form.serial) }
                                    td {
                                        @if f.form.status == DISPUTED && st.supervises() {
                                            a href={ "/entry/forms/" (f.form.id) } { (status_label(l, &f.form.status)) }
                                        } @else if f.form.counted && st.supervises() {
                                            (status_label(l, &f.form.status)) " · " a href={ "/entry/forms/" (f.form.id) "/correct" } { (st.t("sửa", "correct")) }
                                        } @else { (status_label(l, &f.form.status)) }
                                    }
                                    td { (f.keyers.first().map_or("", String::as_str)) }
                                    td { (f.keyers.get(1).map_or("", String::as_str)) }
                                    td.num { (f.form.differences.map_or(String::new(), |d| l.count(i64::from(d)))) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

fn progress_row(l: Lang, label: &str, n: i64, expected: i32, pct: i64) -> Markup {
    html! {
        div {
            dt { (label) }
            dd {
                meter min="0" max=(expected) value=(n) {}
                " " (l.count(n)) " / " (l.count(i64::from(expected))) " (" (pct) " %)"
            }
        }
    }
}

/// The keying screen, as the server last saw it: blank, or what was posted with its errors.
pub struct KeyingPage<'a> {
    pub staff: Staff<'a>,
    pub batch: &'a BatchProgress,
    pub survey: &'a Survey,
    pub fields: &'a [PaperField],
    pub serial: &'a str,
    pub date: &'a str,
    pub keys: &'a Keyed,
    pub started_at: &'a str,
    /// The first and last day a form may be dated (YYYY-MM-DD), checked as the date is left.
    pub dates: (&'a str, &'a str),
    /// Errors of the last post, by field name ("serial", "date" or a field), or for the form.
    pub errors: &'a [KeyError],
    /// What the last save did, shown above a fresh form.
    pub saved: Option<&'a crate::ui::notice::Notice>,
}

pub fn keying(p: &KeyingPage) -> Markup {
    let (st, l) = (&p.staff, p.staff.lang);
    let error_of = |name: &str| error_of(l, p.errors, name);
    let general: Vec<&KeyError> = p.errors.iter().filter(|e| e.name.is_empty()).collect();
    // After a failed save the cursor waits in the first field to correct, in the form's order
    // (the serial when the form as a whole was refused).
    let first_bad = first_in_error(p.fields, p.errors);
    let (first, last) = (l.when(p.dates.0), l.when(p.dates.1));
    let outside = match l {
        Lang::Vi => format!(
            "Ngày ngoài thời gian nhận phiếu của năm {}: từ {first} đến {last}.",
            p.batch.batch.period
        ),
        Lang::En => format!(
            "This day is outside the days forms of {} may be dated: {first} to {last}.",
            p.batch.batch.period
        ),
    };
    st.page(
        st.t("Nhập phiếu", "Key forms"),
        "entry",
        html! { script src=(crate::ui::assets::entry_js_url()) defer {} },
        html! {
            main {
                p.crumbs { a href="/entry" { (st.t("Nhập phiếu giấy", "Paper forms")) } " › " a href={ "/entry/batches/" (p.batch.batch.id) } { (p.batch.batch.label) } " › " (st.t("nhập phiếu", "keying")) }
                h1 { (st.t("Nhập phiếu: ", "Keying: ")) (p.survey.title_in(l)) }
                p { (p.batch.batch.unit_name) " · " (st.t("năm", "year")) " " (p.batch.batch.period) " · " (st.t("đã nhập", "keyed")) " " (l.count(p.batch.keyed())) " / " (l.count(i64::from(p.batch.batch.expected))) " " (st.t("phiếu", "forms")) }
                @if let Some(n) = p.saved { (n.draw(l)) }
                @if p.survey.count_single_keyed {
                    p.note { (st.t("Phiếu khảo sát này tính cả phiếu mới nhập một lần vào kết quả, trước khi được xác minh.", "This survey counts forms keyed once, before they are verified.")) }
                }
                @if !p.errors.is_empty() {
                    div.error role="alert" {
                        p { strong { (st.t("Phiếu chưa được lưu.", "The form was not saved.")) } (st.t(" Sửa các ô được đánh dấu rồi lưu lại.", " Correct the marked fields and save again.")) }
                        @for e in &general { p { (l.text(&e.message)) } }
                    }
                }
                p.note.keyhelp {
                    @match l {
                        Lang::Vi => {
                            "Gõ mã in bên cạnh ô trên phiếu; ô tự chuyển sang câu tiếp theo. "
                            kbd { "0" } " hoặc " kbd { "Space" } " = để trống, " kbd { "Backspace" } " = quay lại câu trước, "
                            kbd { "Enter" } " ở câu cuối = lưu và mở phiếu tiếp theo. Câu bị bỏ qua theo hướng dẫn trên phiếu được tự động bỏ qua."
                        }
                        Lang::En => {
                            "Type the code printed beside the box on the form; the cursor moves to the next question. "
                            kbd { "0" } " or " kbd { "Space" } " = left blank, " kbd { "Backspace" } " = back to the previous question, "
                            kbd { "Enter" } " on the last question = save and open the next form. Questions the form says to skip are skipped for you."
                        }
                    }
                }
                form #keying method="post" action={ "/entry/batches/" (p.batch.batch.id) "/key" } autocomplete="off" {
                    input type="hidden" name="csrf" value=(st.csrf);
                    input type="hidden" name="started_at" value=(p.started_at);
                    div.keyrow.wide {
                        label for="serial" { strong { (st.t("Mã phiếu", "Serial")) } }
                        input #serial type="text" name="serial" value=(p.serial) required autofocus[first_bad.is_none() || first_bad == Some("serial")] maxlength="40" inputmode="text" aria-describedby="serial-hint" class=[error_of("serial").map(|_| "bad")];
                        span #serial-hint .codes { (st.t("Mã in ở góc phiếu", "Printed in the form's corner")) }
                        @if let Some(e) = error_of("serial") { span.fielderror { (e) } }
                    }
                    div.keyrow.wide {
                        label for="date" { strong { (st.t("Ngày trả lời", "Date answered")) } }
                        input #date type="text" name=(DATE) value=(p.date) required maxlength="10" inputmode="numeric" placeholder=(st.t("ngày/tháng/năm", "day/month/year")) aria-describedby="date-hint" class=[error_of(DATE).map(|_| "bad")]
                            autofocus[first_bad == Some(DATE)]
                            data-first=(p.dates.0) data-last=(p.dates.1) data-outside=(outside)
                            data-impossible=(st.t("Ngày này không có trên lịch. Xin nhập ngày/tháng/năm, vd. 15/06/2025.", "There is no such day. Please type day/month/year, e.g. 15/06/2025."));
                        span #date-hint .codes { (st.t("vd. 15/06/2025 hoặc 15062025", "e.g. 15/06/2025 or 15062025")) }
                        @if let Some(e) = error_of(DATE) { span.fielderror { (e) } }
                    }
                    (key_fields(l, p.fields, p.keys, p.errors, first_bad))
                    @if let Some(e) = error_of(BLANK_OK) {
                        div.keyrow.wide.confirm {
                            input #blank_ok type="checkbox" name=(BLANK_OK) value="1" autofocus[first_bad == Some(BLANK_OK)] aria-describedby="blank-why";
                            label for="blank_ok" { strong { (st.t("Phiếu giấy để trống như vậy: vẫn lưu", "The paper is as blank as this: save it")) } }
                            span #blank-why .fielderror role="alert" { (e) }
                        }
                    }
                    button.primary.submit type="submit" { (st.t("Lưu và nhập phiếu tiếp", "Save and key the next form")) }
                }
            }
        },
    )
}

/// The message of the error on field `name`, if any.
fn error_of<'e>(l: Lang, errors: &'e [KeyError], name: &str) -> Option<&'e str> {
    errors
        .iter()
        .find(|e| e.name == name)
        .map(|e| l.text(&e.message))
}

/// The name of the first field with an error, in the form's order: the serial, the date, then
/// the paper's fields; none when no field has one.
fn first_in_error<'a>(fields: &'a [PaperField], errors: &[KeyError]) -> Option<&'a str> {
    let bad = |name: &str| errors.iter().any(|e| e.name == name);
    ["serial", DATE]
        .into_iter()
        .chain(fields.iter().map(|f| f.name.as_str()))
        .chain([BLANK_OK])
        .find(|n| bad(n))
}

/// The paper's fields in order under their section headings, as keyed so far; `focus` names
/// the one the cursor waits in.
fn key_fields(
    l: Lang,
    fields: &[PaperField],
    keys: &Keyed,
    errors: &[KeyError],
    focus: Option<&str>,
) -> Markup {
    html! {
        @for (heading, f) in with_headings(fields) {
            @if let Some(h) = heading { h2 { (h) } }
            (key_field(l, f, keys.get(&f.name).map_or("", String::as_str), error_of(l, errors, &f.name), focus == Some(f.name.as_str())))
        }
    }
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

pub(crate) fn key_field(
    l: Lang,
    f: &PaperField,
    value: &str,
    error: Option<&str>,
    focus: bool,
) -> Markup {
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
                        data-keys=(keys) aria-describedby=(hint) class=[error.map(|_| "bad")] autofocus[focus];
                    span id=(hint) .codes {
                        @for c in codes { span.code { b { (c.key) } " " (c.label) } }
                        span.code { b { "0" } " " (l.pick("để trống", "blank")) }
                        @if let Some(c) = &f.show_if { span.skip { "(" (l.pick("chỉ trả lời khi ", "only when ")) (c.label) " = " (c.keys.join(l.pick(" hoặc ", " or "))) ")" } }
                    }
                }
                FieldKind::Text { max_length } => {
                    input id=(id) type="text" name=(f.name) value=(value) maxlength=(max_length) class=[error.map(|_| "bad")] autofocus[focus];
                }
            }
            @if let Some(e) = error { span.fielderror role="alert" { (e) } }
        }
    }
}

/// When a form was saved, in words for the keyer.
pub fn saved_message(lang: Lang, serial: &str, outcome: &Keyed1) -> String {
    match (lang, outcome) {
        (Lang::Vi, Keyed1::First { counted: false }) => format!("Đã lưu phiếu {serial} (lần nhập thứ nhất). Phiếu cần một người khác nhập lần hai."),
        (Lang::Vi, Keyed1::First { counted: true }) => format!("Đã lưu phiếu {serial} (lần nhập thứ nhất); phiếu đã được tính vào kết quả và chờ nhập lần hai."),
        (Lang::Vi, Keyed1::Verified) => format!("Đã lưu phiếu {serial}: trùng khớp với lần nhập thứ nhất, phiếu đã được xác minh."),
        (Lang::Vi, Keyed1::Disputed(n)) => format!("Đã lưu phiếu {serial}: khác lần nhập thứ nhất ở {n} ô; người giám sát sẽ đối chiếu với phiếu giấy."),
        (Lang::En, Keyed1::First { counted: false }) => format!("Form {serial} saved (first keying). Someone else must key it a second time."),
        (Lang::En, Keyed1::First { counted: true }) => format!("Form {serial} saved (first keying); it is counted and awaits its second keying."),
        (Lang::En, Keyed1::Verified) => format!("Form {serial} saved: it matches the first keying and is verified."),
        (Lang::En, Keyed1::Disputed(n)) => format!("Form {serial} saved: it differs from the first keying in {n} fields; a supervisor will settle them against the paper."),
    }
}

/// A counted form opened for correction: its stored values in the keying screen's fields, and
/// a reason.
pub struct CorrectionPage<'a> {
    pub staff: Staff<'a>,
    pub correction: &'a Correction,
    /// What the fields hold: the stored values, or the correction as posted.
    pub date: &'a str,
    pub keys: &'a Keyed,
    pub reason: &'a str,
    pub errors: &'a [KeyError],
}

pub fn correction(p: &CorrectionPage) -> Markup {
    let (st, l) = (&p.staff, p.staff.lang);
    let (form, batch) = (&p.correction.form, &p.correction.batch);
    let error_of = |name: &str| error_of(l, p.errors, name);
    st.page(
        &format!("{} {}", st.t("Sửa phiếu", "Correct form"), form.serial),
        "entry",
        html! { script src=(crate::ui::assets::entry_js_url()) defer {} },
        html! {
            main {
                p.crumbs { a href="/entry" { (st.t("Nhập phiếu giấy", "Paper forms")) } " › " a href={ "/entry/batches/" (batch.id) } { (batch.label) } " › " (st.t("sửa phiếu", "correct form")) " " (form.serial) }
                h1 { (st.t("Sửa phiếu", "Correct form")) " " (form.serial) }
                p { (st.t("Phiếu đã được tính vào kết quả. Sửa những ô đọc sai trên phiếu giấy và ghi lý do: kết quả được cập nhật ngay, giá trị cũ và mới được ghi vào nhật ký.", "This form is counted. Correct the fields misread from the paper and give a reason: the results change at once, and the old and new values go to the audit log.")) }
                @if !p.errors.is_empty() {
                    div.error role="alert" {
                        p { strong { (st.t("Chưa lưu.", "Not saved.")) } (st.t(" Sửa các ô được đánh dấu rồi lưu lại.", " Correct the marked fields and save again.")) }
                        @for e in p.errors.iter().filter(|e| e.name.is_empty() || e.name == "reason") { p { (l.text(&e.message)) } }
                    }
                }
                form #keying method="post" action={ "/entry/forms/" (form.id) "/correct" } autocomplete="off" {
                    input type="hidden" name="csrf" value=(st.csrf);
                    div.keyrow.wide {
                        label for="date" { strong { (st.t("Ngày trả lời", "Date answered")) } }
                        input #date type="text" name=(DATE) value=(p.date) required maxlength="10" class=[error_of(DATE).map(|_| "bad")];
                        @if let Some(e) = error_of(DATE) { span.fielderror { (e) } }
                    }
                    (key_fields(l, &p.correction.fields, p.keys, p.errors, first_in_error(&p.correction.fields, p.errors)))
                    div.keyrow.wide {
                        label for="reason" { strong { (st.t("Lý do sửa", "Reason for the correction")) } }
                        input #reason type="text" name="reason" value=(p.reason) required maxlength="200" class=[error_of("reason").map(|_| "bad")];
                    }
                    button.primary.submit type="submit" { (st.t("Lưu phiếu đã sửa", "Save the corrected form")) }
                }
            }
        },
    )
}

/// A page under the paper forms: its crumbs lead back to the batches, then `crumb`.
pub fn under_entry(st: &Staff, title: &str, crumb: &str, content: Markup) -> Markup {
    st.under(
        ("/entry", st.t("Nhập phiếu giấy", "Paper forms")),
        title,
        crumb,
        content,
    )
}

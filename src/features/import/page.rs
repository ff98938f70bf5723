//! The import page: the upload form and the report of an import.

use crate::features::import::service::{Again, ImportReport, Outcome, RowError};
use crate::features::paper::page::Staff;
use crate::survey::Survey;
use crate::text::Lang;
use crate::ui::layout::choose_option;
use maud::{html, Markup};

pub struct ImportPage<'a> {
    pub staff: Staff<'a>,
    pub surveys: Vec<&'a Survey>,
    pub chosen: Option<&'a str>,
    pub period: i32,
    pub max_mb: u64,
    pub outcome: Option<Outcome>,
    /// Batches the forms may enter as keyed once: id, label.
    pub batches: &'a [(String, String)],
}

fn n(l: Lang, x: usize) -> String {
    l.count(i64::try_from(x).unwrap_or(i64::MAX))
}

pub fn page(p: &ImportPage) -> Markup {
    let (st, l) = (&p.staff, p.staff.lang);
    st.main(
        l.pick("Nhập phiếu từ tệp", "Import forms from a file"),
        html! {
            @match &p.outcome {
                Some(Outcome::Stored(r, link)) => (stored(l, r, link.as_deref())),
                Some(Outcome::Refused(r)) => (refused(l, r)),
                Some(Outcome::SameOpening(a)) => (same_opening(l, p.staff.csrf, a)),
                Some(Outcome::Unreadable(m)) => {
                    p.error role="alert" { strong { (l.pick("Không nhập được. ", "Nothing was imported. ")) } (m) }
                }
                None => {}
            }
            (upload_form(p))
            (help(l))
        },
    )
}

fn stored(l: Lang, r: &ImportReport, link: Option<&str>) -> Markup {
    html! {
        div.saved role="status" {
            p { strong { (l.pick("Đã nhập xong tệp ", "Imported ")) (r.source) "." } }
            dl.progress {
                div { dt { (l.pick("Phiếu mới được lưu", "New forms stored")) } dd { strong { (n(l, r.created)) } } }
                div { dt { (l.pick("Phiếu đã có từ trước (không lưu lại)", "Forms already there (not stored again)")) } dd { (n(l, r.existing)) } }
                @if r.rejected > 0 {
                    div { dt { (l.pick("Dòng bị loại (chưa lưu)", "Rows rejected (not stored)")) } dd { strong.down { (n(l, r.rejected)) } } }
                }
            }
            @if let Some(href) = link {
                p {
                    a.button.primary href=(href) download="dong-bi-loai.csv" { (l.pick("Tải các dòng bị loại (CSV)", "Download the rejected rows (CSV)")) }
                    (l.pick(" Tệp có cùng các cột với tệp gốc và thêm cột ", " The file has the original's columns and a column "))
                    code { "loi" } (l.pick(" ghi lý do; sửa các dòng đó rồi nhập lại chính tệp này.", " giving the reason; correct those rows and import this very file again."))
                }
            }
        }
        @if r.error_count > 0 {
            h2 { (l.pick("Các dòng bị loại", "Rejected rows")) }
            (problems(l, r))
        }
    }
}

fn refused(l: Lang, r: &ImportReport) -> Markup {
    html! {
        div.error role="alert" {
            p { @match l {
                Lang::Vi => { strong { "Không phiếu nào được lưu: " } "tệp " (r.source) " có " (n(l, r.error_count)) " lỗi." }
                Lang::En => { strong { "No form was stored: " } (r.source) " has " (n(l, r.error_count)) " errors." }
            } }
            p { @match l {
                Lang::Vi => {
                    "Sửa các ô dưới đây trong tệp rồi gửi lại; hoặc chọn "
                    em { "“Lưu các dòng đúng, bỏ qua dòng lỗi”" }
                    " để lưu ngay các dòng đúng và tải về các dòng lỗi để sửa."
                }
                Lang::En => {
                    "Correct these cells in the file and send it again; or choose "
                    em { "“Store the good rows, skip the wrong ones”" }
                    " to store the good rows now and download the wrong ones to correct."
                }
            } }
        }
        h2 { (l.pick("Các lỗi", "Errors")) }
        (problems(l, r))
    }
}

/// The stop, and the same upload to send again with one of the two choices (the browser keeps
/// no file between pages: it is chosen again).
fn same_opening(l: Lang, csrf: &str, a: &Again) -> Markup {
    html! {
        div.error role="alert" {
            p { (a.message) }
            form.stack method="post" action="/import" enctype="multipart/form-data" {
                input type="hidden" name="csrf" value=(csrf);
                input type="hidden" name="survey" value=(a.survey);
                input type="hidden" name="period" value=(a.period);
                input type="hidden" name="mode" value=(a.mode);
                input type="hidden" name="batch" value=(a.batch);
                label { (l.pick("Chọn lại chính tệp đó", "Choose the same file again"))
                    input type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
                }
                p {
                    button type="submit" name="forms" value="same" { (l.pick("Cùng các phiếu (bỏ qua các dòng trùng với tệp kia)", "The same forms (skip the rows matching that file's)")) }
                    " "
                    button type="submit" name="forms" value="new" { (l.pick("Phiếu mới (lưu mọi dòng)", "New forms (store every row)")) }
                }
            }
        }
    }
}

fn problems(l: Lang, r: &ImportReport) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr { th.num { (l.pick("Dòng", "Row")) } th { (l.pick("Cột", "Column")) } th { (l.pick("Giá trị", "Value")) } th { (l.pick("Lý do", "Reason")) } } }
                tbody {
                    @for e in &r.errors { (problem(e)) }
                }
            }
        }
        @if r.error_count > r.errors.len() {
            @let (more, shown) = (n(l, r.error_count - r.errors.len()), n(l, r.errors.len()));
            p.note { @match l {
                Lang::Vi => { "… và " (more) " lỗi khác (chỉ liệt kê " (shown) " lỗi đầu)." }
                Lang::En => { "… and " (more) " more (only the first " (shown) " are listed)." }
            } }
        }
    }
}

fn problem(e: &RowError) -> Markup {
    html! {
        tr {
            td.num { (e.row) }
            td { code { (e.column) } }
            td { @if !e.value.is_empty() { code { (e.value) } } }
            td { (e.reason) }
        }
    }
}

fn upload_form(p: &ImportPage) -> Markup {
    let l = p.staff.lang;
    html! {
        h2 { (l.pick("Gửi tệp", "Send a file")) }
        form.stack method="post" action="/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(p.staff.csrf);
            label { (l.pick("Phiếu khảo sát", "Survey"))
                select name="survey" required {
                    (choose_option(l))
                    @for s in &p.surveys {
                        option value=(s.id) selected[p.chosen == Some(s.id.as_str())] { (s.title_in(l)) }
                    }
                }
            }
            label { (l.pick("Năm khảo sát (cho các dòng không có cột period)", "Survey year (for rows without a period column)"))
                input type="number" name="period" value=(p.period) min="2000" max="2100";
            }
            label { (l.pick("Tệp CSV (UTF-8) hoặc Excel (.xlsx), tối đa ", "A CSV (UTF-8) or Excel (.xlsx) file, at most ")) (p.max_mb) " MB"
                input type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            }
            label { (l.pick("Nhập như", "Import as"))
                select name="batch" {
                    option value="" { (l.pick("Phiếu đã xác minh (được tính ngay vào kết quả)", "Verified forms (counted at once)")) }
                    @for (id, label) in p.batches {
                        option value=(id) { (l.pick("Lần nhập thứ nhất vào lô ", "First keying into batch ")) (label) (l.pick(" (cần cột serial; người khác nhập lại trên màn hình)", " (needs a serial column; someone else keys them again on screen)")) }
                    }
                }
            }
            fieldset {
                legend { (l.pick("Khi tệp có dòng lỗi", "When the file has wrong rows")) }
                label { input type="radio" name="mode" value="all" checked; (l.pick(" Không lưu gì cả, chỉ báo lỗi (mặc định)", " Store nothing, only list the errors (default)")) }
                label { input type="radio" name="mode" value="skip"; (l.pick(" Lưu các dòng đúng, bỏ qua dòng lỗi", " Store the good rows, skip the wrong ones")) }
            }
            button.primary type="submit" { (l.pick("Nhập tệp", "Import the file")) }
        }
    }
}

fn help(l: Lang) -> Markup {
    html! {
        h2 { (l.pick("Tệp cần có", "What the file needs")) }
        ul.note {
            @match l {
                Lang::Vi => {
                    li { "Mỗi dòng là một phiếu; dòng đầu là tên cột: mã câu hỏi (vd. " code { "E1.1" } "), mã thông tin người trả lời (vd. " code { "gioi_tinh" } "), và các cột " code { "unit" } " (mã đơn vị), " code { "date" } " (YYYY-MM-DD), " code { "period" } ", " code { "group" } ", " code { "serial" } " (mã phiếu), " code { "submission_id" } "." }
                    li { "Ô trống là chưa trả lời; " code { "na" } " là “không ý kiến”." }
                    li { "Tệp CSV phải lưu dạng “CSV UTF-8” (trong Excel: Lưu thành → CSV UTF-8). Tệp Excel: trang tính đầu tiên được đọc." }
                    li { "Nhập lại cùng một tệp không lưu phiếu nào hai lần. Cột " code { "loi" } " của tệp dòng bị loại được bỏ qua khi nhập." }
                    li { "Tệp bắt đầu giống một tệp đã nhập (cùng phiếu đầu tiên) nhưng không phải chính tệp đó thì dừng lại trước khi lưu: hãy cho biết đó là cùng các phiếu hay phiếu mới. Ghi mã phiếu ở cột " code { "serial" } " để không phải hỏi như vậy." }
                }
                Lang::En => {
                    li { "One row per form; the first row names the columns: question codes (e.g. " code { "E1.1" } "), background codes (e.g. " code { "gioi_tinh" } "), and the columns " code { "unit" } " (unit code), " code { "date" } " (YYYY-MM-DD), " code { "period" } ", " code { "group" } ", " code { "serial" } " (form serial), " code { "submission_id" } "." }
                    li { "An empty cell is not answered; " code { "na" } " is “no opinion”." }
                    li { "Save CSV files as “CSV UTF-8” (in Excel: Save As → CSV UTF-8). Excel workbooks: the first sheet is read." }
                    li { "Importing the same file again stores no form twice. The " code { "loi" } " column of a rejected-rows file is ignored." }
                    li { "A file that begins like an earlier one (the same first form) but is not the same file stops before storing: say whether it holds the same forms or new ones. Give forms a " code { "serial" } " so that no such question arises." }
                }
            }
        }
    }
}

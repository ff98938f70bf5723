//! The import page: the upload form and the report of an import.

use super::entry::Staff;
use super::format::count;
use super::layout::{page as shell, staff_bar};
use crate::app::import::{ImportReport, RowError};
use crate::survey::Survey;
use maud::{html, Markup};

/// What happened to the last upload.
pub enum Outcome {
    /// Stored (all of it, or the good rows), with the link to the rejected rows.
    Stored(Box<ImportReport>, Option<String>),
    /// Problems found: nothing stored.
    Refused(Box<ImportReport>),
    /// The file could not be read, or was not sent as it should be: what to do, in Vietnamese.
    Unreadable(String),
}

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

fn n(x: usize) -> String {
    count(i64::try_from(x).unwrap_or(i64::MAX))
}

pub fn page(p: &ImportPage) -> Markup {
    shell(
        "Nhập phiếu từ tệp",
        "",
        html! {},
        html! {
            (staff_bar(p.staff.username, p.staff.role, p.staff.csrf))
            main {
                h1 { "Nhập phiếu từ tệp" }
                @match &p.outcome {
                    Some(Outcome::Stored(r, link)) => (stored(r, link.as_deref())),
                    Some(Outcome::Refused(r)) => (refused(r)),
                    Some(Outcome::Unreadable(m)) => {
                        p.error role="alert" { strong { "Không nhập được. " } (m) }
                    }
                    None => {}
                }
                (upload_form(p))
                (help())
            }
        },
    )
}

fn stored(r: &ImportReport, link: Option<&str>) -> Markup {
    html! {
        div.saved role="status" {
            p { strong { "Đã nhập xong tệp " (r.source) "." } }
            dl.progress {
                div { dt { "Phiếu mới được lưu" } dd { strong { (n(r.created)) } } }
                div { dt { "Phiếu đã có từ trước (không lưu lại)" } dd { (n(r.existing)) } }
                @if r.rejected > 0 {
                    div { dt { "Dòng bị loại (chưa lưu)" } dd { strong.down { (n(r.rejected)) } } }
                }
            }
            @if let Some(href) = link {
                p {
                    a.button.primary href=(href) download="dong-bi-loai.csv" { "Tải các dòng bị loại (CSV)" }
                    " Tệp có cùng các cột với tệp gốc và thêm cột "
                    code { "loi" } " ghi lý do; sửa các dòng đó rồi nhập lại chính tệp này."
                }
            }
        }
        @if r.error_count > 0 {
            h2 { "Các dòng bị loại" }
            (problems(r))
        }
    }
}

fn refused(r: &ImportReport) -> Markup {
    html! {
        div.error role="alert" {
            p {
                strong { "Không phiếu nào được lưu: " }
                "tệp " (r.source) " có " (n(r.error_count)) " lỗi."
            }
            p {
                "Sửa các ô dưới đây trong tệp rồi gửi lại; hoặc chọn "
                em { "“Lưu các dòng đúng, bỏ qua dòng lỗi”" }
                " để lưu ngay các dòng đúng và tải về các dòng lỗi để sửa."
            }
        }
        h2 { "Các lỗi" }
        (problems(r))
    }
}

fn problems(r: &ImportReport) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr { th.num { "Dòng" } th { "Cột" } th { "Giá trị" } th { "Lý do" } } }
                tbody {
                    @for e in &r.errors { (problem(e)) }
                }
            }
        }
        @if r.error_count > r.errors.len() {
            p.note { "… và " (n(r.error_count - r.errors.len())) " lỗi khác (chỉ liệt kê " (n(r.errors.len())) " lỗi đầu)." }
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
    html! {
        h2 { "Gửi tệp" }
        form.stack method="post" action="/import" enctype="multipart/form-data" {
            input type="hidden" name="csrf" value=(p.staff.csrf);
            label { "Phiếu khảo sát"
                select name="survey" required {
                    @for s in &p.surveys {
                        option value=(s.id) selected[p.chosen == Some(s.id.as_str())] { (s.title) }
                    }
                }
            }
            label { "Năm khảo sát (cho các dòng không có cột period)"
                input type="number" name="period" value=(p.period) min="2000" max="2100";
            }
            label { "Tệp CSV (UTF-8) hoặc Excel (.xlsx), tối đa " (p.max_mb) " MB"
                input type="file" name="file" required accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
            }
            label { "Nhập như"
                select name="batch" {
                    option value="" { "Phiếu đã xác minh (được tính ngay vào kết quả)" }
                    @for (id, label) in p.batches {
                        option value=(id) { "Lần nhập thứ nhất vào lô " (label) " (cần cột serial; người khác nhập lại trên màn hình)" }
                    }
                }
            }
            fieldset {
                legend { "Khi tệp có dòng lỗi" }
                label { input type="radio" name="mode" value="all" checked; " Không lưu gì cả, chỉ báo lỗi (mặc định)" }
                label { input type="radio" name="mode" value="skip"; " Lưu các dòng đúng, bỏ qua dòng lỗi" }
            }
            button.primary type="submit" { "Nhập tệp" }
        }
    }
}

fn help() -> Markup {
    html! {
        h2 { "Tệp cần có" }
        ul.note {
            li { "Mỗi dòng là một phiếu; dòng đầu là tên cột: mã câu hỏi (vd. " code { "E1.1" } "), mã thông tin người trả lời (vd. " code { "gioi_tinh" } "), và các cột " code { "unit" } " (mã đơn vị), " code { "date" } " (YYYY-MM-DD), " code { "period" } ", " code { "group" } ", " code { "serial" } " (mã phiếu), " code { "submission_id" } "." }
            li { "Ô trống là chưa trả lời; " code { "na" } " là “không ý kiến”." }
            li { "Tệp CSV phải lưu dạng “CSV UTF-8” (trong Excel: Lưu thành → CSV UTF-8). Tệp Excel: trang tính đầu tiên được đọc." }
            li { "Nhập lại cùng một tệp không lưu phiếu nào hai lần. Cột " code { "loi" } " của tệp dòng bị loại được bỏ qua khi nhập." }
        }
    }
}

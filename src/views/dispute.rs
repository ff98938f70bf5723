//! The supervisor's pages: forms whose two keyings differ, and settling one field by field.

use super::entry::{status_label, Staff};
use super::format::when;
use super::layout::{page, staff_bar};
use crate::app::paper::{Dispute, DATE};
use crate::db::paper::{Batch, Form};
use maud::{html, Markup};

pub fn disputes(
    staff: &Staff,
    forms: &[(Form, Batch)],
    unit_name: &dyn Fn(&str) -> String,
) -> Markup {
    page(
        "Phiếu chờ đối chiếu",
        "",
        html! {},
        html! {
            (staff_bar(staff.username, staff.role, staff.csrf))
            main {
                p.crumbs { a href="/entry" { "Nhập phiếu giấy" } " › phiếu chờ đối chiếu" }
                h1 { "Phiếu chờ đối chiếu" }
                @if forms.is_empty() {
                    p { "Không có phiếu nào chờ đối chiếu: mọi phiếu nhập hai lần đều trùng khớp." }
                } @else {
                    p { "Hai lần nhập của các phiếu dưới đây khác nhau. Mở từng phiếu, xem phiếu giấy và chọn giá trị đúng cho mỗi ô." }
                    div.scroll { table {
                        thead { tr { th { "Mã phiếu" } th { "Lô" } th { "Đơn vị" } th.num { "Số ô khác nhau" } th { "Cập nhật" } } }
                        tbody { @for (f, b) in forms {
                            tr {
                                td { a href={ "/entry/forms/" (f.id) } { (f.serial) } }
                                td { a href={ "/entry/batches/" (b.id) } { (b.label) } }
                                td { (unit_name(&b.unit_code)) }
                                td.num { (f.differences.unwrap_or(0)) }
                                td { (when(&f.updated_at)) }
                            }
                        } }
                    } }
                }
            }
        },
    )
}

/// Both keyings side by side on the fields where they differ, each with a choice and a reason.
pub fn dispute(staff: &Staff, d: &Dispute, error: Option<&str>) -> Markup {
    page(
        &format!("Đối chiếu phiếu {}", d.form.serial),
        "",
        html! {},
        html! {
            (staff_bar(staff.username, staff.role, staff.csrf))
            main {
                p.crumbs { a href="/entry/disputes" { "Phiếu chờ đối chiếu" } " › " (d.form.serial) }
                h1 { "Đối chiếu phiếu " (d.form.serial) }
                p { "Lô " a href={ "/entry/batches/" (d.batch.id) } { (d.batch.label) } " · " (status_label(&d.form.status)) }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                @if d.differences.is_empty() {
                    p { "Hai lần nhập trùng khớp; không có gì cần đối chiếu." }
                } @else {
                    p { "Lần nhập 1: " strong { (d.first.keyed_by) } " (" (when(&d.first.saved_at)) "). Lần nhập 2: " strong { (d.second.keyed_by) } " (" (when(&d.second.saved_at)) ")." }
                    form method="post" action={ "/entry/forms/" (d.form.id) } {
                        input type="hidden" name="csrf" value=(staff.csrf);
                        div.scroll { table.dispute {
                            thead { tr { th { "Câu" } th { "Lần nhập 1" } th { "Lần nhập 2" } th { "Giá trị đúng (theo phiếu giấy)" } th { "Lý do" } } }
                            tbody { @for x in &d.differences {
                                @let one = format!("{}:source", x.name);
                                tr {
                                    td { @if let Some(n) = &x.label { strong { (n) } " " } (x.text) }
                                    td { label { input type="radio" name=(one) value="1" required; " " (shown(&x.first)) } }
                                    td { label { input type="radio" name=(one) value="2"; " " (shown(&x.second)) } }
                                    td { label { input type="radio" name=(one) value="paper"; " khác: " }
                                        input type="text" name={ (x.name) ":value" } size=(if x.name == DATE { "10" } else { "4" }) aria-label="giá trị trên phiếu"; }
                                    td { input type="text" name={ (x.name) ":reason" } required maxlength="200" placeholder="vd. lần 2 gõ nhầm" aria-label="lý do"; }
                                }
                            } }
                        } }
                        button.primary type="submit" { "Lưu kết quả đối chiếu" }
                    }
                }
                @if d.form.response_id.is_none() {
                    h2 { "Xoá một lần nhập" }
                    p.note { "Chỉ dùng khi lần nhập đó thuộc phiếu khác (gõ nhầm mã phiếu). Giá trị bị xoá được ghi vào nhật ký." }
                    form.inline method="post" action={ "/entry/forms/" (d.form.id) "/delete" } {
                        input type="hidden" name="csrf" value=(staff.csrf);
                        label { "Lần nhập " select name="round" { option value="1" { "1 (" (d.first.keyed_by) ")" } option value="2" { "2 (" (d.second.keyed_by) ")" } } }
                        label { "Lý do " input type="text" name="reason" required maxlength="200"; }
                        button type="submit" { "Xoá lần nhập" }
                    }
                }
            }
        },
    )
}

fn shown(v: &str) -> &str {
    if v.is_empty() {
        "(để trống)"
    } else {
        v
    }
}

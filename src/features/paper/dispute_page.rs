//! The supervisor's pages: forms whose two keyings differ, and settling one field by field.

use crate::features::paper::page::{status_label, under_entry, Staff};
use crate::features::paper::service::disputes::Dispute;
use crate::features::paper::service::{Batch, Form, DATE};
use crate::text::Lang;
use crate::ui::notice::Notice;
use maud::{html, Markup};

pub fn disputes(staff: &Staff, said: Option<&Notice>, forms: &[(Form, Batch)]) -> Markup {
    let l = staff.lang;
    under_entry(
        staff,
        l.pick("Phiếu chờ đối chiếu", "Forms awaiting settlement"),
        l.pick("phiếu chờ đối chiếu", "forms awaiting settlement"),
        html! {
            h1 { (l.pick("Phiếu chờ đối chiếu", "Forms awaiting settlement")) }
            @if let Some(n) = said { (n.draw(l)) }
            @if forms.is_empty() {
                p { (l.pick("Không có phiếu nào chờ đối chiếu: mọi phiếu nhập hai lần đều trùng khớp.", "No form awaits settlement: every form keyed twice agrees.")) }
            } @else {
                p { (l.pick("Hai lần nhập của các phiếu dưới đây khác nhau. Mở từng phiếu, xem phiếu giấy và chọn giá trị đúng cho mỗi ô.", "The two keyings of these forms differ. Open each one, look at the paper and choose the right value for each field.")) }
                div.scroll { table {
                    thead { tr { th { (l.pick("Mã phiếu", "Serial")) } th { (l.pick("Lô", "Batch")) } th { (l.pick("Đơn vị", "Unit")) } th.num { (l.pick("Số ô khác nhau", "Fields that differ")) } th { (l.pick("Cập nhật", "Updated")) } } }
                    tbody { @for (f, b) in forms {
                        tr {
                            td { a href={ "/entry/forms/" (f.id) } { (f.serial) } }
                            td { a href={ "/entry/batches/" (b.id) } { (b.label) } }
                            td { (b.unit_name) }
                            td.num { (f.differences.unwrap_or(0)) }
                            td { (l.when(&f.updated_at)) }
                        }
                    } }
                } }
            }
        },
    )
}

/// Both keyings side by side on the fields where they differ, each with a choice and a reason.
pub fn dispute(staff: &Staff, d: &Dispute, error: Option<&str>) -> Markup {
    let l = staff.lang;
    staff.under(
        ("/entry/disputes", l.pick("Phiếu chờ đối chiếu", "Forms awaiting settlement")),
        &format!("{} {}", l.pick("Đối chiếu phiếu", "Settle form"), d.form.serial),
        &d.form.serial,
        html! {
            h1 { (l.pick("Đối chiếu phiếu", "Settle form")) " " (d.form.serial) }
            p { (l.pick("Lô ", "Batch ")) a href={ "/entry/batches/" (d.batch.id) } { (d.batch.label) } " · " (status_label(l, &d.form.status)) }
            (crate::ui::layout::alert(error))
            @if d.differences.is_empty() {
                p { (l.pick("Hai lần nhập trùng khớp; không có gì cần đối chiếu.", "Both keyings agree; there is nothing to settle.")) }
            } @else {
                p { (l.pick("Lần nhập 1: ", "First keying: ")) strong { (d.first.name) } " (" (l.when(&d.first.saved_at)) "). " (l.pick("Lần nhập 2: ", "Second keying: ")) strong { (d.second.name) } " (" (l.when(&d.second.saved_at)) ")." }
                form method="post" action={ "/entry/forms/" (d.form.id) } {
                    input type="hidden" name="csrf" value=(staff.csrf);
                    div.scroll { table.dispute {
                        thead { tr { th { (l.pick("Câu", "Question")) } th { (l.pick("Lần nhập 1", "First keying")) } th { (l.pick("Lần nhập 2", "Second keying")) } th { (l.pick("Giá trị đúng (theo phiếu giấy)", "Right value (as on the paper)")) } th { (l.pick("Lý do", "Reason")) } } }
                        tbody { @for x in &d.differences {
                            @let one = format!("{}:source", x.name);
                            tr {
                                td { @if let Some(n) = &x.label { strong { (n) } " " } (x.text) }
                                td { label { input type="radio" name=(one) value="1" required; " " (shown(l, &x.first)) } }
                                td { label { input type="radio" name=(one) value="2"; " " (shown(l, &x.second)) } }
                                td { label { input type="radio" name=(one) value="paper"; (l.pick(" khác: ", " other: ")) }
                                    input type="text" name={ (x.name) ":value" } size=(if x.name == DATE { "10" } else { "4" }) aria-label=(l.pick("giá trị trên phiếu", "value on the paper")); }
                                td { input type="text" name={ (x.name) ":reason" } required maxlength="200" placeholder=(l.pick("vd. lần 2 gõ nhầm", "e.g. mistyped in the second keying")) aria-label=(l.pick("lý do", "reason")); }
                            }
                        } }
                    } }
                    button.primary type="submit" { (l.pick("Lưu kết quả đối chiếu", "Save the settlement")) }
                }
            }
            @if !d.form.counted {
                h2 { (l.pick("Xoá một lần nhập", "Delete a keying")) }
                p.note { (l.pick("Chỉ dùng khi lần nhập đó thuộc phiếu khác (gõ nhầm mã phiếu). Giá trị bị xoá được ghi vào nhật ký.", "Only when that keying belongs to another form (a mistyped serial). The deleted values go to the audit log.")) }
                form.inline method="post" action={ "/entry/forms/" (d.form.id) "/delete" } {
                    input type="hidden" name="csrf" value=(staff.csrf);
                    label { (l.pick("Lần nhập ", "Keying ")) select name="round" { option value="1" { "1 (" (d.first.name) ")" } option value="2" { "2 (" (d.second.name) ")" } } }
                    label { (l.pick("Lý do ", "Reason ")) input type="text" name="reason" required maxlength="200"; }
                    button type="submit" { (l.pick("Xoá lần nhập", "Delete the keying")) }
                }
            }
        },
    )
}

fn shown(l: Lang, v: &str) -> &str {
    if v.is_empty() {
        l.pick("(để trống)", "(blank)")
    } else {
        v
    }
}

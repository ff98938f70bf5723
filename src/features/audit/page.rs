//! The audit trail, newest first, filtered by person, action, form or days.

use crate::features::audit::service::Trail;
use crate::features::paper::page::Staff;
use crate::text::Lang;
use maud::{html, Markup};

/// Actions as a reader names them.
fn action_label(l: Lang, action: &str) -> &str {
    let (vi, en) = match action {
        "paper.batch" => ("Tạo lô phiếu", "Batch created"),
        "paper.key" => ("Nhập phiếu", "Form keyed"),
        "paper.settle" => ("Đối chiếu phiếu", "Form settled"),
        "paper.delete" => ("Xoá lần nhập", "Keying deleted"),
        "paper.correct" => ("Sửa phiếu đã tính", "Counted form corrected"),
        "login" => ("Đăng nhập", "Sign-in"),
        "user.add" => ("Thêm người dùng", "User added"),
        "user.role" => ("Đổi vai trò", "Role changed"),
        "user.password" => ("Đặt lại mật khẩu", "Password reset"),
        "user.disable" => ("Khoá người dùng", "User disabled"),
        "user.enable" => ("Mở khoá người dùng", "User enabled"),
        "kiosk.add" => ("Thêm kiosk", "Kiosk added"),
        "kiosk.revoke" => ("Thu hồi kiosk", "Kiosk revoked"),
        "token.create" => ("Tạo khoá API", "API token created"),
        "token.revoke" => ("Thu hồi khoá API", "API token revoked"),
        other => return other,
    };
    l.pick(vi, en)
}

pub fn audit(staff: &Staff, trail: &Trail) -> Markup {
    let (l, f, entries) = (staff.lang, &trail.asked, &trail.entries);
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    staff.section(
        l.pick("Nhật ký thay đổi", "Audit log"),
        l.pick("Mọi lần nhập, đối chiếu và xoá phiếu giấy, mọi thay đổi người dùng, mã API và kiosk đều được ghi lại, kèm giá trị trước và sau. Nhật ký chỉ được ghi thêm, không ai sửa hay xoá được.", "Every keying, settlement and deletion of paper forms, every change to users, API tokens and kiosks is written here with the values before and after. The log is only ever added to: nobody can edit or delete it."),
        None,
        html! {
            form.inline method="get" action="/audit" {
                label { (l.pick("Người thực hiện ", "By ")) input type="text" name="actor" value=(v(&f.actor)) size="12"; }
                label { (l.pick("Việc ", "Action ")) select name="action" {
                    option value="" { (l.pick("Tất cả", "All")) }
                    @for (code, vi, en) in [("paper.", "Phiếu giấy (mọi việc)", "Paper forms (all)"), ("paper.key", "Nhập phiếu", "Keying"), ("paper.settle", "Đối chiếu", "Settlement"), ("paper.delete", "Xoá lần nhập", "Keying deleted"), ("paper.correct", "Sửa phiếu", "Correction"), ("paper.batch", "Tạo lô", "Batch created"), ("user", "Người dùng", "Users"), ("kiosk", "Kiosk", "Kiosks"), ("token", "Mã API", "API tokens")] {
                        option value=(code) selected[f.action.as_deref() == Some(code)] { (l.pick(vi, en)) }
                    }
                } }
                label { (l.pick("Mã phiếu (nội bộ) ", "Form id (internal) ")) input type="text" name="form" value=(v(&f.form)) size="12"; }
                label { (l.pick("Từ ngày ", "From ")) (crate::ui::layout::day_input(l, "from", &v(&f.from))) }
                label { (l.pick("Đến ngày ", "To ")) (crate::ui::layout::day_input(l, "to", &v(&f.to))) }
                button type="submit" { (l.pick("Lọc", "Filter")) }
            }
            @if entries.is_empty() {
                p { (l.pick("Không có mục nào khớp bộ lọc.", "No entry matches the filter.")) }
            } @else {
                @let n = l.count(i64::try_from(entries.len()).unwrap_or(i64::MAX));
                @let more = entries.len() as i64 >= trail.limit;
                p.note { @match l {
                    Lang::Vi => { "Hiển thị " (n) " mục mới nhất" @if more { " (thu hẹp bộ lọc để xem mục cũ hơn)" } "." }
                    Lang::En => { "The newest " (n) " entries" @if more { " (narrow the filter to see older ones)" } "." }
                } }
                div.scroll { table {
                    thead { tr { th { (l.pick("Thời điểm", "When")) } th { (l.pick("Người thực hiện", "By")) } th { (l.pick("Việc", "Action")) } th { (l.pick("Chi tiết", "Detail")) } } }
                    tbody { @for e in entries {
                        tr {
                            td { (l.when(&e.at)) }
                            td { (e.actor) }
                            td { (action_label(l, &e.action)) }
                            td { code.detail { (e.detail) }
                                @if let Some(id) = &e.form_id { " " a href={ "/audit?form=" (id) } { (l.pick("(lịch sử phiếu)", "(form history)")) } } }
                        }
                    } }
                } }
            }
        },
    )
}

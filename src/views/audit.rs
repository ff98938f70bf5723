//! The audit trail, newest first, filtered by person, action, form or days.

use super::entry::Staff;
use super::format::when;
use super::layout::{page, staff_bar};
use crate::db::audit::{Entry, Filter};
use maud::{html, Markup};

/// Actions as a reader names them.
fn action_label(action: &str) -> &str {
    match action {
        "paper.batch" => "Tạo lô phiếu",
        "paper.key" => "Nhập phiếu",
        "paper.settle" => "Đối chiếu phiếu",
        "paper.delete" => "Xoá lần nhập",
        "paper.correct" => "Sửa phiếu đã tính",
        "login" => "Đăng nhập",
        "user.add" => "Thêm người dùng",
        "user.role" => "Đổi vai trò",
        "user.password" => "Đặt lại mật khẩu",
        "user.disable" => "Khoá người dùng",
        "user.enable" => "Mở khoá người dùng",
        "kiosk.add" => "Thêm kiosk",
        "kiosk.revoke" => "Thu hồi kiosk",
        "token.create" => "Tạo khoá API",
        "token.revoke" => "Thu hồi khoá API",
        other => other,
    }
}

pub fn audit(staff: &Staff, f: &Filter, entries: &[Entry], limit: i64) -> Markup {
    let v = |x: &Option<String>| x.clone().unwrap_or_default();
    page(
        "Nhật ký thay đổi",
        "",
        html! {},
        html! {
            (staff_bar(staff.username, staff.role, staff.csrf))
            main {
                h1 { "Nhật ký thay đổi" }
                p.note { "Mọi lần nhập, đối chiếu và xoá phiếu giấy, mọi thay đổi người dùng, mã API và kiosk đều được ghi lại, kèm giá trị trước và sau. Nhật ký chỉ được ghi thêm, không ai sửa hay xoá được." }
                form.inline method="get" action="/audit" {
                    label { "Người thực hiện " input type="text" name="actor" value=(v(&f.actor)) size="12"; }
                    label { "Việc " select name="action" {
                        option value="" { "Tất cả" }
                        @for (code, label) in [("paper.", "Phiếu giấy (mọi việc)"), ("paper.key", "Nhập phiếu"), ("paper.settle", "Đối chiếu"), ("paper.delete", "Xoá lần nhập"), ("paper.correct", "Sửa phiếu"), ("paper.batch", "Tạo lô"), ("user", "Người dùng"), ("kiosk", "Kiosk"), ("token", "Mã API")] {
                            option value=(code) selected[f.action.as_deref() == Some(code)] { (label) }
                        }
                    } }
                    label { "Mã phiếu (nội bộ) " input type="text" name="form" value=(v(&f.form_id)) size="12"; }
                    label { "Từ ngày " input type="date" name="from" value=(v(&f.from)); }
                    label { "Đến ngày " input type="date" name="to" value=(v(&f.to)); }
                    button type="submit" { "Lọc" }
                }
                @if entries.is_empty() {
                    p { "Không có mục nào khớp bộ lọc." }
                } @else {
                    p.note { "Hiển thị " (entries.len()) " mục mới nhất" @if entries.len() as i64 >= limit { " (thu hẹp bộ lọc để xem mục cũ hơn)" } "." }
                    div.scroll { table {
                        thead { tr { th { "Thời điểm" } th { "Người thực hiện" } th { "Việc" } th { "Chi tiết" } } }
                        tbody { @for e in entries {
                            tr {
                                td { (when(&e.at)) }
                                td { (e.actor) }
                                td { (action_label(&e.action)) }
                                td { code.detail { (e.detail) }
                                    @if let Some(id) = &e.form_id { " " a href={ "/audit?form=" (id) } { "(lịch sử phiếu)" } } }
                            }
                        } }
                    } }
                }
            }
        },
    )
}

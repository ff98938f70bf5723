//! Administration pages: users, kiosks, API tokens. Administrators change; supervisors read.
//! A password, kiosk URL or token appears once, on the page answering the change.

use super::campaigns::qr;
use super::entry::Staff;
use super::format::{count, when};
use super::layout::{page, staff_bar};
use crate::app::admin::{KioskView, MIN_PASSWORD};
use crate::db::auth::{TokenInfo, UserInfo};
use crate::survey::{Survey, Unit};
use maud::{html, Markup};
use std::time::Duration;

/// What the page says above its content after a change.
pub enum Notice {
    None,
    /// Bad input: nothing was changed.
    Error(String),
    Saved(String),
    /// A secret shown once (a password, a token, a kiosk URL with its QR code).
    Secret {
        what: String,
        value: String,
        qr: bool,
    },
}

/// The survey kiosks usually run, chosen first.
const COUNTER_FORM: &str = "sipas-counter";

const ROLES: [(&str, &str); 4] = [
    ("viewer", "Xem kết quả"),
    ("surveyor", "Điều tra viên"),
    ("supervisor", "Giám sát"),
    ("admin", "Quản trị"),
];

fn role_label(role: &str) -> &str {
    ROLES
        .iter()
        .find(|(code, _)| *code == role)
        .map_or(role, |(_, label)| label)
}

/// The administration tabs a role may open (issuing slip codes is for admins only).
fn tabs(current: &str, role: &str) -> Markup {
    html! {
        nav.tabs {
            @for (href, label) in [("/admin/users", "Người dùng"), ("/admin/kiosks", "Thiết bị kiosk"), ("/admin/tokens", "Khoá API"), ("/campaigns", "Đợt khảo sát"), ("/codes", "Mã phiếu hẹn"), ("/audit", "Nhật ký")] {
                @if href == "/codes" && role != "admin" {}
                @else if href == current { strong { (label) } } @else { a href=(href) { (label) } }
            }
        }
    }
}

fn notice(n: &Notice) -> Markup {
    html! {
        @match n {
            Notice::None => {},
            Notice::Error(e) => p.error role="alert" { "Chưa thay đổi gì. " (e) "." },
            Notice::Saved(m) => p.saved role="status" { (m) },
            Notice::Secret { what, value, qr: with_qr } => div.saved.secret role="status" {
                p { strong { (what) } " — chỉ hiện một lần, hãy ghi lại ngay:" }
                p { code.secret { (value) } }
                @if *with_qr { div.qr { (qr(value)) } }
            },
        }
    }
}

fn shell(staff: &Staff, title: &str, current: &str, n: &Notice, content: Markup) -> Markup {
    page(
        title,
        "",
        html! {},
        html! {
            (staff_bar(staff.username, staff.role, staff.csrf))
            main.admin {
                (tabs(current, staff.role))
                h1 { (title) }
                (notice(n))
                @if staff.role != "admin" { p.note { "Ông/Bà chỉ xem được; chỉ quản trị viên thay đổi được." } }
                (content)
            }
        },
    )
}

fn role_select(selected: &str) -> Markup {
    html! {
        select name="role" required {
            @for (code, label) in ROLES {
                option value=(code) selected[code == selected] { (label) " (" (code) ")" }
            }
        }
    }
}

/// A unit picker: a code typed or chosen among today's units; empty for none.
fn unit_input(value: &str) -> Markup {
    html! {
        input type="text" name="unit" value=(value) list="units" autocomplete="off" placeholder="để trống: toàn thành phố";
    }
}

fn unit_list(units: &[Unit]) -> Markup {
    html! {
        datalist #units { @for u in units { option value=(u.code) { (u.name) } } }
    }
}

pub struct UsersPage<'a> {
    pub staff: Staff<'a>,
    pub users: &'a [UserInfo],
    pub units: &'a [Unit],
    pub unit_name: &'a dyn Fn(&str) -> String,
    pub notice: Notice,
    /// What was typed in the add form, shown again when it was refused (never the password).
    pub draft: Option<Draft>,
}

#[derive(Default)]
pub struct Draft {
    pub name: String,
    pub role: String,
    pub unit: String,
}

pub fn users(p: &UsersPage) -> Markup {
    let admin = p.staff.role == "admin";
    let empty = Draft::default();
    let draft = p.draft.as_ref().unwrap_or(&empty);
    let csrf = p.staff.csrf;
    shell(
        &p.staff,
        "Người dùng",
        "/admin/users",
        &p.notice,
        html! {
            (unit_list(p.units))
            div.scroll { table.admin {
                thead { tr {
                    th { "Tên đăng nhập" } th { "Vai trò" } th { "Phạm vi" } th { "Trạng thái" } th { "Ngày tạo" }
                    @if admin { th { "Thay đổi" } }
                } }
                tbody { @for u in p.users {
                    tr.disabled[u.disabled] {
                        td { strong { (u.username) } }
                        td data-label="Vai trò" { (role_label(&u.role)) }
                        td data-label="Phạm vi" { @match &u.unit_code { Some(c) => { ((p.unit_name)(c)) " " span.note { "(" (c) ")" } }, None => "Toàn thành phố" } }
                        td data-label="Trạng thái" { @if u.disabled { "Đã khoá" } @else { "Đang hoạt động" } }
                        td data-label="Ngày tạo" { (when(&u.created_at)) }
                        @if admin { td {
                            details {
                                summary { "Thay đổi" }
                                form.stack method="post" action={ "/admin/users/" (u.id) "/role" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    label { "Vai trò" (role_select(&u.role)) }
                                    label { "Phạm vi đơn vị" (unit_input(u.unit_code.as_deref().unwrap_or(""))) }
                                    button type="submit" { "Lưu vai trò" }
                                }
                                form.inline method="post" action={ "/admin/users/" (u.id) "/password" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { "Đặt lại mật khẩu" }
                                }
                                @if u.disabled {
                                    form.inline method="post" action={ "/admin/users/" (u.id) "/enable" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" { "Mở khoá" }
                                    }
                                } @else if u.username != p.staff.username {
                                    form.inline method="post" action={ "/admin/users/" (u.id) "/disable" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" { "Khoá tài khoản" }
                                    }
                                }
                            }
                        } }
                    }
                } }
            } }
            @if admin {
                h2 { "Thêm người dùng" }
                form.stack method="post" action="/admin/users" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Tên đăng nhập" input type="text" name="name" value=(draft.name) required maxlength="64" autocomplete="off"; }
                    label { "Vai trò" (role_select(if draft.role.is_empty() { "surveyor" } else { &draft.role })) }
                    label { "Phạm vi đơn vị (mã)" (unit_input(&draft.unit)) }
                    label { "Mật khẩu ban đầu" input type="password" name="password" minlength=(MIN_PASSWORD) autocomplete="new-password"; }
                    p.note { "Ít nhất " (MIN_PASSWORD) " ký tự; để trống thì hệ thống tạo mật khẩu và hiện một lần." }
                    button.primary type="submit" { "Thêm người dùng" }
                }
                p.note { "Khoá tài khoản thì các phiên đăng nhập của người đó kết thúc ngay. Đặt lại mật khẩu cũng kết thúc các phiên." }
            }
        },
    )
}

/// How long ago, in words.
fn ago(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => "vừa xong".into(),
        60..=3599 => format!("{} phút trước", s / 60),
        3600..=86_399 => format!("{} giờ trước", s / 3600),
        _ => format!("{} ngày trước", s / 86_400),
    }
}

pub struct KiosksPage<'a> {
    pub staff: Staff<'a>,
    pub kiosks: &'a [KioskView],
    pub units: &'a [Unit],
    pub surveys: Vec<&'a Survey>,
    pub notice: Notice,
}

pub fn kiosks(p: &KiosksPage) -> Markup {
    let admin = p.staff.role == "admin";
    let csrf = p.staff.csrf;
    shell(
        &p.staff,
        "Thiết bị kiosk",
        "/admin/kiosks",
        &p.notice,
        html! {
            div.scroll { table.admin {
                thead { tr {
                    th { "Tên" } th { "Đơn vị" } th { "Phiếu" } th { "Ngày tạo" } th { "Trạng thái" }
                    th { "Lần gửi gần nhất" } th.num { "Phiếu hôm nay tại các kiosk của đơn vị" }
                    @if admin { th {} }
                } }
                tbody { @for k in p.kiosks {
                    tr.disabled[k.kiosk.revoked_at.is_some()] {
                        td { @if k.kiosk.label.is_empty() { span.note { "(không tên)" } } @else { strong { (k.kiosk.label) } } }
                        td data-label="Đơn vị" { (k.unit_name) }
                        td data-label="Phiếu" { (k.survey_title) }
                        td data-label="Ngày tạo" { (when(&k.kiosk.created_at)) }
                        td data-label="Trạng thái" { @match &k.kiosk.revoked_at { Some(at) => { "Đã thu hồi " (when(at)) }, None => "Đang dùng" } }
                        td data-label="Lần gửi gần nhất" { @match k.last_seen { Some(d) => (ago(d)), None => span.note { "chưa có" } } }
                        td.num data-label="Phiếu hôm nay tại các kiosk của đơn vị" { (count(k.today_at_unit)) }
                        @if admin { td {
                            @if k.kiosk.revoked_at.is_none() {
                                form.inline method="post" action={ "/admin/kiosks/" (k.kiosk.id) "/revoke" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { "Thu hồi" }
                                }
                            }
                        } }
                    }
                } }
            } }
            p.note { "“Lần gửi gần nhất”: phiếu cuối cùng máy chủ này nhận từ thiết bị kể từ khi khởi động. Phiếu không ghi thiết bị nào gửi, nên số phiếu hôm nay là của mọi kiosk cùng đơn vị và cùng phiếu." }
            @if admin {
                h2 { "Thêm thiết bị kiosk" }
                form.stack method="post" action="/admin/kiosks" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Đơn vị (bản đồ hiện nay)" select name="unit" required { @for u in p.units { option value=(u.code) { (u.name) } } } }
                    label { "Phiếu khảo sát" select name="survey" required { @for s in &p.surveys { option value=(s.id) selected[s.id == COUNTER_FORM] { (s.title) } } } }
                    label { "Tên thiết bị" input type="text" name="label" maxlength="100" placeholder="vd. Quầy 1"; }
                    button.primary type="submit" { "Thêm kiosk" }
                }
                p.note { "Đường dẫn của thiết bị chỉ hiện một lần (hệ thống chỉ lưu mã băm): mở đường dẫn hoặc quét mã QR trên máy tính bảng tại quầy." }
            }
        },
    )
}

pub struct TokensPage<'a> {
    pub staff: Staff<'a>,
    pub tokens: &'a [TokenInfo],
    pub units: &'a [Unit],
    pub unit_name: &'a dyn Fn(&str) -> String,
    pub notice: Notice,
}

pub fn tokens(p: &TokensPage) -> Markup {
    let admin = p.staff.role == "admin";
    let csrf = p.staff.csrf;
    shell(
        &p.staff,
        "Khoá API",
        "/admin/tokens",
        &p.notice,
        html! {
            @if admin { (unit_list(p.units)) }
            div.scroll { table.admin {
                thead { tr {
                    th { "Tên" } th { "Vai trò" } th { "Phạm vi" } th { "Ngày tạo" } th { "Trạng thái" }
                    @if admin { th {} }
                } }
                tbody { @for t in p.tokens {
                    tr.disabled[t.revoked_at.is_some()] {
                        td { strong { (t.label) } }
                        td data-label="Vai trò" { (role_label(&t.role)) }
                        td data-label="Phạm vi" { @match &t.unit_code { Some(c) => { ((p.unit_name)(c)) " " span.note { "(" (c) ")" } }, None => "Toàn thành phố" } }
                        td data-label="Ngày tạo" { (when(&t.created_at)) }
                        td data-label="Trạng thái" { @match &t.revoked_at { Some(at) => { "Đã thu hồi " (when(at)) }, None => "Đang dùng" } }
                        @if admin { td {
                            @if t.revoked_at.is_none() {
                                form.inline method="post" action={ "/admin/tokens/" (t.id) "/revoke" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { "Thu hồi" }
                                }
                            }
                        } }
                    }
                } }
            } }
            p.note { "Một khoá bị thu hồi bị các máy chủ từ chối trong vòng 30 giây." }
            @if admin {
                h2 { "Tạo khoá API" }
                form.stack method="post" action="/admin/tokens" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Vai trò" (role_select("surveyor")) }
                    label { "Phạm vi đơn vị (mã)" (unit_input("")) }
                    label { "Tên (hệ thống nào dùng)" input type="text" name="label" maxlength="100" placeholder="api"; }
                    button.primary type="submit" { "Tạo khoá" }
                }
            }
        },
    )
}

//! Administration pages: users, kiosks, API tokens. Administrators change; supervisors read.
//! A password, kiosk URL or token appears once, on the page answering the change.

use crate::db::auth::{TokenInfo, UserInfo};
use crate::features::admin::service::{KioskView, MIN_PASSWORD};
use crate::features::campaigns::page::qr;
use crate::survey::{Survey, Unit};
use crate::text::Lang;
use crate::ui::layout::choose_option;
use crate::ui::staff::Staff;
use maud::{html, Markup};
use std::collections::HashMap;

/// What the page says above its content after a change.
pub enum Notice {
    None,
    /// Bad input: nothing was changed.
    Error(String),
    /// What a change did, or why it was refused, carried across the redirect after it.
    Said(crate::ui::notice::Notice),
    /// A secret shown once (a password, a token, a kiosk URL with its QR code).
    Secret {
        what: String,
        value: String,
        qr: bool,
    },
}

/// The survey kiosks usually run, chosen first.
const COUNTER_FORM: &str = "sipas-counter";

/// Each role: code, Vietnamese name, English name.
const ROLES: [(&str, &str, &str); 4] = [
    ("viewer", "Xem kết quả", "Viewer"),
    ("surveyor", "Điều tra viên", "Surveyor"),
    ("supervisor", "Giám sát", "Supervisor"),
    ("admin", "Quản trị", "Administrator"),
];

fn role_label(l: Lang, role: &str) -> &str {
    ROLES
        .iter()
        .find(|(code, _, _)| *code == role)
        .map_or(role, |(_, vi, en)| l.pick(vi, en))
}

/// The administration tabs a role may open (issuing slip codes is for admins only).
fn tabs(l: Lang, current: &str, admin: bool) -> Markup {
    html! {
        nav.tabs {
            @for (href, vi, en) in [("/admin/users", "Người dùng", "Users"), ("/admin/kiosks", "Thiết bị kiosk", "Kiosks"), ("/admin/tokens", "Khoá API", "API tokens"), ("/campaigns", "Đợt khảo sát", "Campaigns"), ("/codes", "Mã phiếu hẹn", "Slip codes"), ("/audit", "Nhật ký", "Audit log")] {
                @if href == "/codes" && !admin {}
                @else if href == current { strong { (l.pick(vi, en)) } } @else { a href=(href) { (l.pick(vi, en)) } }
            }
        }
    }
}

fn notice(l: Lang, n: &Notice) -> Markup {
    html! {
        @match n {
            Notice::None => {},
            Notice::Error(e) => p.error role="alert" { (l.pick("Chưa thay đổi gì. ", "Nothing was changed. ")) (e) "." },
            Notice::Said(n) => (n.draw(l)),
            Notice::Secret { what, value, qr: with_qr } => div.saved.secret role="status" {
                p { strong { (what) } (l.pick(" — chỉ hiện một lần, hãy ghi lại ngay:", " — shown only once, write it down now:")) }
                p { code.secret { (value) } }
                @if *with_qr { div.qr { (qr(value)) } }
            },
        }
    }
}

fn shell(staff: &Staff, title: &str, current: &str, n: &Notice, content: Markup) -> Markup {
    let l = staff.lang;
    staff.page(
        title,
        "",
        html! {},
        html! {
            main.admin {
                (tabs(l, current, staff.is_admin()))
                h1 { (title) }
                (notice(l, n))
                @if !staff.is_admin() { p.note { (l.pick("Ông/Bà chỉ xem được; chỉ quản trị viên thay đổi được.", "You can read this page; only administrators change it.")) } }
                (content)
            }
        },
    )
}

/// The column headings of the administration tables, in the page's language.
struct Headings {
    role: &'static str,
    scope: &'static str,
    status: &'static str,
    created: &'static str,
    unit: &'static str,
    form: &'static str,
    alive: &'static str,
}

impl Headings {
    fn in_lang(l: Lang) -> Headings {
        Headings {
            role: l.pick("Vai trò", "Role"),
            scope: l.pick("Phạm vi", "Scope"),
            status: l.pick("Trạng thái", "Status"),
            created: l.pick("Ngày tạo", "Created"),
            unit: l.pick("Đơn vị", "Unit"),
            form: l.pick("Phiếu", "Form"),
            alive: l.pick("Hoạt động", "Alive"),
        }
    }
}

fn role_select(l: Lang, selected: &str) -> Markup {
    html! {
        select name="role" {
            @for (code, vi, en) in ROLES {
                option value=(code) selected[code == selected] { (l.pick(vi, en)) " (" (code) ")" }
            }
        }
    }
}

/// A unit picker: a code typed or chosen among today's units; empty for none.
fn unit_input(l: Lang, value: &str) -> Markup {
    html! {
        input type="text" name="unit" value=(value) list="units" autocomplete="off" placeholder=(l.pick("để trống: toàn thành phố", "blank: the whole city"));
    }
}

fn unit_list(units: &[Unit]) -> Markup {
    html! {
        datalist #units { @for u in units { option value=(u.code) { (u.name) } } }
    }
}

/// A user's or token's unit scope: the unit's name and code, or the whole city.
fn scope_of(l: Lang, names: &HashMap<String, String>, unit: Option<&str>) -> Markup {
    html! {
        @match unit {
            Some(c) => { (names.get(c).map_or(c, String::as_str)) " " span.note { "(" (c) ")" } },
            None => (l.pick("Toàn thành phố", "The whole city")),
        }
    }
}

pub struct UsersPage<'a> {
    pub staff: Staff<'a>,
    pub users: &'a [UserInfo],
    pub units: &'a [Unit],
    /// The names of the units the list names, by code.
    pub unit_names: &'a HashMap<String, String>,
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
    let l = p.staff.lang;
    let admin = p.staff.is_admin();
    let empty = Draft::default();
    let draft = p.draft.as_ref().unwrap_or(&empty);
    let csrf = p.staff.csrf;
    let h = Headings::in_lang(l);
    shell(
        &p.staff,
        l.pick("Người dùng", "Users"),
        "/admin/users",
        &p.notice,
        html! {
            (unit_list(p.units))
            div.scroll { table.admin {
                thead { tr {
                    th { (l.pick("Tên đăng nhập", "User name")) } th { (h.role) } th { (h.scope) } th { (h.status) } th { (h.created) }
                    @if admin { th { (l.pick("Thay đổi", "Change")) } }
                } }
                tbody { @for u in p.users {
                    tr.disabled[u.disabled] {
                        td { strong { (u.username) } }
                        td data-label=(h.role) { (role_label(l, &u.role)) }
                        td data-label=(h.scope) { (scope_of(l, p.unit_names, u.unit_code.as_deref())) }
                        td data-label=(h.status) { @if u.disabled { (l.pick("Đã khoá", "Disabled")) } @else { (l.pick("Đang hoạt động", "Active")) } }
                        td data-label=(h.created) { (l.when(&u.created_at)) }
                        @if admin { td {
                            details {
                                summary { (l.pick("Thay đổi", "Change")) }
                                form.stack method="post" action={ "/admin/users/" (u.id) "/role" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    label { (h.role) (role_select(l, &u.role)) }
                                    label { (l.pick("Phạm vi đơn vị", "Unit scope")) (unit_input(l, u.unit_code.as_deref().unwrap_or(""))) }
                                    button type="submit" { (l.pick("Lưu vai trò", "Save the role")) }
                                }
                                form.inline method="post" action={ "/admin/users/" (u.id) "/password" } {
                                    input type="hidden" name="csrf" value=(csrf);
                                    button type="submit" { (l.pick("Đặt lại mật khẩu", "Reset the password")) }
                                }
                                @if u.disabled {
                                    form.inline method="post" action={ "/admin/users/" (u.id) "/enable" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" { (l.pick("Mở khoá", "Enable")) }
                                    }
                                } @else if u.username != p.staff.username {
                                    form.inline method="post" action={ "/admin/users/" (u.id) "/disable" } {
                                        input type="hidden" name="csrf" value=(csrf);
                                        button type="submit" { (l.pick("Khoá tài khoản", "Disable the account")) }
                                    }
                                }
                            }
                        } }
                    }
                } }
            } }
            @if admin {
                h2 { (l.pick("Thêm người dùng", "Add a user")) }
                form.stack method="post" action="/admin/users" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (l.pick("Tên đăng nhập", "User name")) input type="text" name="name" value=(draft.name) required maxlength="64" autocomplete="off"; }
                    label { (h.role) (role_select(l, if draft.role.is_empty() { "surveyor" } else { &draft.role })) }
                    label { (l.pick("Phạm vi đơn vị (mã)", "Unit scope (code)")) (unit_input(l, &draft.unit)) }
                    label { (l.pick("Mật khẩu ban đầu", "Initial password")) input type="password" name="password" minlength=(MIN_PASSWORD) autocomplete="new-password"; }
                    p.note { @match l {
                        Lang::Vi => { "Ít nhất " (MIN_PASSWORD) " ký tự; để trống thì hệ thống tạo mật khẩu và hiện một lần." }
                        Lang::En => { "At least " (MIN_PASSWORD) " characters; left blank, one is generated and shown once." }
                    } }
                    button.primary type="submit" { (l.pick("Thêm người dùng", "Add the user")) }
                }
                p.note { (l.pick("Khoá tài khoản thì các phiên đăng nhập của người đó kết thúc ngay. Đặt lại mật khẩu cũng kết thúc các phiên.", "Disabling an account ends its sessions at once. Resetting a password ends them too.")) }
            }
        },
    )
}

pub struct KiosksPage<'a> {
    pub staff: Staff<'a>,
    pub kiosks: &'a [KioskView],
    /// Counts under it are withheld.
    pub min_cell: i64,
    pub units: &'a [Unit],
    pub surveys: Vec<&'a Survey>,
    pub notice: Notice,
}

pub fn kiosks(p: &KiosksPage) -> Markup {
    let l = p.staff.lang;
    let admin = p.staff.is_admin();
    let csrf = p.staff.csrf;
    let h = Headings::in_lang(l);
    let h_today = l.pick(
        "Phiếu hôm nay tại các kiosk của đơn vị",
        "Forms today at the unit's kiosks",
    );
    shell(
        &p.staff,
        l.pick("Thiết bị kiosk", "Kiosks"),
        "/admin/kiosks",
        &p.notice,
        html! {
            div.scroll { table.admin {
                thead { tr {
                    th { (l.pick("Tên", "Name")) } th { (h.unit) } th { (h.form) } th { (h.created) } th { (h.status) }
                    th { (h.alive) } th.num { (h_today) }
                    @if admin { th { (l.pick("Thao tác", "Action")) } }
                } }
                tbody { @for k in p.kiosks {
                    tr.disabled[k.kiosk.revoked_at.is_some()] {
                        td { @if k.kiosk.label.is_empty() { span.note { (l.pick("(không tên)", "(no name)")) } } @else { strong { (k.kiosk.label) } } }
                        td data-label=(h.unit) { (k.unit_name) }
                        td data-label=(h.form) { (k.survey_title) }
                        td data-label=(h.created) { (l.when(&k.kiosk.created_at)) }
                        td data-label=(h.status) { @match &k.kiosk.revoked_at { Some(at) => { (l.pick("Đã thu hồi ", "Revoked ")) (l.when(at)) }, None => (l.pick("Đang dùng", "In use")) } }
                        td data-label=(h.alive) { @if k.alive { (l.pick("Có, trong giờ qua", "Yes, within the hour")) } @else { span.note { (l.pick("Không thấy trong giờ qua", "Not seen within the hour")) } } }
                        td.num data-label=(h_today) { @match k.today_at_unit { Some(n) => (l.count(n)), None => span.note { (l.pick("dưới ", "fewer than ")) (l.count(p.min_cell)) } } }
                        @if admin { td {
                            @if k.kiosk.revoked_at.is_none() {
                                a.button href={ "/admin/kiosks/" (k.kiosk.id) "/revoke" } { (l.pick("Thu hồi…", "Revoke…")) }
                            }
                        } }
                    }
                } }
            } }
            p.note { (l.pick("“Hoạt động”: máy chủ này đã mở trang phiếu của thiết bị trong một giờ qua — không phải lúc có người gửi phiếu, điều này không bao giờ hiện. Phiếu không ghi thiết bị nào gửi, nên số phiếu hôm nay là của mọi kiosk cùng đơn vị và cùng phiếu; số dưới ", "“Alive”: this server loaded the device's form page within the last hour — not when someone sent an answer, which is never shown. Forms do not record which device sent them, so today's count is that of every kiosk of the same unit and form; a count under ")) (l.count(p.min_cell)) (l.pick(" không hiện, và một số khác cũng ẩn kèm để không suy ra được bằng phép trừ.", " is withheld, with another beside it so that it cannot be worked out by subtraction.")) }
            @if admin {
                h2 { (l.pick("Thêm thiết bị kiosk", "Add a kiosk")) }
                form.stack method="post" action="/admin/kiosks" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (l.pick("Đơn vị (bản đồ hiện nay)", "Unit (today's map)")) select name="unit" required data-search=(crate::ui::layout::unit_search(l)) { (choose_option(l)) @for u in p.units { option value=(u.code) { (u.name) } } } }
                    label { (l.pick("Phiếu khảo sát", "Survey")) select name="survey" { @for s in &p.surveys { option value=(s.id) selected[s.id == COUNTER_FORM] { (s.title_in(l)) } } } }
                    label { (l.pick("Tên thiết bị", "Device name")) input type="text" name="label" maxlength="100" placeholder=(l.pick("vd. Quầy 1", "e.g. Counter 1")); }
                    button.primary type="submit" { (l.pick("Thêm kiosk", "Add the kiosk")) }
                }
                p.note { (l.pick("Đường dẫn của thiết bị chỉ hiện một lần (hệ thống chỉ lưu mã băm): mở đường dẫn hoặc quét mã QR trên máy tính bảng tại quầy.", "The device's address is shown only once (only its hash is kept): open it, or scan the QR code, on the tablet at the counter.")) }
            }
        },
    )
}

pub struct TokensPage<'a> {
    pub staff: Staff<'a>,
    pub tokens: &'a [TokenInfo],
    pub units: &'a [Unit],
    /// The names of the units the list names, by code.
    pub unit_names: &'a HashMap<String, String>,
    pub notice: Notice,
}

pub fn tokens(p: &TokensPage) -> Markup {
    let l = p.staff.lang;
    let admin = p.staff.is_admin();
    let csrf = p.staff.csrf;
    let h = Headings::in_lang(l);
    shell(
        &p.staff,
        l.pick("Khoá API", "API tokens"),
        "/admin/tokens",
        &p.notice,
        html! {
            @if admin { (unit_list(p.units)) }
            div.scroll { table.admin {
                thead { tr {
                    th { (l.pick("Tên", "Name")) } th { (h.role) } th { (h.scope) } th { (h.created) } th { (h.status) }
                    @if admin { th { (l.pick("Thao tác", "Action")) } }
                } }
                tbody { @for t in p.tokens {
                    tr.disabled[t.revoked_at.is_some()] {
                        td { strong { (t.label) } }
                        td data-label=(h.role) { (role_label(l, &t.role)) }
                        td data-label=(h.scope) { (scope_of(l, p.unit_names, t.unit_code.as_deref())) }
                        td data-label=(h.created) { (l.when(&t.created_at)) }
                        td data-label=(h.status) { @match &t.revoked_at { Some(at) => { (l.pick("Đã thu hồi ", "Revoked ")) (l.when(at)) }, None => (l.pick("Đang dùng", "In use")) } }
                        @if admin { td {
                            @if t.revoked_at.is_none() {
                                a.button href={ "/admin/tokens/" (t.id) "/revoke" } { (l.pick("Thu hồi…", "Revoke…")) }
                            }
                        } }
                    }
                } }
            } }
            p.note { (l.pick("Một khoá bị thu hồi bị các máy chủ từ chối trong vòng 30 giây.", "Servers refuse a revoked token within 30 seconds.")) }
            @if admin {
                h2 { (l.pick("Tạo khoá API", "Create an API token")) }
                form.stack method="post" action="/admin/tokens" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (h.role) (role_select(l, "surveyor")) }
                    label { (l.pick("Phạm vi đơn vị (mã)", "Unit scope (code)")) (unit_input(l, "")) }
                    label { (l.pick("Tên (hệ thống nào dùng)", "Name (the system using it)")) input type="text" name="label" maxlength="100" placeholder="api"; }
                    button.primary type="submit" { (l.pick("Tạo khoá", "Create the token")) }
                }
            }
        },
    )
}

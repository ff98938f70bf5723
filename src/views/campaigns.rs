//! Campaign pages for the Department of Home Affairs: the list, one campaign (respondents,
//! links, tracking), and the printable sheet of links with QR codes.

use super::entry::Staff;
use super::format::{count, number, when};
use super::layout::{page, staff_bar};
use crate::app::campaigns::{status_label, IssuedLink, Rate, RowError, Summary, Tracking};
use crate::db::campaigns::{Campaign, LinkState, Respondent, CLOSED, DRAFT};
use crate::survey::{Survey, Unit};
use maud::{html, Markup, PreEscaped};

/// A count of answers, or "< 5" where it is hidden.
fn answered(n: Option<i64>) -> Markup {
    match n {
        Some(n) => html! { td.num { (count(n)) } },
        None => html! { td.num.hidden title="Ẩn: dưới 5" { "< 5" } },
    }
}

fn rate(r: &Rate) -> Markup {
    match r.percent() {
        Some(p) => html! { td.num { (number(p, 1)) " %" } },
        None => html! { td.num.hidden { "—" } },
    }
}

pub struct ListPage<'a> {
    pub staff: Staff<'a>,
    pub campaigns: &'a [Summary],
    pub surveys: Vec<&'a Survey>,
    pub period: i32,
    pub error: Option<&'a str>,
    pub survey_title: &'a dyn Fn(&str) -> String,
}

pub fn list(p: &ListPage) -> Markup {
    let admin = p.staff.role == "admin";
    page(
        "Đợt khảo sát",
        "",
        html! {},
        html! {
            (staff_bar(p.staff.username, p.staff.role, p.staff.csrf))
            main {
                h1 { "Đợt khảo sát theo danh sách" }
                p.note { "Mỗi người trong danh sách nhận một đường dẫn dùng một lần. Câu trả lời không gắn với người trả lời; ở đây chỉ thấy ai chưa trả lời." }
                @if let Some(e) = p.error { p.error role="alert" { (e) } }
                @if p.campaigns.is_empty() {
                    p { "Chưa có đợt khảo sát nào." }
                } @else {
                    div.scroll { table {
                        thead { tr { th { "Đợt khảo sát" } th { "Phiếu" } th { "Năm" } th { "Trạng thái" } th.num { "Số người" } th.num { "Đã trả lời" } } }
                        tbody { @for s in p.campaigns {
                            tr {
                                td { a href={ "/campaigns/" (s.campaign.id) } { (s.campaign.title) } }
                                td { ((p.survey_title)(&s.campaign.survey_id)) }
                                td.num { (s.campaign.period) }
                                td { (status_label(&s.campaign.status)) }
                                td.num { (count(s.invited)) }
                                (answered(s.answered))
                            }
                        } }
                    } }
                }
                @if admin {
                    h2 { "Tạo đợt khảo sát mới" }
                    form.stack method="post" action="/campaigns" {
                        input type="hidden" name="csrf" value=(p.staff.csrf);
                        label { "Tên đợt (không bắt buộc)" input type="text" name="title" maxlength="200" placeholder="vd. Điều tra xã hội học PAR INDEX 2025"; }
                        label { "Phiếu khảo sát"
                            select name="survey" required {
                                @for s in &p.surveys { option value=(s.id) { (s.title) } }
                            }
                        }
                        label { "Năm đánh giá" input type="number" name="period" value=(p.period) min="2000" max="2100" required; }
                        label { "Cơ quan tổ chức (hiện cho người trả lời)" input type="text" name="organiser" maxlength="300" placeholder=(crate::app::campaigns::DEFAULT_ORGANISER); }
                        button.primary type="submit" { "Tạo đợt" }
                    }
                }
            }
        },
    )
}

/// What one campaign's page shows.
pub struct CampaignPage<'a> {
    pub staff: Staff<'a>,
    pub campaign: &'a Campaign,
    pub survey: &'a Survey,
    pub people: &'a [Respondent],
    pub tracking: &'a Tracking,
    pub units: &'a [Unit],
    pub unit_name: &'a dyn Fn(&str) -> String,
    /// The outcome of the last action.
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    pub row_errors: &'a [RowError],
    /// The list as pasted, kept when it had errors.
    pub list_text: &'a str,
}

fn group_label<'a>(survey: &'a Survey, code: &'a str) -> &'a str {
    survey
        .groups
        .iter()
        .find(|g| g.code == code)
        .map_or(code, |g| g.label.as_str())
}

fn rates(title: &str, rows: &[Rate], label: &dyn Fn(&str) -> String) -> Markup {
    html! {
        h3 { (title) }
        div.scroll { table {
            thead { tr { th { "" } th.num { "Số người" } th.num { "Đã trả lời" } th.num { "Tỷ lệ" } } }
            tbody { @for r in rows {
                tr { td { (label(&r.code)) } td.num { (count(r.invited)) } (answered(r.answered)) (rate(r)) }
            } }
        } }
    }
}

pub fn campaign(p: &CampaignPage) -> Markup {
    let c = p.campaign;
    let admin = p.staff.role == "admin";
    let base = format!("/campaigns/{}", c.id);
    let csrf = p.staff.csrf;
    let action = |path: &str, label: &str, primary: bool| {
        html! {
            form.inline method="post" action={ (base) (path) } {
                input type="hidden" name="csrf" value=(csrf);
                @if primary { button.primary type="submit" { (label) } } @else { button type="submit" { (label) } }
            }
        }
    };
    let t = p.tracking;
    page(
        &c.title,
        "",
        html! {},
        html! {
            (staff_bar(p.staff.username, p.staff.role, p.staff.csrf))
            main {
                p.crumbs { a href="/campaigns" { "Đợt khảo sát" } " › " (c.title) }
                h1 { (c.title) }
                p { "Phiếu: " (p.survey.title) " · năm " (c.period) " · tính vào: " ((p.unit_name)(&c.unit_code)) }
                p { "Cơ quan tổ chức: " (c.organiser) " · trạng thái: " strong { (status_label(&c.status)) } }
                @if let Some(n) = p.notice { p.saved { (n) } }
                @if let Some(e) = p.error { p.error role="alert" { (e) } }
                @if !p.row_errors.is_empty() {
                    div.error role="alert" {
                        p { strong { "Danh sách chưa được lưu (không ai được thêm). Xin sửa các dòng sau rồi gửi lại:" } }
                        ul { @for e in p.row_errors { li { (e) } } }
                    }
                }
                @if admin {
                    div.links.row {
                        @if c.status == DRAFT { (action("/open", "Mở đợt khảo sát", true)) }
                        @if c.status != CLOSED {
                            form.inline method="post" action={ (base) "/links" } {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="format" value="sheet";
                                button type="submit" { "Cấp đường dẫn: trang in (QR)" }
                            }
                            form.inline method="post" action={ (base) "/links" } {
                                input type="hidden" name="csrf" value=(csrf);
                                input type="hidden" name="format" value="csv";
                                button type="submit" { "Cấp đường dẫn: tệp CSV" }
                            }
                            (action("/close", "Đóng đợt khảo sát", false))
                        }
                    }
                    p.note { "Đường dẫn chỉ hiện một lần khi được cấp (hệ thống chỉ lưu mã băm). Cấp lại sẽ làm mọi đường dẫn cũ của người chưa trả lời hết hiệu lực. Đường dẫn hết hiệu lực khi đóng đợt." }
                }

                h2 { "Tiến độ" }
                p { "Đã trả lời: " @match t.total.answered { Some(n) => { strong { (count(n)) } }, None => { strong { "dưới 5" } } } " / " (count(t.total.invited)) " người."
                    " Ô có dưới 5 người trả lời không hiển thị." }
                (rates("Theo nhóm", &t.by_group, &|g| group_label(p.survey, g).to_string()))
                (rates("Theo cơ quan, đơn vị", &t.by_unit, p.unit_name))
                h3 { "Số phiếu theo ngày" }
                @if t.by_day.is_empty() { p { "Chưa có phiếu nào." } } @else {
                    table { thead { tr { th { "Ngày" } th.num { "Số phiếu" } } }
                        tbody { @for (d, n) in &t.by_day { tr { td { (when(d)) } (answered(*n)) } } } }
                }
                p { a.button href={ (base) "/reminders.csv" } { "Tải danh sách chưa trả lời (CSV)" } }

                h2 { "Danh sách người được khảo sát (" (p.people.len()) ")" }
                @if p.people.is_empty() { p { "Chưa có ai trong danh sách." } } @else {
                    div.scroll { table {
                        thead { tr { th { "Họ tên" } th { "Nhóm" } th { "Cơ quan, đơn vị" } th { "Liên hệ" } th { "Đường dẫn" } @if admin { th { "" } } } }
                        tbody { @for r in p.people {
                            tr {
                                td { (r.name) }
                                td { (group_label(p.survey, &r.group)) }
                                td { ((p.unit_name)(&r.unit)) }
                                td { (r.contact) }
                                td { @if r.answered { "Đã trả lời" } @else { @match r.link {
                                    LinkState::None => "Chưa cấp",
                                    LinkState::Issued => "Đã cấp, chưa trả lời",
                                    LinkState::Revoked => "Đã thu hồi",
                                } } }
                                @if admin { td { @if !r.answered && c.status != CLOSED {
                                    div.row.tight {
                                        @if r.link == LinkState::Issued { (action(&format!("/people/{}/revoke", r.id), "Thu hồi", false)) }
                                        (action(&format!("/people/{}/reissue", r.id), "Cấp lại", false))
                                    }
                                } } }
                            }
                        } }
                    } }
                }
                @if admin && c.status != CLOSED {
                    h2 { "Thêm người" }
                    form.stack method="post" action={ (base) "/list" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label { "Dán danh sách CSV (dòng đầu: name,group,unit,contact; nhóm theo mã hoặc tên, đơn vị theo mã hoặc tên)"
                            textarea.list name="list" rows="8" required { (p.list_text) }
                        }
                        p.note { "Mã nhóm: " @for (i, g) in p.survey.groups.iter().enumerate() { @if i > 0 { ", " } code { (g.code) } " (" (g.label) ")" } }
                        button.primary type="submit" { "Thêm cả danh sách" }
                    }
                    form.stack method="post" action={ (base) "/list-file" } enctype="multipart/form-data" {
                        input type="hidden" name="csrf" value=(csrf);
                        label { "Hoặc chọn tệp danh sách (CSV UTF-8 hoặc Excel .xlsx, trang đầu; cùng các cột như trên)"
                            input type="file" name="file" accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
                        }
                        button.primary type="submit" { "Thêm từ tệp" }
                    }
                    form.stack.spaced method="post" action={ (base) "/people" } {
                        input type="hidden" name="csrf" value=(csrf);
                        label { "Họ tên" input type="text" name="name" maxlength="200" required; }
                        label { "Nhóm" select name="group" required { @for g in &p.survey.groups { option value=(g.code) { (g.label) } } } }
                        label { "Cơ quan, đơn vị" select name="unit" required { @for u in p.units { option value=(u.code) { (u.name) } } } }
                        label { "Liên hệ (thư điện tử, điện thoại)" input type="text" name="contact" maxlength="200"; }
                        button type="submit" { "Thêm một người" }
                    }
                }
            }
        },
    )
}

/// The SVG of a QR code for `url`, or nothing when it cannot be drawn.
pub fn qr(url: &str) -> Markup {
    let Ok(code) = qrcode::QrCode::new(url.as_bytes()) else {
        return html! {};
    };
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(160, 160)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg").unwrap_or(0);
    html! { (PreEscaped(svg.get(start..).unwrap_or_default())) }
}

/// Links just issued, to print and hand out: a card per person with a QR code. Shown once.
pub fn sheet(
    c: &Campaign,
    survey: &Survey,
    links: &[IssuedLink],
    base_url: &str,
    unit_name: &dyn Fn(&str) -> String,
) -> Markup {
    page(
        &c.title,
        "",
        html! {},
        html! {
            main {
                p.crumbs.noprint { a href={ "/campaigns/" (c.id) } { "‹ Về đợt khảo sát" } }
                h1 { (c.title) }
                p.noprint.saved { "Đã cấp " (links.len()) " đường dẫn. Trang này chỉ hiện một lần: in ngay (Ctrl+P) hoặc lưu thành PDF. Mọi đường dẫn cũ của những người này đã hết hiệu lực." }
                p { "Mỗi phiếu dành riêng cho một người, dùng một lần. Quét mã QR bằng điện thoại hoặc gõ địa chỉ bên cạnh. Cơ quan tổ chức: " (c.organiser) "." }
                div.cards {
                    @for l in links {
                        @let url = format!("{base_url}/i/{}", l.token);
                        div.card {
                            (qr(&url))
                            div {
                                strong { (l.name) } br;
                                span.note { (group_label(survey, &l.group)) " · " (unit_name(&l.unit)) } br;
                                span.url { (url) }
                            }
                        }
                    }
                }
            }
        },
    )
}

//! Campaign pages for the Department of Home Affairs: the list, one campaign (respondents,
//! links, tracking), and the printable sheet of links with QR codes.

use crate::db::campaigns::{CLOSED, DRAFT, OPEN};
use crate::features::campaigns::service::{
    status_label as status_vi, Heading, IssuedLink, LinkState, Person, Rate, RowError, Summary,
    Tracking,
};
use crate::features::paper::page::Staff;
use crate::survey::{Survey, Unit};
use crate::text::Lang;
use crate::ui::layout::choose_option;
use crate::ui::layout::{alert, page};
use maud::{html, Markup, PreEscaped};

/// A campaign's state in the page's language.
fn status_label(l: Lang, status: &str) -> &'static str {
    match (l, status) {
        (Lang::Vi, s) => status_vi(s),
        (Lang::En, DRAFT) => "in preparation",
        (Lang::En, OPEN) => "open",
        (Lang::En, CLOSED) => "closed",
        (Lang::En, _) => "unknown",
    }
}

/// A count of answers, or "< 5" where it is hidden.
fn answered(l: Lang, n: Option<i64>) -> Markup {
    match n {
        Some(n) => html! { td.num { (l.count(n)) } },
        None => {
            html! { td.num.hidden title=(l.pick("Ẩn: dưới 5", "Hidden: fewer than 5")) { "< 5" } }
        }
    }
}

fn rate(l: Lang, r: &Rate) -> Markup {
    match r.percent() {
        Some(p) => html! { td.num { (l.percent(p, 1)) } },
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
    let (st, l) = (&p.staff, p.staff.lang);
    let admin = st.is_admin();
    st.section(
        l.pick("Đợt khảo sát theo danh sách", "Campaigns with a list of respondents"),
        l.pick("Mỗi người trong danh sách nhận một đường dẫn dùng một lần. Câu trả lời không gắn với người trả lời; ở đây chỉ thấy ai chưa trả lời.", "Everyone on the list gets a one-time link. Answers are not tied to who gave them; this page only shows who has not answered yet."),
        p.error,
        html! {
            @if p.campaigns.is_empty() {
                p { (l.pick("Chưa có đợt khảo sát nào.", "No campaign yet.")) }
            } @else {
                div.scroll { table {
                    thead { tr { th { (l.pick("Đợt khảo sát", "Campaign")) } th { (l.pick("Phiếu", "Form")) } th { (l.pick("Năm", "Year")) } th { (l.pick("Trạng thái", "Status")) } th.num { (l.pick("Số người", "People")) } th.num { (l.pick("Đã trả lời", "Answered")) } } }
                    tbody { @for s in p.campaigns {
                        tr {
                            td { a href={ "/campaigns/" (s.campaign.id) } { (s.campaign.title) } }
                            td { ((p.survey_title)(&s.campaign.survey_id)) }
                            td.num { (s.campaign.period) }
                            td { (status_label(l, &s.campaign.status)) }
                            td.num { (l.count(s.invited)) }
                            (answered(l, s.answered))
                        }
                    } }
                } }
            }
            @if admin {
                h2 { (l.pick("Tạo đợt khảo sát mới", "New campaign")) }
                form.stack method="post" action="/campaigns" {
                    input type="hidden" name="csrf" value=(st.csrf);
                    label { (l.pick("Tên đợt (không bắt buộc)", "Title (optional)")) input type="text" name="title" maxlength="200" placeholder=(l.pick("vd. Điều tra xã hội học PAR INDEX 2025", "e.g. PAR INDEX officials' survey 2025")); }
                    label { (l.pick("Phiếu khảo sát", "Survey"))
                        select name="survey" required {
                            (choose_option(l))
                            @for s in &p.surveys { option value=(s.id) { (s.title_in(l)) } }
                        }
                    }
                    label { (l.pick("Năm đánh giá", "Year assessed")) input type="number" name="period" value=(p.period) min="2000" max="2100" required; }
                    label { (l.pick("Cơ quan tổ chức (hiện cho người trả lời)", "Organiser (shown to respondents)")) input type="text" name="organiser" maxlength="300" placeholder=(crate::features::campaigns::service::DEFAULT_ORGANISER); }
                    button.primary type="submit" { (l.pick("Tạo đợt", "Create the campaign")) }
                }
            }
        },
    )
}

/// What one campaign's page shows.
pub struct CampaignPage<'a> {
    pub staff: Staff<'a>,
    pub campaign: &'a Heading,
    pub survey: &'a Survey,
    pub people: &'a [Person],
    pub tracking: &'a Tracking,
    pub units: &'a [Unit],
    pub unit_name: &'a dyn Fn(&str) -> String,
    /// The outcome of the last action.
    pub notice: Option<&'a crate::ui::notice::Notice>,
    pub error: Option<&'a str>,
    pub row_errors: &'a [RowError],
    /// The list as pasted, kept when it had errors.
    pub list_text: &'a str,
    /// Closed in grace: until when it may be reopened (stored time).
    pub reopen_until: Option<&'a str>,
}

fn group_label<'a>(survey: &'a Survey, code: &'a str) -> &'a str {
    survey
        .groups
        .iter()
        .find(|g| g.code == code)
        .map_or(code, |g| g.label.as_str())
}

fn rates(l: Lang, title: &str, rows: &[Rate], label: &dyn Fn(&str) -> String) -> Markup {
    html! {
        h3 { (title) }
        div.scroll { table {
            thead { tr { th { (title) } th.num { (l.pick("Số người", "People")) } th.num { (l.pick("Đã trả lời", "Answered")) } th.num { (l.pick("Tỷ lệ", "Rate")) } } }
            tbody { @for r in rows {
                tr { td { (label(&r.code)) } td.num { (l.count(r.invited)) } (answered(l, r.answered)) (rate(l, r)) }
            } }
        } }
    }
}

pub fn campaign(p: &CampaignPage) -> Markup {
    let (st, l) = (&p.staff, p.staff.lang);
    let c = p.campaign;
    let admin = st.is_admin();
    let base = format!("/campaigns/{}", c.id);
    let csrf = st.csrf;
    let action = |path: &str, label: &str, primary: bool| {
        html! {
            form.inline method="post" action={ (base) (path) } {
                input type="hidden" name="csrf" value=(csrf);
                @if primary { button.primary type="submit" { (label) } } @else { button type="submit" { (label) } }
            }
        }
    };
    let t = p.tracking;
    st.under(
        ("/campaigns", l.pick("Đợt khảo sát", "Campaigns")),
        &c.title,
        &c.title,
        html! {
            h1 { (c.title) }
            p { (l.pick("Phiếu: ", "Form: ")) (p.survey.title_in(l)) " · " (l.pick("năm", "year")) " " (c.period) " · " (l.pick("tính vào: ", "counted in: ")) ((p.unit_name)(&c.unit_code)) }
            p { (l.pick("Cơ quan tổ chức: ", "Organiser: ")) (c.organiser) " · " (l.pick("trạng thái: ", "status: ")) strong { (status_label(l, &c.status)) } }
            @if let Some(n) = p.notice { (n.draw(l)) }
            (alert(p.error))
            @if !p.row_errors.is_empty() {
                div.error role="alert" {
                    p { strong { (l.pick("Danh sách chưa được lưu (không ai được thêm). Xin sửa các dòng sau rồi gửi lại:", "The list was not saved (nobody was added). Correct these rows and send it again:")) } }
                    ul { @for e in p.row_errors { li { (e) } } }
                }
            }
            @if let Some(until) = p.reopen_until {
                div.warning role="note" {
                    p { @match l {
                        Lang::Vi => { "Đợt đã đóng, nhưng chưa chính thức: quản trị viên có thể mở lại đến " strong { (l.when(until)) } ". Đến lúc đó kết quả của đợt vẫn được niêm phong; sau đó việc đóng đợt là chính thức và kết quả được tính." }
                        Lang::En => { "The campaign is closed, not yet for good: an administrator may reopen it until " strong { (l.when(until)) } ". Until then its results stay sealed; after that the closing is final and the results are counted." }
                    } }
                    @if admin { p { a.button href={ (base) "/reopen" } { (l.pick("Mở lại đợt khảo sát…", "Reopen the campaign…")) } } }
                }
            }
            @if admin {
                div.links.row {
                    @if c.status == DRAFT { (action("/open", l.pick("Mở đợt khảo sát", "Open the campaign"), true)) }
                    @if c.status != CLOSED {
                        // Each of these ends something for good: a page first says what, and asks.
                        a.button href={ (base) "/links?format=sheet" } { (l.pick("Cấp đường dẫn: trang in (QR)…", "Issue links: a sheet to print (QR)…")) }
                        a.button href={ (base) "/links?format=csv" } { (l.pick("Cấp đường dẫn: tệp CSV…", "Issue links: a CSV file…")) }
                        a.button href={ (base) "/close" } { (l.pick("Đóng đợt khảo sát…", "Close the campaign…")) }
                    }
                }
                p.note { (l.pick("Đường dẫn chỉ hiện một lần khi được cấp (hệ thống chỉ lưu mã băm). Cấp lại sẽ làm mọi đường dẫn cũ của người chưa trả lời hết hiệu lực. Đường dẫn hết hiệu lực khi đóng đợt.", "Links are shown only once, when issued (only their hashes are kept). Issuing again ends every earlier link of those who have not answered. Closing the campaign ends every link.")) }
            }

            h2 { (l.pick("Tiến độ", "Progress")) }
            p { (l.pick("Đã trả lời: ", "Answered: ")) @match t.total.answered { Some(n) => { strong { (l.count(n)) } }, None => { strong { (l.pick("dưới 5", "fewer than 5")) } } } " / " (l.count(t.total.invited)) (l.pick(" người.", " people."))
                (l.pick(" Số người đã trả lời được hiện đủ, kể cả dưới 5, vì danh sách bên dưới đã cho biết từng người đã trả lời hay chưa; quy tắc ô nhỏ (dưới 5 phiếu không hiện) áp dụng cho kết quả — các câu trả lời — không cho tiến độ.", " Answer counts are shown in full, under 5 too, since the list below already says whether each person has answered; the small-cell rule (fewer than 5 forms not shown) applies to the results — the answers — not to progress.")) }
            (rates(l, l.pick("Theo nhóm", "By group"), &t.by_group, &|g| group_label(p.survey, g).to_string()))
            (rates(l, l.pick("Theo cơ quan, đơn vị", "By agency or unit"), &t.by_unit, p.unit_name))
            p.note { (l.pick("Kết quả của đợt được niêm phong khi đợt còn mở: không điểm số, số đếm, trang hay tệp xuất nào thay đổi theo một phiếu trả lời. Tất cả được tính cùng lúc khi đóng đợt. Hệ thống chỉ ghi ai đã trả lời (có/không), không ghi ngày trả lời.", "A campaign's results are sealed while it is open: no score, count, page or export moves with one answer. They are all counted at once when the campaign closes. Only whether someone answered (yes/no) is kept, never the day.")) }
            p { a.button href={ (base) "/reminders.csv" } { (l.pick("Tải danh sách chưa trả lời (CSV)", "Download who has not answered (CSV)")) } }

            h2 { (l.pick("Danh sách người được khảo sát", "Respondents")) " (" (l.count(i64::try_from(p.people.len()).unwrap_or(i64::MAX))) ")" }
            @if p.people.is_empty() { p { (l.pick("Chưa có ai trong danh sách.", "Nobody is on the list yet.")) } } @else {
                div.scroll { table {
                    thead { tr { th { (l.pick("Họ tên", "Name")) } th { (l.pick("Nhóm", "Group")) } th { (l.pick("Cơ quan, đơn vị", "Agency or unit")) } th { (l.pick("Liên hệ", "Contact")) } th { (l.pick("Đường dẫn", "Link")) } @if admin { th { (l.pick("Thao tác", "Action")) } } } }
                    tbody { @for r in p.people {
                        tr {
                            td { (r.name) }
                            td { (group_label(p.survey, &r.group)) }
                            td { ((p.unit_name)(&r.unit)) }
                            td { (r.contact) }
                            td { @if r.answered { (l.pick("Đã trả lời", "Answered")) } @else { @match r.link {
                                LinkState::None => (l.pick("Chưa cấp", "Not issued")),
                                LinkState::Issued => (l.pick("Đã cấp, chưa trả lời", "Issued, not answered")),
                                LinkState::Revoked => (l.pick("Đã thu hồi", "Revoked")),
                            } } }
                            @if admin { td { @if !r.answered && c.status != CLOSED {
                                div.row.tight {
                                    @if r.link == LinkState::Issued { (action(&format!("/people/{}/revoke", r.id), l.pick("Thu hồi", "Revoke"), false)) }
                                    (action(&format!("/people/{}/reissue", r.id), l.pick("Cấp lại", "Issue again"), false))
                                }
                            } } }
                        }
                    } }
                } }
            }
            @if admin && c.status != CLOSED {
                h2 { (l.pick("Thêm người", "Add people")) }
                form.stack method="post" action={ (base) "/list" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (l.pick("Dán danh sách CSV (dòng đầu: name,group,unit,contact; nhóm theo mã hoặc tên, đơn vị theo mã hoặc tên)", "Paste a CSV list (first line: name,group,unit,contact; group by code or name, unit by code or name)"))
                        textarea.list name="list" rows="8" required { (p.list_text) }
                    }
                    p.note { (l.pick("Mã nhóm: ", "Group codes: ")) @for (i, g) in p.survey.groups.iter().enumerate() { @if i > 0 { ", " } code { (g.code) } " (" (g.label) ")" } }
                    button.primary type="submit" { (l.pick("Thêm cả danh sách", "Add the whole list")) }
                }
                form.stack method="post" action={ (base) "/list-file" } enctype="multipart/form-data" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (l.pick("Hoặc chọn tệp danh sách (CSV UTF-8 hoặc Excel .xlsx, trang đầu; cùng các cột như trên)", "Or choose a list file (CSV in UTF-8 or Excel .xlsx, first sheet; the same columns as above)"))
                        input type="file" name="file" accept=".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required;
                    }
                    button.primary type="submit" { (l.pick("Thêm từ tệp", "Add from the file")) }
                }
                form.stack.spaced method="post" action={ (base) "/people" } {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (l.pick("Họ tên", "Name")) input type="text" name="name" maxlength="200" required; }
                    label { (l.pick("Nhóm", "Group")) select name="group" required { (choose_option(l)) @for g in &p.survey.groups { option value=(g.code) { (g.label) } } } }
                    label { (l.pick("Cơ quan, đơn vị", "Agency or unit")) select name="unit" required data-search=(crate::ui::layout::unit_search(l)) { (choose_option(l)) @for u in p.units { option value=(u.code) { (u.name) } } } }
                    label { (l.pick("Liên hệ (thư điện tử, điện thoại)", "Contact (e-mail, phone)")) input type="text" name="contact" maxlength="200"; }
                    button type="submit" { (l.pick("Thêm một người", "Add one person")) }
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

/// Links just issued, to print and hand out: a card per person with a QR code. Shown once,
/// so it offers no language switch: leaving it would lose the links.
pub fn sheet(
    lang: Lang,
    c: &Heading,
    survey: &Survey,
    links: &[IssuedLink],
    base_url: &str,
    unit_name: &dyn Fn(&str) -> String,
) -> Markup {
    let l = lang;
    page(
        l,
        &c.title,
        "",
        html! {
            main {
                p.crumbs.noprint { a href={ "/campaigns/" (c.id) } { (l.pick("‹ Về đợt khảo sát", "‹ Back to the campaign")) } }
                h1 { (c.title) }
                @let n = l.count(i64::try_from(links.len()).unwrap_or(i64::MAX));
                p.noprint.saved { @match l {
                    Lang::Vi => { "Đã cấp " (n) " đường dẫn. Trang này chỉ hiện một lần: in ngay (Ctrl+P) hoặc lưu thành PDF. Mọi đường dẫn cũ của những người này đã hết hiệu lực." }
                    Lang::En => { (n) " links issued. This page is shown only once: print it now (Ctrl+P) or save it as a PDF. Every earlier link of these people has stopped working." }
                } }
                p { (l.pick("Mỗi phiếu dành riêng cho một người, dùng một lần. Mở phiếu bằng cách quét mã QR bằng camera điện thoại; địa chỉ in bên cạnh chỉ dùng khi không quét được. Cơ quan tổ chức: ", "Each form is for one person and works once. Open it by scanning the QR code with a phone's camera; the address beside it is for when scanning fails. Organiser: ")) (c.organiser) "." }
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

//! The scores page: the index tree against 2022, with n, 95 % intervals and significance.

use super::layout::{page, staff_bar};
use crate::scoring::{NodeScore, Scores};
use crate::survey::{MergedBaselines, Survey, Unit, UnitSet};
use maud::{html, Markup};

pub struct ScoresPage<'a> {
    pub username: &'a str,
    pub role: &'a str,
    pub csrf: &'a str,
    pub surveys: Vec<&'a Survey>,
    pub units: &'a [Unit],
    /// The maps the units can be read on, and the one chosen.
    pub sets: &'a [UnitSet],
    pub map: &'a str,
    /// The merged city's 2022 baselines, on its map.
    pub merged: Option<&'a MergedBaselines>,
    pub survey: &'a Survey,
    pub period: i32,
    pub unit: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub scores: &'a Scores,
}

pub fn scores(p: &ScoresPage) -> Markup {
    page(
        "Kết quả chỉ số",
        "",
        html! {},
        html! {
            (staff_bar(p.username, p.role, p.csrf))
            main {
                h1 { (p.survey.title) }
                @if p.survey.count_single_keyed {
                    p.note { "Phiếu giấy của phiếu khảo sát này được tính ngay khi nhập lần thứ nhất, trước khi được nhập lần hai để xác minh." }
                }
                @if p.survey.instrument == "papi" {
                    p.error { "Các con số dưới đây là " strong { "ước tính theo phương pháp PAPI" } " từ phiếu khảo sát của thành phố, không phải điểm PAPI chính thức." }
                }
                (filters(p))
                p { "Số phiếu: " strong { (p.scores.responses) } }
                @if matches!(p.role, "supervisor" | "admin") {
                    p {
                        "Tải dữ liệu từng phiếu của đơn vị này: "
                        a href=(export_href(p, "csv")) { "CSV" }
                        " · "
                        a href=(export_href(p, "xlsx")) { "Excel (XLSX, kèm trang nhãn)" }
                    }
                }
                @for note in &p.scores.map_notes { p.note { (note) } }
                @if let Some(m) = p.merged { (merged_baseline(m, &p.survey.instrument)) }
                @for n in &p.scores.nodes {
                    @if let Some(r) = &n.rank {
                        p { "Vị trí ước tính của " (n.name) " so với các tỉnh năm 2022: " strong { (r.estimate) "/" (r.of) }
                            " (khoảng tin cậy: " (r.best) "–" (r.worst) ")." }
                    }
                }
                (tree_table(&p.scores.nodes))
                p.note {
                    "Giá trị của câu hỏi là tỷ lệ % điểm của các câu trả lời hợp lệ (với SIPAS: tỷ lệ “Hài lòng” hoặc “Rất hài lòng”; “Không ý kiến” không được tính); "
                    "chỉ số là bình quân các câu, hoặc theo phương pháp PAPI: (1 + 9P)/k cho nội dung thành phần và tổng cho nội dung, tổng điểm. "
                    "Khoảng tin cậy 95 %: Wilson cho từng câu, tuyến tính hóa theo người trả lời cho chỉ số. "
                    "“Có ý nghĩa” khi mốc 2022 nằm ngoài khoảng tin cậy. Điểm 8.1 = chỉ số (làm tròn 2 chữ số) × điểm tối đa ÷ 100, làm tròn 4 chữ số."
                }
            }
        },
    )
}

/// The export of the forms behind the page: its survey, period and unit.
fn export_href(p: &ScoresPage, format: &str) -> String {
    let period = p.period.to_string();
    let mut q = vec![("survey", p.survey.id.as_str()), ("period", &period)];
    if !p.unit.is_empty() {
        q.push(("unit", p.unit));
    }
    q.push(("format", format));
    format!(
        "/api/v1/export?{}",
        serde_urlencoded::to_string(q).unwrap_or_default()
    )
}

/// The merged city has no official 2022 score: the former provinces' figures, weighted by
/// population, stand in as an estimate beside old Cần Thơ's own.
fn merged_baseline(m: &MergedBaselines, instrument: &str) -> Markup {
    // The officials' survey scores sub-criteria, not the PAR INDEX percentage.
    if !matches!(instrument, "papi" | "sipas") {
        return html! {};
    }
    let shown = |v: f64| match instrument {
        "papi" => format!("{v:.3}").replace('.', ","),
        _ => format!("{v:.2} %").replace('.', ","),
    };
    html! {
        p.note {
            "Mốc 2022 của thành phố Cần Thơ sau sáp nhập: "
            @match m.for_instrument(instrument) {
                Some(v) => {
                    strong { (shown(v)) }
                    " — ước tính, bình quân gia quyền theo dân số của Cần Thơ, Sóc Trăng và Hậu Giang, không phải điểm chính thức."
                }
                None => { "chưa ước tính được (chưa có số liệu năm 2022 của Sóc Trăng và Hậu Giang)." }
            }
            @if let Some(old) = m.old_city(instrument) {
                " Cần Thơ (cũ) năm 2022: " (shown(old)) "."
            }
        }
    }
}

fn filters(p: &ScoresPage) -> Markup {
    html! {
        form method="get" action="/scores" style="display:flex;gap:1rem;flex-wrap:wrap;align-items:end;margin-bottom:1rem" {
            label { "Phiếu" br;
                select name="survey" {
                    @for s in &p.surveys { option value=(s.id) selected[s.id == p.survey.id] { (s.title) } }
                }
            }
            label { "Năm" br; input type="number" name="period" value=(p.period) min="2000" max="2100"; }
            @if !p.sets.is_empty() {
                label { "Bản đồ đơn vị" br;
                    select name="map" {
                        @for s in p.sets {
                            option value=(s.id) selected[s.id == p.map] { (s.name) " (" (s.period_text()) ")" }
                        }
                    }
                }
            }
            label { "Đơn vị" br;
                select name="unit" {
                    @for u in p.units {
                        option value=(u.code) selected[u.code == p.unit] {
                            @if u.level == "commune" { "\u{a0}\u{a0}\u{a0}\u{a0}" } @else if u.level != "city" { "\u{a0}\u{a0}" }
                            (u.name)
                        }
                    }
                }
            }
            label { "Từ ngày" br; input type="date" name="from" value=(p.from); }
            label { "Đến ngày" br; input type="date" name="to" value=(p.to); }
            button type="submit" { "Xem" }
        }
    }
}

fn tree_table(nodes: &[NodeScore]) -> Markup {
    html! {
        table {
            thead { tr {
                th { "Mã" } th { "Chỉ số / câu hỏi" } th { "Giá trị" } th { "KTC 95 %" } th { "n" }
                th { "Năm 2022" } th { "Chênh lệch" } th { "Điểm PAR INDEX" } th { "Mục tiêu" } th { "Cơ quan chủ trì" }
            } }
            tbody { @for n in nodes { (rows(n)) } }
        }
    }
}

fn rows(n: &NodeScore) -> Markup {
    html! {
        (row(n))
        @for c in &n.children { (rows(c)) }
    }
}

/// Percentages with 2 decimals, PAPI-aligned scores with 3, as each index is published.
fn num(v: Option<f64>, unit: &str) -> String {
    match (v, unit) {
        (Some(v), "score") => format!("{v:.3}"),
        (Some(v), _) => format!("{v:.2}"),
        (None, _) => "—".into(),
    }
}

fn row(n: &NodeScore) -> Markup {
    let class = if n.kind == "item" { "item" } else { "index" };
    html! {
        tr class=(class) {
            td { (n.code) }
            td.name { @if n.kind == "index" { strong { (n.name) } } @else { (n.name) } }
            td.num { (num(n.value, n.unit)) }
            td.num { @if let (Some(l), Some(h)) = (n.ci_low, n.ci_high) { (num(Some(l), n.unit)) " – " (num(Some(h), n.unit)) } @else { "—" } }
            td.num { (n.n) }
            td.num { (num(n.baseline, n.unit)) }
            td.num { (delta(n)) }
            td.num {
                @if let Some(max) = &n.points_max {
                    (n.points.as_deref().unwrap_or("—")) " / " (max)
                    @if let Some(b) = &n.points_baseline { br; span.note { "2022: " (b) } }
                }
            }
            td.num {
                (num(n.target, n.unit))
                @if let Some(g) = n.gap_to_target { br; span class=(if g >= 0.0 { "up" } else { "down" }) { (format!("{g:+.2}")) } }
            }
            td { (n.owner.as_deref().unwrap_or("")) }
        }
        @if n.kind == "index" && !n.by_group.is_empty() {
            tr.item { td {} td.name colspan="9" {
                "Theo nhóm: "
                @for (i, g) in n.by_group.iter().enumerate() {
                    @if i > 0 { " · " }
                    @if g.suppressed {
                        (g.group) " — dưới " (crate::scoring::MIN_CELL) " phiếu, không hiển thị"
                    } @else {
                        (g.group) " " (num(g.value, n.unit)) " (n=" (g.n) ")"
                    }
                }
            } }
        }
    }
}

fn delta(n: &NodeScore) -> Markup {
    let shown = |d: f64| {
        if n.unit == "score" {
            format!("{d:+.3}")
        } else {
            format!("{d:+.2}")
        }
    };
    match (n.delta, n.significant) {
        (Some(d), Some(true)) => {
            let class = if d >= 0.0 { "up" } else { "down" };
            html! { span class=(class) { (shown(d)) " (có ý nghĩa)" } }
        }
        (Some(d), _) => html! { span.note { (shown(d)) " (không có ý nghĩa)" } },
        _ => html! { "—" },
    }
}

//! The scores page: the index tree against 2022, with n, 95 % intervals and significance.

use super::layout::{page, staff_bar};
use crate::scoring::{NodeScore, Scores};
use crate::survey::{Survey, Unit};
use maud::{html, Markup};

pub struct ScoresPage<'a> {
    pub username: &'a str,
    pub role: &'a str,
    pub csrf: &'a str,
    pub surveys: Vec<&'a Survey>,
    pub units: &'a [Unit],
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
                (filters(p))
                p { "Số phiếu: " strong { (p.scores.responses) } }
                (tree_table(&p.scores.nodes))
                p.note {
                    "Giá trị là tỷ lệ % câu trả lời “Hài lòng” hoặc “Rất hài lòng” trong số câu trả lời hợp lệ (không tính “Không ý kiến”); "
                    "chỉ số yếu tố là bình quân các câu; khoảng tin cậy 95 % theo phương pháp Wilson cho từng câu và tuyến tính hóa theo người trả lời cho chỉ số. "
                    "“Có ý nghĩa” khi mốc 2022 nằm ngoài khoảng tin cậy. Điểm 8.1 = chỉ số (làm tròn 2 chữ số) × điểm tối đa ÷ 100, làm tròn 4 chữ số."
                }
            }
        },
    )
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
                th { "Mã" } th { "Chỉ số / câu hỏi" } th { "Giá trị %" } th { "KTC 95 %" } th { "n" }
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

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "—".into())
}

fn row(n: &NodeScore) -> Markup {
    let class = if n.kind == "item" { "item" } else { "index" };
    html! {
        tr class=(class) {
            td { (n.code) }
            td.name { @if n.kind == "index" { strong { (n.name) } } @else { (n.name) } }
            td.num { (pct(n.value)) }
            td.num { @if let (Some(l), Some(h)) = (n.ci_low, n.ci_high) { (format!("{l:.1} – {h:.1}")) } @else { "—" } }
            td.num { (n.n) }
            td.num { (pct(n.baseline)) }
            td.num { (delta(n)) }
            td.num {
                @if let Some(max) = &n.points_max {
                    (n.points.as_deref().unwrap_or("—")) " / " (max)
                    @if let Some(b) = &n.points_baseline { br; span.note { "2022: " (b) } }
                }
            }
            td.num { (pct(n.target)) }
            td { (n.owner.as_deref().unwrap_or("")) }
        }
    }
}

fn delta(n: &NodeScore) -> Markup {
    match (n.delta, n.significant) {
        (Some(d), Some(true)) => {
            let class = if d >= 0.0 { "up" } else { "down" };
            html! { span class=(class) { (format!("{d:+.2}")) " (có ý nghĩa)" } }
        }
        (Some(d), _) => html! { span.note { (format!("{d:+.2}")) " (không có ý nghĩa)" } },
        _ => html! { "—" },
    }
}

//! The PAPI-aligned page: 8 dimensions and 28 sub-dimensions against 2022 and the rank-20
//! values, and where the estimated total would have ranked among the 2022 provinces.

use crate::scoring::{NodeScore, Scores};
use crate::survey::published::{Published, Trajectory};
use crate::survey::Survey;
use crate::text::Lang;
use crate::ui::chart::{self, Bar, Scale};
use crate::ui::staff::Staff;
use crate::ui::table::{self, Table, V};
use crate::ui::trajectory;
use maud::{html, Markup};

pub struct PapiPage<'a> {
    /// Who is looking, for the top bar.
    pub staff: Staff<'a>,
    pub survey: &'a Survey,
    pub period: i32,
    pub unit: &'a str,
    pub unit_name: &'a str,
    pub map: &'a str,
    pub scores: &'a Scores,
    /// The city's published PAPI since 2022, ending with this year's estimate where the page
    /// is the city's.
    pub path: Trajectory,
    /// Published results, for the merged city's estimated PAPI.
    pub published: &'a Published,
}

/// The merged city's PAPI 2022–2024 as the population-weighted mean of the three former
/// provinces, and where it would have stood among the merged provinces: never a published rank.
fn merged_city(lang: Lang, p: &Published) -> Markup {
    let (cited, cited_en) = p.cite(&p.mergers_sources);
    html! {
        @if !p.merged_city_papi.is_empty() {
            h2 { (lang.pick("Thành phố Cần Thơ sau hợp nhất — ước tính", "Cần Thơ after the 2025 merger — an estimate")) }
            div.scroll { table {
                thead { tr { th { (lang.pick("Năm", "Year")) } th.num { (lang.pick("PAPI ước tính", "Estimated PAPI")) } th { (lang.pick("Vị trí ước tính", "Estimated position")) } th { (lang.pick("Trọng số dân số", "Population weights")) } } }
                tbody { @for m in &p.merged_city_papi { tr {
                    td { (m.year) }
                    td.num { (lang.number(m.value, 2)) }
                    td { (lang.pick("thứ ", "")) (m.position) (lang.pick(" trong ", " of ")) (m.of) (lang.pick(" tỉnh tính được (trên ", " provinces that can be worked out (of ")) (m.provinces) ")" }
                    td { @for (i, w) in m.weights.iter().enumerate() { @if i > 0 { ", " } (w.province) " " (lang.percent(w.weight * 100.0, 1)) } }
                } } }
            } }
            p.note {
                (lang.pick("Không có điểm PAPI chính thức nào của các tỉnh sau hợp nhất; đây không phải thứ hạng do cơ quan nào công bố. Mỗi tỉnh mới lấy bình quân tổng điểm PAPI của các tỉnh cũ, trọng số theo ", "No official PAPI exists for the merged provinces; this is no rank anyone published. Each new province takes the mean of its former provinces' PAPI totals, weighted by "))
                @if let Some((vi, en)) = &p.mergers_basis { (lang.pick(vi, en)) }
                (lang.pick(". Tỉnh có tỉnh cũ không được xếp hạng năm đó hoặc chưa có số dân thì không tính. Nguồn: ", ". A province with a former province unranked that year, or without a population figure, is left out. Sources: "))
                (lang.pick(&cited, &cited_en)) "."
            }
        }
    }
}

fn row(lang: Lang, n: &NodeScore, indent: bool) -> Vec<V> {
    let name = lang.titled(&n.name, n.name_en.as_deref());
    vec![
        V::Text(n.code.clone()),
        V::Text(if indent {
            format!("\u{a0}\u{a0}{name}")
        } else {
            name.to_string()
        }),
        V::Num(n.value, 3),
        V::Interval(n.ci_low, n.ci_high, 3),
        V::Int(n.n),
        V::Num(n.baseline, 3),
        V::Delta(n.delta, n.significant, 3),
        V::Num(n.target, 3),
        V::Num(n.gap_to_target, 3),
    ]
}

/// The table: the total, each dimension and its sub-dimensions (no items).
pub fn tables(lang: Lang, s: &Scores) -> Vec<Table> {
    let mut rows = Vec::new();
    for root in &s.nodes {
        rows.push(row(lang, root, false));
        for d in &root.children {
            rows.push(row(lang, d, false));
            for sd in d.children.iter().filter(|c| c.kind != "item") {
                rows.push(row(lang, sd, true));
            }
        }
    }
    vec![Table {
        id: "dimensions".into(),
        caption: lang
            .pick(
                "Tổng điểm, 8 nội dung và 28 nội dung thành phần (ước tính)",
                "Total, 8 dimensions and 28 sub-dimensions (estimates)",
            )
            .into(),
        columns: [
            ("Mã", "Code"),
            ("Nội dung", "Dimension"),
            ("Ước tính", "Estimate"),
            ("KTC 95 %", "95 % interval"),
            ("n", "n"),
            ("Năm 2022", "2022"),
            ("So với 2022", "Against 2022"),
            ("Hạng 20 năm 2022", "Rank 20 in 2022"),
            ("Còn thiếu so với hạng 20", "Gap to rank 20"),
        ]
        .iter()
        .map(|(v, e)| lang.pick(v, e).to_string())
        .collect(),
        rows: if s.responses == 0 { Vec::new() } else { rows },
    }]
}

pub fn papi(p: &PapiPage) -> Markup {
    let lang = p.staff.lang;
    let title = format!(
        "{} {}",
        lang.pick(
            "Ước tính theo phương pháp PAPI năm",
            "Estimates by the PAPI method,"
        ),
        p.period
    );
    let export = format!(
        "{}&table=dimensions",
        crate::features::results::sipas_page::href(
            "/papi/export",
            &p.survey.id,
            p.period,
            p.map,
            p.unit
        )
    );
    p.staff.main(
        &title,
        html! {
            p { (p.survey.title_in(lang)) " · " (p.unit_name) " · " (p.period) }
            p.error { (lang.pick("Đây là ", "These are ")) strong { (lang.pick("ước tính theo phương pháp PAPI", "estimates by the PAPI method")) } (lang.pick(" từ phiếu khảo sát của thành phố, không phải điểm PAPI chính thức.", " from the city's own survey, not official PAPI scores.")) }
            (trajectory::figure(lang, &p.path))
            form.filters method="get" action="/papi" {
                input type="hidden" name="survey" value=(p.survey.id);
                input type="hidden" name="unit" value=(p.unit);
                label { (lang.pick("Năm", "Year")) br; input type="number" name="period" value=(p.period) min="2000" max="2100"; }
                button type="submit" { (lang.pick("Xem", "Show")) }
            }
            @if p.scores.responses == 0 {
                p.empty { (lang.pick("Chưa có dữ liệu: chưa có phiếu nào trong năm đã chọn.", "No data yet: no form in the chosen year.")) }
            } @else {
                p { (lang.pick("Số phiếu: ", "Forms: ")) strong { (lang.count(p.scores.responses)) } }
                @for n in &p.scores.nodes {
                    @if let Some(r) = &n.rank {
                        p { (lang.pick("Tổng điểm ước tính ", "The estimated total ")) strong { (n.value.map(|v| lang.number(v, 3)).unwrap_or_default()) }
                            (lang.pick(" sẽ xếp hạng ", " would have ranked ")) strong { (r.estimate) "/" (r.of) }
                            (lang.pick(" trong các tỉnh năm 2022 (theo khoảng tin cậy: hạng ", " among the 2022 provinces (by its interval: ")) (r.best) "–" (r.worst) ")." }
                    }
                    (chart::bars(
                        lang,
                        lang.pick("8 nội dung so với năm 2022 và hạng 20", "The 8 dimensions against 2022 and rank 20"),
                        lang.pick("Thanh: ước tính năm nay (1–10); vạch ngang: KTC 95 %; hình thoi: năm 2022; vạch đứt: bình quân 20 tỉnh dẫn đầu 2022. Số liệu ở bảng bên dưới.",
                            "Bars: this year's estimate (1–10); whiskers: 95 % interval; diamond: 2022; dashed: mean of the top 20 provinces in 2022. The table below holds the figures."),
                        &n.children.iter().map(|d| Bar {
                            label: format!("{} {}", d.code, lang.titled(&d.name, d.name_en.as_deref()).chars().take(24).collect::<String>()),
                            value: d.value, low: d.ci_low, high: d.ci_high, baseline: d.baseline, target: d.target,
                        }).collect::<Vec<_>>(),
                        Scale::score(1.0, 10.0),
                    ))
                }
            }
            @for t in tables(lang, p.scores) { (table::render(lang, &t, Some(&export))) }
            (merged_city(lang, p.published))
            p.note { (lang.pick(
                "Nội dung thành phần S = (1 + 9P)/k, P là bình quân tỷ lệ của các câu; nội dung = tổng các nội dung thành phần (1–10); tổng điểm = tổng 8 nội dung (8–80). “Có ý nghĩa” khi mốc 2022 nằm ngoài khoảng tin cậy 95 %.",
                "Sub-dimension S = (1 + 9P)/k, P the mean share of its items; dimension = sum of its sub-dimensions (1–10); total = sum of the 8 dimensions (8–80). “Significant” when the 2022 value lies outside the 95 % interval.")) }
        },
    )
}

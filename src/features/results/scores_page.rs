//! The scores page: the index tree against 2022, with n, 95 % intervals and significance.

use crate::features::results::choice;
use crate::scoring::{NodeScore, Scores};
use crate::survey::{MergedBaselines, Survey, Unit, UnitSet};
use crate::text::Lang;
use crate::ui::staff::Staff;
use maud::{html, Markup};

pub struct ScoresPage<'a> {
    /// Who is looking, for the top bar.
    pub staff: Staff<'a>,
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
    /// The unit's name when it is below the city: on its own page, a unit answers for the
    /// SIPAS service at its counter.
    pub unit_owner: Option<&'a str>,
    pub from: &'a str,
    pub to: &'a str,
    pub scores: &'a Scores,
    /// Cells resting on fewer answers are withheld.
    pub min_cell: i64,
    /// The city's plan: who holds a definition's owners' work in the period shown.
    pub plan: Option<&'a crate::survey::plan::Plan>,
}

pub fn scores(p: &ScoresPage) -> Markup {
    let lang = p.staff.lang;
    p.staff.plain(
        lang.pick("Kết quả chỉ số", "Index results"),
        html! {
            h1 { (p.survey.title) }
            @if p.survey.count_single_keyed {
                p.note { (lang.pick("Phiếu giấy của phiếu khảo sát này được tính ngay khi nhập lần thứ nhất, trước khi được nhập lần hai để xác minh.",
                    "Paper forms of this survey count once keyed the first time, before the second keying verifies them.")) }
            }
            @if p.survey.instrument == "papi" {
                p.error { (lang.pick("Các con số dưới đây là ", "The figures below are ")) strong { (lang.pick("ước tính theo phương pháp PAPI", "estimates by the PAPI method")) } (lang.pick(" từ phiếu khảo sát của thành phố, không phải điểm PAPI chính thức.", " from the city's own survey, not official PAPI scores.")) }
            }
            @if p.survey.instrument == "sipas" {
                p.noprint { a href=(format!("/sipas?survey={}&period={}&unit={}", p.survey.id, p.period, p.unit)) { (lang.pick("Xem SIPAS theo lĩnh vực, kênh, cấp, tháng và đơn vị trực thuộc →", "SIPAS by field, channel, level, month and units below →")) } }
            }
            @if p.survey.instrument == "papi" {
                p.noprint { a href=(format!("/papi?survey={}&period={}&unit={}", p.survey.id, p.period, p.unit)) { (lang.pick("Xem 8 nội dung và 28 nội dung thành phần so với 2022 và hạng 20 →", "The 8 dimensions and 28 sub-dimensions against 2022 and rank 20 →")) } }
            }
            (filters(p))
            @if p.scores.responses == 0 {
                p.empty { (lang.pick(
                    "Chưa có dữ liệu: chưa có phiếu nào cho lựa chọn này. Xin chọn năm, đơn vị hoặc khoảng ngày khác.",
                    "No data yet: no form for this choice. Choose another year, unit or range of days.")) }
            } @else {
                p { (lang.pick("Số phiếu: ", "Forms: ")) strong { (lang.count(p.scores.responses)) } }
                @if p.staff.role >= crate::db::auth::Role::Supervisor {
                    p.noprint {
                        (lang.pick("Tải dữ liệu từng phiếu của đơn vị này: ", "Download every form of this unit: "))
                        a href=(export_href(p, "csv")) { "CSV" }
                        " · "
                        a href=(export_href(p, "xlsx")) { (lang.pick("Excel (XLSX, kèm trang nhãn)", "Excel (XLSX, with a labels sheet)")) }
                    }
                }
                @for note in &p.scores.map_notes { p.note { (note) } }
                @if p.scores.range_withheld {
                    p.note.withheld { (lang.pick(crate::scoring::ranges::WITHHELD_VI, crate::scoring::ranges::WITHHELD_EN)) }
                }
                @if let Some(m) = p.merged { (merged_baseline(lang, m, &p.survey.instrument)) }
                @for n in &p.scores.nodes {
                    @if let Some(r) = &n.rank {
                        p { (lang.pick("Vị trí ước tính của ", "Estimated place of ")) (lang.titled(&n.name, n.name_en.as_deref())) (lang.pick(" so với các tỉnh năm 2022: ", " among the provinces in 2022: ")) strong { (r.estimate) "/" (r.of) }
                            " (" (lang.pick("khoảng tin cậy: ", "interval: ")) (r.best) "–" (r.worst) ")." }
                    }
                }
                @if let Some(u) = p.unit_owner {
                    @if p.survey.instrument == "sipas" {
                        p.note { (lang.pick("Ở trang của một đơn vị, chính đơn vị đó chịu trách nhiệm về sự phục vụ tại quầy của mình: ", "On a unit's page the unit itself answers for the service at its counter: ")) strong { (u) } "." }
                    }
                }
                div.scroll { (tree_table(p)) }
            }
            p.note { (lang.pick(
                "Giá trị của câu hỏi là tỷ lệ % điểm của các câu trả lời hợp lệ (với SIPAS: tỷ lệ “Hài lòng” hoặc “Rất hài lòng”; “Không ý kiến” không được tính); chỉ số là bình quân các câu, hoặc theo phương pháp PAPI: (1 + 9P)/k cho nội dung thành phần và tổng cho nội dung, tổng điểm. Khoảng tin cậy 95 %: Wilson cho từng câu, tuyến tính hóa theo người trả lời cho chỉ số. “Có ý nghĩa” khi mốc 2022 nằm ngoài khoảng tin cậy. Điểm 8.1 = chỉ số (làm tròn 2 chữ số) × điểm tối đa ÷ 100, làm tròn 4 chữ số.",
                "An item's value is the % score of its valid answers (SIPAS: the share of “Satisfied” or “Very satisfied”; “No opinion” is not counted); an index is the mean of its items, or by the PAPI method (1 + 9P)/k for a sub-dimension and sums for dimensions and the total. 95 % interval: Wilson for each item, respondent-level linearisation for indices. “Significant” when the 2022 value lies outside the interval. 8.1 points = index (rounded to 2 decimals) × max points ÷ 100, rounded to 4 decimals.")) }
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
fn merged_baseline(lang: Lang, m: &MergedBaselines, instrument: &str) -> Markup {
    // The officials' survey scores sub-criteria, not the PAR INDEX percentage.
    if !matches!(instrument, "papi" | "sipas") {
        return html! {};
    }
    let shown = |v: f64| match instrument {
        "papi" => lang.number(v, 3),
        _ => lang.percent(v, 2),
    };
    html! {
        p.note {
            (lang.pick("Mốc 2022 của thành phố Cần Thơ sau sáp nhập: ", "2022 baseline of the merged city of Cần Thơ: "))
            @match m.for_instrument(instrument) {
                Some(v) => {
                    strong { (shown(v)) }
                    (lang.pick(" — ước tính, bình quân gia quyền theo dân số của Cần Thơ, Sóc Trăng và Hậu Giang, không phải điểm chính thức.",
                        " — an estimate, the population-weighted mean of Cần Thơ, Sóc Trăng and Hậu Giang, not an official score."))
                }
                None => { (lang.pick("chưa ước tính được (chưa có số liệu năm 2022 của Sóc Trăng và Hậu Giang).", "not estimated (Sóc Trăng's and Hậu Giang's 2022 figures are missing).")) }
            }
            @if let Some(old) = m.old_city(instrument) {
                (lang.pick(" Cần Thơ (cũ) năm 2022: ", " Former Cần Thơ in 2022: ")) (shown(old)) "."
            }
        }
    }
}

fn filters(p: &ScoresPage) -> Markup {
    let lang = p.staff.lang;
    html! {
        form.filters method="get" action="/scores" {
            (choice::survey(lang, &p.surveys, &p.survey.id))
            (choice::year(lang, p.period))
            (choice::map(lang, p.sets, p.map, true))
            (choice::unit(lang, p.units, p.unit))
            label { (lang.pick("Từ ngày", "From")) br; (crate::ui::layout::day_input(lang, "from", p.from)) }
            label { (lang.pick("Đến ngày", "To")) br; (crate::ui::layout::day_input(lang, "to", p.to)) }
            button type="submit" { (lang.pick("Xem", "Show")) }
        }
    }
}

const HEADINGS: [(&str, &str); 10] = [
    ("Mã", "Code"),
    ("Chỉ số / câu hỏi", "Index / item"),
    ("Giá trị", "Value"),
    ("KTC 95 %", "95 % interval"),
    ("n", "n"),
    ("Năm 2022", "2022"),
    ("Chênh lệch", "Difference"),
    ("Điểm PAR INDEX", "PAR INDEX points"),
    ("Mục tiêu", "Target"),
    ("Cơ quan chủ trì", "Lead agency"),
];

fn tree_table(p: &ScoresPage) -> Markup {
    html! {
        table.data.scores {
            thead { tr {
                @for (i, h) in HEADINGS.iter().enumerate() {
                    th class=[(2..=8).contains(&i).then_some("num")] { (p.staff.lang.pick(h.0, h.1)) }
                }
            } }
            tbody { @for n in &p.scores.nodes { (rows(p, n)) } }
        }
    }
}

fn rows(p: &ScoresPage, n: &NodeScore) -> Markup {
    html! {
        (row(p, n))
        @for c in &n.children { (rows(p, c)) }
    }
}

/// Percentages with 2 decimals, PAPI-aligned scores with 3, as each index is published.
fn num(lang: Lang, v: Option<f64>, unit: &str) -> String {
    match (v, unit) {
        (Some(v), "score") => lang.number(v, 3),
        (Some(v), _) => lang.number(v, 2),
        (None, _) => "—".into(),
    }
}

fn label(p: &ScoresPage, i: usize) -> &'static str {
    HEADINGS
        .get(i)
        .map(|h| p.staff.lang.pick(h.0, h.1))
        .unwrap_or("")
}

fn row(p: &ScoresPage, n: &NodeScore) -> Markup {
    let lang = p.staff.lang;
    let class = if n.kind == "item" { "item" } else { "index" };
    // Below the city, a SIPAS unit answers for its own counter.
    let owner = match (p.unit_owner, p.survey.instrument.as_str(), n.kind) {
        (_, _, "item") => None,
        (Some(u), "sipas", _) => Some(u),
        _ => n.owner.as_deref(),
    };
    // From 2025 the work of a reorganised agency is named by the agency that holds it now.
    let owner = owner.map(|o| match p.plan {
        Some(plan) => plan.renamed(o, p.period, lang == crate::text::Lang::Vi),
        None => o.to_string(),
    });
    html! {
        tr class=(class) {
            td data-label=(label(p, 0)) { (n.code) }
            td.name data-label=(label(p, 1)) {
                @let name = lang.titled(&n.name, n.name_en.as_deref());
                @if n.kind == "index" { strong { (name) } } @else { (name) }
            }
            td.num data-label=(label(p, 2)) {
                @if n.withheld {
                    @if n.n < p.min_cell {
                        span.note title=(lang.pick("Quá ít phiếu để công bố mà không lộ người trả lời", "Too few answers to publish without revealing who answered")) {
                            (lang.pick("dưới ", "under ")) (p.min_cell) (lang.pick(" phiếu", " answers"))
                        }
                    } @else {
                        span.note title=(lang.pick("Ẩn kèm một ô dưới ngưỡng, để không ai suy ra ô đó bằng phép trừ", "Withheld beside a cell under the threshold, so that no one can work that cell out by subtraction")) {
                            (lang.pick("ẩn kèm ô nhỏ", "withheld beside a small cell"))
                        }
                    }
                } @else { (num(lang, n.value, n.unit)) }
            }
            td.num data-label=(label(p, 3)) { @if let (Some(l), Some(h)) = (n.ci_low, n.ci_high) { (num(lang, Some(l), n.unit)) "–" (num(lang, Some(h), n.unit)) } @else { "—" } }
            td.num data-label=(label(p, 4)) { (lang.count(n.n)) }
            td.num data-label=(label(p, 5)) { (num(lang, n.baseline, n.unit)) }
            td.num data-label=(label(p, 6)) { (delta(lang, n)) }
            td.num data-label=(label(p, 7)) {
                @if let Some(max) = &n.points_max {
                    (n.points.as_deref().map(|x| lang.decimal_text(x)).unwrap_or("—".into())) " / " (lang.decimal_text(max))
                    @if let Some(b) = &n.points_baseline { br; span.note { "2022: " (lang.decimal_text(b)) } }
                }
            }
            td.num data-label=(label(p, 8)) {
                (num(lang, n.target, n.unit))
                @if let Some(g) = n.gap_to_target { br; span class=(if g >= 0.0 { "up" } else { "down" }) { (signed(lang, g, 2)) } }
            }
            td data-label=(label(p, 9)) { (owner.unwrap_or_default()) }
        }
        @if n.kind == "index" && !n.by_group.is_empty() {
            tr.item { td {} td.name colspan="9" {
                (lang.pick("Theo nhóm: ", "By group: "))
                @for (i, g) in n.by_group.iter().enumerate() {
                    @if i > 0 { " · " }
                    @let name = p.survey.groups.iter().find(|x| x.code == g.group).map(|x| x.label.as_str()).unwrap_or(g.group.as_str());
                    @if g.suppressed && g.n >= p.min_cell {
                        (name) " — " (lang.pick("ẩn kèm một nhóm dưới ", "withheld beside a group under ")) (p.min_cell) (lang.pick(" phiếu", " answers"))
                    } @else if g.suppressed {
                        (name) " — " (lang.pick("dưới ", "under ")) (p.min_cell) (lang.pick(" phiếu, không hiển thị", " answers, withheld"))
                    } @else {
                        (name) " " (num(lang, g.value, n.unit)) " (n=" (lang.count(g.n)) ")"
                    }
                }
            } }
        }
    }
}

fn signed(lang: Lang, d: f64, decimals: usize) -> String {
    format!(
        "{}{}",
        if d >= 0.0 { "+" } else { "" },
        lang.number(d, decimals)
    )
}

fn delta(lang: Lang, n: &NodeScore) -> Markup {
    let decimals = if n.unit == "score" { 3 } else { 2 };
    match (n.delta, n.significant) {
        (Some(d), Some(true)) => {
            let class = if d >= 0.0 { "up" } else { "down" };
            html! { span class=(class) { (signed(lang, d, decimals)) " (" (lang.pick("có ý nghĩa", "significant")) ")" } }
        }
        (Some(d), _) => {
            html! { span.note { (signed(lang, d, decimals)) " (" (lang.pick("không có ý nghĩa", "not significant")) ")" } }
        }
        _ => html! { "—" },
    }
}

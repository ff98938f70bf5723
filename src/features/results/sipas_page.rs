//! The SIPAS page: elements, items and 8.1 points of a unit, drilling down the unit tree, with
//! breakdowns by field of procedure, channel, level and period, and a trend over months.

use crate::breakdown::Breakdowns;
use crate::survey::{Survey, Unit, UnitSet, UnitTree};
use crate::text::Lang;
use crate::ui::chart::{self, Bar, Point, Scale};
use crate::ui::staff::Staff;

use crate::features::results::choice;
use crate::features::results::sipas_tables::tables;
use crate::survey::published::Trajectory;
use crate::ui::table;
use crate::ui::trajectory;
use maud::{html, Markup};

pub struct SipasPage<'a> {
    /// Who is looking, for the top bar.
    pub staff: Staff<'a>,
    pub surveys: Vec<&'a Survey>,
    pub survey: &'a Survey,
    pub period: i32,
    pub map: &'a str,
    pub sets: &'a [UnitSet],
    /// The units the reader may choose.
    pub choices: &'a [Unit],
    pub units: &'a UnitTree,
    pub b: &'a Breakdowns,
    /// The reader may not go above this unit (their scope).
    pub scope: Option<&'a str>,
    /// The city's SIPAS since 2022, ending with this year's estimate where the page is the city's.
    pub path: Trajectory,
}

/// The address of this page for another unit (or table export), keeping survey, period, map.
pub fn href(path: &str, survey: &str, period: i32, map: &str, unit: &str) -> String {
    let period = period.to_string();
    let mut q = vec![("survey", survey), ("period", period.as_str())];
    if !map.is_empty() {
        q.push(("map", map));
    }
    if !unit.is_empty() {
        q.push(("unit", unit));
    }
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(q).unwrap_or_default()
    )
}

/// The chart of the headline and its elements against 2022 and the target.
pub fn elements_chart(lang: Lang, b: &Breakdowns) -> Markup {
    let Some(root) = b.scores.nodes.first() else {
        return html! {};
    };
    let bars: Vec<Bar> = std::iter::once(root)
        .chain(root.children.iter())
        .map(|n| Bar {
            label: if n.code == root.code {
                lang.pick("Chỉ số chung", "Overall").to_string()
            } else {
                format!(
                    "{} {}",
                    n.code,
                    short(lang.titled(&n.name, n.name_en.as_deref()))
                )
            },
            value: n.value,
            low: n.ci_low,
            high: n.ci_high,
            baseline: n.baseline,
            target: n.target,
        })
        .collect();
    chart::bars(
        lang,
        lang.pick("Chỉ số và các yếu tố, so với năm 2022 và mục tiêu", "Index and elements against 2022 and the target"),
        lang.pick(
            "Thanh: giá trị năm nay; vạch ngang: khoảng tin cậy 95 %; hình thoi: năm 2022; vạch đứt: mục tiêu. Số liệu ở bảng bên dưới.",
            "Bars: this year's value; whiskers: 95 % interval; diamond: 2022; dashed line: target. The table below holds the figures.",
        ),
        &bars,
        Scale::percent(),
    )
}

fn short(name: &str) -> String {
    let mut s: String = name.chars().take(22).collect();
    if name.chars().count() > 22 {
        s.push('…');
    }
    s
}

/// The trend of the headline over the months of the period.
pub fn trend_chart(lang: Lang, b: &Breakdowns) -> Markup {
    if b.months.is_empty() {
        return html! {};
    }
    let points: Vec<Point> = b
        .months
        .iter()
        .map(|c| Point {
            label: c.key.get(5..7).unwrap_or(&c.key).to_string(),
            value: c.node.as_ref().and_then(|n| n.value),
            low: c.node.as_ref().and_then(|n| n.ci_low),
            high: c.node.as_ref().and_then(|n| n.ci_high),
        })
        .collect();
    let baseline = b.scores.nodes.first().and_then(|n| n.baseline);
    chart::trend(
        lang,
        lang.pick("Chỉ số theo tháng", "The index by month"),
        lang.pick(
            "Đường: chỉ số từng tháng; dải mờ: khoảng tin cậy 95 %; vạch đứt: năm 2022. Tháng ít phiếu không vẽ. Số liệu ở bảng theo tháng.",
            "Line: the index each month; shaded: 95 % interval; dashed: 2022. Months with too few answers are not drawn. The table by month holds the figures.",
        ),
        &points,
        Scale::percent(),
        baseline,
    )
}

/// The way up: the unit's ancestors, each a link.
fn crumbs(p: &SipasPage) -> Markup {
    let mut chain = Vec::new();
    let mut at = p.units.get(&p.b.unit);
    while let Some(u) = at {
        chain.push(u);
        if Some(u.code.as_str()) == p.scope {
            break;
        }
        at = u.parent.as_deref().and_then(|c| p.units.get(c));
    }
    chain.reverse();
    html! {
        nav.crumbs aria-label=(p.staff.lang.pick("Vị trí", "Where")) {
            @for (i, u) in chain.iter().enumerate() {
                @if i > 0 { " › " }
                @if i + 1 == chain.len() { strong { (u.name) } }
                @else { a.up href=(href("/sipas", &p.survey.id, p.period, p.map, &u.code)) { (u.name) } }
            }
        }
    }
}

pub fn sipas(p: &SipasPage) -> Markup {
    let lang = p.staff.lang;
    let tables = tables(lang, p.survey, p.units, p.b, p.period, p.map);
    let export = |id: &str| {
        format!(
            "{}&table={id}",
            href("/sipas/export", &p.survey.id, p.period, p.map, &p.b.unit)
        )
    };
    let title = format!(
        "SIPAS {}: {}",
        p.period,
        lang.pick(
            "hài lòng về sự phục vụ hành chính",
            "satisfaction with public administrative services",
        )
    );
    p.staff.main(
        &title,
        html! {
            p { (p.survey.title) " · " (p.period) }
            (crumbs(p))
            (filters(p))
            (trajectory::figure(lang, &p.path))
            @if p.b.scores.responses == 0 {
                p.empty { (lang.pick(
                    "Chưa có dữ liệu: chưa có phiếu nào của đơn vị này trong năm đã chọn. Xin chọn năm hoặc đơn vị khác.",
                    "No data yet: no form of this unit in the chosen year. Choose another year or unit.")) }
            } @else {
                p {
                    (lang.pick("Số phiếu: ", "Forms: ")) strong { (lang.count(p.b.scores.responses)) }
                    @if let Some(root) = p.b.scores.nodes.first() {
                        @if let Some(pts) = &root.points {
                            " · " (lang.pick("Điểm 8.1: ", "8.1 points: ")) strong { (lang.decimal_text(pts)) }
                            @if let Some(max) = &root.points_max { " / " (lang.decimal_text(max)) }
                        }
                    }
                }
                @for note in &p.b.scores.map_notes { p.note { (note) } }
                @if p.b.parent.is_some() {
                    p.note { (lang.pick(
                        "Ở trang của một đơn vị, chính đơn vị đó chịu trách nhiệm về sự phục vụ tại quầy của mình.",
                        "On a unit's page, the unit itself answers for the service at its counter.")) }
                }
                div.charts {
                    (elements_chart(lang, p.b))
                    (trend_chart(lang, p.b))
                }
            }
            @for t in &tables {
                (table::render(lang, t, Some(&export(&t.id))))
            }
            p.note { (lang.pick(
                "Chỉ số của câu hỏi là tỷ lệ % “Hài lòng” hoặc “Rất hài lòng” trong các câu trả lời hợp lệ (“Không ý kiến” không tính); yếu tố là bình quân các câu, chỉ số chung là bình quân 5 yếu tố. KTC 95 %: Wilson cho câu hỏi, tuyến tính hóa theo người trả lời cho chỉ số. “Có ý nghĩa” khi mốc 2022 nằm ngoài khoảng tin cậy. n: số câu trả lời hợp lệ. Các bảng phân tách tính trên cả năm; ô dưới 5 câu trả lời không hiển thị.",
                "An item's index is the % of “Satisfied” or “Very satisfied” among valid answers (“No opinion” is not counted); an element is the mean of its items, the overall index the mean of the 5 elements. 95 % interval: Wilson for items, respondent-level linearisation for indices. “Significant” when the 2022 value lies outside the interval. n: valid answers. Breakdowns cover the whole year; cells under 5 answers are withheld.")) }
        },
    )
}

fn filters(p: &SipasPage) -> Markup {
    let lang = p.staff.lang;
    html! {
        form.filters method="get" action="/sipas" {
            (choice::survey(lang, &p.surveys, &p.survey.id))
            (choice::year(lang, p.period))
            (choice::map(lang, p.sets, p.map, false))
            (choice::unit(lang, p.choices, &p.b.unit))
            button type="submit" { (lang.pick("Xem", "Show")) }
        }
    }
}

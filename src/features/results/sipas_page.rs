//! The SIPAS page: elements, items and 8.1 points of a unit, drilling down the unit tree, with
//! breakdowns by field of procedure, channel, level and period, and a trend over months.

use crate::breakdown::{Breakdowns, Cell};
use crate::scoring::NodeScore;
use crate::survey::{Survey, Unit, UnitSet, UnitTree};
use crate::text::Lang;
use crate::ui::chart::{self, Bar, Point, Scale};
use crate::ui::layout::{page_in, staff_bar};
use crate::ui::table::{self, Table, V};
use maud::{html, Markup};

pub struct SipasPage<'a> {
    pub lang: Lang,
    /// This page's path and query, for the language switch.
    pub here: &'a str,
    pub username: &'a str,
    pub role: crate::db::auth::Role,
    pub csrf: &'a str,
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

fn channel_name(lang: Lang, c: &str) -> String {
    match c {
        "kiosk" => lang.pick("Máy tính bảng tại quầy", "Kiosk at the counter"),
        "online" => lang.pick("Trực tuyến (mã trên phiếu hẹn)", "Online (slip code)"),
        "paper" => lang.pick("Phiếu giấy", "Paper form"),
        "invitation" => lang.pick("Đường dẫn mời", "Invitation link"),
        "api" => lang.pick("Hệ thống khác (API)", "Other system (API)"),
        _ => c,
    }
    .to_string()
}

pub fn level_name(lang: Lang, l: &str) -> String {
    match l {
        "city" => lang.pick("Thành phố", "City"),
        "department" => lang.pick("Sở, ban, ngành", "Departments and agencies"),
        "district" => lang.pick("Quận, huyện", "Districts"),
        "commune" => lang.pick("Phường, xã, thị trấn", "Wards and communes"),
        _ => l,
    }
    .to_string()
}

fn field_name(survey: &Survey, f: &str) -> String {
    survey
        .background
        .iter()
        .find(|b| b.code == crate::counts::FIELD_QUESTION)
        .and_then(|b| b.options.iter().find(|o| o.code == f))
        .map(|o| o.label.clone())
        .unwrap_or_else(|| f.to_string())
}

fn month_name(lang: Lang, m: &str) -> String {
    match (m.get(..4), m.get(5..7)) {
        (Some(y), Some(mm)) => match lang {
            Lang::Vi => format!("Tháng {}/{y}", mm.trim_start_matches('0')),
            Lang::En => format!("{y}-{mm}"),
        },
        _ => m.to_string(),
    }
}

/// Element codes of the headline, in order (E1…E5).
fn element_codes(b: &Breakdowns) -> Vec<String> {
    b.scores
        .nodes
        .first()
        .map(|r| r.children.iter().map(|c| c.code.clone()).collect())
        .unwrap_or_default()
}

fn breakdown_table(
    lang: Lang,
    id: &str,
    caption: String,
    first: &str,
    cells: &[Cell],
    label: impl Fn(&Cell) -> V,
    elements: &[String],
) -> Table {
    let mut columns = vec![
        first.to_string(),
        lang.pick("Chỉ số (%)", "Index (%)").to_string(),
        lang.pick("KTC 95 %", "95 % interval").to_string(),
        "n".to_string(),
        lang.pick("Số phiếu", "Forms").to_string(),
        lang.pick("So với 2022", "Against 2022").to_string(),
    ];
    columns.extend(elements.iter().cloned());
    let rows = cells
        .iter()
        .map(|c| {
            let mut r = vec![label(c)];
            match &c.node {
                Some(n) => {
                    r.push(V::Num(n.value, 2));
                    r.push(V::Interval(n.ci_low, n.ci_high, 2));
                    r.push(V::Int(n.n));
                    r.push(V::Int(c.responses));
                    r.push(V::Delta(n.delta, n.significant, 2));
                    for e in elements {
                        let v = n
                            .children
                            .iter()
                            .find(|k| &k.code == e)
                            .and_then(|k| k.value);
                        r.push(V::Num(v, 2));
                    }
                }
                None => {
                    r.push(V::Suppressed);
                    r.push(V::Interval(None, None, 2));
                    r.push(V::Suppressed);
                    r.push(V::Int(c.responses));
                    r.push(V::Delta(None, None, 2));
                    for _ in elements {
                        r.push(V::Num(None, 2));
                    }
                }
            }
            r
        })
        .collect();
    Table {
        id: id.to_string(),
        caption,
        columns,
        rows,
    }
}

/// What the element table does at each node of the tree.
type Visit<'a> = dyn FnMut(&NodeScore, usize, &mut Vec<Vec<V>>) + 'a;

/// Every table of the page, in order; exports pick one by its id.
pub fn tables(
    lang: Lang,
    survey: &Survey,
    units: &UnitTree,
    b: &Breakdowns,
    period: i32,
    map: &str,
) -> Vec<Table> {
    let elements = element_codes(b);
    let top = b.parent.is_none();
    let unit_name = units
        .get(&b.unit)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    // The element table: the headline, its elements and their items.
    let mut rows = Vec::new();
    let mut walk = |n: &NodeScore, depth: usize, rows: &mut Vec<Vec<V>>| {
        let owner = if n.kind == "item" {
            String::new()
        } else if top {
            n.owner.clone().unwrap_or_default()
        } else {
            // Below the city, the unit answers for its own counter.
            unit_name.clone()
        };
        let name = lang.titled(&n.name, n.name_en.as_deref());
        let name = if depth > 1 {
            format!("\u{a0}\u{a0}{name}")
        } else {
            name.to_string()
        };
        rows.push(vec![
            V::Text(n.code.clone()),
            V::Text(name),
            V::Num(n.value, 2),
            V::Interval(n.ci_low, n.ci_high, 2),
            V::Int(n.n),
            V::Num(n.baseline, 2),
            V::Delta(n.delta, n.significant, 2),
            V::Dec(n.points.clone()),
            V::Dec(n.points_max.clone()),
            V::Num(n.target, 2),
            V::Text(owner),
        ]);
    };
    fn visit(n: &NodeScore, depth: usize, rows: &mut Vec<Vec<V>>, f: &mut Visit) {
        f(n, depth, rows);
        for c in &n.children {
            visit(c, depth + 1, rows, f);
        }
    }
    for n in &b.scores.nodes {
        visit(n, 0, &mut rows, &mut walk);
    }
    let tree = Table {
        id: "elements".into(),
        caption: lang
            .pick(
                "Chỉ số, yếu tố, câu hỏi và điểm 8.1",
                "Index, elements, items and 8.1 points",
            )
            .into(),
        columns: [
            ("Mã", "Code"),
            ("Chỉ số / câu hỏi", "Index / item"),
            ("Giá trị (%)", "Value (%)"),
            ("KTC 95 %", "95 % interval"),
            ("n", "n"),
            ("Năm 2022", "2022"),
            ("So với 2022", "Against 2022"),
            ("Điểm 8.1", "8.1 points"),
            ("Điểm tối đa", "Max points"),
            ("Mục tiêu", "Target"),
            ("Cơ quan chịu trách nhiệm", "Answers for it"),
        ]
        .iter()
        .map(|(v, e)| lang.pick(v, e).to_string())
        .collect(),
        rows: if b.scores.responses == 0 {
            Vec::new()
        } else {
            rows
        },
    };
    let unit_label = |c: &Cell| {
        let name = units
            .get(&c.key)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| c.key.clone());
        V::Link(name, href("/sipas", &survey.id, period, map, &c.key))
    };
    let periods: Vec<Cell> = b
        .months
        .iter()
        .cloned()
        .map(|mut c| {
            c.key = month_name(lang, &c.key);
            c
        })
        .chain(b.quarters.iter().cloned().map(|mut c| {
            c.key = format!(
                "{} {}",
                lang.pick("Quý", "Quarter"),
                c.key.trim_start_matches('Q')
            );
            c
        }))
        .chain((b.year.responses > 0).then(|| {
            let mut y = b.year.clone();
            y.key = format!("{} {}", lang.pick("Cả năm", "Whole year"), y.key);
            y
        }))
        .collect();
    vec![
        tree,
        breakdown_table(
            lang,
            "below",
            lang.pick("Các đơn vị trực thuộc", "Units below").into(),
            lang.pick("Đơn vị", "Unit"),
            &b.below
                .iter()
                .filter(|c| c.responses > 0)
                .cloned()
                .collect::<Vec<_>>(),
            unit_label,
            &elements,
        ),
        breakdown_table(
            lang,
            "fields",
            lang.pick("Theo lĩnh vực thủ tục", "By field of procedure")
                .into(),
            lang.pick("Lĩnh vực", "Field"),
            &b.fields,
            |c| V::Text(field_name(survey, &c.key)),
            &elements,
        ),
        breakdown_table(
            lang,
            "channels",
            lang.pick("Theo kênh đánh giá", "By channel").into(),
            lang.pick("Kênh", "Channel"),
            &b.channels,
            |c| V::Text(channel_name(lang, &c.key)),
            &elements,
        ),
        breakdown_table(
            lang,
            "levels",
            lang.pick(
                "Theo cấp đơn vị tiếp nhận",
                "By level of the unit answered at",
            )
            .into(),
            lang.pick("Cấp", "Level"),
            &b.levels,
            |c| V::Text(level_name(lang, &c.key)),
            &elements,
        ),
        breakdown_table(
            lang,
            "periods",
            lang.pick("Theo tháng, quý và năm", "By month, quarter and year")
                .into(),
            lang.pick("Thời gian", "Period"),
            &periods,
            |c| V::Text(c.key.clone()),
            &elements,
        ),
    ]
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
        nav.crumbs aria-label=(p.lang.pick("Vị trí", "Where")) {
            @for (i, u) in chain.iter().enumerate() {
                @if i > 0 { " › " }
                @if i + 1 == chain.len() { strong { (u.name) } }
                @else { a.up href=(href("/sipas", &p.survey.id, p.period, p.map, &u.code)) { (u.name) } }
            }
        }
    }
}

pub fn sipas(p: &SipasPage) -> Markup {
    let lang = p.lang;
    let tables = tables(lang, p.survey, p.units, p.b, p.period, p.map);
    let export = |id: &str| {
        format!(
            "{}&table={id}",
            href("/sipas/export", &p.survey.id, p.period, p.map, &p.b.unit)
        )
    };
    let title = lang.pick(
        "SIPAS: hài lòng về sự phục vụ hành chính",
        "SIPAS: satisfaction with public administrative services",
    );
    page_in(
        lang,
        title,
        "",
        html! {},
        html! {
            (staff_bar(lang, p.here, p.username, p.role, p.csrf))
            main {
                h1 { (title) }
                p { (p.survey.title) " · " (p.period) }
                (crumbs(p))
                (filters(p))
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
            }
        },
    )
}

fn filters(p: &SipasPage) -> Markup {
    let lang = p.lang;
    html! {
        form.filters method="get" action="/sipas" {
            label { (lang.pick("Phiếu", "Form")) br;
                select name="survey" {
                    @for s in &p.surveys { option value=(s.id) selected[s.id == p.survey.id] { (s.title) } }
                }
            }
            label { (lang.pick("Năm", "Year")) br; input type="number" name="period" value=(p.period) min="2000" max="2100"; }
            @if !p.sets.is_empty() {
                label { (lang.pick("Bản đồ đơn vị", "Unit map")) br;
                    select name="map" {
                        @for s in p.sets { option value=(s.id) selected[s.id == p.map] { (s.name) } }
                    }
                }
            }
            label { (lang.pick("Đơn vị", "Unit")) br;
                select name="unit" {
                    @for u in p.choices {
                        option value=(u.code) selected[u.code == p.b.unit] {
                            @if u.level == "commune" { "\u{a0}\u{a0}\u{a0}\u{a0}" } @else if u.level != "city" { "\u{a0}\u{a0}" }
                            (u.name)
                        }
                    }
                }
            }
            button type="submit" { (lang.pick("Xem", "Show")) }
        }
    }
}

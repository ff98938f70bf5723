//! The SIPAS page's tables: elements and items down the unit tree, and the breakdowns by field
//! of procedure, channel, level and month; shown on the page and exported one by one.

use crate::breakdown::{Breakdowns, Cell};
use crate::scoring::NodeScore;
use crate::survey::{Survey, UnitTree};
use crate::text::Lang;
use crate::ui::table::{Table, V};

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
        V::Link(
            name,
            crate::features::results::sipas_page::href("/sipas", &survey.id, period, map, &c.key),
        )
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

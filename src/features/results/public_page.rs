//! The public page: SIPAS results by unit and period as the plan requires them published,
//! no sign-in, no individual answers, cells under the public threshold withheld.

use crate::breakdown::{Breakdowns, Cell};
use crate::survey::published::Trajectory;
use crate::survey::{Survey, UnitTree};
use crate::text::Lang;
use crate::ui::chart::{self, Bar, Scale};
use crate::ui::layout::{lang_switch, page_in};
use crate::ui::table::{self, Table, V};
use crate::ui::trajectory;
use maud::{html, Markup};

pub struct PublicPage<'a> {
    pub lang: Lang,
    pub here: &'a str,
    pub survey: &'a Survey,
    pub period: i32,
    pub periods: &'a [i32],
    pub units: &'a UnitTree,
    pub b: &'a Breakdowns,
    pub min_n: i64,
    /// The city's published SIPAS since 2022 and this year's value where it is published.
    pub path: Trajectory,
}

fn rows(lang: Lang, cells: &[Cell], label: impl Fn(&Cell) -> String) -> Vec<Vec<V>> {
    cells
        .iter()
        .map(|c| match &c.node {
            Some(n) => vec![
                V::Text(label(c)),
                V::Num(n.value, 2),
                V::Interval(n.ci_low, n.ci_high, 2),
                V::Int(n.n),
                V::Delta(n.delta, n.significant, 2),
            ],
            None => vec![
                V::Text(label(c)),
                V::Suppressed,
                V::Interval(None, None, 2),
                V::Text(lang.pick("dưới ngưỡng", "under the threshold").into()),
                V::Delta(None, None, 2),
            ],
        })
        .collect()
}

/// The page's tables: by unit, by period.
pub fn tables(lang: Lang, units: &UnitTree, b: &Breakdowns) -> Vec<Table> {
    let columns: Vec<String> = [
        ("", ""),
        ("Chỉ số hài lòng (%)", "Satisfaction index (%)"),
        ("KTC 95 %", "95 % interval"),
        ("Số câu trả lời (n)", "Answers (n)"),
        ("So với 2022", "Against 2022"),
    ]
    .iter()
    .map(|(v, e)| lang.pick(v, e).to_string())
    .collect();
    let with_first = |first: &str| {
        let mut c = columns.clone();
        if let Some(x) = c.first_mut() {
            *x = first.to_string();
        }
        c
    };
    let mut periods: Vec<Cell> = b.quarters.clone();
    periods.push(b.year.clone());
    vec![
        Table {
            id: "units".into(),
            caption: lang.pick("Theo đơn vị", "By unit").into(),
            columns: with_first(lang.pick("Đơn vị", "Unit")),
            rows: rows(
                lang,
                &b.below
                    .iter()
                    .filter(|c| c.responses > 0)
                    .cloned()
                    .collect::<Vec<_>>(),
                |c| {
                    units
                        .get(&c.key)
                        .map(|u| u.name.clone())
                        .unwrap_or_else(|| c.key.clone())
                },
            ),
        },
        Table {
            id: "periods".into(),
            caption: lang
                .pick("Theo quý và cả năm", "By quarter and for the year")
                .into(),
            columns: with_first(lang.pick("Thời gian", "Period")),
            rows: rows(lang, &periods, |c| match c.key.strip_prefix('Q') {
                Some(q) => format!("{} {q}", lang.pick("Quý", "Quarter")),
                None => format!("{} {}", lang.pick("Cả năm", "Year"), c.key),
            }),
        },
    ]
}

pub fn public(p: &PublicPage) -> Markup {
    let lang = p.lang;
    let title = lang.pick(
        "Kết quả đánh giá sự hài lòng về phục vụ hành chính",
        "Satisfaction with public administrative services: results",
    );
    let root = p.b.scores.nodes.first();
    let shown = p.b.year.node.is_some();
    page_in(
        lang,
        title,
        "",
        html! {},
        html! {
            main {
                p.noprint { (lang_switch(lang, p.here)) }
                h1 { (title) }
                p { (p.survey.title_in(lang)) " · " (lang.pick("năm ", "year ")) (p.period) }
                form.filters method="get" action="/public" {
                    label { (lang.pick("Năm", "Year")) br;
                        select name="period" {
                            @for y in p.periods { option value=(y) selected[*y == p.period] { (y) } }
                        }
                    }
                    button type="submit" { (lang.pick("Xem", "Show")) }
                }
                (trajectory::figure(lang, &p.path))
                @if !shown {
                    p.empty { (lang.pick("Chưa có dữ liệu đủ để công bố cho năm này.", "No data yet that is enough to publish for this year.")) }
                } @else if let Some(r) = root {
                    p {
                        (lang.pick("Chỉ số hài lòng cả năm: ", "Satisfaction index for the year: "))
                        strong { (r.value.map(|v| lang.percent(v, 2)).unwrap_or("—".into())) }
                        " (" (lang.pick("KTC 95 % ", "95 % interval ")) (r.ci_low.map(|v| lang.number(v, 2)).unwrap_or_default()) "–" (r.ci_high.map(|v| lang.number(v, 2)).unwrap_or_default())
                        ", n = " (lang.count(r.n)) ")"
                    }
                    (chart::bars(
                        lang,
                        lang.pick("Chỉ số và năm yếu tố so với năm 2022", "The index and its five elements against 2022"),
                        lang.pick("Thanh: năm nay; vạch: khoảng tin cậy 95 %; hình thoi: năm 2022.", "Bars: this year; whiskers: 95 % interval; diamond: 2022."),
                        &std::iter::once(r).chain(r.children.iter()).map(|n| Bar {
                            label: if n.code == r.code { lang.pick("Chỉ số chung", "Overall").to_string() } else { n.code.clone() },
                            value: n.value, low: n.ci_low, high: n.ci_high, baseline: n.baseline, target: None,
                        }).collect::<Vec<_>>(),
                        Scale::percent(),
                    ))
                }
                @for t in tables(lang, p.units, p.b) {
                    (table::render(lang, &t, None))
                }
                p.note { (lang.pick(
                    "Kết quả tổng hợp từ phiếu đánh giá của người dân tại Bộ phận Một cửa, không ghi tên. Chỉ số là tỷ lệ % “Hài lòng” hoặc “Rất hài lòng”. Ô có ít hơn ",
                    "Results from citizens' anonymous ratings at the one-stop counters. The index is the % of “Satisfied” or “Very satisfied”. Cells resting on fewer than ")) (p.min_n)
                  (lang.pick(" câu trả lời không được công bố.", " answers are not published.")) }
            }
        },
    )
}

//! The city's path on one index, in a small chart and in words: the plan's 2022 baseline, each
//! year published since (with its rank), this year's estimate with its interval, and the band
//! where the newest rank-20 line lies.

use crate::scoring::NodeScore;
use crate::survey::published::{Published, Step, ThisYear, Trajectory};
use crate::text::Lang;
use crate::ui::chart::{c, canvas};
use maud::{html, Markup};
use rust_decimal::prelude::ToPrimitive;

const W: f64 = 360.0;
const H: f64 = 168.0;
const LEFT: f64 = 44.0;
const TOP: f64 = 14.0;
const PLOT_H: f64 = 96.0;

/// The plan's baseline year: every path starts there.
pub const BASELINE_YEAR: i32 = 2022;

/// An index's path ending with this year's value of a survey's root node, where it has one.
pub fn of_root(
    published: &Published,
    index: &str,
    period: i32,
    root: Option<&NodeScore>,
) -> Trajectory {
    let now = root.and_then(|n| {
        Some(ThisYear {
            year: period,
            value: n.value?,
            low: n.ci_low,
            high: n.ci_high,
            n: Some(n.n),
        })
    });
    published.trajectory(index, BASELINE_YEAR, now)
}

/// The index's name as leaders read it.
pub fn index_name(index: &str) -> &'static str {
    match index {
        "parindex" => "PAR INDEX",
        "sipas" => "SIPAS",
        "papi" => "PAPI",
        _ => "",
    }
}

/// PAPI is on 8–80 points; the others are percentages.
fn value(lang: Lang, index: &str, v: f64, decimals: usize) -> String {
    if index == "papi" {
        lang.number(v, decimals)
    } else {
        lang.percent(v, decimals)
    }
}

/// One step in words: "2024: 89,13 %, hạng 22/63", "năm nay (2026) ước 84,4 % (67,7–90,1)".
fn step_words(lang: Lang, index: &str, s: &Step) -> String {
    let mut out = if s.estimate {
        format!(
            "{} ({}) {}",
            lang.pick("năm nay", "this year"),
            s.year,
            lang.pick("ước", "est.")
        )
    } else {
        format!("{}:", s.year)
    };
    match s.value {
        Some(v) => {
            let approx = if s.derived { "≈ " } else { "" };
            out.push_str(&format!(
                " {approx}{}",
                value(lang, index, v, if s.estimate { 1 } else { 2 })
            ));
        }
        None if !s.estimate => out.push_str(lang.pick(" chưa rõ điểm", " value not found")),
        None => {}
    }
    if let (Some(l), Some(h)) = (s.low, s.high) {
        out.push_str(&format!(" ({}–{})", lang.number(l, 1), lang.number(h, 1)));
    }
    if let (Some(r), Some(n)) = (s.rank, s.ranked) {
        out.push_str(&format!(", {} {r}/{n}", lang.pick("hạng", "rank")));
    }
    out
}

/// The path in one sentence.
pub fn words(lang: Lang, t: &Trajectory) -> String {
    t.steps
        .iter()
        .map(|s| step_words(lang, &t.index, s))
        .collect::<Vec<_>>()
        .join(" → ")
}

/// The newest rank-20 line in words: "ngưỡng hạng 20 năm 2024: 89,13–90,00 % (ước tính)".
pub fn line_words(lang: Lang, t: &Trajectory) -> Option<String> {
    let l = t.line.as_ref()?;
    let (low, high) = (l.low.to_f64()?, l.high.to_f64()?);
    let d = if t.index == "papi" { 4 } else { 2 };
    Some(if l.estimate {
        format!(
            "{} {}: {}–{} ({})",
            lang.pick("Ngưỡng hạng 20 năm", "Rank-20 line of"),
            l.year,
            lang.number(low, d),
            value(lang, &t.index, high, d),
            lang.pick("ước tính", "an estimate")
        )
    } else {
        format!(
            "{} {}: {}",
            lang.pick("Ngưỡng hạng 20 năm", "Rank-20 line of"),
            l.year,
            value(lang, &t.index, low, d)
        )
    })
}

/// The chart: a dot a year (hollow where the value is derived), this year's interval as a
/// whisker, and the rank-20 line of the newest published year as a shaded band.
pub fn chart(lang: Lang, t: &Trajectory) -> Markup {
    let mut values: Vec<f64> = t
        .steps
        .iter()
        .flat_map(|s| [s.value, s.low, s.high])
        .flatten()
        .collect();
    if let Some(l) = &t.line {
        values.extend([l.low.to_f64(), l.high.to_f64()].into_iter().flatten());
    }
    let (lo, hi) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    let (min, max) = if lo <= hi {
        let pad = ((hi - lo) * 0.1).max(0.5);
        ((lo - pad).floor(), (hi + pad).ceil())
    } else {
        (0.0, 100.0)
    };
    let y = |v: f64| {
        TOP + PLOT_H - ((v - min) / (max - min).max(f64::EPSILON)).clamp(0.0, 1.0) * PLOT_H
    };
    let n = t.steps.len().max(1);
    let step = if n > 1 {
        (W - LEFT - 30.0) / (n - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| LEFT + 12.0 + step * i as f64;
    let name = index_name(&t.index);
    let title = html! { (name) " — " (lang.pick("chặng đường", "path")) };
    let desc = html! { (words(lang, t)) @if let Some(l) = line_words(lang, t) { ". " (l) } };
    let body = html! {
        g.axis {
            @for v in [min, max] {
                line.grid x1=(c(LEFT)) y1=(c(y(v))) x2=(c(W - 6.0)) y2=(c(y(v))) {}
                text.tick x=(c(LEFT - 4.0)) y=(c(y(v) + 4.0)) text-anchor="end" { (lang.number(v, 0)) }
            }
            @for (i, s) in t.steps.iter().enumerate() {
                text.tick x=(c(x(i))) y=(c(TOP + PLOT_H + 16.0)) text-anchor="middle" { (s.year) }
            }
        }
        @if let Some(l) = &t.line {
            @if let (Some(a), Some(b)) = (l.low.to_f64(), l.high.to_f64()) {
                rect.line-band x=(c(LEFT)) y=(c(y(b) - if a == b { 1.0 } else { 0.0 })) width=(c(W - 6.0 - LEFT))
                    height=(c((y(a) - y(b)).max(2.0))) {}
            }
        }
        @for (i, s) in t.steps.iter().enumerate() {
            @if let Some(v) = s.value {
                @if let (Some(l), Some(h)) = (s.low, s.high) {
                    line.whisker x1=(c(x(i))) y1=(c(y(l))) x2=(c(x(i))) y2=(c(y(h))) {}
                }
                circle class=(if s.derived || s.estimate { "dot open" } else { "dot" }) cx=(c(x(i))) cy=(c(y(v))) r="4" {}
            }
        }
        // Two lines, so that the legend's words stay 12 px or more on a phone.
        g.legend transform=(format!("translate(0,{})", c(H - 26.0))) {
            circle.dot cx="6" cy="-4" r="4" {}
            text x="14" y="0" { (lang.pick("Công bố", "Published")) }
            circle.dot.open cx="110" cy="-4" r="4" {}
            text x="118" y="0" { (lang.pick("Suy ra / ước năm nay", "Derived / this year")) }
            rect.line-band x="0" y="9" width="14" height="10" {}
            text x="18" y="18" { (lang.pick("Ngưỡng hạng 20", "Rank-20 line")) }
        }
    };
    canvas("trajectory", (W, H), (title, desc), body)
}

/// The chart with its words beneath, for a page's section on one index.
pub fn figure(lang: Lang, t: &Trajectory) -> Markup {
    html! {
        figure.trajectory {
            (chart(lang, t))
            figcaption {
                strong { (index_name(&t.index)) } ": " (words(lang, t))
                @if let Some(l) = line_words(lang, t) { br; span.note { (l) } }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(year: i32, value: f64, rank: Option<u32>) -> Step {
        Step {
            year,
            value: Some(value),
            low: None,
            high: None,
            rank,
            ranked: rank.map(|_| 63),
            derived: false,
            estimate: false,
            n: None,
        }
    }

    #[test]
    fn the_path_reads_as_the_issue_writes_it() {
        let mut now = step(2026, 84.4, None);
        now.estimate = true;
        now.low = Some(67.7);
        now.high = Some(90.1);
        let t = Trajectory {
            index: "parindex".into(),
            steps: vec![step(2024, 89.13, Some(22)), now],
            line: None,
        };
        assert_eq!(
            words(Lang::Vi, &t),
            "2024: 89,13 %, hạng 22/63 → năm nay (2026) ước 84,4 % (67,7–90,1)"
        );
    }
}

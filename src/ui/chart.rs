//! Charts drawn on the server as SVG: no script, readable in print and in greyscale (markers
//! differ by shape, not colour alone). Each chart carries a `<title>` and a `<desc>`; the page
//! shows the table behind it next to it.
//!
//! ```ignore
//! bars(lang, "Chỉ số theo yếu tố", "…", &[Bar { label: "E1".into(), value: Some(80.2),
//!      low: Some(78.0), high: Some(82.1), baseline: Some(80.24), target: None }], Scale::percent())
//! trend(lang, "Theo tháng", "…", &[Point { label: "2025-01".into(), value: Some(79.0),
//!      low: Some(77.0), high: Some(81.0) }], Scale::percent(), Some(80.45))
//! ```

use crate::text::Lang;
use maud::{html, Markup, Render};

/// One horizontal bar: a value with its 95 % interval, and where 2022 and the target lie.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub baseline: Option<f64>,
    pub target: Option<f64>,
}

/// One point of a trend line, with its 95 % interval.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub label: String,
    pub value: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// The value axis: its range and how many decimals its labels carry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub min: f64,
    pub max: f64,
    pub decimals: usize,
    /// Decimals of the values written beside the marks.
    pub value_decimals: usize,
    /// Labels end in " %".
    pub percent: bool,
}

impl Scale {
    /// 0–100 %.
    pub fn percent() -> Scale {
        Scale {
            min: 0.0,
            max: 100.0,
            decimals: 0,
            value_decimals: 2,
            percent: true,
        }
    }

    /// A score axis (PAPI-aligned: 1–10 per dimension).
    pub fn score(min: f64, max: f64) -> Scale {
        Scale {
            min,
            max,
            decimals: 0,
            value_decimals: 3,
            percent: false,
        }
    }

    fn x(&self, v: f64, width: f64) -> f64 {
        let span = (self.max - self.min).max(f64::EPSILON);
        ((v - self.min) / span).clamp(0.0, 1.0) * width
    }

    fn value(&self, lang: Lang, v: f64) -> String {
        if self.percent {
            lang.percent(v, self.value_decimals)
        } else {
            lang.number(v, self.value_decimals)
        }
    }

    fn label(&self, lang: Lang, v: f64) -> String {
        if self.percent {
            lang.percent(v, self.decimals)
        } else {
            lang.number(v, self.decimals)
        }
    }
}

/// Where a chart's parts go. Each chart is drawn twice: wide for desks and print, narrow for
/// phones (the stylesheet shows one), so that its text is never under 12 px on a phone.
#[derive(Debug, Clone, Copy)]
struct Frame {
    /// "wide" or "narrow", the class the stylesheet picks by.
    class: &'static str,
    /// Bars: the width of the names column (0: each name above its bar).
    label_w: f64,
    plot_w: f64,
    value_w: f64,
    row_h: f64,
    /// Trends: the width of the whole chart, and how many month labels are written (every
    /// n-th).
    trend_w: f64,
    label_every: usize,
}

const WIDE: Frame = Frame {
    class: "wide",
    label_w: 190.0,
    plot_w: 420.0,
    value_w: 70.0,
    row_h: 26.0,
    trend_w: 620.0,
    label_every: 1,
};

const NARROW: Frame = Frame {
    class: "narrow",
    label_w: 0.0,
    plot_w: 250.0,
    value_w: 90.0,
    row_h: 42.0,
    trend_w: 340.0,
    label_every: 3,
};

impl Frame {
    fn width(&self) -> f64 {
        self.label_w + self.plot_w + self.value_w
    }

    fn names_above(&self) -> bool {
        self.label_w == 0.0
    }
}

const TOP: f64 = 22.0;
/// The legend's line height.
const LEGEND_LINE: f64 = 18.0;

/// One decimal in SVG coordinates: the same picture, fewer bytes, stable snapshots.
pub(crate) fn c(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// The `<svg>` a chart is drawn in, `width` × `height`, with `class` beside `chart` and the
/// title and description a screen reader reads first.
pub(crate) fn canvas(
    class: &str,
    (width, height): (f64, f64),
    (title, desc): (impl Render, impl Render),
    body: Markup,
) -> Markup {
    html! {
        svg class={ "chart " (class) } xmlns="http://www.w3.org/2000/svg" viewBox=(format!("0 0 {} {}", c(width), c(height)))
            role="img" preserveAspectRatio="xMinYMin meet" {
            title { (title) }
            desc { (desc) }
            (body)
        }
    }
}

/// The ticks of an axis: the ends and three between.
fn ticks(scale: Scale) -> Vec<f64> {
    (0..=4)
        .map(|i| scale.min + (scale.max - scale.min) * f64::from(i) / 4.0)
        .collect()
}

/// The legend under a chart: what each mark means, drawn as it is drawn in the chart, on as
/// many lines of `width` as it needs (the first at `y`), and how many lines that is.
fn legend(
    lang: Lang,
    y: f64,
    width: f64,
    whiskers: bool,
    baseline: bool,
    target: bool,
) -> (Markup, f64) {
    let mut items: Vec<(f64, Markup)> = vec![(
        120.0,
        html! { rect.bar x="0" y="-9" width="14" height="10" {} text x="20" y="0" { (lang.pick("Giá trị", "Value")) } },
    )];
    if whiskers {
        items.push((
            160.0,
            html! { line.whisker x1="0" y1="-4" x2="16" y2="-4" {} line.whisker x1="0" y1="-8" x2="0" y2="0" {} line.whisker x1="16" y1="-8" x2="16" y2="0" {}
            text x="22" y="0" { (lang.pick("KTC 95 %", "95 % interval")) } },
        ));
    }
    if baseline {
        items.push((
            110.0,
            html! { path.baseline d="M6,-10 L12,-4 L6,2 L0,-4 Z" {} text x="18" y="0" { (lang.pick("Năm 2022", "2022")) } },
        ));
    }
    if target {
        items.push((
            110.0,
            html! { line.target x1="6" y1="-11" x2="6" y2="3" {} text x="14" y="0" { (lang.pick("Mục tiêu", "Target")) } },
        ));
    }
    let (mut x, mut line) = (0.0, 0.0);
    let placed: Vec<Markup> = items
        .into_iter()
        .map(|(w, m)| {
            if x > 0.0 && x + w > width {
                (x, line) = (0.0, line + LEGEND_LINE);
            }
            let at = html! { g transform=(format!("translate({},{})", c(x), c(y + line))) { (m) } };
            x += w;
            at
        })
        .collect();
    let lines = line / LEGEND_LINE + 1.0;
    (html! { g.legend { @for m in placed { (m) } } }, lines)
}

/// Horizontal bars with 95 % interval whiskers, a diamond at 2022 and a dashed line at the
/// target. A bar without a value shows "—".
pub fn bars(lang: Lang, title: &str, desc: &str, bars: &[Bar], scale: Scale) -> Markup {
    html! {
        (bars_in(WIDE, lang, title, desc, bars, scale))
        (bars_in(NARROW, lang, title, desc, bars, scale))
    }
}

fn bars_in(f: Frame, lang: Lang, title: &str, desc: &str, bars: &[Bar], scale: Scale) -> Markup {
    let has = |get: fn(&Bar) -> Option<f64>| bars.iter().any(|b| get(b).is_some());
    let (width, rows_h) = (f.width(), f.row_h * bars.len() as f64);
    let (key, lines) = legend(
        lang,
        TOP + rows_h + 28.0,
        width,
        has(|b| b.low),
        has(|b| b.baseline),
        has(|b| b.target),
    );
    let height = TOP + rows_h + 24.0 + LEGEND_LINE * lines;
    // Where a bar sits in its row: under its name on a phone, beside it on a desk.
    let bar_top = if f.names_above() { 20.0 } else { 6.0 };
    let bar_h = if f.names_above() {
        14.0
    } else {
        f.row_h - 12.0
    };
    let x = |v: f64| f.label_w + scale.x(v, f.plot_w);
    let body = html! {
        g.axis {
            @for t in ticks(scale) {
                line.grid x1=(c(x(t))) y1=(c(TOP - 6.0)) x2=(c(x(t))) y2=(c(TOP + rows_h)) {}
                text.tick x=(c(x(t).max(12.0))) y=(c(TOP - 9.0)) text-anchor="middle" { (scale.label(lang, t)) }
            }
        }
        @for (i, b) in bars.iter().enumerate() {
            @let y = TOP + f.row_h * i as f64;
            @let mid = y + bar_top + bar_h / 2.0;
            g.row {
                @if f.names_above() {
                    text.label x="0" y=(c(y + 14.0)) { (b.label) }
                } @else {
                    text.label x=(c(f.label_w - 8.0)) y=(c(mid + 4.0)) text-anchor="end" { (b.label) }
                }
                @if let Some(v) = b.value {
                    rect.bar x=(c(f.label_w)) y=(c(y + bar_top)) width=(c(scale.x(v, f.plot_w))) height=(c(bar_h)) {}
                    text.value x=(c(f.label_w + f.plot_w + 6.0)) y=(c(mid + 4.0)) { (scale.value(lang, v)) }
                } @else {
                    text.value x=(c(f.label_w + f.plot_w + 6.0)) y=(c(mid + 4.0)) { "—" }
                }
                @if let (Some(l), Some(h)) = (b.low, b.high) {
                    line.whisker x1=(c(x(l))) y1=(c(mid)) x2=(c(x(h))) y2=(c(mid)) {}
                    line.whisker x1=(c(x(l))) y1=(c(mid - 5.0)) x2=(c(x(l))) y2=(c(mid + 5.0)) {}
                    line.whisker x1=(c(x(h))) y1=(c(mid - 5.0)) x2=(c(x(h))) y2=(c(mid + 5.0)) {}
                }
                @if let Some(t) = b.target {
                    line.target x1=(c(x(t))) y1=(c(y + bar_top - 4.0)) x2=(c(x(t))) y2=(c(y + bar_top + bar_h + 4.0)) {}
                }
                @if let Some(base) = b.baseline {
                    @let bx = x(base);
                    path.baseline d=(format!("M{},{} L{},{} L{},{} L{},{} Z", c(bx), c(mid - 6.0), c(bx + 6.0), c(mid), c(bx), c(mid + 6.0), c(bx - 6.0), c(mid))) {}
                }
            }
        }
        (key)
    };
    canvas(f.class, (width, height), (title, desc), body)
}

const TREND_H: f64 = 220.0;
const LEFT: f64 = 56.0;

/// A line over the points in order, with a band for their 95 % intervals, circles at each
/// value, and a dashed reference line (2022) where given. A point without a value breaks
/// the line.
pub fn trend(
    lang: Lang,
    title: &str,
    desc: &str,
    points: &[Point],
    scale: Scale,
    baseline: Option<f64>,
) -> Markup {
    html! {
        (trend_in(WIDE, lang, (title, desc), points, scale, baseline))
        (trend_in(NARROW, lang, (title, desc), points, scale, baseline))
    }
}

fn trend_in(
    f: Frame,
    lang: Lang,
    (title, desc): (&str, &str),
    points: &[Point],
    scale: Scale,
    baseline: Option<f64>,
) -> Markup {
    let trend_w = f.trend_w;
    // The legend's second mark goes under the first where the chart is narrow.
    let (second_x, second_y) = if trend_w > 400.0 {
        (250.0, 0.0)
    } else {
        (0.0, LEGEND_LINE)
    };
    let height = TREND_H + second_y;
    let plot_h = TREND_H - 70.0;
    let y = |v: f64| TOP + plot_h - scale.x(v, plot_h);
    let step = if points.len() > 1 {
        (trend_w - LEFT - 20.0) / (points.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| LEFT + 10.0 + step * i as f64;
    // Runs of consecutive points with a value: each its own line.
    let mut runs: Vec<Vec<(usize, &Point)>> = vec![Vec::new()];
    for (i, p) in points.iter().enumerate() {
        match p.value {
            Some(_) => {
                if let Some(r) = runs.last_mut() {
                    r.push((i, p));
                }
            }
            None => runs.push(Vec::new()),
        }
    }
    let line = |run: &[(usize, &Point)]| -> String {
        run.iter()
            .enumerate()
            .map(|(k, (i, p))| {
                format!(
                    "{}{},{}",
                    if k == 0 { "M" } else { " L" },
                    c(x(*i)),
                    c(y(p.value.unwrap_or(scale.min)))
                )
            })
            .collect()
    };
    let band = |run: &[(usize, &Point)]| -> Option<String> {
        let mut up = Vec::new();
        let mut down = Vec::new();
        for (i, p) in run {
            up.push(format!("{},{}", c(x(*i)), c(y(p.high?))));
            down.push(format!("{},{}", c(x(*i)), c(y(p.low?))));
        }
        down.reverse();
        (run.len() > 1).then(|| format!("M{} L{} Z", up.join(" L"), down.join(" L")))
    };
    let body = html! {
        g.axis {
            @for t in ticks(scale) {
                line.grid x1=(c(LEFT)) y1=(c(y(t))) x2=(c(trend_w - 6.0)) y2=(c(y(t))) {}
                text.tick x=(c(LEFT - 6.0)) y=(c(y(t) + 4.0)) text-anchor="end" { (scale.label(lang, t)) }
            }
            @for (i, p) in points.iter().enumerate() {
                @if i % f.label_every == 0 {
                    text.tick x=(c(x(i))) y=(c(TOP + plot_h + 16.0)) text-anchor="middle" { (p.label) }
                }
            }
        }
        @for run in &runs {
            @if let Some(d) = band(run) { path.band d=(d) {} }
        }
        @if let Some(b) = baseline {
            line.target x1=(c(LEFT)) y1=(c(y(b))) x2=(c(trend_w - 6.0)) y2=(c(y(b))) {}
        }
        @for run in &runs {
            @if run.len() > 1 { path.line d=(line(run)) {} }
        }
        @for (i, p) in points.iter().enumerate() {
            @if let Some(v) = p.value {
                @if let (Some(l), Some(h)) = (p.low, p.high) {
                    line.whisker x1=(c(x(i))) y1=(c(y(l))) x2=(c(x(i))) y2=(c(y(h))) {}
                }
                circle.dot cx=(c(x(i))) cy=(c(y(v))) r="3.5" {}
            }
        }
        g.legend transform=(format!("translate(0,{})", c(TREND_H - 12.0))) {
            circle.dot cx="6" cy="-4" r="3.5" {}
            text x="16" y="0" { (lang.pick("Giá trị (KTC 95 % là dải mờ)", "Value (shaded: 95 % interval)")) }
            @if baseline.is_some() {
                g transform=(format!("translate({},{})", c(second_x), c(second_y))) {
                    line.target x1="0" y1="-4" x2="25" y2="-4" {}
                    text x="32" y="0" { (lang.pick("Năm 2022", "2022")) }
                }
            }
        }
    };
    canvas(f.class, (trend_w, height), (title, desc), body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_has_a_title_a_description_and_every_mark() {
        let svg = bars(
            Lang::Vi,
            "Chỉ số",
            "Năm yếu tố",
            &[
                Bar {
                    label: "E1".into(),
                    value: Some(50.0),
                    low: Some(40.0),
                    high: Some(60.0),
                    baseline: Some(80.0),
                    target: Some(90.0),
                },
                Bar {
                    label: "E2".into(),
                    value: None,
                    low: None,
                    high: None,
                    baseline: None,
                    target: None,
                },
            ],
            Scale::percent(),
        )
        .into_string();
        assert!(svg.contains("<title>Chỉ số</title>"));
        assert!(svg.contains("<desc>Năm yếu tố</desc>"));
        // The bar of 50 % is half the plot wide; its interval runs from 40 % to 60 %.
        assert!(svg.contains(r#"width="210""#), "{svg}");
        assert!(svg.contains(r#"x1="358" y1="35" x2="442""#), "{svg}");
        assert!(svg.contains("50,00 %"));
        assert!(svg.contains("—"));
        assert!(svg.contains(r#"class="baseline""#));
        assert!(svg.contains(r#"class="target""#));
        assert!(!svg.contains("style="));
        // On a phone each name sits above its bar, which spans the narrow plot.
        assert!(svg.contains(r#"class="chart narrow""#));
        assert!(
            svg.contains(r#"<text class="label" x="0" y="36">"#),
            "{svg}"
        );
    }

    #[test]
    fn a_trend_breaks_where_a_month_has_no_value() {
        let p = |l: &str, v: Option<f64>| Point {
            label: l.into(),
            value: v,
            low: v.map(|v| v - 5.0),
            high: v.map(|v| v + 5.0),
        };
        let svg = trend(
            Lang::En,
            "By month",
            "d",
            &[
                p("01", Some(70.0)),
                p("02", Some(80.0)),
                p("03", None),
                p("04", Some(75.0)),
            ],
            Scale::percent(),
            Some(80.0),
        )
        .into_string();
        // Drawn twice, wide and narrow.
        assert_eq!(svg.matches(r#"class="line""#).count(), 2, "{svg}");
        assert_eq!(svg.matches(r#"class="dot""#).count(), 2 * (3 + 1));
        assert_eq!(svg.matches(r#"class="chart narrow""#).count(), 1);
        assert!(svg.contains("<title>By month</title>"));
    }
}

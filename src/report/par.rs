//! The PAR INDEX this year: each criterion measured by a survey, entered by its owner or still
//! 2022's, and the published total moved by what changed.

use super::par_rows::{ParField, ParProjection, ParReport, ParRow, SipasSource};
use super::{scores, ReportError, ScoreQuery};
use crate::db::AnyConnection;
use crate::scoring::NodeScore;
use crate::survey::par::{Criterion, ParTree};
use crate::survey::{Catalog, UnitTree};
use crate::text::Lang;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::HashMap;

/// A measured criterion: points, n and the 95 % interval in points.
#[derive(Debug, Clone)]
struct Measured {
    points: Decimal,
    n: i64,
    low: Option<Decimal>,
    high: Option<Decimal>,
}

fn to_dec(x: f64) -> Option<Decimal> {
    Decimal::from_f64_retain(x).map(|d| d.round_dp(6))
}

/// Points and interval of a node that converts a percentage into points.
fn measured_of(n: &NodeScore) -> Option<Measured> {
    let points: Decimal = n.points.as_deref()?.parse().ok()?;
    let max: Option<Decimal> = n.points_max.as_deref().and_then(|m| m.parse().ok());
    let conv = |x: Option<f64>| {
        x.and_then(to_dec)
            .zip(max)
            .map(|(x, m)| (x * m / Decimal::ONE_HUNDRED).round_dp(4))
    };
    let (low, high) = if n.unit == "percent" {
        (conv(n.ci_low), conv(n.ci_high))
    } else {
        (None, None)
    };
    Some(Measured {
        points,
        n: n.n,
        low,
        high,
    })
}

/// 8.1.k from several SIPAS forms: each element's percentage combined across the forms that
/// have answers (weighted by answers, or equally), then converted as the Ministry does. Also
/// combines, by answers, a criterion measured by two versions of the officials' survey.
fn combine_sipas(per_form: &[&NodeScore], weighting: &str) -> Option<Measured> {
    let with: Vec<&&NodeScore> = per_form.iter().filter(|n| n.value.is_some()).collect();
    match with.as_slice() {
        [] => None,
        [one] => measured_of(one),
        many => {
            let max: Decimal = many[0].points_max.as_deref()?.parse().ok()?;
            let weights: Vec<f64> = many
                .iter()
                .map(|n| {
                    if weighting == "equal" {
                        1.0
                    } else {
                        n.n as f64
                    }
                })
                .collect();
            let total: f64 = weights.iter().sum();
            if total <= 0.0 {
                return None;
            }
            let mut value = 0.0;
            let mut var = 0.0;
            for (n, w) in many.iter().zip(&weights) {
                let v = n.value.unwrap_or_default();
                value += w / total * v;
                let sd = crate::scoring::top20::Estimate::from_interval(v, n.ci_low, n.ci_high).sd;
                var += (w / total).powi(2) * sd * sd;
            }
            let points = crate::scoring::points::percent_of_max(to_dec(value)?, max);
            let half = 1.96 * var.sqrt();
            let conv = |x: f64| {
                to_dec(x.clamp(0.0, 100.0)).map(|x| (x * max / Decimal::ONE_HUNDRED).round_dp(4))
            };
            Some(Measured {
                points,
                n: many.iter().map(|n| n.n).sum(),
                low: conv(value - half),
                high: conv(value + half),
            })
        }
    }
}

fn walk<'a>(nodes: &'a [NodeScore], out: &mut Vec<&'a NodeScore>) {
    for n in nodes {
        out.push(n);
        walk(&n.children, out);
    }
}

pub fn par_report(
    conn: &mut AnyConnection,
    catalog: &Catalog,
    units: &UnitTree,
    tree: &ParTree,
    plan: Option<&crate::survey::plan::Plan>,
    q: &ScoreQuery,
    k: i64,
) -> Result<ParReport, ReportError> {
    // Survey-measured criteria: code → measurement.
    let mut measured: HashMap<String, Measured> = HashMap::new();
    for (method, surveys) in &tree.sources {
        if method == "sipas" {
            continue;
        }
        // Each version of the instrument that has answers: a criterion's nodes, one a version.
        let mut nodes: HashMap<String, Vec<NodeScore>> = HashMap::new();
        for survey in surveys {
            let sq = ScoreQuery {
                survey: survey.clone(),
                ..q.clone()
            };
            let s = scores(conn, catalog, units, &sq, k)?;
            let mut all = Vec::new();
            walk(&s.nodes, &mut all);
            for n in all {
                let key = n.points_code.clone().unwrap_or_else(|| n.code.clone());
                let is_leaf = tree
                    .criteria
                    .iter()
                    .any(|c| c.code == key && c.method == *method);
                if is_leaf && measured_of(n).is_some() {
                    nodes.entry(key).or_default().push(n.clone());
                }
            }
        }
        for (key, versions) in nodes {
            let m = match versions.as_slice() {
                [one] => measured_of(one),
                many => combine_sipas(&many.iter().collect::<Vec<_>>(), "answers"),
            };
            if let Some(m) = m {
                measured.insert(key, m);
            }
        }
    }
    // SIPAS 8.1.k: every SIPAS form the tree names (all by default), combined.
    let forms: Vec<&crate::survey::Survey> = if tree.sipas.forms.is_empty() {
        catalog
            .surveys
            .values()
            .filter(|s| s.instrument == "sipas")
            .collect()
    } else {
        tree.sipas
            .forms
            .iter()
            .filter_map(|id| catalog.get(id))
            .collect()
    };
    let mut sipas_sources = Vec::new();
    let mut sipas_nodes: HashMap<String, Vec<NodeScore>> = HashMap::new();
    for f in forms {
        let s = scores(
            conn,
            catalog,
            units,
            &ScoreQuery {
                survey: f.id.clone(),
                ..q.clone()
            },
            k,
        )?;
        sipas_sources.push(SipasSource {
            survey: f.id.clone(),
            title: f.title.clone(),
            title_en: f.title_en.clone(),
            responses: s.responses,
        });
        let mut all = Vec::new();
        walk(&s.nodes, &mut all);
        for n in all {
            if let Some(code) = &n.points_code {
                sipas_nodes.entry(code.clone()).or_default().push(n.clone());
            }
        }
    }
    for c in tree.criteria.iter().filter(|c| c.method == "sipas") {
        if let Some(nodes) = sipas_nodes.get(&c.code) {
            let refs: Vec<&NodeScore> = nodes.iter().collect();
            if let Some(m) = combine_sipas(&refs, &tree.sipas.weighting) {
                measured.insert(c.code.clone(), m);
            }
        }
    }
    let entries = crate::db::par_entries::latest(conn, &tree.id, q.period)?;
    // A criterion's pace is set by the newest published line, at its top: reaching it passes
    // that year's line wherever between its bounds it lay.
    let target = tree
        .against
        .as_ref()
        .map(|a| a.line.high)
        .or(tree.target_total);
    // Leaves first, then groups as the sums of their parts.
    let mut value_of: HashMap<String, (Decimal, &'static str)> = HashMap::new();
    for c in tree.criteria.iter().filter(|c| c.method != "group") {
        let v = if let Some(m) = measured.get(&c.code) {
            (m.points, "measured")
        } else if let Some(e) = entries
            .get(&c.code)
            .filter(|_| matches!(c.method.as_str(), "appraisal" | "socioeconomic"))
        {
            (e.points.parse().unwrap_or(c.points_2022), "entered")
        } else {
            (c.points_2022, "2022")
        };
        value_of.insert(c.code.clone(), v);
    }
    let row_of = |c: &Criterion| -> ParRow {
        let parts: Vec<&Criterion> = tree
            .criteria
            .iter()
            .filter(|k| k.parent.as_deref() == Some(&c.code))
            .collect();
        let (value, source) = if c.method == "group" {
            (
                parts
                    .iter()
                    .filter_map(|k| value_of.get(&k.code).map(|v| v.0))
                    .sum(),
                "parts",
            )
        } else {
            value_of
                .get(&c.code)
                .copied()
                .unwrap_or((c.points_2022, "2022"))
        };
        // The survey estimate: a measured leaf, or a group all of whose parts are measured.
        let est: Option<(Decimal, i64)> = if c.method == "group" {
            let found: Vec<&Measured> =
                parts.iter().filter_map(|k| measured.get(&k.code)).collect();
            (!parts.is_empty() && found.len() == parts.len()).then(|| {
                (
                    found.iter().map(|m| m.points).sum(),
                    found.iter().map(|m| m.n).max().unwrap_or(0),
                )
            })
        } else {
            measured.get(&c.code).map(|m| (m.points, m.n))
        };
        let m = measured.get(&c.code);
        ParRow {
            code: c.code.clone(),
            name: c.name.clone(),
            name_en: c.name_en.clone(),
            field: c.field.clone(),
            max: c.max.map(|m| m.to_string()),
            points_2022: format!("{:.4}", c.points_2022),
            shortfall_2022: c.max.map(|m| format!("{:.4}", m - c.points_2022)),
            method: c.method.clone(),
            owner: c.owner.clone(),
            note: c.note.clone(),
            estimate: est.map(|e| format!("{:.4}", e.0)),
            estimate_n: est.map(|e| e.1).unwrap_or(0),
            delta: est.map(|e| format!("{:+.4}", e.0 - c.points_2022)),
            value: format!("{value:.4}"),
            source,
            ci_low: m.and_then(|m| m.low).map(|x| format!("{x:.4}")),
            ci_high: m.and_then(|m| m.high).map(|x| format!("{x:.4}")),
            entry: entries.get(&c.code).cloned(),
            enterable: matches!(c.method.as_str(), "appraisal" | "socioeconomic"),
            gap_max: c
                .max
                .map(|m| format!("{:.4}", (m - value).max(Decimal::ZERO))),
            gap_target: c.max.zip(target).map(|(m, t)| {
                format!(
                    "{:.4}",
                    (m * t / Decimal::ONE_HUNDRED - value).max(Decimal::ZERO)
                )
            }),
            owner_codes: plan.map(|p| p.owner_codes(&c.owner)).unwrap_or_default(),
        }
    };
    let fields = tree
        .fields
        .iter()
        .map(|f| ParField {
            code: f.code.clone(),
            name: f.name.clone(),
            name_en: f.name_en.clone(),
            rows: tree
                .criteria
                .iter()
                .filter(|c| c.field == f.code)
                .map(row_of)
                .collect(),
        })
        .collect();
    // The projection: the published total moved by each listed criterion's change.
    let leaves: Vec<&Criterion> = tree
        .criteria
        .iter()
        .filter(|c| c.method != "group")
        .collect();
    let change: Decimal = leaves
        .iter()
        .filter_map(|c| value_of.get(&c.code).map(|v| v.0 - c.points_2022))
        .sum();
    let total = tree.published_total + change;
    // Survey uncertainty added as if fully correlated: a cautious (wide) interval.
    let (mut below, mut above) = (Decimal::ZERO, Decimal::ZERO);
    for m in measured.values() {
        below += m.low.map(|l| m.points - l).unwrap_or_default();
        above += m.high.map(|h| h - m.points).unwrap_or_default();
    }
    let weight = |source: &str| -> f64 {
        leaves
            .iter()
            .filter(|c| value_of.get(&c.code).is_some_and(|v| v.1 == source))
            .map(|c| c.max.unwrap_or(c.points_2022))
            .sum::<Decimal>()
            .to_f64()
            .unwrap_or(0.0)
            / 100.0
    };
    let (measured_share, entered_share) = (weight("measured"), weight("entered"));
    let mean = total.to_f64().unwrap_or(0.0);
    let sd = (below + above).to_f64().unwrap_or(0.0) / 2.0 / 1.96;
    // The newest published line, else the tree's own range: (low, high, words, words in English).
    let line = match (&tree.against, &tree.top20) {
        (Some(a), _) => {
            let (vi, en) = crate::scoring::top20::line_words(a, None);
            Some((a.line.low, a.line.high, vi, en))
        }
        (None, Some(t)) => Some((
            t.threshold_low,
            t.threshold_high,
            t.note.clone(),
            crate::scoring::top20::note_en(&t.note, t.note_en.as_deref()),
        )),
        (None, None) => None,
    };
    let top20 = match line {
        // Before any answer or entry of the year the projection is 2022's total with no
        // uncertainty: a chance drawn from it would say 0 % (or 100 %) with nothing behind it.
        Some(_) if measured_share == 0.0 && entered_share == 0.0 => crate::scoring::top20::Top20::none(
            "Chưa có cơ sở: năm nay chưa có tiêu chí nào được đo bằng khảo sát hay được nhập, tổng dự kiến vẫn là điểm 2022.".into(),
            "No basis yet: no criterion has been measured by a survey or entered this year, so the projection is still 2022's total.".into(),
        ),
        Some((low, high, note, note_en)) => {
            let chance = crate::scoring::top20::chance(
                crate::scoring::top20::Estimate { mean, sd },
                &crate::scoring::top20::Field::Threshold {
                    low: low.to_f64().unwrap_or(0.0),
                    high: high.to_f64().unwrap_or(0.0),
                },
                crate::scoring::top20::DRAWS,
                crate::scoring::top20::seed_of(&format!(
                    "{}|{}|{}",
                    tree.id,
                    q.period,
                    q.unit.as_deref().unwrap_or("")
                )),
            );
            let draws = crate::scoring::top20::DRAWS as i64;
            let (draws_vi, draws_en) = (Lang::Vi.count(draws), Lang::En.count(draws));
            crate::scoring::top20::Top20 {
                top20_chance: Some(chance),
                top20_basis: format!(
                    "Khả năng tổng điểm dự kiến vượt ngưỡng hạng 20 ước tính {}–{} (không phải thứ hạng). Tổng dự kiến {} theo phân phối chuẩn, độ lệch chuẩn {} từ khoảng tin cậy của các tiêu chí đo bằng khảo sát (cộng dồn như thể tương quan hoàn toàn, thận trọng); điểm nhập và điểm 2022 coi là chắc chắn; {draws_vi} lần mô phỏng. {}",
                    low.to_string().replace('.', ","),
                    high.to_string().replace('.', ","),
                    format!("{total:.2}").replace('.', ","),
                    format!("{sd:.2}").replace('.', ","),
                    note.trim_end()
                ),
                top20_basis_en: format!(
                    "The chance that the projected total exceeds the estimated rank-20 threshold of {low}–{high} (not a rank). The projected total {total:.2} as a normal distribution with standard deviation {sd:.2} from the intervals of the criteria measured by surveys (added as if fully correlated, which is cautious); entered and 2022 points are taken as certain; {draws_en} simulations. {}",
                    note_en.trim_end()
                ),
            }
        }
        None => crate::scoring::top20::Top20::none(
            "Không có cơ sở: chưa biết ngưỡng hạng 20 nào của PAR INDEX để so.".into(),
            "No basis: no rank-20 line of the PAR INDEX is known to compare with.".into(),
        ),
    };
    Ok(ParReport {
        id: tree.id.clone(),
        title: tree.title.clone(),
        period: q.period,
        unit: q.unit.clone(),
        published_total: tree.published_total.to_string(),
        published_rank: tree.published_rank,
        provinces: tree.provinces,
        target_total: target.map(|t| t.to_string()),
        target_note: match &tree.against {
            Some(a) => Some(format!(
                "Cận trên của ngưỡng hạng 20 năm {} ({}–{} %{})",
                a.line.year,
                a.line.low.to_string().replace('.', ","),
                a.line.high.to_string().replace('.', ","),
                if a.line.estimate {
                    ", ước tính"
                } else {
                    ""
                }
            )),
            None => tree.target_note.clone(),
        },
        owner: tree.owner.clone(),
        components: tree.components.clone(),
        projection: ParProjection {
            total: format!("{total:.2}"),
            ci_low: format!("{:.2}", total - below),
            ci_high: format!("{:.2}", total + above),
            measured_share,
            entered_share,
            still_2022_share: (1.0 - measured_share - entered_share).max(0.0),
            top20,
        },
        sipas_sources,
        sipas_weighting: tree.sipas.weighting.clone(),
        sipas_note: tree.sipas.note.clone(),
        fields,
    })
}

//! Pure scoring: tallies of answers → the index tree with values, points, n and 95 % intervals.
//!
//! Intervals for items are Wilson intervals (binary scores) or normal intervals. An element or
//! index is a linear combination of item shares, Σ w_j p_j, so its variance is estimated by
//! respondent-level linearisation (Taylor): Var = Σ_j Σ_k w_j w_k C_jk with
//! C_jk = Σ_i I_ij I_ik (y_ij − p_j)(y_ik − p_k) / (n_j n_k), where I marks a valid answer.
//! That sum only needs per-pair moments (n, Σy_j, Σy_k, Σy_j·y_k over respondents who answered
//! both), which are kept on insert, so no raw answer is read at scoring time.

pub mod interval;
pub mod points;

use crate::survey::{Aggregate, PointsRule, Survey};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Running counts for one slice of responses (any union of units, days, versions).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tallies {
    pub responses: i64,
    /// item → value → count; the value `None` is "no opinion".
    pub items: BTreeMap<String, BTreeMap<Option<i16>, i64>>,
    /// (item a, item b) with a ≤ b → moments over respondents who gave both a scored answer.
    pub pairs: BTreeMap<(String, String), PairMoments>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PairMoments {
    pub n: i64,
    pub sum_a: f64,
    pub sum_b: f64,
    pub sum_ab: f64,
}

impl PairMoments {
    pub fn add(&mut self, other: &PairMoments) {
        self.n += other.n;
        self.sum_a += other.sum_a;
        self.sum_b += other.sum_b;
        self.sum_ab += other.sum_ab;
    }
}

impl Tallies {
    /// What one response adds: its answers' counts, and the pair moments of its scored answers.
    pub fn of_response(survey: &Survey, answers: &[(String, Option<i16>)]) -> Tallies {
        let mut t = Tallies {
            responses: 1,
            ..Tallies::default()
        };
        let scored = survey.scored_items();
        let mut ys: Vec<(&str, f64)> = Vec::new();
        for (code, value) in answers {
            *t.items
                .entry(code.clone())
                .or_default()
                .entry(*value)
                .or_default() += 1;
            if scored.binary_search(&code.as_str()).is_ok() {
                if let Some(y) = survey.score_of(code, *value).and_then(|d| d.to_f64()) {
                    ys.push((code, y));
                }
            }
        }
        ys.sort_by(|a, b| a.0.cmp(b.0));
        for (i, (a, ya)) in ys.iter().enumerate() {
            for (b, yb) in &ys[i..] {
                t.pairs.insert(
                    (a.to_string(), b.to_string()),
                    PairMoments {
                        n: 1,
                        sum_a: *ya,
                        sum_b: *yb,
                        sum_ab: ya * yb,
                    },
                );
            }
        }
        t
    }

    pub fn add(&mut self, other: &Tallies) {
        self.responses += other.responses;
        for (item, values) in &other.items {
            let mine = self.items.entry(item.clone()).or_default();
            for (v, n) in values {
                *mine.entry(*v).or_default() += n;
            }
        }
        for (k, m) in &other.pairs {
            self.pairs.entry(k.clone()).or_default().add(m);
        }
    }

    fn pair(&self, a: &str, b: &str) -> Option<&PairMoments> {
        let key = if a <= b { (a, b) } else { (b, a) };
        self.pairs.get(&(key.0.to_string(), key.1.to_string()))
    }
}

/// One node of the scored tree, as the API and the pages show it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NodeScore {
    pub code: String,
    pub name: String,
    /// "index" for inner nodes, "item" for questions.
    pub kind: &'static str,
    /// Percentage (share of favourable answers × 100), or None without data.
    pub value: Option<f64>,
    /// Official points as a decimal string, where the node converts to points.
    pub points: Option<String>,
    pub points_max: Option<String>,
    pub points_baseline: Option<String>,
    pub points_code: Option<String>,
    /// Valid answers: for an item, those with a score; for an index, the most-answered item's.
    pub n: i64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub baseline: Option<f64>,
    pub delta: Option<f64>,
    /// Whether the baseline lies outside the 95 % interval.
    pub significant: Option<bool>,
    pub target: Option<f64>,
    pub target_note: Option<String>,
    pub owner: Option<String>,
    pub children: Vec<NodeScore>,
}

/// The whole tree for one survey, plus what it was computed from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scores {
    pub survey: String,
    pub responses: i64,
    pub nodes: Vec<NodeScore>,
}

/// A node's value as a linear combination of item shares: (item → weight), summing p in [0, 1].
type Weights = HashMap<String, Decimal>;

struct ItemStat {
    n: i64,
    share: Option<Decimal>,
    binary: bool,
    successes: f64,
}

pub fn score(survey: &Survey, tallies: &Tallies) -> Scores {
    let stats: HashMap<&str, ItemStat> = survey
        .scored_items()
        .into_iter()
        .map(|code| (code, item_stat(survey, tallies, code)))
        .collect();
    let ctx = Ctx {
        survey,
        tallies,
        stats,
    };
    Scores {
        survey: survey.id.clone(),
        responses: tallies.responses,
        nodes: survey.roots().map(|n| ctx.node(&n.code)).collect(),
    }
}

fn item_stat(survey: &Survey, tallies: &Tallies, code: &str) -> ItemStat {
    let mut n = 0i64;
    let mut sum = Decimal::ZERO;
    let mut binary = true;
    if let Some(values) = tallies.items.get(code) {
        for (value, count) in values {
            if let Some(y) = survey.score_of(code, *value) {
                n += count;
                sum += y * Decimal::from(*count);
                binary &= y == Decimal::ZERO || y == Decimal::ONE;
            }
        }
    }
    ItemStat {
        n,
        share: (n > 0).then(|| sum / Decimal::from(n)),
        binary,
        successes: sum.to_f64().unwrap_or(0.0),
    }
}

struct Ctx<'a> {
    survey: &'a Survey,
    tallies: &'a Tallies,
    stats: HashMap<&'a str, ItemStat>,
}

impl Ctx<'_> {
    /// Item weights for a node; items without data drop out of a mean (and the mean is over
    /// the rest), as a published index is the mean of what was measured.
    fn weights(&self, code: &str) -> Weights {
        let Some(node) = self.survey.node(code) else {
            return Weights::new();
        };
        let parts: Vec<Weights> = if node.items.is_empty() {
            node.children.iter().map(|c| self.weights(c)).collect()
        } else {
            node.items
                .iter()
                .map(|i| Weights::from([(i.clone(), Decimal::ONE)]))
                .collect()
        };
        let parts: Vec<Weights> = parts
            .into_iter()
            .filter(|w| w.keys().any(|i| self.has_data(i)))
            .collect();
        let scale = match node.aggregate {
            Aggregate::Sum => Decimal::ONE,
            Aggregate::Mean if parts.is_empty() => Decimal::ZERO,
            Aggregate::Mean => Decimal::ONE / Decimal::from(parts.len()),
        };
        let mut out = Weights::new();
        for part in parts {
            for (item, w) in part {
                if self.has_data(&item) {
                    *out.entry(item).or_default() += w * scale;
                }
            }
        }
        out
    }

    fn has_data(&self, item: &str) -> bool {
        self.stats.get(item).is_some_and(|s| s.share.is_some())
    }

    fn value(&self, w: &Weights) -> Option<Decimal> {
        if w.is_empty() {
            return None;
        }
        let mut v = Decimal::ZERO;
        for (item, weight) in w {
            v += *weight * self.stats.get(item.as_str())?.share?;
        }
        Some(v * Decimal::ONE_HUNDRED)
    }

    /// Linearised variance of Σ w_j p_j, in (percentage points)².
    fn variance(&self, w: &Weights) -> f64 {
        let share = |i: &str| {
            self.stats
                .get(i)
                .and_then(|s| Some((s.n as f64, s.share?.to_f64()?)))
        };
        let mut var = 0.0;
        for (a, wa) in w {
            for (b, wb) in w {
                let (Some((na, pa)), Some((nb, pb)), Some(m)) =
                    (share(a), share(b), self.tallies.pair(a, b))
                else {
                    continue;
                };
                let (ya, yb) = if a <= b {
                    (m.sum_a, m.sum_b)
                } else {
                    (m.sum_b, m.sum_a)
                };
                let cross = m.sum_ab - pb * ya - pa * yb + pa * pb * m.n as f64;
                var += wa.to_f64().unwrap_or(0.0) * wb.to_f64().unwrap_or(0.0) * cross / (na * nb);
            }
        }
        var * 1e4
    }

    fn node(&self, code: &str) -> NodeScore {
        let Some(node) = self.survey.node(code) else {
            return empty(code);
        };
        let w = self.weights(code);
        let value = self.value(&w);
        let n = w
            .keys()
            .filter_map(|i| self.stats.get(i.as_str()).map(|s| s.n))
            .max()
            .unwrap_or(0);
        let (ci_low, ci_high) = match value.and_then(|v| v.to_f64()) {
            Some(v) => {
                let hi = if node.aggregate == Aggregate::Sum {
                    f64::MAX
                } else {
                    100.0
                };
                // n/(n−1) corrects the linearised variance for small samples; a single
                // respondent says nothing about spread, so the interval is the whole range.
                let var = if n > 1 {
                    self.variance(&w) * n as f64 / (n - 1) as f64
                } else {
                    f64::INFINITY
                };
                let (l, h) = interval::normal(v, var, 0.0, hi);
                (Some(l), Some(h))
            }
            None => (None, None),
        };
        let mut children: Vec<NodeScore> = node.children.iter().map(|c| self.node(c)).collect();
        children.extend(node.items.iter().map(|i| self.item(i)));
        let points = node.points.as_ref().and_then(|p| match p.rule {
            PointsRule::PercentOfMax => value.map(|v| points::percent_of_max(v, p.max)),
            PointsRule::SumOfChildren => children
                .iter()
                .filter_map(|c| c.points.as_deref())
                .map(|s| s.parse::<Decimal>().ok())
                .sum::<Option<Decimal>>()
                .filter(|_| children.iter().all(|c| c.points.is_some())),
        });
        let mut out = NodeScore {
            code: node.code.clone(),
            name: node.name.clone(),
            kind: "index",
            value: value.and_then(|v| v.to_f64()),
            points: points.map(|p| format!("{p:.4}")),
            points_max: node.points.as_ref().map(|p| p.max.to_string()),
            points_baseline: node
                .points
                .as_ref()
                .and_then(|p| p.baseline.map(|b| b.to_string())),
            points_code: node.points.as_ref().and_then(|p| p.code.clone()),
            n,
            ci_low,
            ci_high,
            baseline: node.baseline.and_then(|b| b.to_f64()),
            delta: None,
            significant: None,
            target: node.target.and_then(|t| t.to_f64()),
            target_note: node.target_note.clone(),
            owner: node.owner.clone(),
            children,
        };
        compare(&mut out, value, node.baseline);
        out
    }

    fn item(&self, code: &str) -> NodeScore {
        let mut out = empty(code);
        out.kind = "item";
        out.name = self
            .survey
            .item(code)
            .map(|i| i.text.clone())
            .unwrap_or_default();
        let Some(stat) = self.stats.get(code) else {
            return out;
        };
        out.n = stat.n;
        let value = stat.share.map(|s| s * Decimal::ONE_HUNDRED);
        out.value = value.and_then(|v| v.to_f64());
        let n = stat.n as f64;
        let ci = if stat.binary {
            interval::wilson(stat.successes, n).map(|(l, h)| (l * 100.0, h * 100.0))
        } else {
            out.value.map(|v| {
                interval::normal(
                    v,
                    self.variance(&Weights::from([(code.to_string(), Decimal::ONE)])),
                    0.0,
                    100.0,
                )
            })
        };
        out.ci_low = ci.map(|c| c.0);
        out.ci_high = ci.map(|c| c.1);
        out
    }
}

fn empty(code: &str) -> NodeScore {
    NodeScore {
        code: code.to_string(),
        name: String::new(),
        kind: "index",
        value: None,
        points: None,
        points_max: None,
        points_baseline: None,
        points_code: None,
        n: 0,
        ci_low: None,
        ci_high: None,
        baseline: None,
        delta: None,
        significant: None,
        target: None,
        target_note: None,
        owner: None,
        children: Vec::new(),
    }
}

/// Difference from the 2022 baseline, published as a fixed figure (its own sampling error is
/// not published): significant when the baseline lies outside this period's 95 % interval.
fn compare(out: &mut NodeScore, value: Option<Decimal>, baseline: Option<Decimal>) {
    if let (Some(v), Some(b)) = (value, baseline) {
        out.delta = (points::round2(v) - b).to_f64();
        if let (Some(lo), Some(hi), Some(bf)) = (out.ci_low, out.ci_high, b.to_f64()) {
            out.significant = Some(bf < lo || bf > hi);
        }
    }
}

#[cfg(test)]
mod tests;

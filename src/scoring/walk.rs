//! Walking the index tree: every node's value, points, n and 95 % interval from the item
//! shares of every stratum and the covariances of their pairs.

use super::items::{item_stat, Item, ItemStat, Linear};
use super::{interval, points, Counted, NodeScore, PairMoments, RankEstimate};
use crate::survey::{Aggregate, PointsRule, Survey};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::HashMap;

pub(super) struct Ctx<'a> {
    survey: &'a Survey,
    /// The survey's scored items, sorted by code as pair keys are; everything else refers
    /// to them by position.
    index: HashMap<&'a str, usize>,
    items: Vec<Item>,
    /// Per stratum, the pair moments of positions (a, b), a ≤ b, at `a * m + b`: a variance
    /// looks up every pair of its items.
    pairs: Vec<Vec<Option<PairMoments>>>,
}

/// What a node works out to.
pub(super) struct Eval {
    value: Option<Decimal>,
    linear: Linear,
    n: i64,
    unit: &'static str,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(survey: &'a Survey, strata: &[&dyn Counted]) -> Self {
        Self::build(survey, strata, true)
    }

    /// A walk that only counts: every node's value and n, no interval (the pair moments an
    /// interval needs are not read). Deciding which cells of a table to withhold needs no more.
    pub(super) fn counting(survey: &'a Survey, strata: &[&dyn Counted]) -> Self {
        Self::build(survey, strata, false)
    }

    fn build(survey: &'a Survey, strata: &[&dyn Counted], with_pairs: bool) -> Self {
        let codes = survey.scored_items();
        let index: HashMap<&str, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        let items = codes
            .iter()
            .map(|code| {
                let stats: Vec<ItemStat> =
                    strata.iter().map(|t| item_stat(survey, *t, code)).collect();
                let with_data: Vec<usize> = (0..stats.len()).filter(|&s| stats[s].n > 0).collect();
                let share = (!with_data.is_empty()).then(|| {
                    let total: Decimal = with_data
                        .iter()
                        .map(|&s| stats[s].sum / Decimal::from(stats[s].n))
                        .sum();
                    total / Decimal::from(with_data.len())
                });
                let wilson = match (stats.as_slice(), with_data.len()) {
                    ([one], 1) if one.binary => one
                        .sum
                        .to_f64()
                        .and_then(|succ| interval::wilson(succ, one.n as f64)),
                    _ => None,
                };
                let per_stratum = stats
                    .iter()
                    .map(|s| {
                        let n = s.n as f64;
                        (n, (s.n > 0).then(|| s.sum.to_f64().unwrap_or(0.0) / n))
                    })
                    .collect();
                Item {
                    n: stats.iter().map(|s| s.n).sum(),
                    share,
                    strata: with_data,
                    wilson,
                    per_stratum,
                }
            })
            .collect();
        let m = codes.len();
        let pairs = strata
            .iter()
            .filter(|_| with_pairs)
            .map(|t| {
                let mut at = vec![None; m * m];
                t.each_pair_at(&|code| index.get(code).copied(), &mut |a, b, moments| {
                    if let Some(slot) = at.get_mut(a.min(b) * m + a.max(b)) {
                        *slot = Some(*moments);
                    }
                });
                at
            })
            .collect();
        Ctx {
            survey,
            index,
            items,
            pairs,
        }
    }

    fn item_at(&self, code: &str) -> Option<(usize, &Item)> {
        let i = *self.index.get(code)?;
        Some((i, self.items.get(i)?))
    }

    /// Linearised covariance of two item shares (by position), summed over the strata they
    /// share.
    fn cov(&self, a: usize, b: usize) -> f64 {
        let (Some(ia), Some(ib)) = (self.items.get(a), self.items.get(b)) else {
            return 0.0;
        };
        let m = self.items.len();
        let mut c = 0.0;
        for &s in ia.strata.iter().filter(|s| ib.strata.contains(s)) {
            let (Some(pairs), Some(&(na, sa)), Some(&(nb, sb))) = (
                self.pairs.get(s),
                ia.per_stratum.get(s),
                ib.per_stratum.get(s),
            ) else {
                continue;
            };
            let moments = pairs.get(a.min(b) * m + a.max(b)).copied().flatten();
            let (Some(pm), Some(sa), Some(sb)) = (moments, sa, sb) else {
                continue;
            };
            // Stored as (lower code, higher code): positions follow the codes' order.
            let (ya, yb) = if a <= b {
                (pm.sum_a, pm.sum_b)
            } else {
                (pm.sum_b, pm.sum_a)
            };
            let cross = pm.sum_ab - sb * ya - sa * yb + sa * sb * pm.n as f64;
            c += cross / (na * nb) / (ia.strata.len() * ib.strata.len()) as f64;
        }
        c
    }

    fn variance(&self, l: &Linear) -> f64 {
        let mut v = 0.0;
        for (a, wa) in &l.weights {
            for (b, wb) in &l.weights {
                v += wa * wb * self.cov(*a, *b);
            }
        }
        v
    }

    fn eval(&self, code: &str) -> Eval {
        let empty = Eval {
            value: None,
            linear: Linear::default(),
            n: 0,
            unit: "percent",
        };
        let Some(node) = self.survey.node(code) else {
            return empty;
        };
        if !node.items.is_empty() {
            let measured: Vec<(usize, Decimal)> = node
                .items
                .iter()
                .filter_map(|i| self.item_at(i).and_then(|(at, it)| Some((at, it.share?))))
                .collect();
            let n = node
                .items
                .iter()
                .filter_map(|i| self.item_at(i))
                .map(|(_, i)| i.n)
                .max()
                .unwrap_or(0);
            if measured.is_empty() {
                let unit = if node.papi_k.is_some() {
                    "score"
                } else {
                    "percent"
                };
                return Eval { n, unit, ..empty };
            }
            let m = Decimal::from(measured.len());
            let mean = measured.iter().map(|(_, s)| *s).sum::<Decimal>() / m;
            let per_item = 1.0 / measured.len() as f64;
            let linear = Linear {
                weights: measured.iter().map(|(i, _)| (*i, per_item)).collect(),
            };
            return match node.papi_k {
                Some(k) => {
                    let k_dec = Decimal::from(k);
                    Eval {
                        value: Some((Decimal::ONE + Decimal::from(9) * mean) / k_dec),
                        linear: linear.scaled(9.0 / f64::from(k)),
                        n,
                        unit: "score",
                    }
                }
                None => Eval {
                    value: Some(mean * Decimal::ONE_HUNDRED),
                    linear: linear.scaled(100.0),
                    n,
                    unit: "percent",
                },
            };
        }
        let kids: Vec<Eval> = node.children.iter().map(|c| self.eval(c)).collect();
        let unit = kids.first().map(|k| k.unit).unwrap_or("percent");
        let n = kids.iter().map(|k| k.n).max().unwrap_or(0);
        let measured: Vec<&Eval> = kids.iter().filter(|k| k.value.is_some()).collect();
        let value = match node.aggregate {
            // A mean is over what was measured; a sum needs every part.
            Aggregate::Mean if !measured.is_empty() => Some(
                measured.iter().filter_map(|k| k.value).sum::<Decimal>()
                    / Decimal::from(measured.len()),
            ),
            Aggregate::Sum if measured.len() == kids.len() && !kids.is_empty() => {
                Some(measured.iter().filter_map(|k| k.value).sum::<Decimal>())
            }
            _ => None,
        };
        let linear = measured
            .iter()
            .fold(Linear::default(), |acc, k| acc.plus(&k.linear));
        let linear = match node.aggregate {
            Aggregate::Mean if !measured.is_empty() => linear.scaled(1.0 / measured.len() as f64),
            _ => linear,
        };
        Eval {
            value,
            linear,
            n,
            unit,
        }
    }

    /// The n of a node: its respondents with an answer that counts.
    pub(super) fn n_of(&self, code: &str) -> i64 {
        self.eval(code).n
    }

    pub(super) fn node(&self, code: &str) -> NodeScore {
        self.node_to(code, usize::MAX)
    }

    /// The node with `depth` levels of children (0: none; a sum of its children's points
    /// still works them out).
    pub(super) fn node_to(&self, code: &str, depth: usize) -> NodeScore {
        let mut out = blank(code);
        let Some(node) = self.survey.node(code) else {
            return out;
        };
        let e = self.eval(code);
        out.name = node.name.clone();
        out.name_en = node.name_en.clone();
        out.unit = e.unit;
        out.n = e.n;
        out.value = e.value.and_then(|v| v.to_f64());
        if let Some(v) = out.value {
            // n/(n−1) corrects the linearised variance for small samples; a single
            // respondent says nothing about spread, so the interval is the whole range.
            let var = if e.n > 1 {
                self.variance(&e.linear) * e.n as f64 / (e.n - 1) as f64
            } else {
                f64::INFINITY
            };
            let (lo, hi) = match (e.unit, node.papi_k) {
                ("percent", _) => (0.0, 100.0),
                (_, Some(k)) => (1.0 / f64::from(k), 10.0 / f64::from(k)),
                _ => (0.0, f64::MAX),
            };
            let (l, h) = interval::normal(v, var, lo, hi);
            out.ci_low = Some(l);
            out.ci_high = Some(h);
        }
        let sums_children = node
            .points
            .as_ref()
            .is_some_and(|p| matches!(p.rule, PointsRule::SumOfChildren));
        if depth > 0 || sums_children {
            let below = depth.saturating_sub(1);
            out.children = node
                .children
                .iter()
                .map(|c| self.node_to(c, below))
                .collect();
        }
        if depth > 0 {
            out.children.extend(node.items.iter().map(|i| self.item(i)));
        }
        out.points = node
            .points
            .as_ref()
            .and_then(|p| match p.rule {
                PointsRule::PercentOfMax => e.value.map(|v| points::percent_of_max(v, p.max)),
                PointsRule::ShareOfMax => e.value.map(|v| points::share_of_max(v, p.max)),
                PointsRule::SumOfChildren => out
                    .children
                    .iter()
                    .filter(|c| c.points_max.is_some())
                    .map(|c| c.points.as_deref().and_then(|s| s.parse::<Decimal>().ok()))
                    .sum::<Option<Decimal>>(),
            })
            .map(|p| format!("{p:.4}"));
        out.points_max = node.points.as_ref().map(|p| p.max.to_string());
        out.points_baseline = node
            .points
            .as_ref()
            .and_then(|p| p.baseline.map(|b| format!("{b:.4}")));
        out.points_code = node.points.as_ref().and_then(|p| p.code.clone());
        out.baseline = node.baseline.and_then(|b| b.to_f64());
        out.baseline_note = node.baseline_note.clone();
        out.target = node.target.and_then(|t| t.to_f64());
        out.target_note = node.target_note.clone();
        out.owner = node.owner.clone();
        compare(&mut out, e.value, node.baseline);
        if let (Some(v), Some(t)) = (out.value, out.target) {
            out.gap_to_target = Some(v - t);
        }
        if node.parent.is_none() {
            out.rank = self.survey.rank_table.as_ref().and_then(|t| rank(t, &out));
        }
        if depth == 0 {
            out.children.clear();
        }
        out
    }

    fn item(&self, code: &str) -> NodeScore {
        let mut out = blank(code);
        out.kind = "item";
        if let Some(i) = self.survey.item(code) {
            out.name = i.text.clone();
            out.name_en = i.text_en.clone();
        }
        let Some((at, item)) = self.item_at(code) else {
            return out;
        };
        out.n = item.n;
        out.value = item.share.and_then(|s| (s * Decimal::ONE_HUNDRED).to_f64());
        let ci = match (item.wilson, out.value) {
            (Some((l, h)), _) => Some((l * 100.0, h * 100.0)),
            (None, Some(v)) => {
                let var = self.cov(at, at) * 1e4;
                Some(interval::normal(v, var, 0.0, 100.0))
            }
            _ => None,
        };
        out.ci_low = ci.map(|c| c.0);
        out.ci_high = ci.map(|c| c.1);
        out
    }
}

/// Rank 1 + the number of provinces above; the interval's ends give the range.
pub(super) fn rank(table: &crate::survey::RankTable, n: &NodeScore) -> Option<RankEstimate> {
    let place = |v: f64| 1 + table.rows.iter().filter(|(_, x)| *x > v).count();
    let v = n.value?;
    Some(RankEstimate {
        estimate: place(v),
        best: place(n.ci_high.unwrap_or(v)),
        worst: place(n.ci_low.unwrap_or(v)),
        of: table.rows.len() + 1,
        source: table.source.clone(),
    })
}

pub(super) fn blank(code: &str) -> NodeScore {
    NodeScore {
        code: code.to_string(),
        name: String::new(),
        name_en: None,
        kind: "index",
        unit: "percent",
        value: None,
        points: None,
        points_max: None,
        points_baseline: None,
        points_code: None,
        n: 0,
        ci_low: None,
        ci_high: None,
        baseline: None,
        baseline_note: None,
        delta: None,
        significant: None,
        target: None,
        target_note: None,
        gap_to_target: None,
        owner: None,
        rank: None,
        by_group: Vec::new(),
        withheld: false,
        top20: None,
        children: Vec::new(),
    }
}

/// Difference from the 2022 baseline, published as a fixed figure (its own sampling error is
/// not published): significant when the baseline lies outside this period's 95 % interval.
pub(super) fn compare(out: &mut NodeScore, value: Option<Decimal>, baseline: Option<Decimal>) {
    if let (Some(v), Some(b)) = (value, baseline) {
        let shown = if out.unit == "percent" {
            points::round2(v)
        } else {
            v.round_dp(3)
        };
        out.delta = (shown - b).to_f64();
        if let (Some(lo), Some(hi), Some(bf)) = (out.ci_low, out.ci_high, b.to_f64()) {
            out.significant = Some(bf < lo || bf > hi);
        }
    }
}

//! Pure scoring: tallies of answers → the index tree with values, points, n and 95 % intervals.
//!
//! Intervals for items are Wilson intervals (binary scores) or normal intervals. An element or
//! index is a linear combination of item shares, Σ w_j p_j, so its variance is estimated by
//! respondent-level linearisation (Taylor): Var = Σ_j Σ_k w_j w_k C_jk with
//! C_jk = Σ_i I_ij I_ik (y_ij − p_j)(y_ik − p_k) / (n_j n_k), where I marks a valid answer.
//! That sum only needs per-pair moments (n, Σy_j, Σy_k, Σy_j·y_k over respondents who answered
//! both), which are kept on insert, so no raw answer is read at scoring time.
//!
//! When respondent groups are averaged (`pooling = "mean_of_groups"`), each group is an
//! independent stratum: p_j = Σ_g p_jg / G_j and Cov(p_j, p_k) = Σ_g C_jk,g / (G_j·G_k).

pub mod interval;
pub mod points;
pub mod ranges;
pub mod suppress;
pub mod top20;

use crate::survey::{Aggregate, Condition, PointsRule, Pooling, Survey};
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

/// What a score is worked out from: the counts of each item's values, and the pair moments
/// of scored items. String-keyed [`Tallies`] are one; sums of stored slices kept by position
/// (the counts layer's `Sum`) are another, scored without building maps keyed by item codes.
pub trait Counted {
    fn responses(&self) -> i64;
    /// Calls `f(value, count)` for every value of `item` counted.
    fn each_value(&self, item: &str, f: &mut dyn FnMut(Option<i16>, i64));
    /// Calls `f(a, b, moments)` for every pair kept, `a ≤ b`.
    fn each_pair(&self, f: &mut dyn FnMut(&str, &str, &PairMoments));
}

impl Counted for Tallies {
    fn responses(&self) -> i64 {
        self.responses
    }
    fn each_value(&self, item: &str, f: &mut dyn FnMut(Option<i16>, i64)) {
        for (v, n) in self.items.get(item).into_iter().flatten() {
            f(*v, *n);
        }
    }
    fn each_pair(&self, f: &mut dyn FnMut(&str, &str, &PairMoments)) {
        for ((a, b), m) in &self.pairs {
            f(a, b, m);
        }
    }
}

/// Whether two sums of the same scores agree: added in another order (a recount against the
/// running counts), they may differ in the last bits.
pub fn sums_agree(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * (1.0 + a.abs())
}

impl Tallies {
    /// What one response adds: its answers' counts, and the pair moments of its scored answers.
    /// Answers to items whose node counts only some respondents (`count_if`) are left out
    /// for the others.
    pub fn of_response(
        survey: &Survey,
        answers: &[(String, Option<i16>)],
        background: &BTreeMap<String, String>,
    ) -> Tallies {
        let mut t = Tallies {
            responses: 1,
            ..Tallies::default()
        };
        let scored = survey.scored_items();
        let mut ys: Vec<(&str, f64)> = Vec::new();
        for (code, value) in answers {
            if survey
                .count_if(code)
                .is_some_and(|c| !condition_met(c, answers, background))
            {
                continue;
            }
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
            // Keys are cloned only when new: recounts add millions of tallies.
            let mine = match self.items.get_mut(item) {
                Some(m) => m,
                None => self.items.entry(item.clone()).or_default(),
            };
            for (v, n) in values {
                *mine.entry(*v).or_default() += n;
            }
        }
        for (k, m) in &other.pairs {
            match self.pairs.get_mut(k) {
                Some(mine) => mine.add(m),
                None => {
                    self.pairs.insert(k.clone(), *m);
                }
            }
        }
    }
}

/// Whether a condition holds for one response's answers.
pub fn condition_met<S: AsRef<str>>(
    c: &Condition,
    answers: &[(S, Option<i16>)],
    background: &BTreeMap<String, String>,
) -> bool {
    if let Some(v) = background.get(&c.code) {
        return c.values.contains(v);
    }
    answers
        .iter()
        .find(|(code, _)| code.as_ref() == c.code)
        .and_then(|(_, v)| *v)
        .is_some_and(|v| c.values.contains(&v.to_string()))
}

/// One node of the scored tree, as the API and the pages show it. The fields the API's
/// contract names are always sent, `null` where unknown: the description marks them required.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct NodeScore {
    pub code: String,
    pub name: String,
    /// The name in English, where the definition gives one (an item's: its English text).
    pub name_en: Option<String>,
    /// "index" for inner nodes, "item" for questions.
    pub kind: &'static str,
    /// "percent" (share of favourable answers × 100) or "score" (PAPI-aligned points).
    pub unit: &'static str,
    /// None without data.
    #[schema(required)]
    pub value: Option<f64>,
    /// Official points as a decimal string, where the node converts to points.
    #[schema(required)]
    pub points: Option<String>,
    pub points_max: Option<String>,
    pub points_baseline: Option<String>,
    pub points_code: Option<String>,
    /// Valid answers: for an item, those with a score; for an index, the most-answered item's.
    pub n: i64,
    #[schema(required)]
    pub ci_low: Option<f64>,
    #[schema(required)]
    pub ci_high: Option<f64>,
    #[schema(required)]
    pub baseline: Option<f64>,
    pub baseline_note: Option<String>,
    #[schema(required)]
    pub delta: Option<f64>,
    /// Whether the baseline lies outside the 95 % interval.
    pub significant: Option<bool>,
    #[schema(required)]
    pub target: Option<f64>,
    pub target_note: Option<String>,
    /// Value minus target, where both exist.
    pub gap_to_target: Option<f64>,
    #[schema(required)]
    pub owner: Option<String>,
    /// Where the value (and its interval) would have ranked among the provinces' published values.
    pub rank: Option<RankEstimate>,
    /// Per respondent group, for surveys with groups (value and n only).
    pub by_group: Vec<GroupValue>,
    /// A narrow slice over fewer answers than a published cell may rest on: value, points,
    /// interval and comparisons withheld (n is kept).
    pub withheld: bool,
    /// Root nodes only: the chance of reaching the top 20 and what it assumes.
    #[serde(flatten)]
    #[schema(schema_with = top20::on_roots_only)]
    pub top20: Option<top20::Top20>,
    #[schema(no_recursion)]
    pub children: Vec<NodeScore>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct RankEstimate {
    pub estimate: usize,
    /// Ranks at the top and bottom of the 95 % interval.
    pub best: usize,
    pub worst: usize,
    pub of: usize,
    pub source: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct GroupValue {
    pub group: String,
    pub value: Option<f64>,
    pub points: Option<String>,
    pub n: i64,
    /// Fewer answers than a published cell may rest on: value and points withheld.
    pub suppressed: bool,
}

/// The default smallest cell, defined with the other settings' defaults.
pub use crate::config::MIN_CELL;

/// Withholds every respondent-group cell resting on fewer than `k` answers, and enough
/// others beside it that none can be worked out from the node's own value
/// ([`suppress::withhold`]); a node whose groups cannot hide a small one (a group holding
/// every answer) is withheld with them. Run after [`withhold_under`]: a withheld node
/// withholds all its groups.
pub fn suppress_small_groups(nodes: &mut [NodeScore], k: i64) {
    for n in nodes {
        if !n.by_group.is_empty() {
            let cells: Vec<suppress::Cell> = n
                .by_group
                .iter()
                .map(|g| suppress::Cell {
                    forms: g.n,
                    small: g.n < k,
                })
                .collect();
            // A group withheld already (by its own chain of units) is a withheld cell here.
            let given: Vec<bool> = n.by_group.iter().map(|g| g.suppressed).collect();
            let w = suppress::withhold_given(&cells, &given, n.n, n.withheld, k);
            for (g, hide) in n.by_group.iter_mut().zip(&w.cells) {
                if *hide {
                    g.value = None;
                    g.points = None;
                    g.suppressed = true;
                }
            }
            if w.total {
                withhold_node(n);
            }
        }
        suppress_small_groups(&mut n.children, k);
    }
}

/// Withholds one node's value, points, interval and every comparison drawn from them (n is
/// kept).
pub fn withhold_node(n: &mut NodeScore) {
    n.value = None;
    n.points = None;
    n.ci_low = None;
    n.ci_high = None;
    n.delta = None;
    n.significant = None;
    n.gap_to_target = None;
    n.rank = None;
    n.withheld = true;
}

/// Withholds one respondent group on every node of a tree (withheld by its own chain of units).
pub fn withhold_group(nodes: &mut [NodeScore], group: &str) {
    for n in nodes {
        for g in n.by_group.iter_mut().filter(|g| g.group == group) {
            g.value = None;
            g.points = None;
            g.suppressed = true;
        }
        withhold_group(&mut n.children, group);
    }
}

/// Withholds every node of a tree (a slice whose figure would let a reader subtract a
/// withheld cell from a published one).
pub fn withhold_all(nodes: &mut [NodeScore]) {
    for n in nodes {
        withhold_node(n);
        for g in &mut n.by_group {
            g.value = None;
            g.points = None;
            g.suppressed = true;
        }
        withhold_all(&mut n.children);
    }
}

/// Withholds every node resting on fewer than `k` answers: its value, points, interval and
/// every comparison drawn from them. For slices narrower than the whole city and year, where
/// the few who answered may be known (one form on one day at one ward is one citizen).
pub fn withhold_under(nodes: &mut [NodeScore], k: i64) {
    for n in nodes {
        if n.n < k && (n.value.is_some() || n.points.is_some()) {
            withhold_node(n);
        }
        withhold_under(&mut n.children, k);
    }
}

/// The whole tree for one survey, plus what it was computed from.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Scores {
    pub survey: String,
    /// How the figures must be called: PAPI-aligned results are estimates, never PAPI scores.
    pub label: Option<String>,
    pub responses: i64,
    pub nodes: Vec<NodeScore>,
    /// The unit set the figures are read on, and what a reader must know about how answers
    /// given on another map were counted on it.
    pub map: Option<String>,
    pub map_notes: Vec<String>,
    /// A range of days that two published ranges could single out forms by: every node is
    /// withheld (`scoring::ranges`).
    pub range_withheld: bool,
}

/// Scores from tallies that are not split by respondent group.
pub fn score(survey: &Survey, tallies: &Tallies) -> Scores {
    score_strata(survey, &[("", tallies)])
}

/// The first root index of `tallies` with its children but not their items: the headline of
/// a breakdown cell (pages score a hundred of them).
pub fn headline(survey: &Survey, counts: &dyn Counted) -> Option<NodeScore> {
    let root = survey.roots().next()?;
    Some(Ctx::new(survey, &[counts]).node_to(&root.code, 1))
}

/// Scores from tallies per respondent group ("" when the survey has none).
pub fn score_groups(survey: &Survey, groups: &BTreeMap<String, Tallies>) -> Scores {
    let groups: Vec<(&str, &Tallies)> = groups.iter().map(|(g, t)| (g.as_str(), t)).collect();
    score_strata(survey, &groups)
}

fn score_strata(survey: &Survey, groups: &[(&str, &Tallies)]) -> Scores {
    // One group is its own pool: no copy of its counts.
    let summed;
    let pooled: &Tallies = match groups {
        [(_, one)] => one,
        many => {
            let mut all = Tallies::default();
            for (_, t) in many {
                all.add(t);
            }
            summed = all;
            &summed
        }
    };
    let strata: Vec<&dyn Counted> = match survey.pooling {
        Pooling::Pooled => vec![pooled],
        Pooling::MeanOfGroups => groups.iter().map(|(_, t)| *t as &dyn Counted).collect(),
    };
    let ctx = Ctx::new(survey, &strata);
    let mut nodes: Vec<NodeScore> = survey.roots().map(|n| ctx.node(&n.code)).collect();
    if !survey.groups.is_empty() {
        let per_group: Vec<(String, Vec<NodeScore>)> = groups
            .iter()
            .filter(|(g, _)| !g.is_empty())
            .map(|(g, t)| {
                let c = Ctx::new(survey, &[*t as &dyn Counted]);
                (
                    g.to_string(),
                    survey.roots().map(|n| c.node(&n.code)).collect(),
                )
            })
            .collect();
        for node in &mut nodes {
            attach_groups(node, &per_group);
        }
    }
    Scores {
        survey: survey.id.clone(),
        label: (survey.instrument == "papi").then(|| {
            "ước tính theo phương pháp PAPI (PAPI-aligned estimate, not an official PAPI score)"
                .to_string()
        }),
        responses: pooled.responses,
        nodes,
        map: None,
        map_notes: Vec::new(),
        range_withheld: false,
    }
}

fn attach_groups(node: &mut NodeScore, per_group: &[(String, Vec<NodeScore>)]) {
    fn find<'a>(nodes: &'a [NodeScore], code: &str) -> Option<&'a NodeScore> {
        nodes.iter().find_map(|n| {
            if n.code == code {
                Some(n)
            } else {
                find(&n.children, code)
            }
        })
    }
    node.by_group = per_group
        .iter()
        .filter_map(|(g, nodes)| {
            find(nodes, &node.code).map(|n| GroupValue {
                group: g.clone(),
                value: n.value,
                points: n.points.clone(),
                n: n.n,
                suppressed: false,
            })
        })
        .collect();
    for c in &mut node.children {
        attach_groups(c, per_group);
    }
}

/// One item in one stratum.
struct ItemStat {
    n: i64,
    sum: Decimal,
    binary: bool,
}

fn item_stat(survey: &Survey, counts: &dyn Counted, code: &str) -> ItemStat {
    let mut s = ItemStat {
        n: 0,
        sum: Decimal::ZERO,
        binary: true,
    };
    // The item and its scale once, not once per value: pages score a tree per breakdown cell.
    let scale = survey.item(code).and_then(|i| survey.scale_of(i));
    if let Some(scale) = scale {
        counts.each_value(code, &mut |value, count| {
            let score = value.and_then(|v| scale.value(v)).and_then(|v| v.score);
            if let Some(y) = score {
                s.n += count;
                s.sum += y * Decimal::from(count);
                s.binary &= y == Decimal::ZERO || y == Decimal::ONE;
            }
        });
    }
    s
}

/// An item's share over all strata.
struct Item {
    n: i64,
    share: Option<Decimal>,
    /// Strata with data, each with its stratum index: the item's weight there is 1/len.
    strata: Vec<usize>,
    /// Pooled successes, for a Wilson interval when there is one stratum of 0/1 scores.
    wilson: Option<(f64, f64)>,
    /// Per stratum: valid answers and their mean score, kept for the covariances (every pair
    /// of items needs them; working them out again per pair made breakdown pages slow).
    per_stratum: Vec<(f64, Option<f64>)>,
}

/// A node's value as c + Σ w_j p_j (p_j in [0, 1]); used for variances only. Weights by
/// position among the survey's scored items.
#[derive(Default, Clone)]
struct Linear {
    weights: Vec<(usize, f64)>,
}

impl Linear {
    fn scaled(mut self, k: f64) -> Self {
        for (_, w) in &mut self.weights {
            *w *= k;
        }
        self
    }

    fn plus(mut self, other: &Linear) -> Self {
        for (i, w) in &other.weights {
            match self.weights.iter_mut().find(|(j, _)| j == i) {
                Some((_, mine)) => *mine += w,
                None => self.weights.push((*i, *w)),
            }
        }
        self
    }
}

struct Ctx<'a> {
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
struct Eval {
    value: Option<Decimal>,
    linear: Linear,
    n: i64,
    unit: &'static str,
}

impl<'a> Ctx<'a> {
    fn new(survey: &'a Survey, strata: &[&dyn Counted]) -> Self {
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
            .map(|t| {
                let mut at = vec![None; m * m];
                t.each_pair(&mut |a, b, moments| {
                    if let (Some(&a), Some(&b)) = (index.get(a), index.get(b)) {
                        if let Some(slot) = at.get_mut(a.min(b) * m + a.max(b)) {
                            *slot = Some(*moments);
                        }
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

    fn node(&self, code: &str) -> NodeScore {
        self.node_to(code, usize::MAX)
    }

    /// The node with `depth` levels of children (0: none; a sum of its children's points
    /// still works them out).
    fn node_to(&self, code: &str, depth: usize) -> NodeScore {
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
fn rank(table: &crate::survey::RankTable, n: &NodeScore) -> Option<RankEstimate> {
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

fn blank(code: &str) -> NodeScore {
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
fn compare(out: &mut NodeScore, value: Option<Decimal>, baseline: Option<Decimal>) {
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

#[cfg(test)]
mod tests;

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
mod items;
pub mod points;
pub mod ranges;
pub mod suppress;
mod tallies;
pub mod top20;
mod walk;
mod withhold;

pub use tallies::{condition_met, sums_agree, Counted, PairMoments, Tallies};
use walk::Ctx;
pub use withhold::{
    suppress_small_groups, withhold_all, withhold_group, withhold_node, withhold_under,
};

use crate::survey::{Pooling, Survey};
use serde::Serialize;
use std::collections::BTreeMap;

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

/// The n of [`headline`] (0 where the survey has no root), without working out its interval:
/// what withholding a cell depends on.
pub fn headline_n(survey: &Survey, counts: &dyn Counted) -> i64 {
    survey
        .roots()
        .next()
        .map_or(0, |root| Ctx::counting(survey, &[counts]).n_of(&root.code))
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

#[cfg(test)]
mod tests;

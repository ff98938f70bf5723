//! One item's share over the strata it was answered in, and a node's value as a linear
//! combination of item shares, for its variance.

use super::Counted;
use crate::survey::Survey;
use rust_decimal::Decimal;

/// One item in one stratum.
pub(super) struct ItemStat {
    pub(super) n: i64,
    pub(super) sum: Decimal,
    pub(super) binary: bool,
}

pub(super) fn item_stat(survey: &Survey, counts: &dyn Counted, code: &str) -> ItemStat {
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
pub(super) struct Item {
    pub(super) n: i64,
    pub(super) share: Option<Decimal>,
    /// Strata with data, each with its stratum index: the item's weight there is 1/len.
    pub(super) strata: Vec<usize>,
    /// Pooled successes, for a Wilson interval when there is one stratum of 0/1 scores.
    pub(super) wilson: Option<(f64, f64)>,
    /// Per stratum: valid answers and their mean score, kept for the covariances (every pair
    /// of items needs them; working them out again per pair made breakdown pages slow).
    pub(super) per_stratum: Vec<(f64, Option<f64>)>,
}

/// A node's value as c + Σ w_j p_j (p_j in [0, 1]); used for variances only. Weights by
/// position among the survey's scored items.
#[derive(Default, Clone)]
pub(super) struct Linear {
    pub(super) weights: Vec<(usize, f64)>,
}

impl Linear {
    pub(super) fn scaled(mut self, k: f64) -> Self {
        for (_, w) in &mut self.weights {
            *w *= k;
        }
        self
    }

    pub(super) fn plus(mut self, other: &Linear) -> Self {
        for (i, w) in &other.weights {
            match self.weights.iter_mut().find(|(j, _)| j == i) {
                Some((_, mine)) => *mine += w,
                None => self.weights.push((*i, *w)),
            }
        }
        self
    }
}

//! One slice's counts in flat arrays, positioned by its survey's [`Layout`](super::Layout).

use crate::scoring::sums_agree;
use std::collections::BTreeMap;

/// One slice's tallies in flat form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dense {
    pub responses: i64,
    pub(super) cells: Vec<i64>,
    pub(super) other: BTreeMap<(usize, Option<i16>), i64>,
    /// Upper triangle over scored items: (n, Σa, Σb, Σab).
    pub(super) pairs: Vec<[f64; 4]>,
}

impl Dense {
    /// Adds another slice of the same layout.
    pub fn add(&mut self, other: &Dense) {
        self.responses += other.responses;
        if self.cells.is_empty() {
            self.cells = other.cells.clone();
            self.pairs = other.pairs.clone();
        } else {
            for (x, y) in self.cells.iter_mut().zip(&other.cells) {
                *x += y;
            }
            for (x, y) in self.pairs.iter_mut().zip(&other.pairs) {
                for k in 0..4 {
                    x[k] += y[k];
                }
            }
        }
        for (k, n) in &other.other {
            *self.other.entry(*k).or_default() += n;
        }
    }
}

impl Dense {
    /// Drops what the packed form does not keep (the number of responses, the sums of pairs
    /// no longer answered together), so that the slice equals its packed bytes read back.
    pub fn keep_packed(&mut self) {
        self.responses = 0;
        for p in &mut self.pairs {
            // The packed form keeps the pairs with n > 0 (`Layout::each_pair`).
            if p[0] <= 0.0 || p[0].is_nan() {
                *p = [0.0; 4];
            }
        }
    }

    /// Whether two slices hold the same item and pair counts (responses aside); sums of
    /// scores may differ in the last bits, as they were added in another order.
    pub fn same_counts(&self, other: &Dense) -> bool {
        let cells = |d: &Dense, i: usize| d.cells.get(i).copied().unwrap_or(0);
        let pairs = |d: &Dense, i: usize| d.pairs.get(i).copied().unwrap_or([0.0; 4]);
        (0..self.cells.len().max(other.cells.len())).all(|i| cells(self, i) == cells(other, i))
            && self.other == other.other
            && (0..self.pairs.len().max(other.pairs.len())).all(|i| {
                let (a, b) = (pairs(self, i), pairs(other, i));
                a[0] == b[0] && (1..4).all(|k| sums_agree(a[k], b[k]))
            })
    }
}

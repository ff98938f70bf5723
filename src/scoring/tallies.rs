//! What scores are worked out from: running counts of each item's values and the pair
//! moments of scored items, kept per slice of responses.

use crate::survey::{Condition, Survey};
use rust_decimal::prelude::ToPrimitive;
use std::collections::BTreeMap;

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
    /// [`Counted::each_pair`] with the codes turned into positions by `at` (pairs of a code
    /// it does not know are skipped). Counts that keep their pairs by position look each code
    /// up once, not once per pair.
    fn each_pair_at(
        &self,
        at: &dyn Fn(&str) -> Option<usize>,
        f: &mut dyn FnMut(usize, usize, &PairMoments),
    ) {
        self.each_pair(&mut |a, b, m| {
            if let (Some(a), Some(b)) = (at(a), at(b)) {
                f(a, b, m);
            }
        });
    }
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

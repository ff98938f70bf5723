//! The same tallies as [`Tallies::of_response`](crate::scoring::Tallies::of_response), kept in flat arrays indexed by the survey's
//! layout: the writer adds every response to its slices and a recount adds up millions of
//! them, and neither can afford maps keyed by strings.
//!
//! A response is turned into a [`Contribution`] (its cells and scores) where it arrives, so
//! that the writer threads only add numbers.

use super::{Dense, FastMap};
use crate::scoring::{condition_met, PairMoments, Tallies};
use crate::survey::{Catalog, Condition, Survey};
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, HashMap};

/// Item positions, cells and scores of one survey version, worked out once.
pub struct Layout {
    version: String,
    codes: Vec<String>,
    index: FastMap<String, usize>,
    /// Each item owns the cells `start[i]..start[i + 1]`: "no opinion", then its scale's values.
    start: Vec<usize>,
    values: Vec<Vec<i16>>,
    /// Score y per (item, value position), None for missing data or an unscored item.
    score: Vec<Vec<Option<f64>>>,
    /// Position among the scored items (sorted by code, as pair keys are), per item.
    scored: Vec<Option<usize>>,
    scored_codes: Vec<String>,
    /// Item position per scored position: the inverse of `scored`, for packing every pair.
    scored_items: Vec<Option<usize>>,
    /// The condition under which each item's answers count (`count_if`).
    conditions: Vec<Option<Condition>>,
}

/// One response's share of its slice's counts, resolved against a [`Layout`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Contribution {
    cells: Vec<u32>,
    /// Answers whose value the layout has no cell for (a changed scale): kept, not dropped.
    other: Vec<(u16, Option<i16>)>,
    /// (scored position, y), sorted by position.
    ys: Vec<(u16, f64)>,
}

impl Layout {
    pub fn new(survey: &Survey) -> Self {
        let codes: Vec<String> = survey.items().map(|i| i.code.clone()).collect();
        let scored_codes: Vec<String> = survey
            .scored_items()
            .into_iter()
            .map(str::to_string)
            .collect();
        let mut start = vec![0];
        let mut values = Vec::with_capacity(codes.len());
        let mut score = Vec::with_capacity(codes.len());
        for item in survey.items() {
            let scale_values = survey
                .scale_of(item)
                .map(|s| s.values.as_slice())
                .unwrap_or_default();
            let is_scored = scored_codes.binary_search(&item.code).is_ok();
            values.push(scale_values.iter().map(|v| v.value).collect::<Vec<_>>());
            score.push(
                scale_values
                    .iter()
                    .map(|v| v.score.and_then(|y| y.to_f64()).filter(|_| is_scored))
                    .collect::<Vec<_>>(),
            );
            start.push(start.last().copied().unwrap_or(0) + 1 + scale_values.len());
        }
        Layout {
            version: survey.version.clone(),
            index: codes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.clone(), i))
                .collect(),
            scored: codes
                .iter()
                .map(|c| scored_codes.binary_search(c).ok())
                .collect(),
            conditions: codes.iter().map(|c| survey.count_if(c).cloned()).collect(),
            scored_items: scored_codes
                .iter()
                .map(|s| codes.iter().position(|c| c == s))
                .collect(),
            codes,
            start,
            values,
            score,
            scored_codes,
        }
    }

    /// Whether any item counts only under a condition that may involve the background.
    pub fn has_conditions(&self) -> bool {
        self.conditions.iter().any(Option::is_some)
    }

    /// The survey version this layout was made from.
    pub fn version(&self) -> &str {
        &self.version
    }

    fn tri(&self, a: usize, b: usize) -> usize {
        let m = self.scored_codes.len();
        a * m - a * (a + 1) / 2 + b
    }

    fn cell(&self, item: usize, value: Option<i16>) -> Option<usize> {
        let base = *self.start.get(item)?;
        match value {
            None => Some(base),
            Some(v) => self
                .values
                .get(item)?
                .iter()
                .position(|x| *x == v)
                .map(|p| base + 1 + p),
        }
    }

    /// An all-zero slice of this layout.
    pub fn empty(&self) -> Dense {
        let m = self.scored_codes.len();
        Dense {
            responses: 0,
            cells: vec![0; self.start.last().copied().unwrap_or(0)],
            other: BTreeMap::new(),
            pairs: vec![[0.0; 4]; m * (m + 1) / 2],
        }
    }

    /// What one response adds. Answers to items this layout does not know are ignored (a
    /// checked submission has none); answers to `count_if` items count only when the
    /// condition holds.
    pub fn contribution<S: AsRef<str>>(
        &self,
        answers: &[(S, Option<i16>)],
        background: &BTreeMap<String, String>,
    ) -> Contribution {
        let mut c = Contribution::default();
        self.contribution_into(&mut c, answers, background);
        c
    }

    /// [`Layout::contribution`] into a buffer that is reused from one response to the next.
    pub fn contribution_into<S: AsRef<str>>(
        &self,
        c: &mut Contribution,
        answers: &[(S, Option<i16>)],
        background: &BTreeMap<String, String>,
    ) {
        c.cells.clear();
        c.other.clear();
        c.ys.clear();
        for (code, value) in answers {
            let Some(&i) = self.index.get(code.as_ref()) else {
                continue;
            };
            if self
                .conditions
                .get(i)
                .and_then(Option::as_ref)
                .is_some_and(|cond| !condition_met(cond, answers, background))
            {
                continue;
            }
            match self.cell(i, *value) {
                Some(cell) => c.cells.push(cell as u32),
                None => c.other.push((i as u16, *value)),
            }
            if let (Some(s), Some(v)) = (self.scored.get(i).copied().flatten(), value) {
                let y = self.values.get(i).and_then(|values| {
                    let p = values.iter().position(|x| x == v)?;
                    self.score.get(i)?.get(p).copied().flatten()
                });
                if let Some(y) = y {
                    c.ys.push((s as u16, y));
                }
            }
        }
        c.ys.sort_unstable_by_key(|(s, _)| *s);
    }

    /// Adds one response to a slice.
    pub fn add(&self, d: &mut Dense, c: &Contribution) {
        self.apply(d, c, 1);
    }

    /// Takes one response back out of a slice: a paper form corrected after it was counted.
    pub fn subtract(&self, d: &mut Dense, c: &Contribution) {
        self.apply(d, c, -1);
    }

    fn apply(&self, d: &mut Dense, c: &Contribution, sign: i64) {
        self.ensure(d);
        d.responses += sign;
        for cell in &c.cells {
            if let Some(n) = d.cells.get_mut(*cell as usize) {
                *n += sign;
            }
        }
        for (i, v) in &c.other {
            let key = (*i as usize, *v);
            let n = d.other.entry(key).or_default();
            *n += sign;
            if *n == 0 {
                d.other.remove(&key);
            }
        }
        let s = sign as f64;
        for (k, (a, ya)) in c.ys.iter().enumerate() {
            for (b, yb) in &c.ys[k..] {
                if let Some(cell) = d.pairs.get_mut(self.tri(*a as usize, *b as usize)) {
                    cell[0] += s;
                    cell[1] += s * ya;
                    cell[2] += s * yb;
                    cell[3] += s * ya * yb;
                }
            }
        }
    }

    /// The slice as string-keyed tallies, for scoring and for the packed form.
    pub fn tallies(&self, d: &Dense) -> Tallies {
        let mut t = Tallies {
            responses: d.responses,
            ..Tallies::default()
        };
        self.each_cell(d, |item, v, n| {
            if let Some(code) = self.codes.get(item) {
                *t.items
                    .entry(code.clone())
                    .or_default()
                    .entry(v)
                    .or_default() += n;
            }
        });
        self.each_pair(d, |a, b, m| {
            if let (Some(a), Some(b)) = (self.scored_codes.get(a), self.scored_codes.get(b)) {
                t.pairs.insert((a.clone(), b.clone()), m);
            }
        });
        t
    }

    /// Item codes, in the order cell and pair positions refer to.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    pub fn position(&self, code: &str) -> Option<usize> {
        self.index.get(code).copied()
    }

    /// Calls `f(item, value, n)` for every non-zero count.
    pub fn each_cell(&self, d: &Dense, mut f: impl FnMut(usize, Option<i16>, i64)) {
        for (item, (bounds, values)) in self.start.windows(2).zip(&self.values).enumerate() {
            let counts = d.cells.get(bounds[0]..bounds[1]).unwrap_or_default();
            for (p, n) in counts.iter().enumerate() {
                if *n != 0 {
                    // Position 0 is "no opinion"; the scale's values follow.
                    let v = p.checked_sub(1).and_then(|k| values.get(k)).copied();
                    f(item, v, *n);
                }
            }
        }
        for ((item, v), n) in &d.other {
            f(*item, *v, *n);
        }
    }

    /// Calls `f(a, b, moments)` for every pair of scored items answered together, `a ≤ b` as
    /// scored positions.
    pub fn each_pair(&self, d: &Dense, mut f: impl FnMut(usize, usize, PairMoments)) {
        let m = self.scored_codes.len();
        for a in 0..m {
            for b in a..m {
                let c = d.pairs.get(self.tri(a, b)).copied().unwrap_or([0.0; 4]);
                if c[0] > 0.0 {
                    f(
                        a,
                        b,
                        PairMoments {
                            n: c[0] as i64,
                            sum_a: c[1],
                            sum_b: c[2],
                            sum_ab: c[3],
                        },
                    );
                }
            }
        }
    }

    /// The item position of a scored position.
    pub fn scored_item(&self, s: usize) -> Option<usize> {
        self.scored_items.get(s).copied().flatten()
    }

    /// Adds a count read back from storage; false when the layout has no such item.
    pub fn add_count(&self, d: &mut Dense, item: usize, value: Option<i16>, n: i64) -> bool {
        if item >= self.codes.len() {
            return false;
        }
        self.ensure(d);
        match self.cell(item, value) {
            Some(cell) => {
                if let Some(c) = d.cells.get_mut(cell) {
                    *c += n;
                }
            }
            None => *d.other.entry((item, value)).or_default() += n,
        }
        true
    }

    /// Adds pair moments read back from storage; false when either item is not scored here.
    pub fn add_pair(&self, d: &mut Dense, a: usize, b: usize, m: &PairMoments) -> bool {
        let (Some(sa), Some(sb)) = (
            self.scored.get(a).copied().flatten(),
            self.scored.get(b).copied().flatten(),
        ) else {
            return false;
        };
        if sa > sb {
            return false;
        }
        self.ensure(d);
        let Some(cell) = d.pairs.get_mut(self.tri(sa, sb)) else {
            return false;
        };
        cell[0] += m.n as f64;
        cell[1] += m.sum_a;
        cell[2] += m.sum_b;
        cell[3] += m.sum_ab;
        true
    }

    fn ensure(&self, d: &mut Dense) {
        if d.cells.is_empty() {
            *d = Dense {
                responses: d.responses,
                other: std::mem::take(&mut d.other),
                ..self.empty()
            };
        }
    }
}

/// The layout of every loaded survey, by survey id.
#[derive(Default)]
pub struct Layouts(HashMap<String, Layout>);

impl Layouts {
    pub fn of(catalog: &Catalog) -> Layouts {
        Layouts::from_surveys(catalog.surveys.values())
    }

    pub fn from_surveys<'a>(surveys: impl IntoIterator<Item = &'a Survey>) -> Layouts {
        Layouts(
            surveys
                .into_iter()
                .map(|s| (s.id.clone(), Layout::new(s)))
                .collect(),
        )
    }

    pub fn get(&self, survey_id: &str) -> Option<&Layout> {
        self.0.get(survey_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::load_file;

    #[test]
    fn dense_tallies_equal_the_reference_ones() {
        for file in [
            "surveys/sipas-counter.toml",
            "surveys/sipas-2022-household.toml",
            "surveys/papi-aligned.toml",
        ] {
            let s = load_file(std::path::Path::new(file)).unwrap();
            let layout = Layout::new(&s);
            let (mut d, mut halves) = (Dense::default(), [Dense::default(), Dense::default()]);
            let mut want = Tallies::default();
            for r in 0..50i16 {
                let answers: Vec<(String, Option<i16>)> = s
                    .items()
                    .enumerate()
                    .map(|(j, i)| {
                        let values: Vec<i16> = s
                            .scale_of(i)
                            .map(|sc| sc.values.iter().map(|v| v.value).collect())
                            .unwrap_or_default();
                        let v = if (r + j as i16) % 7 == 0 || values.is_empty() {
                            None
                        } else {
                            Some(values[(r as usize + 2 * j) % values.len()])
                        };
                        (i.code.clone(), v)
                    })
                    .collect();
                let background = BTreeMap::new();
                let c = layout.contribution(&answers, &background);
                layout.add(&mut d, &c);
                layout.add(&mut halves[(r % 2) as usize], &c);
                want.add(&Tallies::of_response(&s, &answers, &background));
            }
            assert_eq!(layout.tallies(&d), want, "{}", s.id);
            let [mut a, b] = halves;
            a.add(&b);
            assert_eq!(layout.tallies(&a), want, "{}", s.id);
        }
    }
}

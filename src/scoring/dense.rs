//! The same tallies as [`Tallies::of_response`], accumulated in flat arrays indexed by item:
//! a recount adds up millions of responses and cannot afford maps keyed by strings.

use super::{condition_met, PairMoments, Tallies};
use crate::survey::Survey;
use rust_decimal::prelude::ToPrimitive;
use std::collections::{BTreeMap, HashMap};

/// Item positions and scores of one survey, worked out once.
pub struct Layout<'a> {
    survey: &'a Survey,
    codes: Vec<&'a str>,
    index: HashMap<&'a str, usize>,
    /// Position among the scored items (sorted by code, as pair keys are), per item.
    scored: Vec<Option<usize>>,
    scored_codes: Vec<&'a str>,
    /// Score y per (item, value), None for missing data.
    score: Vec<HashMap<i16, f64>>,
    has_conditions: bool,
}

/// One slice's tallies in flat form.
#[derive(Clone, Default)]
pub struct Dense {
    responses: i64,
    cells: HashMap<(usize, Option<i16>), i64>,
    /// Upper triangle over scored items: (n, Σa, Σb, Σab).
    pairs: Vec<[f64; 4]>,
}

impl<'a> Layout<'a> {
    pub fn new(survey: &'a Survey) -> Self {
        let codes: Vec<&str> = survey.items().map(|i| i.code.as_str()).collect();
        let scored_codes = survey.scored_items();
        let scored = codes
            .iter()
            .map(|c| scored_codes.binary_search(c).ok())
            .collect();
        let score = codes
            .iter()
            .map(|c| {
                let item = survey.item(c);
                let scale = item.and_then(|i| survey.scale_of(i));
                scale
                    .map(|s| {
                        s.values
                            .iter()
                            .filter_map(|v| v.score.and_then(|y| y.to_f64()).map(|y| (v.value, y)))
                            .collect()
                    })
                    .unwrap_or_default()
            })
            .collect();
        Layout {
            survey,
            index: codes.iter().enumerate().map(|(i, c)| (*c, i)).collect(),
            codes,
            scored,
            scored_codes,
            score,
            has_conditions: survey.index.iter().any(|n| n.count_if.is_some()),
        }
    }

    fn tri(&self, a: usize, b: usize) -> usize {
        let m = self.scored_codes.len();
        a * m - a * (a + 1) / 2 + b
    }

    pub fn add(
        &self,
        d: &mut Dense,
        answers: &[(String, Option<i16>)],
        background: &BTreeMap<String, String>,
    ) {
        let m = self.scored_codes.len();
        if d.pairs.is_empty() {
            d.pairs = vec![[0.0; 4]; m * (m + 1) / 2];
        }
        d.responses += 1;
        let mut ys: Vec<(usize, f64)> = Vec::with_capacity(answers.len());
        for (code, value) in answers {
            let Some(&i) = self.index.get(code.as_str()) else {
                continue;
            };
            if self.has_conditions
                && self
                    .survey
                    .count_if(code)
                    .is_some_and(|c| !condition_met(c, answers, background))
            {
                continue;
            }
            *d.cells.entry((i, *value)).or_default() += 1;
            if let (Some(s), Some(v)) = (self.scored[i], value) {
                if let Some(y) = self.score[i].get(v) {
                    ys.push((s, *y));
                }
            }
        }
        ys.sort_unstable_by_key(|(s, _)| *s);
        for (k, (a, ya)) in ys.iter().enumerate() {
            for (b, yb) in &ys[k..] {
                let cell = &mut d.pairs[self.tri(*a, *b)];
                cell[0] += 1.0;
                cell[1] += ya;
                cell[2] += yb;
                cell[3] += ya * yb;
            }
        }
    }

    pub fn tallies(&self, d: &Dense) -> Tallies {
        let mut t = Tallies {
            responses: d.responses,
            ..Tallies::default()
        };
        for ((i, v), n) in &d.cells {
            *t.items
                .entry(self.codes[*i].to_string())
                .or_default()
                .entry(*v)
                .or_default() += n;
        }
        let m = self.scored_codes.len();
        for a in 0..m {
            for b in a..m {
                let c = d.pairs.get(self.tri(a, b)).copied().unwrap_or([0.0; 4]);
                if c[0] > 0.0 {
                    t.pairs.insert(
                        (
                            self.scored_codes[a].to_string(),
                            self.scored_codes[b].to_string(),
                        ),
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
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::parse_definition;

    #[test]
    fn dense_tallies_equal_the_reference_ones() {
        let s =
            parse_definition("c.toml", include_str!("../../surveys/sipas-counter.toml")).unwrap();
        let layout = Layout::new(&s);
        let mut d = Dense::default();
        let mut want = Tallies::default();
        for r in 0..50i16 {
            let answers: Vec<(String, Option<i16>)> = s
                .items()
                .enumerate()
                .map(|(j, i)| {
                    (
                        i.code.clone(),
                        if (r + j as i16) % 7 == 0 {
                            None
                        } else {
                            Some(1 + (r + 2 * j as i16) % 5)
                        },
                    )
                })
                .collect();
            layout.add(&mut d, &answers, &BTreeMap::new());
            want.add(&Tallies::of_response(&s, &answers, &BTreeMap::new()));
        }
        assert_eq!(layout.tallies(&d), want);
    }
}

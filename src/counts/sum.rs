//! Many stored slices added up by item position, turned into string-keyed tallies once. A page
//! sums a hundred units' rows per breakdown; adding maps keyed by item codes row by row cost
//! more than reading the rows.

use super::packed;
use crate::scoring::{Counted, PairMoments, Tallies};

/// The sum of stored slices of one survey (of any of its versions: items are matched by code).
#[derive(Debug, Clone, Default)]
pub struct Sum {
    pub responses: i64,
    names: Vec<String>,
    /// Per item position: (value, count); a scale has a handful of values.
    cells: Vec<Vec<(Option<i16>, i64)>>,
    /// Per item position a: (position b, moments), with a and b as the stored pair has them.
    pairs: Vec<Vec<(usize, PairMoments)>>,
}

impl Sum {
    /// The position of an item code, added at the end when new. `guess`: where it usually is
    /// (rows of one version list their items in the same order).
    fn position(&mut self, name: &str, guess: usize) -> usize {
        if self.names.get(guess).is_some_and(|n| n == name) {
            return guess;
        }
        match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.cells.push(Vec::new());
                self.pairs.push(Vec::new());
                self.names.len() - 1
            }
        }
    }

    /// Adds `n` answers `value` to item `item`; `guess`: where the value usually is in the
    /// item's list (sums of one version list them in the same order), so that adding two such
    /// sums looks nothing up.
    fn add_cell(&mut self, item: usize, guess: usize, value: Option<i16>, n: i64) {
        let Some(cells) = self.cells.get_mut(item) else {
            return;
        };
        if let Some((v, c)) = cells.get_mut(guess) {
            if *v == value {
                *c += n;
                return;
            }
        }
        match cells.iter_mut().find(|(v, _)| *v == value) {
            Some((_, c)) => *c += n,
            None => cells.push((value, n)),
        }
    }

    /// Adds the moments of the pair (a, b); `guess` as in [`Sum::add_cell`].
    fn add_pair(&mut self, a: usize, guess: usize, b: usize, m: &PairMoments) {
        let Some(row) = self.pairs.get_mut(a) else {
            return;
        };
        if let Some((x, mine)) = row.get_mut(guess) {
            if *x == b {
                mine.add(m);
                return;
            }
        }
        match row.iter_mut().find(|(x, _)| *x == b) {
            Some((_, mine)) => mine.add(m),
            None => row.push((b, *m)),
        }
    }

    /// Adds a packed slice; None, with the sum untouched, when the bytes are not a slice.
    pub fn add_packed(&mut self, bytes: &[u8]) -> Option<()> {
        let d = packed::decode(bytes)?;
        let at: Vec<usize> = (d.names.iter().enumerate())
            .map(|(i, n)| self.position(n, i))
            .collect();
        // `decode` has checked that every cell and pair names a listed item.
        let pos = |i: u16| at.get(usize::from(i)).copied().unwrap_or(usize::MAX);
        // The k-th value (pair) of an item in these bytes is usually its k-th in the sum.
        let mut seen = vec![0usize; at.len()];
        for (i, v, n) in &d.cells {
            let guess = count_one(&mut seen, *i);
            self.add_cell(pos(*i), guess, packed::answer_value(*v), *n);
        }
        seen.iter_mut().for_each(|k| *k = 0);
        for (a, b, m) in &d.pairs {
            let guess = count_one(&mut seen, *a);
            self.add_pair(pos(*a), guess, pos(*b), m);
        }
        Some(())
    }

    /// Adds another sum.
    pub fn add(&mut self, other: &Sum) {
        if self.names.is_empty() {
            // Nothing to merge into: a copy, allocated once.
            let responses = self.responses;
            *self = other.clone();
            self.responses += responses;
            return;
        }
        self.responses += other.responses;
        let at: Vec<usize> = (other.names.iter().enumerate())
            .map(|(i, n)| self.position(n, i))
            .collect();
        for (i, cells) in other.cells.iter().enumerate() {
            for (k, (v, n)) in cells.iter().enumerate() {
                self.add_cell(at[i], k, *v, *n);
            }
        }
        for (a, row) in other.pairs.iter().enumerate() {
            for (k, (b, m)) in row.iter().enumerate() {
                self.add_pair(at[a], k, at[*b], m);
            }
        }
    }

    /// The sum as tallies keyed by item code, for scoring.
    pub fn tallies(&self) -> Tallies {
        let mut t = Tallies {
            responses: self.responses,
            ..Tallies::default()
        };
        for (name, cells) in self.names.iter().zip(&self.cells) {
            if !cells.is_empty() {
                t.items
                    .insert(name.clone(), cells.iter().map(|(v, n)| (*v, *n)).collect());
            }
        }
        for (a, row) in self.pairs.iter().enumerate() {
            for (b, m) in row {
                if let (Some(a), Some(b)) = (self.names.get(a), self.names.get(*b)) {
                    t.pairs.entry((a.clone(), b.clone())).or_default().add(m);
                }
            }
        }
        t
    }
}

/// How many times item `i` was seen before, counting this time.
fn count_one(seen: &mut [usize], i: u16) -> usize {
    seen.get_mut(usize::from(i)).map_or(usize::MAX, |k| {
        *k += 1;
        *k - 1
    })
}

/// Scored straight from the sums: a page scores a hundred cells, and string-keyed tallies of
/// each would cost more than the scoring.
impl Counted for Sum {
    fn responses(&self) -> i64 {
        self.responses
    }
    fn each_value(&self, item: &str, f: &mut dyn FnMut(Option<i16>, i64)) {
        if let Some(i) = self.names.iter().position(|n| n == item) {
            for (v, n) in self.cells.get(i).into_iter().flatten() {
                f(*v, *n);
            }
        }
    }
    fn each_pair(&self, f: &mut dyn FnMut(&str, &str, &PairMoments)) {
        for (a, row) in self.pairs.iter().enumerate() {
            for (b, m) in row {
                if let (Some(a), Some(b)) = (self.names.get(a), self.names.get(*b)) {
                    f(a, b, m);
                }
            }
        }
    }
    fn each_pair_at(
        &self,
        at: &dyn Fn(&str) -> Option<usize>,
        f: &mut dyn FnMut(usize, usize, &PairMoments),
    ) {
        let positions: Vec<Option<usize>> = self.names.iter().map(|n| at(n)).collect();
        for (a, row) in self.pairs.iter().enumerate() {
            let Some(Some(a)) = positions.get(a) else {
                continue;
            };
            for (b, m) in row {
                if let Some(Some(b)) = positions.get(*b) {
                    f(*a, *b, m);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(items: &[(&str, Option<i16>, i64)], pairs: &[(&str, &str, i64, f64)]) -> Tallies {
        let mut t = Tallies::default();
        for (code, v, n) in items {
            *t.items
                .entry(code.to_string())
                .or_default()
                .entry(*v)
                .or_default() += n;
        }
        for (a, b, n, s) in pairs {
            t.pairs.insert(
                (a.to_string(), b.to_string()),
                PairMoments {
                    n: *n,
                    sum_a: *s,
                    sum_b: *s,
                    sum_ab: *s / 2.0,
                },
            );
        }
        t
    }

    #[test]
    fn summing_packed_slices_equals_adding_their_tallies() {
        // Two versions: the second lists its items in another order and adds one.
        let a = slice(
            &[
                ("E1.1", Some(1), 3),
                ("E1.1", None, 1),
                ("E1.2", Some(0), 2),
            ],
            &[("E1.1", "E1.2", 2, 1.0)],
        );
        let b = slice(
            &[
                ("E1.3", Some(1), 5),
                ("E1.2", Some(0), 4),
                ("E1.1", Some(1), 1),
            ],
            &[("E1.1", "E1.2", 1, 0.5), ("E1.2", "E1.3", 4, 2.0)],
        );
        let mut want = Tallies::default();
        want.add(&a);
        want.add(&b);
        want.add(&a);

        let mut left = Sum::default();
        left.add_packed(&packed::pack(&a)).unwrap();
        left.add_packed(&packed::pack(&b)).unwrap();
        let mut right = Sum::default();
        right.add_packed(&packed::pack(&a)).unwrap();
        left.add(&right);
        assert_eq!(left.tallies(), want);

        // Scoring reads the sum through `Counted`: the same counts as its tallies.
        let mut read = Tallies {
            responses: left.responses(),
            ..Tallies::default()
        };
        for item in ["E1.1", "E1.2", "E1.3", "E9.9"] {
            left.each_value(item, &mut |v, n| {
                *read
                    .items
                    .entry(item.to_string())
                    .or_default()
                    .entry(v)
                    .or_default() += n;
            });
        }
        left.each_pair(&mut |a, b, m| {
            read.pairs.insert((a.to_string(), b.to_string()), *m);
        });
        assert_eq!(read, want);

        // Into an empty sum, or in another order: the same counts.
        let mut copy = Sum::default();
        copy.add(&left);
        assert_eq!(copy.tallies(), want);
        let mut other_way = Sum::default();
        other_way.add_packed(&packed::pack(&b)).unwrap();
        other_way.add(&right);
        other_way.add_packed(&packed::pack(&a)).unwrap();
        assert_eq!(other_way.tallies(), want);

        // Pairs by position, as a walk reads them: those of `each_pair`, codes it does not
        // know left out.
        let index = |c: &str| ["E1.2", "E1.1"].iter().position(|x| *x == c);
        let (mut by_code, mut by_position) = (Vec::new(), Vec::new());
        left.each_pair(&mut |a, b, m| {
            if let (Some(a), Some(b)) = (index(a), index(b)) {
                by_code.push((a, b, m.n));
            }
        });
        left.each_pair_at(&index, &mut |a, b, m| by_position.push((a, b, m.n)));
        assert_eq!(by_position, by_code);
        assert_eq!(by_position.len(), 1);

        let mut untouched = Sum::default();
        assert!(untouched.add_packed(&packed::pack(&a)[..9]).is_none());
        assert_eq!(untouched.tallies(), Tallies::default());
    }
}

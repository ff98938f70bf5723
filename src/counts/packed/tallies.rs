//! Slices keyed by item code: packing [`Tallies`], reading them back, and adding to a stored
//! slice of any version.

use super::{answer_value, decode, encode, stored_value};
use crate::scoring::{PairMoments, Tallies};
use std::collections::BTreeMap;

pub fn pack(t: &Tallies) -> Vec<u8> {
    // Merging into an empty slice cannot fail: one encoder serves both.
    merge(&[], t).unwrap_or_default()
}

/// Adds the packed counts into `t`; None (and `t` untouched) when the bytes are not a slice.
pub fn unpack_into(bytes: &[u8], t: &mut Tallies) -> Option<()> {
    let d = decode(bytes)?;
    let name = |i: u16| d.names.get(usize::from(i)).map(|n| n.to_string());
    let mut staged = Tallies::default();
    for (i, v, n) in &d.cells {
        *staged
            .items
            .entry(name(*i)?)
            .or_default()
            .entry(answer_value(*v))
            .or_default() += n;
    }
    for (a, b, m) in &d.pairs {
        staged
            .pairs
            .entry((name(*a)?, name(*b)?))
            .or_default()
            .add(m);
    }
    t.add(&staged);
    Some(())
}

/// The position of `name` among the slice's item codes, added at the end when new.
fn position<'n>(names: &mut Vec<&'n str>, name: &'n str) -> Option<u16> {
    let i = names.iter().position(|n| *n == name).unwrap_or_else(|| {
        names.push(name);
        names.len() - 1
    });
    u16::try_from(i).ok()
}

/// Adds `delta` to a packed slice without building maps of strings.
pub fn merge(stored: &[u8], delta: &Tallies) -> Option<Vec<u8>> {
    let d = decode(stored)?;
    let mut names: Vec<&str> = d.names;
    let mut cells: BTreeMap<(u16, i16), i64> = BTreeMap::new();
    for (i, v, n) in d.cells {
        *cells.entry((i, v)).or_default() += n;
    }
    let mut pairs: BTreeMap<(u16, u16), PairMoments> = BTreeMap::new();
    for (a, b, m) in d.pairs {
        pairs.entry((a, b)).or_default().add(&m);
    }
    for (item, values) in &delta.items {
        let i = position(&mut names, item)?;
        for (v, n) in values {
            *cells.entry((i, stored_value(*v))).or_default() += n;
        }
    }
    for ((a, b), m) in &delta.pairs {
        let (ia, ib) = (position(&mut names, a)?, position(&mut names, b)?);
        pairs.entry((ia, ib)).or_default().add(m);
    }
    let cells: Vec<(u16, i16, i64)> = cells.into_iter().map(|((i, v), n)| (i, v, n)).collect();
    let pairs: Vec<(u16, u16, PairMoments)> =
        pairs.into_iter().map(|((a, b), m)| (a, b, m)).collect();
    Some(encode(&names, &cells, &pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tallies of these (item, value, count) cells and one pair of items with its moments
    /// (n, Σa, Σb, Σab).
    pub(super) fn tallies(
        cells: &[(&str, Option<i16>, i64)],
        (a, b): (&str, &str),
        (n, sum_a, sum_b, sum_ab): (i64, f64, f64, f64),
    ) -> Tallies {
        let mut t = Tallies::default();
        for (item, value, count) in cells {
            t.items
                .entry(item.to_string())
                .or_default()
                .insert(*value, *count);
        }
        let moments = PairMoments {
            n,
            sum_a,
            sum_b,
            sum_ab,
        };
        t.pairs.insert((a.into(), b.into()), moments);
        t
    }

    #[test]
    fn round_trips_and_refuses_garbage() {
        let t = tallies(
            &[("E1.1", Some(4), 7), ("E1.1", None, 2)],
            ("E1.1", "E1.2"),
            (3, 1.0, 2.0, 0.5),
        );
        let mut back = Tallies::default();
        unpack_into(&pack(&t), &mut back).unwrap();
        assert_eq!(back, t);
        let mut untouched = Tallies::default();
        assert!(unpack_into(&pack(&t)[..10], &mut untouched).is_none());
        assert_eq!(untouched, Tallies::default());
    }
}

#[cfg(test)]
mod merge_tests {
    use super::tests::tallies;
    use super::*;

    /// The fixed-width layout slices were written in before the current one.
    fn encode_v1(t: &Tallies) -> Vec<u8> {
        let names: Vec<&String> = t.items.keys().collect();
        let at = |n: &String| names.iter().position(|x| *x == n).unwrap() as u16;
        let mut out = (names.len() as u16).to_le_bytes().to_vec();
        for n in &names {
            out.extend_from_slice(&(n.len() as u16).to_le_bytes());
            out.extend_from_slice(n.as_bytes());
        }
        let cells: Vec<_> = t
            .items
            .iter()
            .flat_map(|(k, vs)| vs.iter().map(move |(v, n)| (at(k), v.unwrap_or(-1), *n)))
            .collect();
        out.extend_from_slice(&(cells.len() as u32).to_le_bytes());
        for (i, v, n) in cells {
            out.extend_from_slice(&i.to_le_bytes());
            out.extend_from_slice(&v.to_le_bytes());
            out.extend_from_slice(&n.to_le_bytes());
        }
        out.extend_from_slice(&(t.pairs.len() as u32).to_le_bytes());
        for ((a, b), m) in &t.pairs {
            out.extend_from_slice(&at(a).to_le_bytes());
            out.extend_from_slice(&at(b).to_le_bytes());
            out.extend_from_slice(&m.n.to_le_bytes());
            for x in [m.sum_a, m.sum_b, m.sum_ab] {
                out.extend_from_slice(&x.to_le_bytes());
            }
        }
        out
    }

    #[test]
    fn slices_in_the_old_layout_are_read_and_rewritten_smaller() {
        let t = tallies(
            &[
                ("E1.1", Some(4), 300),
                ("E1.1", None, 2),
                ("E1.2", Some(-3), 1),
            ],
            ("E1.1", "E1.2"),
            (301, 250.0, 0.375, 1e300),
        );
        let old = encode_v1(&t);
        let mut back = Tallies::default();
        unpack_into(&old, &mut back).unwrap();
        assert_eq!(back, t);
        let new = merge(&old, &Tallies::default()).unwrap();
        assert!(new.len() < old.len(), "{} vs {}", new.len(), old.len());
        let mut again = Tallies::default();
        unpack_into(&new, &mut again).unwrap();
        assert_eq!(again, t);
        // Every truncation of either layout is refused, not misread.
        for bytes in [&old, &new] {
            for cut in 1..bytes.len() {
                assert!(
                    unpack_into(&bytes[..cut], &mut Tallies::default()).is_none(),
                    "{cut}"
                );
            }
        }
    }

    #[test]
    fn merging_equals_adding() {
        let a = tallies(
            &[("E1.1", Some(4), 7)],
            ("E1.1", "E1.1"),
            (7, 7.0, 7.0, 7.0),
        );
        let b = tallies(
            &[("E1.1", Some(4), 1), ("E2.1", None, 2)],
            ("E1.1", "E2.1"),
            (1, 1.0, 0.0, 0.0),
        );
        for start in [pack(&a), Vec::new()] {
            let merged = merge(&start, &b).unwrap();
            let mut got = Tallies::default();
            unpack_into(&merged, &mut got).unwrap();
            let mut expect = if start.is_empty() {
                Tallies::default()
            } else {
                a.clone()
            };
            expect.add(&b);
            assert_eq!(got, expect);
        }
    }
}

//! The stored form of one slice's counts: a compact binary layout, because the writer reads
//! and rewrites it on every commit and text formats cost more CPU than the database itself.
//!
//! Layout (little-endian): u16 item count, then per item a u16 length and its UTF-8 code;
//! u32 count of (item, value, n) cells as (u16 item, i16 value, i64 n); u32 count of pairs as
//! (u16 a, u16 b, i64 n, f64 Σa, f64 Σb, f64 Σab). Value −1 is "no opinion".

use crate::scoring::dense::{Dense, Layout};
use crate::scoring::{PairMoments, Tallies};
use std::collections::BTreeMap;

const NO_OPINION: i16 = -1;

pub fn pack(t: &Tallies) -> Vec<u8> {
    // Merging into an empty slice cannot fail: one encoder serves both.
    merge(&[], t).unwrap_or_default()
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }
    fn u16(&mut self) -> Option<u16> {
        self.take(2)
            .and_then(|b| b.try_into().ok())
            .map(u16::from_le_bytes)
    }
    fn i16(&mut self) -> Option<i16> {
        self.take(2)
            .and_then(|b| b.try_into().ok())
            .map(i16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.take(8)
            .and_then(|b| b.try_into().ok())
            .map(i64::from_le_bytes)
    }
    fn f64(&mut self) -> Option<f64> {
        self.take(8)
            .and_then(|b| b.try_into().ok())
            .map(f64::from_le_bytes)
    }
}

/// Adds the packed counts into `t`; None (and `t` untouched) when the bytes are not a slice.
pub fn unpack_into(bytes: &[u8], t: &mut Tallies) -> Option<()> {
    let mut staged = Tallies::default();
    let mut r = Reader { bytes };
    if bytes.is_empty() {
        return Some(());
    }
    let names: Vec<String> = (0..r.u16()?)
        .map(|_| {
            let len = r.u16()? as usize;
            String::from_utf8(r.take(len)?.to_vec()).ok()
        })
        .collect::<Option<_>>()?;
    for _ in 0..r.u32()? {
        let (i, v, n) = (r.u16()?, r.i16()?, r.i64()?);
        let item = names.get(i as usize)?;
        *staged
            .items
            .entry(item.clone())
            .or_default()
            .entry((v != NO_OPINION).then_some(v))
            .or_default() += n;
    }
    for _ in 0..r.u32()? {
        let (a, b) = (r.u16()?, r.u16()?);
        let m = PairMoments {
            n: r.i64()?,
            sum_a: r.f64()?,
            sum_b: r.f64()?,
            sum_ab: r.f64()?,
        };
        let key = (
            names.get(a as usize)?.clone(),
            names.get(b as usize)?.clone(),
        );
        staged.pairs.entry(key).or_default().add(&m);
    }
    if !r.bytes.is_empty() {
        return None;
    }
    t.add(&staged);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_garbage() {
        let mut t = Tallies::default();
        t.items.entry("E1.1".into()).or_default().insert(Some(4), 7);
        t.items.entry("E1.1".into()).or_default().insert(None, 2);
        t.pairs.insert(
            ("E1.1".into(), "E1.2".into()),
            PairMoments {
                n: 3,
                sum_a: 1.0,
                sum_b: 2.0,
                sum_ab: 0.5,
            },
        );
        let mut back = Tallies::default();
        unpack_into(&pack(&t), &mut back).unwrap();
        assert_eq!(back, t);
        let mut untouched = Tallies::default();
        assert!(unpack_into(&pack(&t)[..10], &mut untouched).is_none());
        assert_eq!(untouched, Tallies::default());
    }
}

/// Adds `delta` to a packed slice without building maps of strings: the writer does this for
/// every slice of every commit.
pub fn merge(stored: &[u8], delta: &Tallies) -> Option<Vec<u8>> {
    let mut r = Reader { bytes: stored };
    let mut names: Vec<&str> = Vec::new();
    let mut cells: BTreeMap<(u16, i16), i64> = BTreeMap::new();
    let mut pairs: BTreeMap<(u16, u16), [f64; 4]> = BTreeMap::new();
    if !stored.is_empty() {
        for _ in 0..r.u16()? {
            let len = r.u16()? as usize;
            names.push(std::str::from_utf8(r.take(len)?).ok()?);
        }
        for _ in 0..r.u32()? {
            let (i, v, n) = (r.u16()?, r.i16()?, r.i64()?);
            *cells.entry((i, v)).or_default() += n;
        }
        for _ in 0..r.u32()? {
            let (a, b) = (r.u16()?, r.u16()?);
            let (n, sa, sb, sab) = (r.i64()?, r.f64()?, r.f64()?, r.f64()?);
            pairs.insert((a, b), [n as f64, sa, sb, sab]);
        }
        if !r.bytes.is_empty() {
            return None;
        }
    }
    let index = |name: &str, names: &mut Vec<String>, known: &[&str]| -> u16 {
        let found = known.iter().position(|n| *n == name).or_else(|| {
            names
                .iter()
                .position(|n| n == name)
                .map(|i| i + known.len())
        });
        let i = found.unwrap_or_else(|| {
            names.push(name.to_string());
            known.len() + names.len() - 1
        });
        u16::try_from(i).unwrap_or(u16::MAX)
    };
    let mut added: Vec<String> = Vec::new();
    for (item, values) in &delta.items {
        let i = index(item, &mut added, &names);
        for (v, n) in values {
            *cells.entry((i, v.unwrap_or(NO_OPINION))).or_default() += n;
        }
    }
    for ((a, b), m) in &delta.pairs {
        let (ia, ib) = (index(a, &mut added, &names), index(b, &mut added, &names));
        let e = pairs.entry((ia, ib)).or_insert([0.0; 4]);
        e[0] += m.n as f64;
        e[1] += m.sum_a;
        e[2] += m.sum_b;
        e[3] += m.sum_ab;
    }
    let all: Vec<&str> = names
        .iter()
        .copied()
        .chain(added.iter().map(String::as_str))
        .collect();
    let mut out = Vec::with_capacity(stored.len() + 64);
    out.extend_from_slice(&(all.len() as u16).to_le_bytes());
    for n in &all {
        out.extend_from_slice(&(n.len() as u16).to_le_bytes());
        out.extend_from_slice(n.as_bytes());
    }
    out.extend_from_slice(&(cells.len() as u32).to_le_bytes());
    for ((i, v), n) in &cells {
        out.extend_from_slice(&i.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
    for ((a, b), m) in &pairs {
        out.extend_from_slice(&a.to_le_bytes());
        out.extend_from_slice(&b.to_le_bytes());
        out.extend_from_slice(&(m[0] as i64).to_le_bytes());
        for x in &m[1..] {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    Some(out)
}

#[cfg(test)]
mod merge_tests {
    use super::*;

    #[test]
    fn merging_equals_adding() {
        let mut a = Tallies::default();
        a.items.entry("E1.1".into()).or_default().insert(Some(4), 7);
        a.pairs.insert(
            ("E1.1".into(), "E1.1".into()),
            PairMoments {
                n: 7,
                sum_a: 7.0,
                sum_b: 7.0,
                sum_ab: 7.0,
            },
        );
        let mut b = Tallies::default();
        b.items.entry("E1.1".into()).or_default().insert(Some(4), 1);
        b.items.entry("E2.1".into()).or_default().insert(None, 2);
        b.pairs.insert(
            ("E1.1".into(), "E2.1".into()),
            PairMoments {
                n: 1,
                sum_a: 1.0,
                sum_b: 0.0,
                sum_ab: 0.0,
            },
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

/// Packs a slice kept by layout positions, in the same format as [`pack`].
pub fn pack_dense(layout: &Layout, d: &Dense) -> Vec<u8> {
    let codes = layout.codes();
    let mut cells: Vec<(u16, i16, i64)> = Vec::new();
    layout.each_cell(d, |item, v, n| {
        cells.push((item as u16, v.unwrap_or(NO_OPINION), n))
    });
    let mut pairs: Vec<(u16, u16, PairMoments)> = Vec::new();
    layout.each_pair(d, |a, b, m| {
        if let (Some(ia), Some(ib)) = (layout.scored_item(a), layout.scored_item(b)) {
            pairs.push((ia as u16, ib as u16, m));
        }
    });
    let mut out = Vec::with_capacity(codes.len() * 8 + cells.len() * 12 + pairs.len() * 36 + 10);
    out.extend_from_slice(&(codes.len() as u16).to_le_bytes());
    for c in codes {
        out.extend_from_slice(&(c.len() as u16).to_le_bytes());
        out.extend_from_slice(c.as_bytes());
    }
    out.extend_from_slice(&(cells.len() as u32).to_le_bytes());
    for (i, v, n) in &cells {
        out.extend_from_slice(&i.to_le_bytes());
        out.extend_from_slice(&v.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
    }
    out.extend_from_slice(&(pairs.len() as u32).to_le_bytes());
    for (a, b, m) in &pairs {
        out.extend_from_slice(&a.to_le_bytes());
        out.extend_from_slice(&b.to_le_bytes());
        out.extend_from_slice(&m.n.to_le_bytes());
        for x in [m.sum_a, m.sum_b, m.sum_ab] {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
    out
}

/// Adds a packed slice into `d` by the layout's positions. None, with `d` untouched, when the
/// bytes are unreadable or name an item the layout does not place (a slice of another
/// version): the string-keyed [`merge`] handles those.
pub fn unpack_dense(bytes: &[u8], layout: &Layout, d: &mut Dense) -> Option<()> {
    if bytes.is_empty() {
        return Some(());
    }
    let mut staged = layout.empty();
    let mut r = Reader { bytes };
    let positions: Vec<usize> = (0..r.u16()?)
        .map(|_| {
            let len = r.u16()? as usize;
            layout.position(std::str::from_utf8(r.take(len)?).ok()?)
        })
        .collect::<Option<_>>()?;
    for _ in 0..r.u32()? {
        let (i, v, n) = (r.u16()?, r.i16()?, r.i64()?);
        let item = *positions.get(i as usize)?;
        layout
            .add_count(&mut staged, item, (v != NO_OPINION).then_some(v), n)
            .then_some(())?;
    }
    for _ in 0..r.u32()? {
        let (a, b) = (r.u16()?, r.u16()?);
        let m = PairMoments {
            n: r.i64()?,
            sum_a: r.f64()?,
            sum_b: r.f64()?,
            sum_ab: r.f64()?,
        };
        let (a, b) = (*positions.get(a as usize)?, *positions.get(b as usize)?);
        layout.add_pair(&mut staged, a, b, &m).then_some(())?;
    }
    if !r.bytes.is_empty() {
        return None;
    }
    d.add(&staged);
    Some(())
}

#[cfg(test)]
mod dense_tests {
    use super::*;
    use crate::survey::parse_definition;

    #[test]
    fn dense_packing_agrees_with_the_string_keyed_one() {
        let s =
            parse_definition("c.toml", include_str!("../../surveys/sipas-counter.toml")).unwrap();
        let layout = Layout::new(&s);
        let mut d = Dense::default();
        for r in 0..20i16 {
            let answers: Vec<(String, Option<i16>)> = s
                .items()
                .enumerate()
                .map(|(j, i)| {
                    (
                        i.code.clone(),
                        ((r + j as i16) % 6 != 0).then_some(1 + (r + j as i16) % 5),
                    )
                })
                .collect();
            layout.add(&mut d, &layout.contribution(&answers, &BTreeMap::new()));
        }
        let t = Tallies {
            responses: 0,
            ..layout.tallies(&d)
        };
        let packed = pack_dense(&layout, &d);
        let mut back = Tallies::default();
        unpack_into(&packed, &mut back).unwrap();
        assert_eq!(back, t);
        // Merging a stored slice by positions equals the string-keyed merge.
        let mut twice = d.clone();
        unpack_dense(&pack(&t), &layout, &mut twice).unwrap();
        let mut expect = Tallies::default();
        unpack_into(&merge(&pack(&t), &t).unwrap(), &mut expect).unwrap();
        assert_eq!(
            Tallies {
                responses: 0,
                ..layout.tallies(&twice)
            },
            expect
        );
        // A slice naming an item this layout lacks is left to the string-keyed path.
        let mut foreign = Tallies::default();
        foreign
            .items
            .entry("X9".into())
            .or_default()
            .insert(Some(1), 1);
        let before = d.clone();
        assert!(unpack_dense(&pack(&foreign), &layout, &mut d).is_none());
        assert_eq!(d, before);
        assert!(unpack_dense(&packed[..7], &layout, &mut d).is_none());
    }
}

//! The stored form of one slice's counts: a compact binary layout, because the writer reads
//! and rewrites it on every commit and text formats cost more CPU than the database itself.
//!
//! Current layout: the bytes FF FF 02, then unsigned LEB128 varints: the number of items and,
//! per item, the length and UTF-8 bytes of its code; the number of cells, each (item, value
//! zigzag-coded, n zigzag-coded); the number of pairs, each (item a, item b, n zigzag-coded,
//! Σa, Σb, Σab). A sum that is a whole number from 0 to 2⁵² is written as the varint 2x (SIPAS
//! scores are 0 or 1, so most are), any other as the byte 01 and the 8 bytes of the f64. Value
//! −1 is "no opinion".
//!
//! Slices written before (little-endian, fixed width) are still read: u16 item count, then per
//! item a u16 length and its code; u32 count of cells as (u16 item, i16 value, i64 n); u32
//! count of pairs as (u16 a, u16 b, i64 n, f64 Σa, f64 Σb, f64 Σab). They are rewritten in the
//! current layout the next time they change.

use super::{Dense, Layout};
use crate::scoring::{PairMoments, Tallies};
use std::collections::BTreeMap;

const NO_OPINION: i16 = -1;

/// An answer's value as stored in a cell.
fn stored_value(v: Option<i16>) -> i16 {
    v.unwrap_or(NO_OPINION)
}

/// A cell's value as an answer.
pub(super) fn answer_value(v: i16) -> Option<i16> {
    (v != NO_OPINION).then_some(v)
}

/// Opens the current layout; a fixed-width slice starts with its item count, never FFFF.
const MAGIC: [u8; 3] = [0xFF, 0xFF, 2];

/// Whole sums below this are written as varints; every one is exact in an f64.
const WHOLE_LIMIT: f64 = (1u64 << 52) as f64;

/// One slice as read: item codes, then counts and pairs that refer to them by position.
#[derive(Default)]
pub(super) struct Decoded<'a> {
    pub(super) names: Vec<&'a str>,
    pub(super) cells: Vec<(u16, i16, i64)>,
    pub(super) pairs: Vec<(u16, u16, PairMoments)>,
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
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N).and_then(|b| b.try_into().ok())
    }
    fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_le_bytes)
    }
    fn i16(&mut self) -> Option<i16> {
        self.array().map(i16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn i64(&mut self) -> Option<i64> {
        self.array().map(i64::from_le_bytes)
    }
    fn f64(&mut self) -> Option<f64> {
        self.array().map(f64::from_le_bytes)
    }
    fn uvar(&mut self) -> Option<u64> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = *self.take(1)?.first()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    fn svar(&mut self) -> Option<i64> {
        let v = self.uvar()?;
        Some((v >> 1) as i64 ^ -((v & 1) as i64))
    }
    fn small(&mut self) -> Option<u16> {
        self.uvar().and_then(|v| u16::try_from(v).ok())
    }
    fn sum(&mut self) -> Option<f64> {
        match self.uvar()? {
            1 => self.f64(),
            v if v & 1 == 0 => Some((v >> 1) as f64),
            _ => None,
        }
    }
    fn name(&mut self, len: usize) -> Option<&'a str> {
        std::str::from_utf8(self.take(len)?).ok()
    }
}

/// Reads either layout; None when the bytes are not a whole slice.
pub(super) fn decode(bytes: &[u8]) -> Option<Decoded<'_>> {
    let mut d = Decoded::default();
    if bytes.is_empty() {
        return Some(d);
    }
    let mut r = Reader { bytes };
    if bytes.starts_with(&MAGIC) {
        r.take(MAGIC.len())?;
        for _ in 0..r.uvar()? {
            let len = r.uvar()? as usize;
            d.names.push(r.name(len)?);
        }
        for _ in 0..r.uvar()? {
            let (i, v, n) = (r.small()?, r.svar()?, r.svar()?);
            d.cells.push((i, i16::try_from(v).ok()?, n));
        }
        for _ in 0..r.uvar()? {
            let (a, b, n) = (r.small()?, r.small()?, r.svar()?);
            let (sum_a, sum_b, sum_ab) = (r.sum()?, r.sum()?, r.sum()?);
            d.pairs.push((
                a,
                b,
                PairMoments {
                    n,
                    sum_a,
                    sum_b,
                    sum_ab,
                },
            ));
        }
    } else {
        for _ in 0..r.u16()? {
            let len = r.u16()? as usize;
            d.names.push(r.name(len)?);
        }
        for _ in 0..r.u32()? {
            d.cells.push((r.u16()?, r.i16()?, r.i64()?));
        }
        for _ in 0..r.u32()? {
            let (a, b) = (r.u16()?, r.u16()?);
            let m = PairMoments {
                n: r.i64()?,
                sum_a: r.f64()?,
                sum_b: r.f64()?,
                sum_ab: r.f64()?,
            };
            d.pairs.push((a, b, m));
        }
    }
    let names = d.names.len();
    let known = |i: u16| usize::from(i) < names;
    let refs_ok =
        d.cells.iter().all(|c| known(c.0)) && d.pairs.iter().all(|p| known(p.0) && known(p.1));
    (r.bytes.is_empty() && refs_ok).then_some(d)
}

fn put_uvar(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7F) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_svar(out: &mut Vec<u8>, v: i64) {
    put_uvar(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn put_sum(out: &mut Vec<u8>, x: f64) {
    if x.fract() == 0.0 && (0.0..WHOLE_LIMIT).contains(&x) {
        put_uvar(out, (x as u64) << 1);
    } else {
        out.push(1);
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// Writes the current layout.
fn encode<S: AsRef<str>>(
    names: &[S],
    cells: &[(u16, i16, i64)],
    pairs: &[(u16, u16, PairMoments)],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(16 + names.len() * 8 + cells.len() * 5 + pairs.len() * 16);
    out.extend_from_slice(&MAGIC);
    put_uvar(&mut out, names.len() as u64);
    for n in names {
        put_uvar(&mut out, n.as_ref().len() as u64);
        out.extend_from_slice(n.as_ref().as_bytes());
    }
    put_uvar(&mut out, cells.len() as u64);
    for (i, v, n) in cells {
        put_uvar(&mut out, u64::from(*i));
        put_svar(&mut out, i64::from(*v));
        put_svar(&mut out, *n);
    }
    put_uvar(&mut out, pairs.len() as u64);
    for (a, b, m) in pairs {
        put_uvar(&mut out, u64::from(*a));
        put_uvar(&mut out, u64::from(*b));
        put_svar(&mut out, m.n);
        for x in [m.sum_a, m.sum_b, m.sum_ab] {
            put_sum(&mut out, x);
        }
    }
    out
}

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

/// Packs a slice kept by layout positions, in the same format as [`pack`].
pub fn pack_dense(layout: &Layout, d: &Dense) -> Vec<u8> {
    let mut cells: Vec<(u16, i16, i64)> = Vec::new();
    layout.each_cell(d, |item, v, n| {
        cells.push((item as u16, stored_value(v), n))
    });
    let mut pairs: Vec<(u16, u16, PairMoments)> = Vec::new();
    layout.each_pair(d, |a, b, m| {
        if let (Some(ia), Some(ib)) = (layout.scored_item(a), layout.scored_item(b)) {
            pairs.push((ia as u16, ib as u16, m));
        }
    });
    encode(layout.codes(), &cells, &pairs)
}

/// Adds a packed slice into `d` by the layout's positions. None, with `d` untouched, when the
/// bytes are unreadable or name an item the layout does not place (a slice of another
/// version): the string-keyed [`merge`] handles those.
pub fn unpack_dense(bytes: &[u8], layout: &Layout, d: &mut Dense) -> Option<()> {
    let decoded = decode(bytes)?;
    if decoded.names.is_empty() {
        return Some(());
    }
    let positions: Vec<usize> = decoded
        .names
        .iter()
        .map(|n| layout.position(n))
        .collect::<Option<_>>()?;
    let mut staged = layout.empty();
    for (i, v, n) in &decoded.cells {
        let item = *positions.get(usize::from(*i))?;
        layout
            .add_count(&mut staged, item, answer_value(*v), *n)
            .then_some(())?;
    }
    for (a, b, m) in &decoded.pairs {
        let at = |k: u16| positions.get(usize::from(k)).copied();
        let (a, b) = (at(*a)?, at(*b)?);
        layout.add_pair(&mut staged, a, b, m).then_some(())?;
    }
    d.add(&staged);
    Some(())
}

/// A stored slice with `delta` added, packed again: by the layout's positions when the slice
/// fits it, else by item code (a slice of another version). None when the stored bytes are
/// not a slice: the caller must not overwrite what it cannot read.
pub fn add_dense(stored: &[u8], layout: &Layout, delta: &Dense) -> Option<Vec<u8>> {
    let mut sum = delta.clone();
    if unpack_dense(stored, layout, &mut sum).is_some() {
        return Some(pack_dense(layout, &sum));
    }
    merge(stored, &layout.tallies(delta))
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

#[cfg(test)]
mod merge_tests {
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
        let mut t = Tallies::default();
        t.items
            .entry("E1.1".into())
            .or_default()
            .insert(Some(4), 300);
        t.items.entry("E1.1".into()).or_default().insert(None, 2);
        t.items
            .entry("E1.2".into())
            .or_default()
            .insert(Some(-3), 1);
        t.pairs.insert(
            ("E1.1".into(), "E1.2".into()),
            PairMoments {
                n: 301,
                sum_a: 250.0,
                sum_b: 0.375,
                sum_ab: 1e300,
            },
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
        // Adding to a slice: the sum when the stored bytes are readable, nothing otherwise.
        let mut sum = Dense::default();
        unpack_dense(&add_dense(&packed, &layout, &d).unwrap(), &layout, &mut sum).unwrap();
        let mut expect = d.clone();
        expect.add(&d);
        assert!(sum.same_counts(&expect));
        assert!(add_dense(&packed[..7], &layout, &d).is_none());
    }
}

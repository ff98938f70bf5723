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

mod dense;
mod tallies;

pub use dense::{add_dense, add_dense_keeping, pack_dense, unpack_dense};
pub use tallies::{merge, pack, unpack_into};

use crate::scoring::PairMoments;

pub(super) const NO_OPINION: i16 = -1;

/// An answer's value as stored in a cell.
pub(super) fn stored_value(v: Option<i16>) -> i16 {
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

pub(super) struct Reader<'a> {
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

pub(super) fn put_uvar(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7F) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn put_svar(out: &mut Vec<u8>, v: i64) {
    put_uvar(out, ((v << 1) ^ (v >> 63)) as u64);
}

pub(super) fn put_sum(out: &mut Vec<u8>, x: f64) {
    if x.fract() == 0.0 && (0.0..WHOLE_LIMIT).contains(&x) {
        put_uvar(out, (x as u64) << 1);
    } else {
        out.push(1);
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// Writes the current layout.
pub(super) fn encode<S: AsRef<str>>(
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

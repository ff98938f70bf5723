//! Slices kept by a survey layout's positions, packed in the same format as item-keyed ones.

use super::tallies::merge;
use super::{answer_value, decode, encode, stored_value};
use crate::counts::{Dense, Layout};
use crate::profile::{span, Phase};
use crate::scoring::PairMoments;
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
    add_dense_keeping(stored, None, layout, delta).map(|(bytes, _)| bytes)
}

/// [`add_dense`], given the stored slice already decoded when the caller kept it (`known`,
/// which must be what `stored` reads as), and handing back the sum exactly as its packed
/// bytes read (None for a slice of another version), for the caller to keep.
pub fn add_dense_keeping(
    stored: &[u8],
    known: Option<&Dense>,
    layout: &Layout,
    delta: &Dense,
) -> Option<(Vec<u8>, Option<Dense>)> {
    let mut sum = delta.clone();
    match known {
        Some(k) => sum.add(k),
        None => {
            let _decoding = span(Phase::Decode);
            if unpack_dense(stored, layout, &mut sum).is_none() {
                return merge(stored, &layout.tallies(delta)).map(|b| (b, None));
            }
        }
    }
    let _encoding = span(Phase::Encode);
    sum.keep_packed();
    let bytes = pack_dense(layout, &sum);
    Some((bytes, Some(sum)))
}

#[cfg(test)]
mod dense_tests {
    use super::super::tallies::{pack, unpack_into};
    use super::*;
    use crate::scoring::Tallies;
    use crate::survey::parse_definition;
    use std::collections::BTreeMap;

    #[test]
    fn dense_packing_agrees_with_the_string_keyed_one() {
        let s = parse_definition(
            "c.toml",
            include_str!("../../../surveys/sipas-counter.toml"),
        )
        .unwrap();
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

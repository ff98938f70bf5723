//! The recount's verdict: counts rebuilt from the answers against the counts kept on insert.

use super::{packed, Deltas, Dense, Layouts, SliceKey};
use crate::scoring::{sums_agree, Tallies};
use std::collections::{BTreeMap, BTreeSet};

/// One line per slice whose kept counts disagree with the rebuilt ones: items and pairs per
/// slice (`kept_slices`, still packed), responses per slice and channel (`kept_responses`).
pub fn differences(
    layouts: &Layouts,
    rebuilt: &Deltas,
    kept_slices: &BTreeMap<SliceKey, Vec<u8>>,
    kept_responses: &BTreeMap<SliceKey, i64>,
) -> Vec<String> {
    let mut out = Vec::new();
    let keys: BTreeSet<&SliceKey> = rebuilt.slices.keys().chain(kept_slices.keys()).collect();
    for key in keys {
        let bytes = kept_slices.get(key).map(Vec::as_slice).unwrap_or_default();
        match slice_agrees(layouts, key, rebuilt.slices.get(key), bytes) {
            Some(true) => {}
            Some(false) => out.push(format!(
                "{key}: item or pair counts differ from the answers"
            )),
            None => out.push(format!("{key}: stored counts are unreadable")),
        }
    }
    let keys: BTreeSet<&SliceKey> = rebuilt
        .responses
        .keys()
        .chain(kept_responses.keys())
        .collect();
    for key in keys {
        let x = rebuilt.responses.get(key).copied().unwrap_or(0);
        let y = kept_responses.get(key).copied().unwrap_or(0);
        if x != y {
            out.push(format!(
                "{key} channel {}: answers give {x} responses, counts say {y}",
                key.channel
            ));
        }
    }
    out
}

/// Whether a kept slice holds the rebuilt item and pair counts; None when its bytes are
/// unreadable.
fn slice_agrees(
    layouts: &Layouts,
    key: &SliceKey,
    rebuilt: Option<&Dense>,
    kept: &[u8],
) -> Option<bool> {
    let layout = layouts.get(&key.survey_id);
    let empty = Dense::default();
    // By position when the kept slice fits the layout: thousands of day slices cannot each
    // afford maps of strings. Otherwise by item code.
    if let Some(l) = layout {
        let mut d = Dense::default();
        if packed::unpack_dense(kept, l, &mut d).is_some() {
            return Some(rebuilt.unwrap_or(&empty).same_counts(&d));
        }
    }
    let mut kept_tallies = Tallies::default();
    packed::unpack_into(kept, &mut kept_tallies)?;
    let rebuilt = match (rebuilt, layout) {
        (Some(d), Some(l)) => l.tallies(d),
        _ => Tallies::default(),
    };
    Some(same(
        &Tallies {
            responses: 0,
            ..rebuilt
        },
        &Tallies {
            responses: 0,
            ..kept_tallies
        },
    ))
}

/// Whether two tallies hold the same counts; sums of scores may differ in the last bits.
pub fn same(x: &Tallies, y: &Tallies) -> bool {
    x.responses == y.responses
        && x.items == y.items
        && x.pairs.len() == y.pairs.len()
        && x.pairs.iter().all(|(k, m)| {
            y.pairs.get(k).is_some_and(|n| {
                m.n == n.n
                    && sums_agree(m.sum_a, n.sum_a)
                    && sums_agree(m.sum_b, n.sum_b)
                    && sums_agree(m.sum_ab, n.sum_ab)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::parse_definition;

    #[test]
    fn agreeing_drifted_and_unreadable_slices() {
        let s =
            parse_definition("c.toml", include_str!("../../surveys/sipas-counter.toml")).unwrap();
        let layouts = Layouts::from_surveys([&s]);
        let layout = layouts.get(&s.id).unwrap();
        let answers: Vec<(String, Option<i16>)> =
            s.items().map(|i| (i.code.clone(), Some(4))).collect();
        let c = layout.contribution(&answers, &BTreeMap::new());
        let key = SliceKey {
            survey_id: s.id.clone(),
            survey_version: s.version.clone(),
            unit_code: "NK".into(),
            period: 2026,
            day: "2026-05-04".into(),
            respondent_group: String::new(),
            channel: "api".into(),
            field: String::new(),
        };
        let mut rebuilt = Deltas::default();
        rebuilt.add(layout, key.clone(), &c);
        let kept_slices: BTreeMap<SliceKey, Vec<u8>> = rebuilt
            .slices
            .iter()
            .map(|(k, d)| (k.clone(), packed::pack_dense(layout, d)))
            .collect();
        let kept_responses = rebuilt.responses.clone();
        assert!(differences(&layouts, &rebuilt, &kept_slices, &kept_responses).is_empty());

        let mut drifted = kept_responses.clone();
        drifted.insert(key.clone(), 3);
        let found = differences(&layouts, &rebuilt, &kept_slices, &drifted);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("answers give 1 responses, counts say 3"));

        let mut broken = kept_slices.clone();
        broken.insert(key.without_channel(), vec![0xFF, 0xFF, 2, 0x80]);
        let found = differences(&layouts, &rebuilt, &broken, &kept_responses);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("unit NK 2026-05-04 group '': stored counts are unreadable"));
    }
}

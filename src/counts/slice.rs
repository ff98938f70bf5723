//! Slices: the keys counts are kept under, and what a batch of responses adds to them.

use super::{Contribution, Dense, Layout};
use std::collections::BTreeMap;
use std::fmt;

/// The day of the rows that hold a whole period's counts.
pub const ROLLUP_DAY: &str = "";

/// The slice a response is counted under.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SliceKey {
    pub survey_id: String,
    pub survey_version: String,
    pub unit_code: String,
    pub period: i32,
    pub day: String,
    /// "" for surveys without respondent groups.
    pub respondent_group: String,
    pub channel: String,
}

impl SliceKey {
    /// The same slice for the whole period.
    pub fn rollup(&self) -> SliceKey {
        SliceKey {
            day: ROLLUP_DAY.to_string(),
            ..self.clone()
        }
    }

    /// The same slice over all channels: items and pairs are kept per slice, responses per
    /// slice and channel.
    pub fn without_channel(&self) -> SliceKey {
        SliceKey {
            channel: String::new(),
            ..self.clone()
        }
    }
}

/// The slice as operators read it: survey, period, version, unit, day and group.
impl fmt::Display for SliceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = if self.day == ROLLUP_DAY {
            "whole period"
        } else {
            self.day.as_str()
        };
        write!(
            f,
            "{} {} {} unit {} {day} group '{}'",
            self.survey_id, self.period, self.survey_version, self.unit_code, self.respondent_group
        )
    }
}

/// What a batch adds to the running counts: items and pairs per slice (channel ""), and
/// responses per slice and channel. Each response counts in its day and its period's rollup.
#[derive(Default)]
pub struct Deltas {
    pub slices: BTreeMap<SliceKey, Dense>,
    pub responses: BTreeMap<SliceKey, i64>,
}

impl Deltas {
    /// Adds one response, keyed with its channel, to its day slice and its period rollup.
    pub fn add(&mut self, layout: &Layout, key: SliceKey, c: &Contribution) {
        self.add_with(key, 1, |slice| layout.add(slice, c));
    }

    /// Takes one response, counted before under `key`, back out of its day and its period.
    pub fn remove(&mut self, layout: &Layout, key: SliceKey, c: &Contribution) {
        self.add_with(key, -1, |slice| layout.subtract(slice, c));
    }

    /// Counts `n` responses under `key` (with its channel) in its day and its period rollup;
    /// `fill` adds their items and pairs to each of the two slices.
    pub fn add_with(&mut self, key: SliceKey, n: i64, mut fill: impl FnMut(&mut Dense)) {
        for k in [key.rollup(), key] {
            fill(self.slices.entry(k.without_channel()).or_default());
            *self.responses.entry(k).or_default() += n;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_counts_in_its_day_and_its_period() {
        let key = SliceKey {
            survey_id: "s".into(),
            survey_version: "1".into(),
            unit_code: "NK".into(),
            period: 2026,
            day: "2026-05-04".into(),
            respondent_group: String::new(),
            channel: "api".into(),
        };
        let mut d = Deltas::default();
        d.add_with(key.clone(), 2, |slice| slice.responses += 2);
        assert_eq!(d.responses.get(&key), Some(&2));
        assert_eq!(d.responses.get(&key.rollup()), Some(&2));
        assert_eq!(d.slices.len(), 2);
        assert!(d.slices.contains_key(&key.rollup().without_channel()));
        assert_eq!(
            key.rollup().to_string(),
            "s 2026 1 unit NK whole period group ''"
        );
    }
}

//! Slices: the keys counts are kept under, and what a batch of responses adds to them.

use super::{Contribution, Dense, Layout};
use std::collections::BTreeMap;
use std::fmt;

/// The day of the rows that hold a whole period's counts.
pub const ROLLUP_DAY: &str = "";

/// The background question that names a SIPAS visit's field of procedure (lĩnh vực).
pub const FIELD_QUESTION: &str = "linh_vuc";

/// The unit of the breakdown rows that hold every unit together (the whole city, on any map).
pub const ALL_UNITS: &str = "*";

/// Breakdown rows sit beside the day and period rows under a `day` that cannot be a date
/// (`#` sorts before every digit, so a range of days never takes them in):
/// `#m:YYYY-MM` holds a month, `#fc:FIELD|CHANNEL` the whole period's answers of one field of
/// procedure through one channel. Each is kept per unit and for [`ALL_UNITS`], so that a page
/// reads a dozen rows for the city, never the raw answers.
pub const MONTH_BUCKET: &str = "#m:";
pub const FIELD_CHANNEL_BUCKET: &str = "#fc:";

/// The first and past-the-last `day` of a kind of bucket: rows with `first <= day < end`.
pub fn bucket_range(prefix: &str) -> (String, String) {
    let mut end = prefix.to_string();
    if let Some(last) = end.pop() {
        end.push(char::from_u32(last as u32 + 1).unwrap_or(last));
    }
    (prefix.to_string(), end)
}

/// The field and channel of a `#fc:` bucket's value.
pub fn split_field_channel(value: &str) -> (&str, &str) {
    value.split_once('|').unwrap_or((value, ""))
}

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
    /// The response's field of procedure ([`FIELD_QUESTION`]), "" where it has none. Not a
    /// column: it only chooses the response's `#fc:` breakdown rows.
    pub field: String,
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

    /// Every row a response of this key counts in: its day and its period (its own unit),
    /// and its month and its field and channel (its unit and [`ALL_UNITS`]). A response with
    /// no day (an answer through a campaign's link, whose day would tie it to its person)
    /// counts in its period and its field and channel only.
    fn rows(&self) -> Vec<SliceKey> {
        let plain = SliceKey {
            field: String::new(),
            ..self.clone()
        };
        let mut out = vec![plain.rollup()];
        if self.day != ROLLUP_DAY {
            out.push(plain.clone());
        }
        let mut buckets = Vec::with_capacity(2);
        if let Some(month) = self.day.get(..7) {
            buckets.push(format!("{MONTH_BUCKET}{month}"));
        }
        buckets.push(format!(
            "{FIELD_CHANNEL_BUCKET}{}|{}",
            self.field, self.channel
        ));
        for day in buckets {
            for unit in [self.unit_code.as_str(), ALL_UNITS] {
                out.push(SliceKey {
                    day: day.clone(),
                    unit_code: unit.to_string(),
                    ..plain.clone()
                });
            }
        }
        out
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

    /// Counts `n` responses under `key` (with its channel) in its day and its period rollup,
    /// and in its breakdown rows; `fill` adds their items and pairs to each of the slices.
    pub fn add_with(&mut self, key: SliceKey, n: i64, mut fill: impl FnMut(&mut Dense)) {
        for k in key.rows() {
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
    fn a_response_without_a_day_counts_in_its_period_only_once() {
        let key = SliceKey {
            survey_id: "s".into(),
            survey_version: "v".into(),
            unit_code: "U".into(),
            period: 2026,
            day: String::new(),
            respondent_group: "g".into(),
            channel: "invitation".into(),
            field: String::new(),
        };
        let mut d = Deltas::default();
        d.add_with(key, 1, |_| {});
        let mut days: Vec<&str> = d.responses.keys().map(|k| k.day.as_str()).collect();
        days.sort_unstable();
        assert_eq!(days, ["", "#fc:|invitation", "#fc:|invitation"], "{days:?}");
        assert!(d.responses.values().all(|n| *n == 1));
    }

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
            field: "ho_tich".into(),
        };
        let mut d = Deltas::default();
        d.add_with(key.clone(), 2, |slice| slice.responses += 2);
        let plain = SliceKey {
            field: String::new(),
            ..key.clone()
        };
        assert_eq!(d.responses.get(&plain), Some(&2));
        assert_eq!(d.responses.get(&plain.rollup()), Some(&2));
        // Day, period, and month and field-channel rows of the unit and of every unit.
        assert_eq!(d.slices.len(), 6);
        assert!(d.slices.contains_key(&plain.rollup().without_channel()));
        let days: Vec<(&str, &str)> = d
            .slices
            .keys()
            .map(|k| (k.unit_code.as_str(), k.day.as_str()))
            .collect();
        for want in [
            ("NK", "#m:2026-05"),
            ("*", "#m:2026-05"),
            ("NK", "#fc:ho_tich|api"),
            ("*", "#fc:ho_tich|api"),
        ] {
            assert!(days.contains(&want), "{want:?} in {days:?}");
        }
        assert!(d.slices.keys().all(|k| k.field.is_empty()));
        assert_eq!(bucket_range("#m:"), ("#m:".to_string(), "#m;".to_string()));
        assert_eq!(
            plain.rollup().to_string(),
            "s 2026 1 unit NK whole period group ''"
        );
    }
}

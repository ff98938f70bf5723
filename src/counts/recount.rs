//! A recount's own counting: responses read back from the database, added up per slice.

use super::{Contribution, Deltas, Dense, FastMap, Layouts, SliceKey};
use std::collections::BTreeMap;

/// What one reader rebuilt: items, pairs and responses per slice with its channel (rollups
/// and channel-free slices are derived at the end, once, instead of per response).
#[derive(Default)]
pub struct Partial {
    pub responses: i64,
    slices: FastMap<SliceKey, Dense>,
    pub differences: Vec<String>,
    /// Reused from one response to the next.
    contribution: Contribution,
}

/// One response as read back.
pub struct ReadResponse<'r, 'a> {
    pub id: &'r str,
    pub key: SliceKey,
    /// Its answers as the database aggregated them, "code:value;code:value…" with "" for
    /// "no opinion"; None when it has none.
    pub answers: Option<&'a str>,
    /// The background, as stored (JSON).
    pub background: &'r str,
}

impl Partial {
    /// Counts one response. `parsed` is a buffer reused from one response to the next.
    pub fn add<'a>(
        &mut self,
        layouts: &Layouts,
        r: ReadResponse<'_, 'a>,
        parsed: &mut Vec<(&'a str, Option<i16>)>,
    ) {
        self.responses += 1;
        let Some(layout) = layouts.get(&r.key.survey_id) else {
            self.differences.push(format!(
                "response {}: survey '{}' is no longer defined; not counted",
                r.id, r.key.survey_id
            ));
            return;
        };
        parsed.clear();
        if r.answers
            .is_some_and(|a| parse_answers(a, parsed).is_none())
        {
            self.differences.push(format!(
                "response {}: an answer's value is not a number",
                r.id
            ));
            return;
        }
        let background: BTreeMap<String, String> = if layout.has_conditions() {
            serde_json::from_str(r.background).unwrap_or_default()
        } else {
            BTreeMap::new()
        };
        layout.contribution_into(&mut self.contribution, parsed, &background);
        layout.add(self.slices.entry(r.key).or_default(), &self.contribution);
    }

    pub fn merge(&mut self, other: Partial) {
        self.responses += other.responses;
        self.differences.extend(other.differences);
        for (k, d) in other.slices {
            match self.slices.get_mut(&k) {
                Some(mine) => mine.add(&d),
                None => {
                    self.slices.insert(k, d);
                }
            }
        }
    }

    /// The rebuilt counts in the shape the writer keeps them. Consumed slice by slice, so
    /// that each one is freed once it is counted.
    pub fn into_deltas(self, layouts: &Layouts) -> Deltas {
        let mut out = Deltas::default();
        for (key, d) in self.slices {
            if layouts.get(&key.survey_id).is_some() {
                out.add_with(key, d.responses, |slice| slice.add(&d));
            }
        }
        out
    }
}

/// [`super::FIELD_QUESTION`] as a key of a JSON object.
const FIELD_KEY: &str = "\"linh_vuc\":\"";

/// The field of procedure in a stored background (a JSON object of codes), "" where it has
/// none: found by its key rather than parsed, as a recount reads a million of them.
pub fn field_in(background: &str) -> &str {
    let key = FIELD_KEY;
    let Some(at) = background.find(key) else {
        return "";
    };
    let rest = &background[at + key.len()..];
    match rest.find(['"', '\\']) {
        Some(end) if rest.as_bytes().get(end) == Some(&b'"') => &rest[..end],
        _ => "",
    }
}

/// Reads "code:value;code:value…" into `out`; None when a value is not a number.
fn parse_answers<'a>(answers: &'a str, out: &mut Vec<(&'a str, Option<i16>)>) -> Option<()> {
    for a in answers.split(';') {
        let (code, value) = a.rsplit_once(':')?;
        let value = if value.is_empty() {
            None
        } else {
            Some(value.parse().ok()?)
        };
        out.push((code, value));
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_field_is_found_in_a_stored_background() {
        assert_eq!(
            field_in(r#"{"do_tuoi":"18-24","linh_vuc":"ho_tich"}"#),
            "ho_tich"
        );
        assert_eq!(field_in(r#"{"do_tuoi":"18-24"}"#), "");
        assert_eq!(field_in(r#"{"linh_vuc":"a\"b"}"#), "");
        assert_eq!(field_in(""), "");
        assert_eq!(
            FIELD_KEY,
            format!("\"{}\":\"", crate::counts::FIELD_QUESTION)
        );
    }

    #[test]
    fn aggregated_answers_are_read_back() {
        let mut out = Vec::new();
        parse_answers("E1.1:4;E1.2:;E2.1:-3", &mut out).unwrap();
        assert_eq!(
            out,
            vec![("E1.1", Some(4)), ("E1.2", None), ("E2.1", Some(-3))]
        );
        out.clear();
        assert!(parse_answers("E1.1:x", &mut out).is_none());
        assert!(parse_answers("E1.1", &mut Vec::new()).is_none());
    }
}

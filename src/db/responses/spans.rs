//! Reading responses' answer rows by the span of numbers each response keeps: answers are
//! appended as they are stored, so a response's rows are a range of the table's key and no
//! index on the response id is kept (it put every answer at a random place of it).

use super::{answers, responses, AnswerSpan};
use crate::db::AnyConnection;
use diesel::prelude::*;
use std::collections::HashMap;

/// Ranges of numbers read by one query; each becomes a term of its `WHERE`.
const RANGES_PER_QUERY: usize = 400;

/// One response's answers, as (item code, value).
pub type AnswerValues = Vec<(String, Option<i16>)>;

/// The answers of each response in `wanted` (its id and span), in item code order, by id. A
/// response without answers is absent. Spans that touch are read as one range, and a row is
/// kept only under its own id and within that id's span (another server's answers, or another
/// response's, may lie in a range read).
pub fn answers_of(
    conn: &mut AnyConnection,
    wanted: &[(&str, AnswerSpan)],
) -> QueryResult<HashMap<String, AnswerValues>> {
    let spans: HashMap<&str, (i64, i64)> = (wanted.iter())
        .filter_map(|(id, span)| Some((*id, (span.0?, span.1?))))
        .collect();
    let mut out: HashMap<String, AnswerValues> = HashMap::new();
    for chunk in ranges(wanted).chunks(RANGES_PER_QUERY) {
        let mut q = answers::table
            .select((
                answers::seq,
                answers::response_id,
                answers::item_code,
                answers::value,
            ))
            .into_boxed();
        for &(from, to) in chunk {
            q = q.or_filter(answers::seq.between(from, to));
        }
        for (seq, id, item, value) in q.load::<(i64, String, String, Option<i16>)>(conn)? {
            let own = spans.get(id.as_str());
            if own.is_some_and(|&(from, to)| (from..=to).contains(&seq)) {
                out.entry(id).or_default().push((item, value));
            }
        }
    }
    for answers in out.values_mut() {
        answers.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    }
    Ok(out)
}

/// What tests check after crashes, two servers and upgrades: the responses whose answer rows,
/// found by their span, are not the answers their row lists, and how many answer rows belong
/// to no response's span. Reads every response and every answer.
pub fn rows_disagreeing(conn: &mut AnyConnection) -> QueryResult<(Vec<String>, usize)> {
    type Head = (String, String, Option<i64>, Option<i64>);
    let heads: Vec<Head> = responses::table
        .select((
            responses::id,
            responses::answer_list,
            responses::answers_from,
            responses::answers_to,
        ))
        .load(conn)?;
    let mut wrong = Vec::new();
    let mut found = 0;
    for chunk in heads.chunks(1000) {
        let wanted: Vec<(&str, AnswerSpan)> = (chunk.iter())
            .map(|(id, _, from, to)| (id.as_str(), (*from, *to)))
            .collect();
        let mut rows = answers_of(conn, &wanted)?;
        for (id, list, ..) in chunk {
            let own = rows.remove(id).unwrap_or_default();
            found += own.len();
            if crate::db::export::answer_list(&own) != *list {
                wrong.push(id.clone());
            }
        }
    }
    let stored: i64 = answers::table.count().get_result(conn)?;
    Ok((wrong, (stored as usize).saturating_sub(found)))
}

/// The spans of `wanted`, ascending, those that overlap or touch merged.
fn ranges(wanted: &[(&str, AnswerSpan)]) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = (wanted.iter())
        .filter_map(|(_, span)| Some((span.0?, span.1?)))
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for (from, to) in spans {
        match merged.last_mut() {
            Some(last) if from <= last.1 + 1 => last.1 = last.1.max(to),
            _ => merged.push((from, to)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::ranges;

    #[test]
    fn spans_that_touch_or_overlap_are_read_as_one_range() {
        let wanted = [
            ("c", (Some(20), Some(29))),
            ("a", (Some(1), Some(10))),
            ("none", (None, None)),
            ("b", (Some(11), Some(15))),
            // Interleaved with another server's: inside a range already read.
            ("d", (Some(21), Some(40))),
        ];
        assert_eq!(ranges(&wanted), vec![(1, 15), (20, 40)]);
        assert!(ranges(&[]).is_empty());
    }
}

//! Responses once stored: counted, replaced by a correction, moved between statuses, read
//! back, and unsealed.

use super::spans::answers_of;
use super::{
    answers, insert_answers, number_answers, responses, AnswerRows, AnswerSpan, Pending, RECEIVED,
    SEALED,
};
use crate::counts::{Deltas, Layouts, SliceKey};
use crate::db::{counts, write_transaction, AnyConnection, DbError};
use diesel::prelude::*;

/// Number of stored responses (all surveys), for status pages and tests.
pub fn count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(responses::table.count().get_result(conn)?)
}

/// Inside a write transaction: replaces a stored response's answers with `new` (a paper form
/// corrected after it was counted) and moves its counts: `old` out, `new` in.
pub fn replace(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    response_id: &str,
    old: &Pending,
    new: &Pending,
) -> Result<(), DbError> {
    let Some(layout) = layouts.get(&new.survey_id) else {
        return Err(diesel::result::Error::NotFound.into());
    };
    let (version, from, to): (String, Option<i64>, Option<i64>) = responses::table
        .find(response_id)
        .select((
            responses::survey_version,
            responses::answers_from,
            responses::answers_to,
        ))
        .first(conn)?;
    let mut rows = AnswerRows::default();
    rows.push(response_id, new);
    let numbered = number_answers(conn, &rows)?;
    let span = numbered.spans.first().copied().unwrap_or_default();
    // Responses, then answers: the order in which `recount --fix` locks them.
    diesel::update(responses::table.find(response_id))
        .set((
            responses::unit_code.eq(&new.unit),
            responses::day.eq(&new.day),
            responses::respondent_group.eq(new.valid.group.as_deref()),
            responses::background
                .eq(serde_json::to_string(&new.valid.background).unwrap_or_default()),
            responses::comments.eq(serde_json::to_string(&new.valid.comments).unwrap_or_default()),
            responses::status.eq(&new.status),
            responses::answer_list.eq(crate::db::export::answer_list(&new.valid.answers)),
            responses::answers_from.eq(span.0),
            responses::answers_to.eq(span.1),
        ))
        .execute(conn)?;
    if let (Some(from), Some(to)) = (from, to) {
        diesel::delete(
            answers::table
                .filter(answers::seq.between(from, to))
                .filter(answers::response_id.eq(response_id)),
        )
        .execute(conn)?;
    }
    insert_answers(conn, &rows, &numbered.numbers)?;
    let mut deltas = Deltas::default();
    deltas.remove(layout, old.slice(&version), &old.contribution);
    deltas.add(layout, new.slice(&version), &new.contribution);
    counts::add(conn, layouts, &deltas)
}

/// Inside a write transaction: sets a stored response's status (a counted paper form that a
/// second keying has since verified).
pub fn set_status(
    conn: &mut AnyConnection,
    response_id: &str,
    status: &str,
) -> Result<(), DbError> {
    diesel::update(responses::table.find(response_id))
        .set(responses::status.eq(status))
        .execute(conn)?;
    Ok(())
}

/// What one stored response holds, as stored.
#[derive(Debug, Clone)]
pub struct StoredValues {
    pub unit: String,
    pub day: String,
    pub group: Option<String>,
    pub status: String,
    /// JSON objects, as stored.
    pub background: String,
    pub comments: String,
    pub answers: Vec<(String, Option<i16>)>,
}

/// One response's values (a counted paper form about to be corrected).
pub fn values(conn: &mut AnyConnection, id: &str) -> Result<Option<StoredValues>, DbError> {
    type Head = (
        String,
        String,
        Option<String>,
        String,
        String,
        String,
        AnswerSpan,
    );
    let head: Option<Head> = responses::table
        .find(id)
        .select((
            responses::unit_code,
            responses::day,
            responses::respondent_group,
            responses::status,
            responses::background,
            responses::comments,
            (responses::answers_from, responses::answers_to),
        ))
        .first(conn)
        .optional()?;
    let Some((unit, day, group, status, background, comments, span)) = head else {
        return Ok(None);
    };
    let answers = answers_of(conn, &[(id, span)])?
        .remove(id)
        .unwrap_or_default();
    Ok(Some(StoredValues {
        unit,
        day,
        group,
        status,
        background,
        comments,
        answers,
    }))
}

/// The responses whose submission id is stored as sent (before they were kept keyed):
/// (response id, submission id).
pub fn plain_submission_ids(conn: &mut AnyConnection) -> Result<Vec<(String, String)>, DbError> {
    Ok(responses::table
        .filter(
            responses::submission_id
                .not_like(format!("{}%", crate::secrets::KEYED_SUBMISSION_PREFIX)),
        )
        .select((responses::id, responses::submission_id))
        .load(conn)?)
}

/// Sets the stored submission id of each (response id, stored id), in one transaction;
/// returns how many.
pub fn set_submission_ids(
    conn: &mut AnyConnection,
    stored: &[(String, String)],
) -> Result<usize, DbError> {
    if stored.is_empty() {
        return Ok(0);
    }
    write_transaction(conn, |conn| {
        for (id, sid) in stored {
            diesel::update(responses::table.find(id))
                .set(responses::submission_id.eq(sid))
                .execute(conn)?;
        }
        Ok(stored.len())
    })
}

/// A sealed response as read back to be counted.
#[derive(Queryable, Selectable)]
#[diesel(table_name = responses)]
struct SealedHead {
    id: String,
    survey_version: String,
    day: String,
    respondent_group: Option<String>,
    channel: String,
    background: String,
    answers_from: Option<i64>,
    answers_to: Option<i64>,
}

/// Inside a write transaction: adds every sealed answer of a survey, period and unit to the
/// counts and marks it received, once the last campaign holding it sealed has closed; returns
/// how many. What each adds is worked out from its stored answers, as the recount does.
pub fn unseal(
    conn: &mut AnyConnection,
    layouts: &Layouts,
    survey_id: &str,
    period: i32,
    unit: &str,
) -> Result<usize, DbError> {
    let sealed = || {
        responses::table
            .filter(responses::survey_id.eq(survey_id))
            .filter(responses::period.eq(period))
            .filter(responses::unit_code.eq(unit))
            .filter(responses::status.eq(SEALED))
    };
    let heads: Vec<SealedHead> = sealed()
        .order(responses::answers_from)
        .select(SealedHead::as_select())
        .load(conn)?;
    if heads.is_empty() {
        return Ok(0);
    }
    let Some(layout) = layouts.get(survey_id) else {
        return Err(diesel::result::Error::NotFound.into());
    };
    let mut deltas = Deltas::default();
    for chunk in heads.chunks(1000) {
        let wanted: Vec<(&str, AnswerSpan)> = (chunk.iter())
            .map(|h| (h.id.as_str(), (h.answers_from, h.answers_to)))
            .collect();
        let mut by_response = answers_of(conn, &wanted)?;
        for h in chunk {
            let answers = by_response.remove(&h.id).unwrap_or_default();
            let background: std::collections::BTreeMap<String, String> =
                serde_json::from_str(&h.background).unwrap_or_default();
            let key = SliceKey {
                survey_id: survey_id.to_string(),
                survey_version: h.survey_version.clone(),
                unit_code: unit.to_string(),
                period,
                day: h.day.clone(),
                respondent_group: h.respondent_group.clone().unwrap_or_default(),
                channel: h.channel.clone(),
                field: background
                    .get(crate::counts::FIELD_QUESTION)
                    .cloned()
                    .unwrap_or_default(),
            };
            deltas.add(layout, key, &layout.contribution(&answers, &background));
        }
    }
    counts::add(conn, layouts, &deltas)?;
    diesel::update(sealed())
        .set(responses::status.eq(RECEIVED))
        .execute(conn)?;
    Ok(heads.len())
}

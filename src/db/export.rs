//! Reading responses for an export: one page at a time by keyset (`id > last ORDER BY id`),
//! each page's answers in one query, so that an export of any size holds one page in memory.

use super::responses::SEALED;
use super::schema::responses;
use super::{AnyConnection, DbError};
use diesel::prelude::*;
use std::collections::HashMap;

/// Responses per page.
pub const PAGE: i64 = 5_000;

/// Which responses an export reads.
#[derive(Debug, Clone)]
pub struct ExportFilter {
    pub survey_id: String,
    pub period: i32,
    /// Only these units (a unit and everything below it); `None` = every unit.
    pub units: Option<Vec<String>>,
}

/// What an export reads of a response besides its answers.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = responses)]
pub struct ExportHead {
    pub id: String,
    pub unit_code: String,
    pub channel: String,
    pub period: i32,
    pub day: String,
    pub respondent_group: Option<String>,
    pub status: String,
    /// Background answers as a JSON object of option codes.
    pub background: String,
}

/// A response as stored: its head, and its answers as "code:value;code:value…" with an
/// empty value for "no opinion" (question codes hold neither separator: the loader checks).
#[derive(Debug)]
pub struct ExportedResponse {
    pub head: ExportHead,
    pub answers: Option<String>,
}

#[derive(QueryableByName)]
struct AnswerRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    response_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    answers: String,
}

/// How many responses the filter selects.
pub fn count(conn: &mut AnyConnection, f: &ExportFilter) -> Result<i64, DbError> {
    let mut q = responses::table
        .filter(responses::survey_id.eq(&f.survey_id))
        .filter(responses::period.eq(f.period))
        .filter(responses::status.ne(SEALED))
        .into_boxed();
    if let Some(units) = &f.units {
        q = q.filter(responses::unit_code.eq_any(units));
    }
    Ok(q.count().get_result(conn)?)
}

/// The next page after the response `after` ("" = from the first), in id order; empty at
/// the end.
pub fn page(
    conn: &mut AnyConnection,
    f: &ExportFilter,
    after: &str,
) -> Result<Vec<ExportedResponse>, DbError> {
    let mut q = responses::table
        .filter(responses::survey_id.eq(&f.survey_id))
        .filter(responses::period.eq(f.period))
        .filter(responses::id.gt(after))
        // Answers of an open campaign are not read until it closes.
        .filter(responses::status.ne(SEALED))
        .into_boxed();
    if let Some(units) = &f.units {
        q = q.filter(responses::unit_code.eq_any(units));
    }
    let heads: Vec<ExportHead> = q
        .order(responses::id)
        .limit(PAGE)
        .select(ExportHead::as_select())
        .load(conn)?;
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = heads.iter().map(|h| h.id.as_str()).collect();
    let mut answers: HashMap<String, String> = page_answers(conn, &ids)?
        .into_iter()
        .map(|r| (r.response_id, r.answers))
        .collect();
    Ok(heads
        .into_iter()
        .map(|head| ExportedResponse {
            answers: answers.remove(&head.id),
            head,
        })
        .collect())
}

/// The answers of the responses `ids`, one row per response, joined by the database: rows
/// per answer through the driver would cost more than the rest of the export.
fn page_answers(conn: &mut AnyConnection, ids: &[&str]) -> Result<Vec<AnswerRow>, DbError> {
    use diesel::sql_types::{Array, Text};
    let rows = match conn {
        AnyConnection::Sqlite(c) => {
            let ids = serde_json::to_string(ids).map_err(|e| {
                DbError::Query(diesel::result::Error::SerializationError(Box::new(e)))
            })?;
            diesel::sql_query(
                "SELECT response_id, group_concat(item_code || ':' || COALESCE(value, ''), ';') AS answers \
                 FROM answers WHERE response_id IN (SELECT value FROM json_each(?)) \
                 GROUP BY response_id",
            )
            .bind::<Text, _>(ids)
            .load(c)?
        }
        AnyConnection::Postgresql(c) => diesel::sql_query(
            "SELECT response_id, string_agg(item_code || ':' || COALESCE(value::text, ''), ';') AS answers \
             FROM answers WHERE response_id = ANY($1) \
             GROUP BY response_id",
        )
        .bind::<Array<Text>, _>(ids)
        .load(c)?,
    };
    Ok(rows)
}

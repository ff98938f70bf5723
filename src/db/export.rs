//! Reading responses for an export: one page at a time by keyset (`id > last ORDER BY id`),
//! each page's answers in one query, so that an export of any size holds one page in memory.

use super::responses::SEALED;
use super::schema::responses;
use super::{AnyConnection, DbError};
use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Nullable, Text};
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
#[derive(Debug, Queryable, QueryableByName, Selectable)]
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
    #[diesel(sql_type = Text)]
    response_id: String,
    #[diesel(sql_type = Text)]
    answers: String,
}

/// A boxed query on the responses an [`ExportFilter`] selects, on whichever backend runs it.
macro_rules! selected {
    ($filter:expr) => {{
        let f: &ExportFilter = $filter;
        let mut q = responses::table
            .filter(responses::survey_id.eq(&f.survey_id))
            .filter(responses::period.eq(f.period))
            // Answers of an open campaign are not read until it closes.
            .filter(responses::status.ne(SEALED))
            .into_boxed();
        if let Some(units) = &f.units {
            q = q.filter(responses::unit_code.eq_any(units));
        }
        q
    }};
}

/// How many responses the filter selects.
pub fn count(conn: &mut AnyConnection, f: &ExportFilter) -> Result<i64, DbError> {
    Ok(selected!(f).count().get_result(conn)?)
}

/// The next page after the response `after` ("" = from the first), in id order; empty at
/// the end.
pub fn page(
    conn: &mut AnyConnection,
    f: &ExportFilter,
    after: &str,
) -> Result<Vec<ExportedResponse>, DbError> {
    match conn {
        AnyConnection::Sqlite(c) => sqlite_page(c, f, after),
        AnyConnection::Postgresql(c) => pg_page(c, f, after),
    }
}

/// SQLite keeps answers clustered by their response: the heads, then their answers looked up
/// by id, each page in two queries.
fn sqlite_page(
    conn: &mut diesel::SqliteConnection,
    f: &ExportFilter,
    after: &str,
) -> Result<Vec<ExportedResponse>, DbError> {
    let heads: Vec<ExportHead> = selected!(f)
        .filter(responses::id.gt(after))
        .order(responses::id)
        .limit(PAGE)
        .select(ExportHead::as_select())
        .load(conn)?;
    if heads.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = heads.iter().map(|h| h.id.as_str()).collect();
    let ids = serde_json::to_string(&ids)
        .map_err(|e| DbError::Query(diesel::result::Error::SerializationError(Box::new(e))))?;
    // Joined by the database: rows per answer through the driver would cost more than the
    // rest of the export.
    let rows: Vec<AnswerRow> = diesel::sql_query(
        "SELECT response_id, group_concat(item_code || ':' || COALESCE(value, ''), ';') AS answers \
         FROM answers WHERE response_id IN (SELECT value FROM json_each(?)) \
         GROUP BY response_id",
    )
    .bind::<Text, _>(ids)
    .load(conn)?;
    let mut answers: HashMap<String, String> = rows
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

/// A page as PostgreSQL returns it: a head and its answers, joined.
#[derive(QueryableByName)]
struct PgPageRow {
    #[diesel(embed)]
    head: ExportHead,
    #[diesel(sql_type = Nullable<Text>)]
    answers: Option<String>,
}

/// PostgreSQL keeps answers in the order they were stored, not by response: looking a page's
/// ids up one by one, or with `= ANY` of them (which it turns into a scan of every answer),
/// reads most of the table for each page. One query instead walks the heads and the answers'
/// key side by side from `after` (a merge join; the key holds the value, so the answers are
/// read from the key alone) and joins each form's answers on the server.
fn pg_page(
    conn: &mut diesel::PgConnection,
    f: &ExportFilter,
    after: &str,
) -> Result<Vec<ExportedResponse>, DbError> {
    let units = if f.units.is_some() {
        "AND r.unit_code = ANY($5)"
    } else {
        ""
    };
    // `a.response_id > $3` repeats the keyset on the answers' side: without it the merge
    // starts at the first answer of the table on every page.
    let sql = format!(
        "SELECT r.id, r.unit_code, r.channel, r.period, r.day, r.respondent_group, r.status, \
                r.background, \
                string_agg(a.item_code || ':' || COALESCE(a.value::text, ''), ';') AS answers \
         FROM responses r \
         LEFT JOIN answers a ON a.response_id = r.id AND a.response_id > $3 \
         WHERE r.survey_id = $1 AND r.period = $2 AND r.id > $3 AND r.status <> $4 {units} \
         GROUP BY r.id ORDER BY r.id LIMIT {PAGE}"
    );
    let q = diesel::sql_query(sql)
        .bind::<Text, _>(&f.survey_id)
        .bind::<Integer, _>(f.period)
        .bind::<Text, _>(after)
        // Answers of an open campaign are not read until it closes.
        .bind::<Text, _>(SEALED);
    let rows: Vec<PgPageRow> = match &f.units {
        Some(units) => q.bind::<Array<Text>, _>(units).load(conn)?,
        None => q.load(conn)?,
    };
    Ok(rows
        .into_iter()
        .map(|r| ExportedResponse {
            head: r.head,
            answers: r.answers,
        })
        .collect())
}

//! Reading responses for an export: one page at a time by keyset (unit, day, then id, after the
//! last one read), each response with its answers packed in its row, so that an export of any
//! size holds one page in memory. Ids are random: within a day the order says nothing of when a
//! form came.

use super::responses::SEALED;
use super::schema::responses;
use super::{AnyConnection, DbError};
use diesel::prelude::*;

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
    pub answers: String,
}

/// Answers as a response's row keeps them for exports (`responses.answer_list`): in the form
/// [`ExportedResponse::answers`] has, in code order, written in the transaction that writes
/// the answers' own rows. An export reads a page of responses alone, without a join or an
/// aggregate over every answer row.
pub fn answer_list(answers: &[(String, Option<i16>)]) -> String {
    let mut sorted: Vec<&(String, Option<i16>)> = answers.iter().collect();
    sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::with_capacity(answers.len() * 8);
    for (i, (code, value)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(code);
        out.push(':');
        if let Some(v) = value {
            out.push_str(&v.to_string());
        }
    }
    out
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

/// Where an export has read to: the last response's unit, day and id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    pub unit_code: String,
    pub day: String,
    pub id: String,
}

impl Cursor {
    /// The place just after `r`.
    pub fn after(r: &ExportHead) -> Cursor {
        Cursor {
            unit_code: r.unit_code.clone(),
            day: r.day.clone(),
            id: r.id.clone(),
        }
    }
}

/// The next page after `after` (`None` = from the first), by unit, day and id; empty at the
/// end. One query on the responses alone (each row holds its answers packed), read in the order
/// of `responses_by_slice`, whose first two columns the filter fixes.
pub fn page(
    conn: &mut AnyConnection,
    f: &ExportFilter,
    after: Option<&Cursor>,
) -> Result<Vec<ExportedResponse>, DbError> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let mut q = selected!(f);
    if let Some(c) = after {
        // A row comparison both backends read from the index.
        q = q.filter(
            sql::<Bool>("(unit_code, day, id) > (")
                .bind::<Text, _>(c.unit_code.clone())
                .sql(", ")
                .bind::<Text, _>(c.day.clone())
                .sql(", ")
                .bind::<Text, _>(c.id.clone())
                .sql(")"),
        );
    }
    let rows: Vec<(ExportHead, String)> = q
        // PostgreSQL, without statistics (a table just loaded), otherwise plans a sort of the
        // whole period for every page.
        .order((
            responses::survey_id,
            responses::period,
            responses::unit_code,
            responses::day,
            responses::id,
        ))
        .limit(PAGE)
        .select((ExportHead::as_select(), responses::answer_list))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(head, answers)| ExportedResponse { head, answers })
        .collect())
}

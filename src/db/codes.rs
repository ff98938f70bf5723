//! One-time codes for citizens' online answers (printed on appointment slips). Only hashes are
//! stored, and codes are named by their hash (the caller makes it); a used code is marked used
//! (a flag, never a day that could match the answer's).

use super::schema::visit_codes;
use super::{stored_time, AnyConnection, DbError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

/// What a code opens, and whether it may still be used.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = visit_codes)]
pub struct VisitCode {
    pub unit_code: String,
    pub survey_id: String,
    pub expires_on: String,
    pub used: bool,
}

/// Stores the hashes of freshly made codes.
pub fn insert(
    conn: &mut AnyConnection,
    code_hashes: &[String],
    unit: &str,
    survey: &str,
    actor: &str,
    expires_on: &str,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    let at = stored_time(at);
    for hash in code_hashes {
        diesel::insert_into(visit_codes::table)
            .values((
                visit_codes::code_hash.eq(hash),
                visit_codes::unit_code.eq(unit),
                visit_codes::survey_id.eq(survey),
                visit_codes::created_by.eq(actor),
                visit_codes::created_at.eq(&at),
                visit_codes::expires_on.eq(expires_on),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn by_code(conn: &mut AnyConnection, code_hash: &str) -> Result<Option<VisitCode>, DbError> {
    Ok(visit_codes::table
        .find(code_hash)
        .select(VisitCode::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a code used if it is unused and not expired on `today`, in one statement; returns
/// whether this call marked it.
pub fn consume(conn: &mut AnyConnection, code_hash: &str, today: &str) -> Result<bool, DbError> {
    let n = diesel::update(
        visit_codes::table
            .filter(visit_codes::code_hash.eq(code_hash))
            .filter(visit_codes::used.eq(false))
            .filter(visit_codes::expires_on.ge(today)),
    )
    .set(visit_codes::used.eq(true))
    .execute(conn)?;
    Ok(n > 0)
}

/// Undoes [`consume`] when the answer is known not to have been stored.
pub fn release(conn: &mut AnyConnection, code_hash: &str) -> Result<(), DbError> {
    diesel::update(visit_codes::table.find(code_hash))
        .set(visit_codes::used.eq(false))
        .execute(conn)?;
    Ok(())
}

//! Kiosks: a tablet at a counter, bound to one unit and one survey by a secret URL token.

use super::schema::{kiosks, response_tallies};
use super::{
    named_by, oldest_first, revoke_named, stored_time, unit_of_named, AnyConnection, DbError,
    IdOrToken,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

#[derive(Debug, Clone, PartialEq)]
pub struct Kiosk {
    pub id: String,
    pub unit: String,
    pub survey: String,
    pub label: String,
}

/// A kiosk as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = kiosks)]
struct KioskRow {
    id: String,
    unit_code: String,
    survey_id: String,
    label: String,
}

impl KioskRow {
    fn into_kiosk(self) -> Kiosk {
        Kiosk {
            id: self.id,
            unit: self.unit_code,
            survey: self.survey_id,
            label: self.label,
        }
    }
}

/// Registers a kiosk whose token hashes to `token_hash` (the caller shows the token once;
/// only the hash is kept).
pub fn add(
    conn: &mut AnyConnection,
    unit: &str,
    survey: &str,
    label: &str,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<Kiosk, DbError> {
    let kiosk = Kiosk {
        id: super::time_ordered_id(at),
        unit: unit.to_string(),
        survey: survey.to_string(),
        label: label.to_string(),
    };
    diesel::insert_into(kiosks::table)
        .values((
            kiosks::id.eq(&kiosk.id),
            kiosks::token_hash.eq(token_hash),
            kiosks::unit_code.eq(unit),
            kiosks::survey_id.eq(survey),
            kiosks::label.eq(label),
            kiosks::created_at.eq(stored_time(at)),
        ))
        .execute(conn)?;
    Ok(kiosk)
}

/// The active kiosk behind the token whose hash is `token_hash`, if any.
pub fn by_token(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Kiosk>, DbError> {
    let row: Option<KioskRow> = kiosks::table
        .filter(kiosks::token_hash.eq(token_hash))
        .filter(kiosks::revoked_at.is_null())
        .select(KioskRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(KioskRow::into_kiosk))
}

/// Revokes a kiosk by id or by its token; returns whether one was active.
pub fn revoke(
    conn: &mut AnyConnection,
    named: &IdOrToken,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    revoke_named!(conn, kiosks, named, at)
}

/// The unit of a kiosk named by id or by its token, revoked or not.
pub fn unit_of(conn: &mut AnyConnection, named: &IdOrToken) -> Result<Option<String>, DbError> {
    unit_of_named!(conn, kiosks, named)
}

/// A kiosk as administrators see it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = kiosks)]
pub struct KioskInfo {
    pub id: String,
    pub unit_code: String,
    pub survey_id: String,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// Every kiosk, oldest first.
pub fn list_info(conn: &mut AnyConnection) -> Result<Vec<KioskInfo>, DbError> {
    oldest_first!(conn, kiosks, KioskInfo)
}

/// Kiosk answers counted under `day`, by unit and survey (answers do not name the kiosk).
pub fn answers_on(
    conn: &mut AnyConnection,
    day: &str,
) -> Result<Vec<(String, String, i64)>, DbError> {
    let rows: Vec<(String, String, i64)> = response_tallies::table
        .filter(response_tallies::day.eq(day))
        .filter(response_tallies::channel.eq("kiosk"))
        .select((
            response_tallies::unit_code,
            response_tallies::survey_id,
            response_tallies::n,
        ))
        .load(conn)?;
    let mut sums: Vec<(String, String, i64)> = Vec::new();
    for (unit, survey, n) in rows {
        match sums.iter_mut().find(|(u, s, _)| *u == unit && *s == survey) {
            Some(row) => row.2 += n,
            None => sums.push((unit, survey, n)),
        }
    }
    Ok(sums)
}

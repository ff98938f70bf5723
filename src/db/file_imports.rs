//! Files of forms imported: name, day, rows and two fingerprints, so that a file whose opening
//! rows are an earlier file's is asked about rather than guessed at. The fingerprints come
//! keyed (HMAC under the server key [`super::keys::IMPORTS`], made by the caller), never as
//! cell values: forms of a few answers on a scale are few enough to be guessed back from a
//! plain hash.

use super::schema::file_imports;
use super::{AnyConnection, DbError};
use diesel::prelude::*;

/// An earlier import, as a later one names it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = file_imports)]
pub struct EarlierImport {
    pub file_name: String,
    pub imported_on: String,
    pub rows_read: i64,
    /// What the ids of its rows without a serial or submission id were derived with.
    pub id_seed: String,
}

/// A file's two fingerprints as stored: of its opening rows and of all its cells, keyed.
pub struct Fingerprints {
    pub opening: String,
    pub content: String,
}

/// The latest import of this very file (the same cells) for `survey`, and the latest one whose
/// opening rows are this file's.
pub fn earlier(
    conn: &mut AnyConnection,
    survey: &str,
    f: &Fingerprints,
) -> Result<(Option<EarlierImport>, Option<EarlierImport>), DbError> {
    let latest = || {
        file_imports::table
            .filter(file_imports::survey_id.eq(survey))
            .order((file_imports::imported_on.desc(), file_imports::id.desc()))
            .select(EarlierImport::as_select())
            .into_boxed()
    };
    let same_file = latest()
        .filter(file_imports::content.eq(&f.content))
        .first(conn)
        .optional()?;
    let same_opening = latest()
        .filter(file_imports::opening.eq(&f.opening))
        .first(conn)
        .optional()?;
    Ok((same_file, same_opening))
}

/// An import as remembered: its file, the day it counts under, the rows read, and what its
/// derived ids were derived with.
pub struct Imported<'a> {
    pub file_name: &'a str,
    pub day: &'a str,
    pub rows: u64,
    pub id_seed: &'a str,
}

/// Remembers an import for `survey`, made at `at`.
pub fn record(
    conn: &mut AnyConnection,
    survey: &str,
    import: &Imported,
    f: &Fingerprints,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbError> {
    let Imported {
        file_name,
        day,
        rows,
        id_seed,
    } = *import;
    diesel::insert_into(file_imports::table)
        .values((
            // Time-ordered, so that the latest of one day is found first.
            file_imports::id.eq(super::time_ordered_id(at)),
            file_imports::survey_id.eq(survey),
            file_imports::file_name.eq(file_name),
            file_imports::imported_on.eq(day),
            file_imports::rows_read.eq(i64::try_from(rows).unwrap_or(i64::MAX)),
            file_imports::opening.eq(&f.opening),
            file_imports::content.eq(&f.content),
            file_imports::id_seed.eq(id_seed),
        ))
        .execute(conn)?;
    Ok(())
}

//! Files of forms imported: name, day, rows and two fingerprints, so that a file whose opening
//! rows are an earlier file's is asked about rather than guessed at. The fingerprints are kept
//! as keyed hashes (HMAC under a server key), never as cell values: forms of a few answers on a
//! scale are few enough to be guessed back from a plain hash.

use super::schema::file_imports;
use super::{keys, AnyConnection, DbError};
use diesel::prelude::*;

/// Names the key the fingerprints are hashed with.
const KEY: &str = "imports";

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

/// A file's two fingerprints, as computed from its cells (SHA-256, hex).
pub struct Fingerprints<'a> {
    pub opening: &'a str,
    pub content: &'a str,
}

/// The fingerprints as stored: keyed hashes.
fn keyed(
    conn: &mut AnyConnection,
    survey: &str,
    f: &Fingerprints,
) -> Result<(String, String), DbError> {
    let key = keys::get_or_create(conn, KEY)?;
    Ok((
        key.sign(&["opening", survey, f.opening]),
        key.sign(&["content", survey, f.content]),
    ))
}

/// The latest import of this very file (the same cells) for `survey`, and the latest one whose
/// opening rows are this file's.
pub fn earlier(
    conn: &mut AnyConnection,
    survey: &str,
    f: &Fingerprints,
) -> Result<(Option<EarlierImport>, Option<EarlierImport>), DbError> {
    let (opening, content) = keyed(conn, survey, f)?;
    let same_file = file_imports::table
        .filter(file_imports::survey_id.eq(survey))
        .filter(file_imports::content.eq(&content))
        .order((file_imports::imported_on.desc(), file_imports::id.desc()))
        .select(EarlierImport::as_select())
        .first(conn)
        .optional()?;
    let same_opening = file_imports::table
        .filter(file_imports::survey_id.eq(survey))
        .filter(file_imports::opening.eq(&opening))
        .order((file_imports::imported_on.desc(), file_imports::id.desc()))
        .select(EarlierImport::as_select())
        .first(conn)
        .optional()?;
    Ok((same_file, same_opening))
}

/// Remembers an import of `file_name` on `day`, its ids derived with `id_seed`.
pub fn record(
    conn: &mut AnyConnection,
    survey: &str,
    file_name: &str,
    day: &str,
    rows: u64,
    f: &Fingerprints,
    id_seed: &str,
) -> Result<(), DbError> {
    let (opening, content) = keyed(conn, survey, f)?;
    diesel::insert_into(file_imports::table)
        .values((
            // Time-ordered, so that the latest of one day is found first.
            file_imports::id.eq(uuid::Uuid::now_v7().to_string()),
            file_imports::survey_id.eq(survey),
            file_imports::file_name.eq(file_name),
            file_imports::imported_on.eq(day),
            file_imports::rows_read.eq(i64::try_from(rows).unwrap_or(i64::MAX)),
            file_imports::opening.eq(opening),
            file_imports::content.eq(content),
            file_imports::id_seed.eq(id_seed),
        ))
        .execute(conn)?;
    Ok(())
}

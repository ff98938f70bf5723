//! Server keys, kept in the database so that every server on it and every command sign and
//! hash alike. A key is made by whoever needs it first; a race between two servers is settled
//! by the primary key (the loser reads the winner's).

use super::schema::server_keys;
use super::{is_unique_violation, AnyConnection, DbError};
use crate::secrets::Key;
use diesel::prelude::*;

/// Signs CSRF tokens and kiosk forms.
pub const FORMS: &str = "forms";
/// Hashes submission ids.
pub const SUBMISSION: &str = "submission";
/// Hashes the fingerprints of imported files.
pub const IMPORTS: &str = "imports";

/// The key called `name`, made now when there is none yet.
pub fn get_or_create(conn: &mut AnyConnection, name: &str) -> Result<Key, DbError> {
    if let Some(k) = read(conn, name)? {
        return Ok(k);
    }
    let made = diesel::insert_into(server_keys::table)
        .values((
            server_keys::name.eq(name),
            server_keys::value.eq(Key::generate()),
        ))
        .execute(conn);
    match made {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    read(conn, name)?.ok_or(DbError::Query(diesel::result::Error::NotFound))
}

fn read(conn: &mut AnyConnection, name: &str) -> Result<Option<Key>, DbError> {
    let value: Option<String> = server_keys::table
        .find(name)
        .select(server_keys::value)
        .first(conn)
        .optional()?;
    Ok(value.as_deref().and_then(Key::from_hex))
}

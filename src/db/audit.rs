//! Audit log: who changed users, tokens and kiosks, and who signed in. Never answers.

use super::schema::audit_log;
use super::{now, AnyConnection, DbError};
use diesel::prelude::*;

pub fn record(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(uuid::Uuid::now_v7().to_string()),
            audit_log::at.eq(now()),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail),
        ))
        .execute(conn)?;
    Ok(())
}

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct Entry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
}

/// The latest entries, newest first.
pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Entry>, DbError> {
    Ok(audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)?)
}

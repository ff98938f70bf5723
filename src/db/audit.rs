//! Audit log: who changed users, tokens and kiosks, and who signed in. Never answers.

use super::schema::audit_log;
use super::{now, AnyConnection, DbError};
use crate::with_conn;
use diesel::prelude::*;

pub fn record(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    detail: &str,
) -> Result<(), DbError> {
    with_conn!(conn, |c| diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(uuid::Uuid::now_v7().to_string()),
            audit_log::at.eq(now()),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail),
        ))
        .execute(c))?;
    Ok(())
}

/// The latest entries, newest first.
pub fn recent(
    conn: &mut AnyConnection,
    limit: i64,
) -> Result<Vec<(String, String, String, String)>, DbError> {
    Ok(with_conn!(conn, |c| audit_log::table
        .order(audit_log::id.desc())
        .limit(limit)
        .select((
            audit_log::at,
            audit_log::actor,
            audit_log::action,
            audit_log::detail
        ))
        .load(c))?)
}

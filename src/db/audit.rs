//! Audit log, append-only: who changed users, tokens and kiosks, who signed in, and every
//! keying, correction, settlement and deletion of a paper form with the values before and
//! after. Never a citizen's answers outside a paper form's own entries.

use super::schema::audit_log;
use super::{stored_time, AnyConnection, DbError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub fn record(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    detail: &str,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    insert(conn, actor, action, detail, None, at)
}

/// An entry about one paper form, found again by the form.
pub fn record_form(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    detail: &str,
    form_id: &str,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    insert(conn, actor, action, detail, Some(form_id), at)
}

fn insert(
    conn: &mut AnyConnection,
    actor: &str,
    action: &str,
    detail: &str,
    form_id: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(super::time_ordered_id(at)),
            audit_log::at.eq(stored_time(at)),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::detail.eq(detail),
            audit_log::form_id.eq(form_id),
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
    pub form_id: Option<String>,
}

/// What to show of the log: all given conditions hold.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    /// Actions starting with this ("paper." for every paper entry).
    pub action: Option<String>,
    pub form_id: Option<String>,
    /// Entries on or after this day (YYYY-MM-DD).
    pub from: Option<String>,
    /// Entries on or before this day (YYYY-MM-DD).
    pub to: Option<String>,
    /// Only entries by these users (a unit's supervisor reads their unit's).
    pub actors: Option<Vec<String>>,
}

/// The latest entries, newest first.
pub fn recent(conn: &mut AnyConnection, limit: i64) -> Result<Vec<Entry>, DbError> {
    search(conn, &Filter::default(), limit)
}

/// The latest entries matching `f`, newest first.
pub fn search(conn: &mut AnyConnection, f: &Filter, limit: i64) -> Result<Vec<Entry>, DbError> {
    let mut q = audit_log::table.into_boxed();
    if let Some(a) = &f.actor {
        q = q.filter(audit_log::actor.eq(a.clone()));
    }
    if let Some(list) = &f.actors {
        q = q.filter(audit_log::actor.eq_any(list.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_log::action.like(format!("{}%", a.replace(['%', '_'], ""))));
    }
    if let Some(id) = &f.form_id {
        q = q.filter(audit_log::form_id.eq(id.clone()));
    }
    if let Some(d) = &f.from {
        q = q.filter(audit_log::at.ge(d.clone()));
    }
    if let Some(d) = &f.to {
        // Stored times are RFC 3339: everything of that day sorts before the next day.
        q = q.filter(audit_log::at.lt(format!("{d}~")));
    }
    Ok(q.order(audit_log::id.desc())
        .limit(limit)
        .select(Entry::as_select())
        .load(conn)?)
}

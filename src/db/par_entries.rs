//! Entered values of PAR INDEX criteria: append-only, each stored with its audit entry in one
//! transaction; the latest entry of a criterion counts.

use super::schema::par_entries;
use super::{audit, stored_time, write_transaction, AnyConnection, DbError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::collections::BTreeMap;

#[derive(
    Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize, utoipa::ToSchema,
)]
#[diesel(table_name = par_entries)]
pub struct Entry {
    #[serde(skip)]
    pub id: String,
    pub criterion: String,
    pub points: String,
    pub evidence: String,
    pub entered_by: String,
    pub entered_at: String,
}

/// Stores an entry and its audit line together.
#[allow(clippy::too_many_arguments)]
pub fn add(
    conn: &mut AnyConnection,
    tree: &str,
    period: i32,
    criterion: &str,
    points: &str,
    evidence: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    write_transaction(conn, |conn| {
        diesel::insert_into(par_entries::table)
            .values((
                par_entries::id.eq(super::time_ordered_id(at)),
                par_entries::tree_id.eq(tree),
                par_entries::period.eq(period),
                par_entries::criterion.eq(criterion),
                par_entries::points.eq(points),
                par_entries::evidence.eq(evidence),
                par_entries::entered_by.eq(by),
                par_entries::entered_at.eq(stored_time(at)),
            ))
            .execute(conn)?;
        audit::record(
            conn,
            by,
            "parindex.enter",
            &format!("{tree} {period} tiêu chí {criterion}: {points} điểm; căn cứ: {evidence}"),
            at,
        )
    })
}

/// Every entry of a tree and period, oldest first.
pub fn history(conn: &mut AnyConnection, tree: &str, period: i32) -> Result<Vec<Entry>, DbError> {
    Ok(par_entries::table
        .filter(par_entries::tree_id.eq(tree))
        .filter(par_entries::period.eq(period))
        .order(par_entries::id.asc())
        .select(Entry::as_select())
        .load(conn)?)
}

/// The latest entry of each criterion.
pub fn latest(
    conn: &mut AnyConnection,
    tree: &str,
    period: i32,
) -> Result<BTreeMap<String, Entry>, DbError> {
    Ok(history(conn, tree, period)?
        .into_iter()
        .map(|e| (e.criterion.clone(), e))
        .collect())
}

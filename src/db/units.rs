//! Units: loaded from `surveys/units.toml` at start and kept in the database for joins.

use super::schema::units;
use super::{AnyConnection, DbError};
use crate::survey::{Unit, UnitTree};
use crate::with_conn;
use diesel::prelude::*;

/// Inserts units that are new and renames those whose name changed; never deletes (answers
/// may point at a unit that a later reorganisation removed from the file).
pub fn sync(conn: &mut AnyConnection, tree: &UnitTree) -> Result<usize, DbError> {
    let rows: Vec<(String, String, String, Option<String>, i32)> = tree
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            (
                u.code.clone(),
                u.name.clone(),
                u.level.clone(),
                u.parent.clone(),
                i32::try_from(i).unwrap_or(i32::MAX),
            )
        })
        .collect();
    let mut changed = 0;
    with_conn!(conn, |c| c.transaction(|c| {
        for (code, name, level, parent, order) in &rows {
            changed += diesel::insert_into(units::table)
                .values((
                    units::code.eq(code),
                    units::name.eq(name),
                    units::level.eq(level),
                    units::parent_code.eq(parent),
                    units::sort_order.eq(order),
                ))
                .on_conflict(units::code)
                .do_update()
                .set((
                    units::name.eq(name),
                    units::level.eq(level),
                    units::parent_code.eq(parent),
                    units::sort_order.eq(order),
                ))
                .execute(c)?;
        }
        Ok::<_, diesel::result::Error>(())
    }))?;
    Ok(changed)
}

pub fn all(conn: &mut AnyConnection) -> Result<Vec<Unit>, DbError> {
    let rows: Vec<(String, String, String, Option<String>)> = with_conn!(conn, |c| units::table
        .order(units::sort_order)
        .select((units::code, units::name, units::level, units::parent_code))
        .load(c))?;
    Ok(rows
        .into_iter()
        .map(|(code, name, level, parent)| Unit {
            code,
            name,
            level,
            parent,
        })
        .collect())
}

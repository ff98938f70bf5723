//! Units: loaded from `surveys/units.toml` at start and kept in the database for joins.

use super::schema::units;
use super::{upsert, AnyConnection, DbError};
use crate::survey::{Unit, UnitTree};
use diesel::prelude::*;

/// Inserts units that are new and updates those whose name, level, parent or order changed;
/// never deletes (answers may point at a unit that a later reorganisation removed from the
/// file). Upserts, so that servers starting at once on one database do not collide. Parents
/// come before their children in the file, as the foreign key on `parent_code` needs.
pub fn sync(conn: &mut AnyConnection, tree: &UnitTree) -> Result<usize, DbError> {
    let rows: Vec<UnitRow> = tree
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| UnitRow {
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.clone(),
            parent_code: u.parent.clone(),
            sort_order: i32::try_from(i).unwrap_or(i32::MAX),
        })
        .collect();
    let changed = conn.transaction(|conn| {
        let mut changed = 0;
        for row in &rows {
            changed += upsert(
                conn,
                diesel::insert_into(units::table)
                    .values(row)
                    .on_conflict(units::code)
                    .do_update()
                    .set(row),
            )?;
        }
        Ok::<_, diesel::result::Error>(changed)
    })?;
    Ok(changed)
}

/// A unit as stored.
#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(
    table_name = units,
    primary_key(code),
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
struct UnitRow {
    code: String,
    name: String,
    level: String,
    parent_code: Option<String>,
    sort_order: i32,
}

pub fn all(conn: &mut AnyConnection) -> Result<Vec<Unit>, DbError> {
    let rows: Vec<UnitRow> = units::table
        .order(units::sort_order)
        .select(UnitRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Unit {
            code: r.code,
            name: r.name,
            level: r.level,
            parent: r.parent_code,
            kind: None,
            gso_code: None,
            sets: Vec::new(),
        })
        .collect())
}

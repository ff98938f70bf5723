//! Administration: users, kiosks and API tokens, and reading the audit log. The admin pages
//! (`/admin/…`) and the CLI (`chiso user|kiosk|token|audit`) call these same functions.
//!
//! An administrator limited to a unit acts within it (`Actor`): what they create is scoped to
//! their unit or a unit below it, never above their own role, and users, tokens and kiosks
//! outside it are not theirs to change. The command line acts as the operator (the whole city).
//!
//! Every change is recorded in the audit log under the actor's name; an entry never holds a
//! password or a token (a revocation by token records only its first 8 characters). Passwords
//! and tokens are returned once, to be shown once: only hashes are stored.

mod kiosks;
mod tokens;
mod users;

pub use kiosks::*;
pub use tokens::*;
pub use users::*;

use crate::clock::wall_now;
use crate::db::audit::{self, Entry, Filter};
use crate::db::auth::Role;
use crate::db::{write_transaction, AnyConnection, DbError, IdOrToken};
use crate::features::Actor;
use crate::secrets::{hash_token, HashError};
use crate::state::AppState;
use crate::survey::Unit;
use crate::text::FieldProblem;
use crate::text::Text;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// Characters of a device's or token's label.
const MAX_LABEL: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{}", .0.text.en)]
    Invalid(FieldProblem),
    /// What the actor asks to change lies outside their unit: they may not act on it at all.
    #[error("{}", .0.en)]
    Forbidden(Text),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

impl From<diesel::result::Error> for AdminError {
    fn from(e: diesel::result::Error) -> Self {
        AdminError::Db(e.into())
    }
}

fn invalid(field: &'static str, vi: impl Into<String>, en: impl Into<String>) -> AdminError {
    AdminError::Invalid(FieldProblem::new(field, vi, en))
}

fn db<T>(
    state: &AppState,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, AdminError>,
) -> Result<T, AdminError> {
    state.db_blocking(work)
}

/// A change and its audit entry, in one transaction: both or neither.
fn change<T>(
    state: &AppState,
    work: impl FnOnce(&mut AnyConnection) -> Result<T, AdminError>,
) -> Result<T, AdminError> {
    state.db_blocking(|conn| write_transaction(conn, work))
}

pub fn parse_role(role: &str) -> Result<Role, AdminError> {
    role.trim().parse().map_err(|_| {
        invalid(
            "role",
            format!(
                "Vai trò: không có vai trò “{}” (admin, supervisor, surveyor, viewer)",
                role.trim()
            ),
            format!(
                "unknown role '{}' (admin, supervisor, surveyor, viewer)",
                role.trim()
            ),
        )
    })
}

/// A unit scope as typed: empty for none, else a unit of any map.
fn scope(state: &AppState, unit: Option<&str>) -> Result<Option<String>, AdminError> {
    match unit.map(str::trim) {
        None | Some("") => Ok(None),
        Some(code) => match state.units.get(code) {
            Some(u) => Ok(Some(u.code.clone())),
            None => Err(invalid(
                "unit",
                format!("Đơn vị: không có đơn vị “{code}”"),
                format!("unknown unit '{code}'"),
            )),
        },
    }
}

impl From<FieldProblem> for AdminError {
    fn from(p: FieldProblem) -> Self {
        AdminError::Invalid(p)
    }
}

/// Refuses the actor a user, token or kiosk of `scope` outside their unit.
fn within(state: &AppState, actor: &Actor, scope: Option<&str>) -> Result<(), AdminError> {
    match actor.outside(&state.units, scope) {
        None => Ok(()),
        Some(why) => Err(AdminError::Forbidden(why)),
    }
}

/// The first characters of an id or token, for the audit log.
fn shown(id: &str) -> String {
    id.chars().take(8).collect()
}

/// Revokes a kiosk or an API token by id or by itself, if it lies within the actor's unit,
/// with its audit entry (which names only the first characters of what was given).
fn revoke(
    state: &AppState,
    actor: &Actor,
    id: &str,
    action: &str,
    scope_of: impl FnOnce(&mut AnyConnection, &IdOrToken) -> Result<Option<Option<String>>, DbError>,
    revoke: impl FnOnce(&mut AnyConnection, &IdOrToken, DateTime<Utc>) -> Result<bool, DbError>,
    (vi, en): (&str, &str),
) -> Result<(), AdminError> {
    let hash = hash_token(id);
    let named = IdOrToken { id, hash: &hash };
    change(state, |conn| {
        if let Some(unit) = scope_of(conn, &named)? {
            within(state, actor, unit.as_deref())?;
        }
        if !revoke(conn, &named, wall_now())? {
            return Err(invalid("id", vi, format!("{en} '{id}'")));
        }
        audit::record(conn, &actor.name, action, &shown(id), wall_now())?;
        Ok(())
    })
}

/// Today's units `reader` may choose.
fn units_today(state: &AppState, reader: &Actor) -> Vec<Unit> {
    reader.units_today(&state.units, state.clock.today())
}

/// The names of the units `codes` name, for a list that shows scopes (a code no unit has
/// stands for itself).
fn unit_names<'a>(
    state: &AppState,
    codes: impl Iterator<Item = &'a str>,
) -> HashMap<String, String> {
    codes
        .map(|c| {
            let name = state
                .units
                .get(c)
                .map_or_else(|| c.to_string(), |u| u.name.clone());
            (c.to_string(), name)
        })
        .collect()
}

/// The latest audit entries matching `filter`, newest first.
pub fn audit(state: &AppState, filter: &Filter, limit: i64) -> Result<Vec<Entry>, AdminError> {
    db(state, |conn| {
        Ok(audit::search(conn, filter, limit.clamp(1, 10_000))?)
    })
}

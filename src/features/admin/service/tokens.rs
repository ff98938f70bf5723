//! API tokens: what other systems present, each with a role and a unit scope.

use super::{
    change, db, invalid, parse_role, revoke, scope, unit_names, units_today, AdminError, MAX_LABEL,
};
use crate::clock::wall_now;
use crate::db::audit;
use crate::db::auth::{self, Role, TokenInfo};
use crate::db::{AnyConnection, DbError};
use crate::features::Actor;
use crate::secrets::NewToken;
use crate::state::AppState;
use crate::survey::Unit;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub fn tokens(state: &AppState) -> Result<Vec<TokenInfo>, AdminError> {
    db(state, |conn| Ok(auth::list_tokens(conn)?))
}

/// The API tokens `viewer` may see: every one for the city's staff; for a user limited to a
/// unit, the tokens limited to that unit or a unit below it (not the city's, not another's).
pub fn tokens_seen_by(
    state: &AppState,
    viewer: impl Into<Actor>,
) -> Result<Vec<TokenInfo>, AdminError> {
    let viewer = viewer.into();
    Ok(tokens(state)?
        .into_iter()
        .filter(|t| viewer.reaches(&state.units, t.unit_code.as_deref()))
        .collect())
}

/// Creates an API token and returns it (shown once: only its hash is kept).
pub fn create_token(
    state: &AppState,
    actor: impl Into<Actor>,
    role: &str,
    label: &str,
    unit: Option<&str>,
) -> Result<String, AdminError> {
    let actor = actor.into();
    let role = parse_role(role)?;
    actor.check_role(role)?;
    let unit = scope(state, unit)?;
    actor.check_unit(&state.units, unit.as_deref())?;
    let label = match label.trim() {
        "" => "api",
        l => l,
    };
    if label.chars().count() > MAX_LABEL {
        return Err(invalid(
            "label",
            format!("Tên: tối đa {MAX_LABEL} ký tự"),
            format!("a label has at most {MAX_LABEL} characters"),
        ));
    }
    change(state, |conn| {
        let token = new_api_token(conn, role, label, unit.as_deref(), wall_now())?;
        let detail = match &unit {
            Some(u) => format!("{role} {label} (unit {u})"),
            None => format!("{role} {label}"),
        };
        audit::record(conn, &actor.name, "token.create", &detail, wall_now())?;
        Ok(token)
    })
}

/// Makes an API token of `role` limited to `unit` (none: the whole city), stores it by its
/// hash and returns it, to be shown once.
pub fn new_api_token(
    conn: &mut AnyConnection,
    role: Role,
    label: &str,
    unit: Option<&str>,
    at: DateTime<Utc>,
) -> Result<String, DbError> {
    let token = NewToken::generate();
    auth::create_token(conn, role, label, unit, &token.hash, at)?;
    Ok(token.token)
}

/// Revokes an API token by id or by the token itself. Servers stop accepting it within
/// their token cache's time (30 s).
pub fn revoke_token(state: &AppState, actor: impl Into<Actor>, id: &str) -> Result<(), AdminError> {
    revoke(
        state,
        &actor.into(),
        id.trim(),
        "token.revoke",
        auth::token_scope,
        auth::revoke_token,
        (
            "Khoá API: không có khoá đang hoạt động này (có thể đã bị thu hồi)",
            "no active API token",
        ),
    )?;
    // This server refuses it at once; others when their cache entry ages out.
    if let Ok(mut m) = state.token_cache.lock() {
        m.clear();
    }
    Ok(())
}

/// What the tokens page shows its reader: the tokens they may see, the units they may choose
/// for a scope, and the names of the units the list names.
pub struct TokensView {
    pub tokens: Vec<TokenInfo>,
    pub units: Vec<Unit>,
    pub unit_names: HashMap<String, String>,
}

pub fn tokens_view(state: &AppState, reader: impl Into<Actor>) -> Result<TokensView, AdminError> {
    let reader = reader.into();
    let tokens = tokens_seen_by(state, reader.clone())?;
    let unit_names = unit_names(state, tokens.iter().filter_map(|t| t.unit_code.as_deref()));
    Ok(TokensView {
        units: units_today(state, &reader),
        tokens,
        unit_names,
    })
}

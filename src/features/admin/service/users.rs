//! Users: who signs in, with which role and unit scope.

use super::{change, db, invalid, parse_role, scope, unit_names, units_today, within, AdminError};
use crate::clock::wall_now;
use crate::db::audit;
use crate::db::auth::{self, Role, UserInfo};
use crate::db::{AnyConnection, DbError};
use crate::features::Actor;
use crate::secrets::hash_password;
use crate::state::AppState;
use crate::survey::Unit;
use std::collections::HashMap;

/// Fewest characters of a password an administrator chooses.
pub const MIN_PASSWORD: usize = crate::secrets::MIN_PASSWORD_CHARS;
/// Characters of a generated password (hex, 80 bits).
const GENERATED_PASSWORD: usize = 20;
const MAX_NAME: usize = 64;

fn check_password(password: &str) -> Result<(), AdminError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(invalid(
            "password",
            format!("Mật khẩu: cần ít nhất {MIN_PASSWORD} ký tự"),
            format!("the password needs at least {MIN_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// The password given (checked), or a generated one: with whether it was generated.
fn chosen_or_generated(password: Option<&str>) -> Result<(String, bool), AdminError> {
    match password {
        Some(p) if !p.is_empty() => {
            check_password(p)?;
            Ok((p.to_string(), false))
        }
        _ => Ok((generated_password(), true)),
    }
}

fn generated_password() -> String {
    crate::secrets::new_secret()
        .chars()
        .take(GENERATED_PASSWORD)
        .collect()
}

fn user_named(conn: &mut AnyConnection, who: &str) -> Result<UserInfo, AdminError> {
    auth::find_user(conn, who.trim())?.ok_or_else(|| {
        invalid(
            "user",
            format!("Người dùng: không có người dùng “{}”", who.trim()),
            format!("no user '{}'", who.trim()),
        )
    })
}

pub fn users(state: &AppState) -> Result<Vec<UserInfo>, AdminError> {
    db(state, |conn| Ok(auth::list_users(conn)?))
}

/// The users `viewer` may see: everyone for the city's staff; for a unit's supervisor, the
/// users of that unit and the units below it (not the city's, not another unit's).
pub fn users_seen_by(state: &AppState, viewer: &auth::User) -> Result<Vec<UserInfo>, AdminError> {
    let all = users(state)?;
    Ok(match &viewer.unit {
        None => all,
        Some(scope) => {
            let below = state.units.subtree(scope);
            all.into_iter()
                .filter(|u| u.unit_code.as_ref().is_some_and(|c| below.contains(c)))
                .collect()
        }
    })
}

/// Adds a user. With no password (or an empty one) a password is generated and returned.
pub fn add_user(
    state: &AppState,
    actor: impl Into<Actor>,
    name: &str,
    role: &str,
    unit: Option<&str>,
    password: Option<&str>,
) -> Result<Option<String>, AdminError> {
    let name = name.trim();
    if name.is_empty()
        || name.chars().count() > MAX_NAME
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(invalid(
            "name",
            format!("Tên đăng nhập: cần 1–{MAX_NAME} ký tự, không có dấu cách"),
            format!("a user name has 1 to {MAX_NAME} characters and no spaces"),
        ));
    }
    let actor = actor.into();
    let role = parse_role(role)?;
    actor.check_role(role)?;
    let unit = scope(state, unit)?;
    actor.check_unit(&state.units, unit.as_deref())?;
    let (password, generated) = chosen_or_generated(password)?;
    let hash = hash_password(&password)?;
    let taken = || {
        invalid(
            "name",
            format!("Tên đăng nhập: “{name}” đã có người dùng"),
            format!("user '{name}' already exists"),
        )
    };
    change(state, |conn| {
        if auth::find_user(conn, name)?.is_some() {
            return Err(taken());
        }
        // Two administrators adding the same name at once: the second is told so.
        match auth::add_user(conn, name, &hash, role, unit.as_deref(), wall_now()) {
            Err(DbError::Query(e)) if crate::db::is_unique_violation(&e) => return Err(taken()),
            other => other?,
        };
        let detail = format!("{name} {role} {}", unit.as_deref().unwrap_or("-"));
        audit::record(conn, &actor.name, "user.add", &detail, wall_now())?;
        Ok(())
    })?;
    Ok(generated.then_some(password))
}

/// Changes a user's role and unit scope. An administrator cannot take their own role away.
pub fn change_user(
    state: &AppState,
    actor: impl Into<Actor>,
    who: &str,
    role: &str,
    unit: Option<&str>,
) -> Result<(), AdminError> {
    let actor = actor.into();
    let role = parse_role(role)?;
    let unit = scope(state, unit)?;
    change(state, |conn| {
        let user = user_named(conn, who)?;
        within(state, &actor, user.unit_code.as_deref())?;
        // Neither moving someone out of the actor's unit nor widening a scope.
        actor.check_role(role)?;
        actor.check_unit(&state.units, unit.as_deref())?;
        if user.username == actor.name && role != Role::Admin {
            return Err(invalid(
                "role",
                "Vai trò: không thể tự bỏ quyền quản trị của chính mình",
                "an administrator cannot take their own admin role away",
            ));
        }
        auth::set_role(conn, &user.id, role, unit.as_deref())?;
        let detail = format!(
            "{} {role} {}",
            user.username,
            unit.as_deref().unwrap_or("-")
        );
        audit::record(conn, &actor.name, "user.role", &detail, wall_now())?;
        Ok(())
    })
}

/// Sets a user's password (generated when none is given, and then returned) and ends their
/// sessions.
pub fn reset_password(
    state: &AppState,
    actor: impl Into<Actor>,
    who: &str,
    password: Option<&str>,
) -> Result<Option<String>, AdminError> {
    let actor = actor.into();
    let (password, generated) = chosen_or_generated(password)?;
    let hash = hash_password(&password)?;
    change(state, |conn| {
        let user = user_named(conn, who)?;
        within(state, &actor, user.unit_code.as_deref())?;
        auth::set_password(conn, &user.id, &hash)?;
        audit::record(
            conn,
            &actor.name,
            "user.password",
            &user.username,
            wall_now(),
        )?;
        Ok(())
    })?;
    Ok(generated.then_some(password))
}

/// Disables a user (their sessions end at once and they cannot sign in) or enables them
/// again. An administrator cannot disable themself.
pub fn set_disabled(
    state: &AppState,
    actor: impl Into<Actor>,
    who: &str,
    disabled: bool,
) -> Result<(), AdminError> {
    let actor = actor.into();
    change(state, |conn| {
        let user = user_named(conn, who)?;
        within(state, &actor, user.unit_code.as_deref())?;
        if disabled && user.username == actor.name {
            return Err(invalid(
                "user",
                "Người dùng: không thể tự khoá tài khoản của chính mình",
                "an administrator cannot disable themself",
            ));
        }
        if user.disabled == disabled {
            let (vi, en) = if disabled {
                ("đã bị khoá", "is already disabled")
            } else {
                ("đang hoạt động", "is already active")
            };
            return Err(invalid(
                "user",
                format!("Người dùng: “{}” {vi}", user.username),
                format!("user '{}' {en}", user.username),
            ));
        }
        auth::set_disabled(conn, &user.id, disabled)?;
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit::record(conn, &actor.name, action, &user.username, wall_now())?;
        Ok(())
    })
}

/// What the users page shows its reader: the users they may see, the units they may choose
/// for a scope, and the names of the units the list names.
pub struct UsersView {
    pub users: Vec<UserInfo>,
    pub units: Vec<Unit>,
    pub unit_names: HashMap<String, String>,
}

pub fn users_view(state: &AppState, reader: &auth::User) -> Result<UsersView, AdminError> {
    let users = users_seen_by(state, reader)?;
    let unit_names = unit_names(state, users.iter().filter_map(|u| u.unit_code.as_deref()));
    Ok(UsersView {
        units: units_today(state, &Actor::from(reader)),
        users,
        unit_names,
    })
}

/// Resets a user's password to a generated one, with the user's name to show beside it.
pub fn reset_password_named(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
) -> Result<(Option<String>, String), AdminError> {
    let name = users(state)?
        .into_iter()
        .find(|u| u.id == id)
        .map_or(id.to_string(), |u| u.username);
    Ok((reset_password(state, actor, id, None)?, name))
}

//! Users, sessions and API tokens. Secrets are stored only as hashes, which the callers make
//! (`crate::secrets`) and hand in: passwords as argon2id, random tokens as SHA-256. Nothing
//! here sees a password or a token.

use super::schema::{api_tokens, sessions, users};
use super::{
    named_by, oldest_first, revoke_named, stored_time, unit_of_named, AnyConnection, DbError,
    IdOrToken,
};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Surveyor,
    Supervisor,
    Admin,
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "admin" => Ok(Role::Admin),
            "supervisor" => Ok(Role::Supervisor),
            "surveyor" => Ok(Role::Surveyor),
            "viewer" => Ok(Role::Viewer),
            other => Err(format!(
                "unknown role '{other}' (admin, supervisor, surveyor, viewer)"
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Surveyor => "surveyor",
            Role::Viewer => "viewer",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub role: Role,
    pub unit: Option<String>,
}

/// Adds a user whose password hashes to `password_hash`.
pub fn add_user(
    conn: &mut AnyConnection,
    username: &str,
    password_hash: &str,
    role: Role,
    unit: Option<&str>,
    at: DateTime<Utc>,
) -> Result<User, DbError> {
    let id = super::time_ordered_id(at);
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::role.eq(role.to_string()),
            users::unit_code.eq(unit),
            users::created_at.eq(stored_time(at)),
            users::disabled.eq(false),
        ))
        .execute(conn)?;
    Ok(User {
        id,
        username: username.to_string(),
        role,
        unit: unit.map(str::to_string),
    })
}

pub fn user_count(conn: &mut AnyConnection) -> Result<i64, DbError> {
    Ok(users::table.count().get_result(conn)?)
}

/// What sign-in and sessions read of a user.
#[derive(Queryable, Selectable)]
#[diesel(table_name = users)]
struct UserRow {
    id: String,
    username: String,
    role: String,
    unit_code: Option<String>,
    password_hash: String,
}

impl UserRow {
    fn into_user(self) -> Option<User> {
        Some(User {
            id: self.id,
            username: self.username,
            role: self.role.parse().ok()?,
            unit: self.unit_code,
        })
    }
}

/// A user who may sign in, and the hash their password is checked against.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

/// The enabled user named `username`, with their password hash: the caller checks the
/// password.
pub fn credentials(
    conn: &mut AnyConnection,
    username: &str,
) -> Result<Option<Credentials>, DbError> {
    let row: Option<UserRow> = users::table
        .filter(users::username.eq(username))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.and_then(|r| {
        let password_hash = r.password_hash.clone();
        Some(Credentials {
            user: r.into_user()?,
            password_hash,
        })
    }))
}

/// A time as sessions store it: UTC, to the second, in one fixed width so that text order is
/// time order on both backends.
fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct SessionLife {
    /// After sign-in, however busy.
    pub hours: i64,
    /// Without a request.
    pub idle_minutes: i64,
}

/// Opens a session for the cookie whose hash is `token_hash`.
pub fn create_session(
    conn: &mut AnyConnection,
    user: &User,
    token_hash: &str,
    life: SessionLife,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    // Sessions that ended are cleared as new ones begin.
    diesel::delete(sessions::table.filter(sessions::expires_at.le(stamp(now)))).execute(conn)?;
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(&user.id),
            sessions::expires_at.eq(stamp(now + chrono::Duration::hours(life.hours))),
            sessions::last_seen.eq(stamp(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Seconds between two writes of a session's last use (a busy page does not write each time).
const LAST_SEEN_STEP: i64 = 60;

/// The user of a live session, named by its cookie's hash: not past its absolute expiry,
/// used within the idle time, and of a user not disabled. Marks the session used.
pub fn session_user(
    conn: &mut AnyConnection,
    token_hash: &str,
    life: SessionLife,
    now: DateTime<Utc>,
) -> Result<Option<User>, DbError> {
    let idle_since = stamp(now - chrono::Duration::minutes(life.idle_minutes));
    let row: Option<(UserRow, String)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(stamp(now)))
        .filter(sessions::last_seen.gt(&idle_since))
        .filter(users::disabled.eq(false))
        .select((UserRow::as_select(), sessions::last_seen))
        .first(conn)
        .optional()?;
    let Some((user, last_seen)) = row else {
        return Ok(None);
    };
    if last_seen < stamp(now - chrono::Duration::seconds(LAST_SEEN_STEP)) {
        diesel::update(sessions::table.find(token_hash))
            .set(sessions::last_seen.eq(stamp(now)))
            .execute(conn)?;
    }
    Ok(user.into_user())
}

/// Number of sessions a user has open (ended ones not yet cleared included).
pub fn session_count(conn: &mut AnyConnection, user_id: &str) -> Result<i64, DbError> {
    Ok(sessions::table
        .filter(sessions::user_id.eq(user_id))
        .count()
        .get_result(conn)?)
}

pub fn end_session(conn: &mut AnyConnection, token_hash: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)?;
    Ok(())
}

/// Stores a bearer token for the API by its hash (the token itself is handed out once by the
/// caller and never stored), limited to `unit` and the units below it (as a user may be) or,
/// with none, of the whole city.
pub fn create_token(
    conn: &mut AnyConnection,
    role: Role,
    label: &str,
    unit: Option<&str>,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(super::time_ordered_id(at)),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::role.eq(role.to_string()),
            api_tokens::label.eq(label),
            api_tokens::created_at.eq(stored_time(at)),
            api_tokens::unit_code.eq(unit),
        ))
        .execute(conn)?;
    Ok(())
}

/// An API token as operators see it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_tokens)]
pub struct TokenInfo {
    pub id: String,
    pub role: String,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub unit_code: Option<String>,
}

pub fn list_tokens(conn: &mut AnyConnection) -> Result<Vec<TokenInfo>, DbError> {
    oldest_first!(conn, api_tokens, TokenInfo)
}

/// Revokes an API token named by id or by the token itself (`id` and its hash, as given);
/// returns whether one was active.
pub fn revoke_token(
    conn: &mut AnyConnection,
    named: &IdOrToken,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    revoke_named!(conn, api_tokens, named, at)
}

/// The unit scope of a token named by id or by the token itself, revoked or not: `None` when
/// there is no such token, `Some(None)` for a token of the whole city.
pub fn token_scope(
    conn: &mut AnyConnection,
    named: &IdOrToken,
) -> Result<Option<Option<String>>, DbError> {
    unit_of_named!(conn, api_tokens, named)
}

/// What an active token may do: its role and the unit it is limited to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub unit: Option<String>,
}

/// The grant of the active token whose hash is `token_hash`.
pub fn token_grant(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Grant>, DbError> {
    let row: Option<(String, Option<String>)> = api_tokens::table
        .filter(api_tokens::token_hash.eq(token_hash))
        .filter(api_tokens::revoked_at.is_null())
        .select((api_tokens::role, api_tokens::unit_code))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(r, unit)| {
        Some(Grant {
            role: r.parse().ok()?,
            unit,
        })
    }))
}

pub fn token_role(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Role>, DbError> {
    Ok(token_grant(conn, token_hash)?.map(|g| g.role))
}

diesel::joinable!(sessions -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(sessions, users);

/// A user as administrators see it: never the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserInfo {
    pub id: String,
    pub username: String,
    pub role: String,
    pub unit_code: Option<String>,
    pub created_at: String,
    pub disabled: bool,
}

pub fn list_users(conn: &mut AnyConnection) -> Result<Vec<UserInfo>, DbError> {
    Ok(users::table
        .order(users::username)
        .select(UserInfo::as_select())
        .load(conn)?)
}

/// A user by id or by name.
pub fn find_user(conn: &mut AnyConnection, id_or_name: &str) -> Result<Option<UserInfo>, DbError> {
    Ok(users::table
        .filter(users::id.eq(id_or_name).or(users::username.eq(id_or_name)))
        .select(UserInfo::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_role(
    conn: &mut AnyConnection,
    id: &str,
    role: Role,
    unit: Option<&str>,
) -> Result<(), DbError> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set((users::role.eq(role.to_string()), users::unit_code.eq(unit)))
        .execute(conn)?;
    Ok(())
}

/// Sets the hash of a new password and ends the user's sessions.
pub fn set_password(
    conn: &mut AnyConnection,
    id: &str,
    password_hash: &str,
) -> Result<(), DbError> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::password_hash.eq(password_hash))
        .execute(conn)?;
    end_sessions_of(conn, id)
}

/// Disables or enables a user; disabling ends their sessions at once.
pub fn set_disabled(conn: &mut AnyConnection, id: &str, disabled: bool) -> Result<(), DbError> {
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::disabled.eq(disabled))
        .execute(conn)?;
    if disabled {
        end_sessions_of(conn, id)?;
    }
    Ok(())
}

pub fn end_sessions_of(conn: &mut AnyConnection, user_id: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

//! Users, sessions and API tokens. Secrets are stored only as hashes: passwords with
//! argon2id, random tokens with SHA-256 (they carry 256 bits, so a fast hash is enough).

use super::schema::{api_tokens, sessions, users};
use super::{stored_time, AnyConnection, DbError};
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

use crate::secrets::{hash_password, password_matches};
pub use crate::secrets::{hash_token, new_secret};

pub fn add_user(
    conn: &mut AnyConnection,
    username: &str,
    password: &str,
    role: Role,
    unit: Option<&str>,
    at: DateTime<Utc>,
) -> Result<User, DbError> {
    let id = uuid::Uuid::now_v7().to_string();
    let hash = hash_password(password).map_err(|e| DbError::Hash(e.to_string()))?;
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::username.eq(username),
            users::password_hash.eq(&hash),
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

/// The user, when the password is right; `None` for any kind of failure (no hints).
pub fn verify_login(
    conn: &mut AnyConnection,
    username: &str,
    password: &str,
) -> Result<Option<User>, DbError> {
    let row: Option<UserRow> = users::table
        .filter(users::username.eq(username))
        .filter(users::disabled.eq(false))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?;
    // An unknown (or disabled) name costs the same argon2 work as a wrong password.
    let stored = row
        .as_ref()
        .map_or(crate::secrets::dummy_hash(), |r| r.password_hash.as_str());
    let matches = password_matches(password, stored);
    Ok(row.filter(|_| matches).and_then(UserRow::into_user))
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

/// Opens a session and returns its cookie value.
pub fn create_session(
    conn: &mut AnyConnection,
    user: &User,
    life: SessionLife,
    now: DateTime<Utc>,
) -> Result<String, DbError> {
    let token = new_secret();
    // Sessions that ended are cleared as new ones begin.
    diesel::delete(sessions::table.filter(sessions::expires_at.le(stamp(now)))).execute(conn)?;
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(hash_token(&token)),
            sessions::user_id.eq(&user.id),
            sessions::expires_at.eq(stamp(now + chrono::Duration::hours(life.hours))),
            sessions::last_seen.eq(stamp(now)),
        ))
        .execute(conn)?;
    Ok(token)
}

/// Seconds between two writes of a session's last use (a busy page does not write each time).
const LAST_SEEN_STEP: i64 = 60;

/// The user of a live session: not past its absolute expiry, used within the idle time, and
/// of a user not disabled. Marks the session used.
pub fn session_user(
    conn: &mut AnyConnection,
    token: &str,
    life: SessionLife,
    now: DateTime<Utc>,
) -> Result<Option<User>, DbError> {
    let idle_since = stamp(now - chrono::Duration::minutes(life.idle_minutes));
    let hash = hash_token(token);
    let row: Option<(UserRow, String)> = sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(&hash))
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
        diesel::update(sessions::table.find(&hash))
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

pub fn end_session(conn: &mut AnyConnection, token: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(hash_token(token))))
        .execute(conn)?;
    Ok(())
}

/// Creates a bearer token for the API; the token itself is returned once and never stored.
pub fn create_token(
    conn: &mut AnyConnection,
    role: Role,
    label: &str,
    at: DateTime<Utc>,
) -> Result<String, DbError> {
    create_scoped_token(conn, role, label, None, at)
}

/// [`create_token`] for a token limited to a unit and the units below it (as a user may be).
pub fn create_scoped_token(
    conn: &mut AnyConnection,
    role: Role,
    label: &str,
    unit: Option<&str>,
    at: DateTime<Utc>,
) -> Result<String, DbError> {
    let token = new_secret();
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::id.eq(uuid::Uuid::now_v7().to_string()),
            api_tokens::token_hash.eq(hash_token(&token)),
            api_tokens::role.eq(role.to_string()),
            api_tokens::label.eq(label),
            api_tokens::created_at.eq(stored_time(at)),
            api_tokens::unit_code.eq(unit),
        ))
        .execute(conn)?;
    Ok(token)
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
    Ok(api_tokens::table
        // Ids are time-ordered: tokens made in the same instant keep the order they were made in.
        .order((api_tokens::created_at, api_tokens::id))
        .select(TokenInfo::as_select())
        .load(conn)?)
}

/// Revokes an API token by id or by the token itself; returns whether one was active.
pub fn revoke_token(
    conn: &mut AnyConnection,
    id_or_token: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let hash = hash_token(id_or_token);
    let n = diesel::update(
        api_tokens::table
            .filter(
                api_tokens::id
                    .eq(id_or_token)
                    .or(api_tokens::token_hash.eq(&hash)),
            )
            .filter(api_tokens::revoked_at.is_null()),
    )
    .set(api_tokens::revoked_at.eq(stored_time(at)))
    .execute(conn)?;
    Ok(n > 0)
}

/// The unit scope of a token named by id or by the token itself, revoked or not: `None` when
/// there is no such token, `Some(None)` for a token of the whole city.
pub fn token_scope(
    conn: &mut AnyConnection,
    id_or_token: &str,
) -> Result<Option<Option<String>>, DbError> {
    let hash = hash_token(id_or_token);
    Ok(api_tokens::table
        .filter(
            api_tokens::id
                .eq(id_or_token)
                .or(api_tokens::token_hash.eq(&hash)),
        )
        .select(api_tokens::unit_code)
        .first(conn)
        .optional()?)
}

/// What an active token may do: its role and the unit it is limited to, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub unit: Option<String>,
}

pub fn token_grant(conn: &mut AnyConnection, token: &str) -> Result<Option<Grant>, DbError> {
    let row: Option<(String, Option<String>)> = api_tokens::table
        .filter(api_tokens::token_hash.eq(hash_token(token)))
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

pub fn token_role(conn: &mut AnyConnection, token: &str) -> Result<Option<Role>, DbError> {
    Ok(token_grant(conn, token)?.map(|g| g.role))
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

/// Sets a new password and ends the user's sessions.
pub fn set_password(conn: &mut AnyConnection, id: &str, password: &str) -> Result<(), DbError> {
    let hash = hash_password(password).map_err(|e| DbError::Hash(e.to_string()))?;
    diesel::update(users::table.filter(users::id.eq(id)))
        .set(users::password_hash.eq(&hash))
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

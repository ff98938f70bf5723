//! Signing staff in and out. Passwords are checked on the password threads; tries are
//! counted first in [`crate::limits::sign_in`]. An unknown name costs the same argon2 work as
//! a known one with a wrong password.

use crate::db::auth::{self, SessionLife, User};
use crate::db::{audit, AnyConnection, DbError};
use crate::passwords::PasswordsBusy;
use crate::secrets::{hash_token, password_of_user, NewToken};
use crate::state::AppState;
use std::net::IpAddr;

/// What a sign-in attempt came to.
pub enum SignIn {
    Opened(Session),
    /// Wrong name or password (no hints about which).
    Refused,
    /// Too many tries from this address lately; the password was not checked.
    Throttled,
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Busy(#[from] PasswordsBusy),
}

/// A session just opened: the cookie value and who it belongs to.
pub struct Session {
    pub token: String,
    pub user: User,
}

/// The user, when the name and password are right; `None` for any kind of failure (no hints).
/// Runs argon2: on the password threads while serving.
pub fn verify_login(
    conn: &mut AnyConnection,
    username: &str,
    password: &str,
) -> Result<Option<User>, DbError> {
    let found = auth::credentials(conn, username)?;
    let stored = found.as_ref().map(|c| c.password_hash.as_str());
    let matches = password_of_user(password, stored);
    Ok(found.filter(|_| matches).map(|c| c.user))
}

/// Opens a session when the name and password are right. `address` is the client's (none
/// when unknown, as in tests that send no address: they all count as one).
pub async fn sign_in(
    state: &AppState,
    address: Option<IpAddr>,
    username: &str,
    password: &str,
) -> Result<SignIn, SignInError> {
    let address = address.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    if !state.sign_in_limits.allow(address, username) {
        return Ok(SignIn::Throttled);
    }
    let pool = state.pool.clone();
    let life = SessionLife {
        hours: state.settings.session_hours,
        idle_minutes: state.settings.session_idle_minutes,
    };
    let (name, password) = (username.to_string(), password.to_string());
    let now = crate::clock::wall_now();
    let session = state
        .passwords
        .run(move || -> Result<Option<Session>, DbError> {
            let mut conn = pool.get()?;
            let Some(user) = verify_login(&mut conn, &name, &password)? else {
                return Ok(None);
            };
            audit::record(&mut conn, &user.username, "login", "", now)?;
            let session = NewToken::generate();
            auth::create_session(&mut conn, &user, &session.hash, life, now)?;
            Ok(Some(Session {
                token: session.token,
                user,
            }))
        })
        .await??;
    Ok(match session {
        Some(s) => SignIn::Opened(s),
        None => SignIn::Refused,
    })
}

pub async fn sign_out(state: &AppState, session_token: String) -> Result<(), DbError> {
    state
        .db(move |conn| auth::end_session(conn, &hash_token(&session_token)))
        .await
}

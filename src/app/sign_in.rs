//! Signing staff in and out. Passwords are checked on the password threads; failures are
//! counted per name so that guessing is slowed down.

use crate::db::auth::{self, User};
use crate::db::{audit, DbError};
use crate::passwords::PasswordsBusy;
use crate::state::AppState;
use std::time::{Duration, Instant};

const MAX_FAILURES: u32 = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// What a sign-in attempt came to.
pub enum SignIn {
    Opened(Session),
    /// Wrong name or password (no hints about which).
    Refused,
    /// Too many failures for this name lately; the password was not checked.
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

/// Opens a session when the name and password are right.
pub async fn sign_in(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<SignIn, SignInError> {
    if throttled(state, username) {
        return Ok(SignIn::Throttled);
    }
    let (pool, hours) = (state.pool.clone(), state.settings.session_hours);
    let (name, password) = (username.to_string(), password.to_string());
    let session = state
        .passwords
        .run(move || -> Result<Option<Session>, DbError> {
            let mut conn = pool.get()?;
            let Some(user) = auth::verify_login(&mut conn, &name, &password)? else {
                return Ok(None);
            };
            audit::record(&mut conn, &user.username, "login", "")?;
            let token = auth::create_session(&mut conn, &user, hours)?;
            Ok(Some(Session { token, user }))
        })
        .await??;
    Ok(match session {
        Some(s) => SignIn::Opened(s),
        None => {
            note_failure(state, username);
            SignIn::Refused
        }
    })
}

pub async fn sign_out(state: &AppState, session_token: String) -> Result<(), DbError> {
    state
        .db(move |conn| auth::end_session(conn, &session_token))
        .await
}

fn throttled(state: &AppState, username: &str) -> bool {
    let Ok(mut map) = state.login_failures.lock() else {
        return false;
    };
    match map.get(username) {
        Some((n, since)) if since.elapsed() < FAILURE_WINDOW => *n >= MAX_FAILURES,
        Some(_) => {
            map.remove(username);
            false
        }
        None => false,
    }
}

fn note_failure(state: &AppState, username: &str) {
    if let Ok(mut map) = state.login_failures.lock() {
        let e = map
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        e.0 += 1;
    }
}

//! What every request, command and benchmark shares: the database pool, the loaded
//! definitions, the writer and the small in-memory caches.

use crate::clock::Clock;
use crate::config::Settings;
use crate::counts::Layouts;
use crate::db::{AnyConnection, DbError, Pool};
use crate::passwords::PasswordWorkers;
use crate::survey::par::ParTree;
use crate::survey::{Catalog, UnitTree};
use crate::writer::Writer;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub catalog: Arc<Catalog>,
    /// Item positions of each survey, for adding responses to the running counts.
    pub layouts: Arc<Layouts>,
    pub units: Arc<UnitTree>,
    /// Whole-index trees (PAR INDEX) from `surveys/trees/`.
    pub trees: Arc<Vec<ParTree>>,
    /// The city's plan: lead agencies and their tasks, if `surveys/plan/` holds one.
    pub plan: Arc<Option<crate::survey::plan::Plan>>,
    /// Results published since the plan's baseline, and each year's rank-20 line.
    pub published: Arc<crate::survey::published::Published>,
    pub settings: Arc<Settings>,
    /// Vietnam time; fixed at a chosen instant in tests.
    pub clock: Clock,
    /// The queue every channel stores through (group commit).
    pub writer: Writer,
    /// The few threads that hash and check passwords (see [`PasswordWorkers`]).
    pub passwords: PasswordWorkers,
    /// Last accepted submission per kiosk id: only for the interval between two answers,
    /// never shown (it would time a citizen's answer).
    pub kiosk_last: Arc<Mutex<HashMap<String, Instant>>>,
    /// Last load of a kiosk's form page (`GET /k/TOKEN`) per kiosk id: whether it is alive.
    pub kiosk_seen: Arc<Mutex<HashMap<String, Instant>>>,
    /// Recently seen API tokens (hash → role, when checked), so a busy client does not cost a
    /// database read per request.
    pub token_cache: Arc<Mutex<HashMap<String, (crate::db::auth::Grant, Instant)>>>,
    /// How often sign-in may be tried, by address and by name from an address.
    pub sign_in_limits: Arc<crate::limits::sign_in::Limits>,
    /// How often the public routes may be asked, per address, kiosk and code or link.
    pub abuse_limits: Arc<crate::limits::Limits>,
    /// Signs CSRF tokens and kiosk forms; the same on every server of one database.
    pub forms_key: crate::secrets::Key,
    /// Keys submission ids as stored (`secrets::keyed_submission`); likewise shared.
    pub submission_key: crate::secrets::Key,
}

impl AppState {
    /// Runs blocking database work on a pooled connection, off the async threads.
    pub async fn db<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            work(&mut conn)
        })
        .await
        .map_err(|_| E::from(DbError::Worker("a database worker thread")))?
    }

    /// Runs a use case off the async threads: a feature's service, synchronous over the
    /// state, as the CLI and the benchmark call it directly.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&AppState) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let state = self.clone();
        actix_web::web::block(move || work(&state))
            .await
            .map_err(|_| E::from(DbError::Worker("a service thread")))?
    }

    /// [`AppState::db`] for callers that may block (the CLI, the benchmark's loaders).
    pub fn db_blocking<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E>,
        E: From<DbError>,
    {
        let mut conn = self.pool.get().map_err(DbError::from)?;
        work(&mut conn)
    }

    /// Commits what the writer holds and closes the database connections on this thread,
    /// before the process exits (see [`Writer::stop`]). Any other clone still alive keeps
    /// the pool open.
    pub fn close(self) {
        self.writer.stop();
        self.passwords.stop();
        drop(self);
    }
}

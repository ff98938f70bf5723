//! Storage on SQLite (embedded default) or PostgreSQL, chosen by the URL scheme.
//!
//! Queries are written once with diesel's DSL and run on the concrete connection through
//! [`with_conn!`]; backend-specific statements (upserts, write transactions) sit behind that one
//! `match`.

pub mod audit;
pub mod auth;
pub mod kiosks;
pub mod packed;
pub mod responses;
pub mod schema;
pub mod tallies;
pub mod units;

use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs `$body` with `$c` bound to the concrete connection inside `$conn`.
#[macro_export]
macro_rules! with_conn {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $body,
            $crate::db::AnyConnection::Postgresql($c) => $body,
        }
    };
}

/// A write transaction: `BEGIN IMMEDIATE` on SQLite, so two writers queue on the busy timeout
/// instead of failing when a reader upgrades.
#[macro_export]
macro_rules! write_tx {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::AnyConnection::Sqlite($c) => $c.immediate_transaction(|$c| $body),
            $crate::db::AnyConnection::Postgresql($c) => $c.transaction(|$c| $body),
        }
    };
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database pool: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
    /// A thread doing database work stopped or could not be started.
    #[error("database worker: {0}")]
    Worker(String),
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq)]
pub enum Backend {
    Sqlite(String),
    Postgres(String),
}

impl Backend {
    /// `postgres://…` or `postgresql://…` → PostgreSQL; `sqlite://PATH`, `sqlite:PATH` or a
    /// bare path → SQLite.
    pub fn from_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres(url.to_string())
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            Backend::Sqlite(path.to_string())
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Backend::Postgres(_))
    }
}

#[derive(Debug, Clone)]
pub struct Manager {
    backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = AnyConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<AnyConnection, r2d2::Error> {
        match &self.backend {
            Backend::Postgres(url) => {
                let mut c =
                    diesel::PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                // Plans are made for the actual values: a generic plan cached while a table was
                // small would keep scanning it whole once it has grown.
                diesel::sql_query("SET plan_cache_mode = force_custom_plan")
                    .execute(&mut c)
                    .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Postgresql(c))
            }
            Backend::Sqlite(path) => {
                let mut c = diesel::SqliteConnection::establish(path)
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL + synchronous=FULL: a committed answer is on disk before the 2xx. Pages of
                // 16 KiB (new databases only) hold a slice's packed counts without overflow.
                diesel::sql_query(
                    "PRAGMA busy_timeout = 10000; PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )
                .execute(&mut c)
                .map_err(r2d2::Error::QueryError)?;
                Ok(AnyConnection::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        with_conn!(conn, |c| diesel::sql_query("SELECT 1")
            .execute(c)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError))
    }

    fn has_broken(&self, _conn: &mut AnyConnection) -> bool {
        false
    }
}

/// Opens a pool and brings the schema up to date.
pub fn connect(url: &str, max_size: u32) -> Result<Pool, DbError> {
    let backend = Backend::from_url(url);
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(15))
        .build(Manager { backend })
        .map_err(|e| DbError::Connect(e.to_string()))?;
    let mut conn = pool.get()?;
    migrate(&mut conn)?;
    Ok(pool)
}

/// Key of the PostgreSQL advisory lock that lets one starting server migrate at a time.
const MIGRATION_LOCK: i64 = 0x0063_6869_736f;

pub fn migrate(conn: &mut AnyConnection) -> Result<(), DbError> {
    let result = match conn {
        AnyConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|_| ()),
        AnyConnection::Postgresql(c) => {
            // Several servers may start at once on one database.
            diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let r = c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|_| ());
            diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            r
        }
    };
    result.map_err(|e| DbError::Migration(e.to_string()))
}

pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Now, as stored (RFC 3339, UTC).
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Today in Vietnam (UTC+7), the day an answer is counted under.
pub fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7))
        .format("%Y-%m-%d")
        .to_string()
}

//! Storage on SQLite (embedded default) or PostgreSQL, chosen by the URL scheme.
//!
//! Queries are written once with diesel's DSL and run on [`AnyConnection`]. Where the SQL
//! differs between the backends (upserts, row locks, write transactions, array inserts), a
//! function matches on the connection once.

pub mod audit;
pub mod auth;
pub mod campaigns;
pub mod codes;
pub mod counts;
pub mod export;
pub mod file_imports;
pub mod keys;
pub mod kiosks;
pub mod paper;
pub mod par_entries;
pub mod recount;
pub mod responses;
pub mod schema;
mod sqlite;
pub mod units;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::query_dsl::methods::ExecuteDsl;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

pub use sqlite::{checkpoint, sqlite_settings, SqliteSettings};

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Runs `f` in a write transaction: `BEGIN IMMEDIATE` on SQLite, so that two writers queue on
/// the busy timeout instead of failing when a reader upgrades; a plain transaction on
/// PostgreSQL. Commits when `f` succeeds, rolls back otherwise.
pub fn write_transaction<T, E>(
    conn: &mut AnyConnection,
    f: impl FnOnce(&mut AnyConnection) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    match conn {
        AnyConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        AnyConnection::Postgresql(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    match f(conn) {
        Ok(value) => {
            let _committing = crate::profile::span(crate::profile::Phase::Commit);
            AnyConnection::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            // The caller's error says what went wrong; a failed rollback leaves the
            // connection marked broken, and the pool discards it.
            let _ = AnyConnection::rollback_transaction(conn);
            Err(e)
        }
    }
}

/// Runs an upsert (`ON CONFLICT …`), which the multi-backend connection cannot express, on
/// the concrete connection.
pub fn upsert<Q>(conn: &mut AnyConnection, statement: Q) -> QueryResult<usize>
where
    Q: ExecuteDsl<diesel::SqliteConnection> + ExecuteDsl<diesel::PgConnection>,
{
    match conn {
        AnyConnection::Sqlite(c) => ExecuteDsl::<diesel::SqliteConnection>::execute(statement, c),
        AnyConnection::Postgresql(c) => ExecuteDsl::<diesel::PgConnection>::execute(statement, c),
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("migrations failed: {0}")]
    Migration(String),
    /// A thread doing database work ended without an answer (it panicked, or the server is
    /// shutting down).
    #[error("{0} stopped before finishing")]
    Worker(&'static str),
    #[error(
        "the stored counts of {slice} cannot be read, so nothing was stored; \
         run `chiso recount --fix` to rebuild them from the answers"
    )]
    UnreadableCounts { slice: String },
    #[error(
        "the count row of {slice} disappeared while a batch was being stored; nothing was stored"
    )]
    CountRowVanished { slice: String },
}

/// PostgreSQL plans each page's read as if it were rare: it compiles it (JIT) and sorts a
/// bitmap scan, which together cost several times the read on a large table. A reader of many
/// pages in key order (an export, a recount) asks for plain ordered index scans instead while
/// `on`, and puts the settings back (`on` false) before the connection returns to the pool.
pub fn reading_many_pages(conn: &mut AnyConnection, on: bool) -> Result<(), DbError> {
    if let AnyConnection::Postgresql(c) = conn {
        let sql = if on {
            "SET jit = off; SET enable_bitmapscan = off"
        } else {
            "RESET jit; RESET enable_bitmapscan"
        };
        c.batch_execute(sql)?;
    }
    Ok(())
}

/// A kiosk or an API token as an operator names it: by its id, or by the token itself, which
/// is looked up by the hash the caller made of it.
#[derive(Debug, Clone, Copy)]
pub struct IdOrToken<'a> {
    pub id: &'a str,
    pub hash: &'a str,
}

/// The rows of `$table` (kiosks, API tokens: each has an `id` and a `token_hash`) that an
/// [`IdOrToken`] names.
macro_rules! named_by {
    ($table:ident, $named:expr) => {{
        let named: &IdOrToken = $named;
        $table::id
            .eq(named.id)
            .or($table::token_hash.eq(named.hash))
    }};
}
pub(crate) use named_by;

/// Revokes the active row of `$table` (kiosks, API tokens) that an [`IdOrToken`] names, as of
/// `$at`; whether there was one.
macro_rules! revoke_named {
    ($conn:expr, $table:ident, $named:expr, $at:expr) => {
        diesel::update(
            $table::table
                .filter(named_by!($table, $named))
                .filter($table::revoked_at.is_null()),
        )
        .set($table::revoked_at.eq(stored_time($at)))
        .execute($conn)
        .map(|n| n > 0)
        .map_err(DbError::from)
    };
}
pub(crate) use revoke_named;

/// The unit of the row of `$table` (kiosks, API tokens) that an [`IdOrToken`] names, revoked
/// or not; none where there is no such row.
macro_rules! unit_of_named {
    ($conn:expr, $table:ident, $named:expr) => {
        $table::table
            .filter(named_by!($table, $named))
            .select($table::unit_code)
            .first($conn)
            .optional()
            .map_err(DbError::from)
    };
}
pub(crate) use unit_of_named;

/// Every row of `$table` (kiosks, API tokens) as `$row`, oldest first: ids are time-ordered,
/// so rows made in the same instant keep the order they were made in.
macro_rules! oldest_first {
    ($conn:expr, $table:ident, $row:ty) => {
        $table::table
            .order(($table::created_at, $table::id))
            .select(<$row>::as_select())
            .load($conn)
            .map_err(DbError::from)
    };
}
pub(crate) use oldest_first;

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
            Backend::Sqlite(path) => sqlite::open(path)
                .map(AnyConnection::Sqlite)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut AnyConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut AnyConnection) -> bool {
        AnyConnection::is_broken_transaction_manager(conn)
    }
}

/// Opens a pool and brings the schema up to date.
pub fn connect(url: &str, max_size: u32) -> Result<Pool, DbError> {
    let manager = Manager {
        backend: Backend::from_url(url),
    };
    // One connection first: a database that refuses a setting fails the start at once, with
    // its reason, instead of after the pool's timeout.
    drop(
        manager
            .connect()
            .map_err(|e| DbError::Connect(e.to_string()))?,
    );
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(15))
        .build(manager)
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

/// A time as stored (RFC 3339, UTC). The caller's clock says when: the database layer never
/// reads one, so tests can fix the time.
pub fn stored_time(at: chrono::DateTime<chrono::Utc>) -> String {
    crate::clock::stored(at)
}

/// A time-ordered (v7) id for a row made at `at`, the caller's time (no clock is read here);
/// ids made in the same millisecond, or with a time before the last one's, keep the order they
/// were made in.
pub fn time_ordered_id(at: chrono::DateTime<chrono::Utc>) -> String {
    static ORDER: std::sync::Mutex<uuid::ContextV7> = std::sync::Mutex::new(uuid::ContextV7::new());
    let seconds = u64::try_from(at.timestamp()).unwrap_or(0);
    let ts = uuid::Timestamp::from_unix(&ORDER, seconds, at.timestamp_subsec_nanos());
    uuid::Uuid::new_v7(ts).to_string()
}

//! SQLite's settings. Every connection sets them one statement at a time and reads them back:
//! SQLite runs only the first statement of a string and ignores a setting it cannot take
//! without a word, so a database could otherwise run in rollback-journal mode, without
//! foreign keys, while docs/storage.md promises otherwise.

use super::{AnyConnection, DbError};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::{ConnectionError, SqliteConnection};

/// Writers wait this long for each other before giving up with "busy".
pub const BUSY_TIMEOUT_MS: i64 = 10_000;
/// Pages that hold a slice's packed counts (about 4 kB) without overflow pages. Only a new
/// database takes it: the page size is fixed when the first table is written.
pub const PAGE_SIZE: i64 = 16_384;
/// Page cache of each connection, in KiB (SQLite's default is 2 MiB, 128 of our pages): enough
/// for a city's score rows and the indexes above them to stay in memory between requests, so
/// that a score after a large load reads no file. A connection fills it only as far as it
/// reads; the pool's eight connections together stay under the server's memory budget.
pub const CACHE_KIB: i64 = 16_384;
/// `synchronous = FULL`: a commit is on disk before it returns, so a 2xx means durable.
pub const SYNCHRONOUS_FULL: i64 = 2;

/// The settings a SQLite connection runs with, as SQLite reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteSettings {
    pub journal_mode: String,
    pub synchronous: i64,
    pub foreign_keys: i64,
    pub page_size: i64,
    pub busy_timeout: i64,
    /// Negative: KiB (SQLite's way of giving the cache in bytes, not pages).
    pub cache_size: i64,
}

/// Opens a connection with chiso's settings, or says which one did not take.
pub(super) fn open(path: &str) -> Result<SqliteConnection, ConnectionError> {
    let fail =
        |what: String| ConnectionError::BadConnection(format!("SQLite database {path}: {what}"));
    let mut c = SqliteConnection::establish(path)?;
    let set = |c: &mut SqliteConnection, sql: &str| {
        c.batch_execute(sql)
            .map_err(|e| fail(format!("`{sql}` failed: {e}")))
    };
    set(&mut c, &format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}"))?;
    // Before the first table and before WAL: either fixes the page size of a new file.
    let new = tables(&mut c).map_err(|e| fail(format!("cannot list its tables: {e}")))? == 0;
    if new {
        set(&mut c, &format!("PRAGMA page_size = {PAGE_SIZE}"))?;
    }
    set(&mut c, "PRAGMA journal_mode = WAL")?;
    set(&mut c, "PRAGMA synchronous = FULL")?;
    set(&mut c, "PRAGMA foreign_keys = ON")?;
    set(&mut c, &format!("PRAGMA cache_size = -{CACHE_KIB}"))?;
    let got = read(&mut c).map_err(|e| fail(format!("cannot read its settings back: {e}")))?;
    let mut wrong = Vec::new();
    if got.journal_mode != "wal" {
        wrong.push(format!("journal_mode is '{}', not 'wal'", got.journal_mode));
    }
    if got.synchronous != SYNCHRONOUS_FULL {
        wrong.push(format!("synchronous is {}, not 2 (FULL)", got.synchronous));
    }
    if got.foreign_keys != 1 {
        wrong.push(format!("foreign_keys is {}, not 1", got.foreign_keys));
    }
    if got.busy_timeout != BUSY_TIMEOUT_MS {
        wrong.push(format!(
            "busy_timeout is {}, not {BUSY_TIMEOUT_MS}",
            got.busy_timeout
        ));
    }
    if got.cache_size != -CACHE_KIB {
        wrong.push(format!(
            "cache_size is {}, not -{CACHE_KIB} (KiB)",
            got.cache_size
        ));
    }
    if new && got.page_size != PAGE_SIZE {
        wrong.push(format!(
            "page_size of the new database is {}, not {PAGE_SIZE}",
            got.page_size
        ));
    }
    if wrong.is_empty() {
        Ok(c)
    } else {
        Err(fail(format!("settings did not take: {}", wrong.join("; "))))
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn tables(c: &mut SqliteConnection) -> QueryResult<i64> {
    let rows: Vec<Count> = diesel::sql_query("SELECT count(*) AS n FROM sqlite_schema").load(c)?;
    Ok(rows.first().map_or(0, |r| r.n))
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

/// One setting, by its table-valued pragma function and that function's column.
fn setting(c: &mut SqliteConnection, pragma: &str, column: &str) -> QueryResult<String> {
    let rows: Vec<Setting> = diesel::sql_query(format!(
        "SELECT CAST({column} AS TEXT) AS value FROM pragma_{pragma}()"
    ))
    .load(c)?;
    rows.into_iter()
        .next()
        .map(|r| r.value)
        .ok_or(diesel::result::Error::NotFound)
}

fn read(c: &mut SqliteConnection) -> QueryResult<SqliteSettings> {
    let number = |c: &mut SqliteConnection, pragma: &str, column: &str| -> QueryResult<i64> {
        let v = setting(c, pragma, column)?;
        v.parse().map_err(|_| {
            diesel::result::Error::DeserializationError(
                format!("PRAGMA {pragma} gave '{v}', not a number").into(),
            )
        })
    };
    Ok(SqliteSettings {
        journal_mode: setting(c, "journal_mode", "journal_mode")?.to_lowercase(),
        synchronous: number(c, "synchronous", "synchronous")?,
        foreign_keys: number(c, "foreign_keys", "foreign_keys")?,
        page_size: number(c, "page_size", "page_size")?,
        busy_timeout: number(c, "busy_timeout", "timeout")?,
        cache_size: number(c, "cache_size", "cache_size")?,
    })
}

/// The settings of a SQLite connection as SQLite reports them; None on PostgreSQL.
pub fn sqlite_settings(conn: &mut AnyConnection) -> Result<Option<SqliteSettings>, DbError> {
    match conn {
        AnyConnection::Sqlite(c) => Ok(Some(read(c)?)),
        AnyConnection::Postgresql(_) => Ok(None),
    }
}

#[derive(QueryableByName)]
struct Checkpoint {
    #[diesel(sql_type = BigInt)]
    busy: i64,
    #[diesel(sql_type = BigInt)]
    log: i64,
    #[diesel(sql_type = BigInt)]
    checkpointed: i64,
}

/// After a large load (an import, the benchmark's history): copies the write-ahead log into
/// the database file. Until then every read looks each page up in a log of the whole load
/// first, which made a city's scores at a million forms three times slower. Passive: it never
/// waits for a reader; whatever a reader still holds is copied at the next checkpoint. Returns
/// whether the whole log was copied; nothing to do on PostgreSQL.
pub fn checkpoint(conn: &mut AnyConnection) -> Result<bool, DbError> {
    let AnyConnection::Sqlite(c) = conn else {
        return Ok(true);
    };
    let rows: Vec<Checkpoint> = diesel::sql_query("PRAGMA wal_checkpoint(PASSIVE)").load(c)?;
    Ok(rows
        .first()
        .is_some_and(|r| r.busy == 0 && r.checkpointed >= r.log))
}

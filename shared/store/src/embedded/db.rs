use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use time::OffsetDateTime;

use crate::StoreError;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS users (
    user_type     TEXT NOT NULL,
    username      TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    email         TEXT,
    name          TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (user_type, username)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT PRIMARY KEY NOT NULL,
    user_type  TEXT NOT NULL,
    username   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS files (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    blob         TEXT NOT NULL,
    PRIMARY KEY (owner, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS staged (
    id            TEXT PRIMARY KEY NOT NULL,
    owner         TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    received_size INTEGER
) WITHOUT ROWID;
";

/// One SQLite connection shared by the adapters. SQLite serialises writers anyway; a mutex
/// keeps it simple, and every call runs on the blocking pool, off the async executor.
#[derive(Clone)]
pub(crate) struct Db(Arc<Mutex<Connection>>);

impl Db {
    pub async fn open(path: PathBuf) -> Result<Self, StoreError> {
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open(&path).map_err(StoreError::internal)?;
            conn.execute_batch(SCHEMA).map_err(StoreError::internal)?;
            Ok(Db(Arc::new(Mutex::new(conn))))
        })
        .await
        .map_err(StoreError::internal)?
    }

    /// Runs `f` with the connection on the blocking pool.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let db = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = db
                .lock()
                .map_err(|_| StoreError::Internal("database mutex poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(StoreError::internal)?
    }
}

/// Runs an `INSERT` whose primary key decides between racing writers: a taken key is
/// [`StoreError::AlreadyExists`], and nothing changes.
pub(crate) fn insert_unique(
    conn: &Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<(), StoreError> {
    match conn.execute(sql, params) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(StoreError::AlreadyExists)
        }
        Err(e) => Err(StoreError::internal(e)),
    }
}

pub(crate) fn to_unix(at: OffsetDateTime) -> i64 {
    at.unix_timestamp()
}

pub(crate) fn from_unix(secs: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp(secs).map_err(StoreError::internal)
}

/// Turns a stored string back into a domain value; a failure means corrupt data.
pub(crate) fn parse_stored<T, E: std::fmt::Display>(
    raw: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    parse(raw).map_err(|e| StoreError::Internal(format!("corrupt stored value {raw:?}: {e}")))
}

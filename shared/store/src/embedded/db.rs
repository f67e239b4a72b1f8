use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
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
    email_verified INTEGER NOT NULL DEFAULT 0,
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
    visibility   TEXT NOT NULL DEFAULT 'all_clients',
    PRIMARY KEY (owner, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS shares (
    owner         TEXT NOT NULL,
    name          TEXT NOT NULL,
    client        TEXT NOT NULL,
    granted_at    INTEGER NOT NULL,
    expires_at    INTEGER,
    max_downloads INTEGER,
    downloads     INTEGER NOT NULL,
    PRIMARY KEY (owner, name, client)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS shares_by_client ON shares (client, owner, name);
CREATE TABLE IF NOT EXISTS activity (
    owner      TEXT NOT NULL,
    id         TEXT NOT NULL,
    at         INTEGER NOT NULL,
    action     TEXT NOT NULL,
    file       TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor      TEXT NOT NULL,
    client     TEXT,
    source_ip  TEXT,
    user_agent TEXT,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (owner, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS activity_by_expiry ON activity (expires_at);
CREATE TABLE IF NOT EXISTS invites (
    code_hash  TEXT PRIMARY KEY NOT NULL,
    user_type  TEXT NOT NULL,
    email      TEXT,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by    TEXT,
    used_at    INTEGER
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

/// Connections kept for reads; more are opened under load and closed when idle ones exceed it.
const IDLE_READERS: usize = 8;

/// The embedded database: one writer connection (SQLite serialises writers anyway), run on
/// the blocking pool because a commit may wait on the disk; and a pool of read connections,
/// which WAL mode lets run beside the writer and each other.
///
/// Reads run inline on the calling task: they are point look-ups and short ranges by primary
/// key, tens of microseconds, and a hop to the blocking pool would cost more than the query.
/// Each connection caches its prepared statements (`prepare_cached`).
#[derive(Clone)]
pub(crate) struct Db {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<Readers>,
}

struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl Readers {
    fn open(&self) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags).map_err(StoreError::internal)?;
        configure(&conn)?;
        Ok(conn)
    }
}

/// How long a statement waits for a lock (a checkpoint, the writer) before failing.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// What every connection gets: a busy timeout, and the query planner's stability guarantee.
/// Without it SQLite marks a statement whose plan could depend on a bound value (a range on
/// a key, a bound LIMIT: every listing here) for re-preparing on each new binding, so the
/// statement cache saved nothing and a third of a listing's time went to parsing SQL.
fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(StoreError::internal)?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )
    .map_err(StoreError::internal)?;
    Ok(())
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Internal("database mutex poisoned".into())
}

impl Db {
    pub async fn open(path: PathBuf) -> Result<Self, StoreError> {
        tokio::task::spawn_blocking(move || {
            let conn = Connection::open(&path).map_err(StoreError::internal)?;
            configure(&conn)?;
            conn.execute_batch(SCHEMA).map_err(StoreError::internal)?;
            migrate(&conn)?;
            Ok(Db {
                writer: Arc::new(Mutex::new(conn)),
                readers: Arc::new(Readers {
                    path,
                    idle: Mutex::new(Vec::new()),
                }),
            })
        })
        .await
        .map_err(StoreError::internal)?
    }

    /// Runs `f` with the writer connection on the blocking pool.
    pub async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || f(&mut *writer.lock().map_err(poisoned)?))
            .await
            .map_err(StoreError::internal)?
    }

    /// Runs `f` with the writer connection on the calling thread, for a thread of its own
    /// (never an async task: it may wait on the disk and on other writers).
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(&mut *self.writer.lock().map_err(poisoned)?)
    }

    /// Runs the read-only `f` with a pooled read connection, here and now. It sees every
    /// write committed before it started.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.idle.lock().map_err(poisoned)?.pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => self.readers.open()?,
        };
        let result = f(&conn);
        let mut idle = self.readers.idle.lock().map_err(poisoned)?;
        if idle.len() < IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}

/// Brings a data dir made by an earlier version up to the current schema, in place.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let has_column = |table: &str, column: &str| {
        conn.prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")
            .and_then(|mut s| s.exists([table, column]))
            .map_err(StoreError::internal)
    };
    if !has_column("users", "email_verified")? {
        conn.execute_batch(
            "ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0",
        )
        .map_err(StoreError::internal)?;
        tracing::info!("migrated the users table: email_verified");
    }
    let has_visibility = has_column("files", "visibility")?;
    if !has_visibility {
        // Files stored before visibility existed were seen by every client: they keep that.
        conn.execute_batch(
            "ALTER TABLE files ADD COLUMN visibility TEXT NOT NULL DEFAULT 'all_clients'",
        )
        .map_err(StoreError::internal)?;
        tracing::info!("migrated the files table: visibility (existing files: all_clients)");
    }
    Ok(())
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

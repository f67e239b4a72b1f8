use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OpenFlags};
use time::OffsetDateTime;

use crate::StoreError;

/// What every database file gets first: WAL, so readers never wait on the writer; `NORMAL`
/// sync, durable across a crash of the process (a commit is in the WAL before it returns).
const PRAGMAS: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
";

/// The main database, `ezshare.sqlite3`: accounts, sessions, files, shares, invites, and
/// the login and signup attempt counts.
pub(crate) const MAIN: Schema = Schema {
    ddl: MAIN_DDL,
    migrate: migrate_main,
};

const MAIN_DDL: &str = "
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
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user_type, username);
CREATE TABLE IF NOT EXISTS files (
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    uploaded_at  INTEGER NOT NULL,
    blob         TEXT NOT NULL,
    visibility   TEXT NOT NULL DEFAULT 'all_clients',
    sha256       TEXT,
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
CREATE TABLE IF NOT EXISTS attempts (
    key        TEXT PRIMARY KEY NOT NULL,
    count      INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS attempts_by_expiry ON attempts (expires_at);
CREATE TABLE IF NOT EXISTS lockouts (
    key       TEXT PRIMARY KEY NOT NULL,
    level     INTEGER NOT NULL,
    until     INTEGER NOT NULL,
    forget_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lockouts_by_forget_at ON lockouts (forget_at);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    purpose    TEXT NOT NULL,
    user_type  TEXT NOT NULL,
    username   TEXT NOT NULL,
    email      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS multipart (
    id           TEXT PRIMARY KEY NOT NULL,
    owner        TEXT NOT NULL,
    name         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    sha256       TEXT,
    part_size    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS multipart_parts (
    upload_id   TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS staged (
    id            TEXT PRIMARY KEY NOT NULL,
    owner         TEXT NOT NULL,
    name          TEXT NOT NULL,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    received_size INTEGER,
    sha256        TEXT
) WITHOUT ROWID;
";

/// Connections kept for reads; more are opened under load and closed when idle ones exceed it.
const IDLE_READERS: usize = 8;

/// The DDL of one database file and what upgrades a file made by an earlier version.
#[derive(Clone, Copy)]
pub(crate) struct Schema {
    pub ddl: &'static str,
    pub migrate: fn(&Connection) -> Result<(), StoreError>,
}

/// Every connection goes through SQLite's `unix-excl` VFS: the server's process holds an
/// exclusive lock on the file for as long as it has it open, and its connections coordinate
/// in memory (the WAL index on the heap, no `-shm` file). Without it every read transaction
/// took and released a POSIX lock on the `-shm` file — two `fcntl` calls under a mutex that
/// every connection shares — which was a sixth of a listing's time. Another process cannot
/// open the file meanwhile: one server per data dir (`ezshare invite` reaches a running one
/// through the invite spool).
#[cfg(unix)]
fn open_connection(path: &std::path::Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    Connection::open_with_flags_and_vfs(path, flags, c"unix-excl").map_err(StoreError::internal)
}

#[cfg(not(unix))]
fn open_connection(path: &std::path::Path, flags: OpenFlags) -> Result<Connection, StoreError> {
    Connection::open_with_flags(path, flags).map_err(StoreError::internal)
}

/// A lock held by another process: another server on the same data dir.
fn in_use_or_internal(path: &std::path::Path, e: rusqlite::Error) -> StoreError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::Unavailable(format!(
                "{} is in use by another process (an ezshare server on the same data dir?)",
                path.display()
            ))
        }
        _ => StoreError::internal(e),
    }
}

/// An embedded database: one writer connection (SQLite serialises writers anyway), run on
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
    /// A read connection: opened read-write, because `unix-excl` keeps its locks in memory
    /// only for connections that may write (a read-only one would take file locks again),
    /// and made read-only by `query_only`.
    fn open(&self) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = open_connection(&self.path, flags)?;
        configure(&conn)?;
        conn.pragma_update(None, "query_only", true)
            .map_err(StoreError::internal)?;
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
    /// Opens (creating if needed) the database at `path` and brings it to `schema`.
    pub async fn open(path: PathBuf, schema: Schema) -> Result<Self, StoreError> {
        tokio::task::spawn_blocking(move || {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = open_connection(&path, flags)?;
            configure(&conn)?;
            // The first statement takes the process's exclusive lock on the file.
            conn.execute_batch(PRAGMAS)
                .map_err(|e| in_use_or_internal(&path, e))?;
            conn.execute_batch(schema.ddl)
                .map_err(StoreError::internal)?;
            (schema.migrate)(&conn)?;
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

    /// A read-write connection outside the pool, for a thread of its own (a checkpointer).
    pub fn side_connection(&self) -> Result<Connection, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = open_connection(&self.readers.path, flags)?;
        configure(&conn)?;
        Ok(conn)
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

/// Brings a main database made by an earlier version up to the current schema, in place.
fn migrate_main(conn: &Connection) -> Result<(), StoreError> {
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
    if !has_column("staged", "sha256")? {
        conn.execute_batch("ALTER TABLE staged ADD COLUMN sha256 TEXT")
            .map_err(StoreError::internal)?;
        tracing::info!("migrated the staged table: sha256");
    }
    if !has_column("files", "sha256")? {
        // Files stored before digests were kept have none (NULL): the API omits the field.
        conn.execute_batch("ALTER TABLE files ADD COLUMN sha256 TEXT")
            .map_err(StoreError::internal)?;
        tracing::info!("migrated the files table: sha256");
    }
    Ok(())
}

pub(crate) fn has_table(conn: &Connection, table: &str) -> Result<bool, StoreError> {
    conn.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?1")
        .and_then(|mut s| s.exists([table]))
        .map_err(StoreError::internal)
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

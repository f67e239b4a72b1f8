use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::db::{Db, from_unix, to_unix};
use crate::{AttemptStore, Lockout, StoreError, Window};

/// Attempt counts and lockouts in the main database. Each count is one row per key and
/// window, changed by an upsert that returns the new count inside the writer's transaction:
/// atomic, since SQLite has one writer.
pub struct EmbeddedAttempts {
    db: Db,
}

impl EmbeddedAttempts {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

/// The row of `key`'s count in `window`: by its start and length, since windows of
/// different lengths start together (every hour is also a quarter hour).
fn row_key(key: &str, window: Window) -> String {
    format!("{key}@{}+{}", to_unix(window.start), window.seconds)
}

#[async_trait]
impl AttemptStore for EmbeddedAttempts {
    async fn add_attempts(&self, key: &str, window: Window, delta: i64) -> Result<i64, StoreError> {
        let row = row_key(key, window);
        let expires_at = to_unix(window.end());
        let now = to_unix(OffsetDateTime::now_utc());
        self.db
            .write(move |conn| {
                let tx = conn.transaction().map_err(StoreError::internal)?;
                // Ended windows go as new counts come in (an index on the expiry keeps it
                // to the rows that go), in the same commit.
                tx.prepare_cached("DELETE FROM attempts WHERE expires_at <= ?1")
                    .and_then(|mut s| s.execute(params![now]))
                    .map_err(StoreError::internal)?;
                let count = tx
                    .prepare_cached(
                        "INSERT INTO attempts (key, count, expires_at) VALUES (?1, ?2, ?3)
                         ON CONFLICT (key) DO UPDATE SET count = count + excluded.count
                         RETURNING count",
                    )
                    .and_then(|mut s| s.query_row(params![row, delta, expires_at], |r| r.get(0)))
                    .map_err(StoreError::internal)?;
                tx.commit().map_err(StoreError::internal)?;
                Ok(count)
            })
            .await
    }

    async fn clear_attempts(&self, key: &str, window: Window) -> Result<(), StoreError> {
        let row = row_key(key, window);
        self.db
            .write(move |conn| {
                conn.prepare_cached("DELETE FROM attempts WHERE key = ?1")
                    .and_then(|mut s| s.execute(params![row]))
                    .map(drop)
                    .map_err(StoreError::internal)
            })
            .await
    }

    async fn find_lockout(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Lockout>, StoreError> {
        let key = key.to_owned();
        self.db.read(move |conn| {
            let row: Option<(i64, i64, i64)> = conn
                .prepare_cached(
                    "SELECT level, until, forget_at FROM lockouts
                     WHERE key = ?1 AND forget_at > ?2",
                )
                .and_then(|mut s| {
                    s.query_row(params![key, to_unix(now)], |r| r.try_into())
                        .optional()
                })
                .map_err(StoreError::internal)?;
            row.map(|(level, until, forget_at)| {
                Ok(Lockout {
                    level: u32::try_from(level).map_err(StoreError::internal)?,
                    until: from_unix(until)?,
                    forget_at: from_unix(forget_at)?,
                })
            })
            .transpose()
        })
    }

    async fn put_lockout(&self, key: &str, lockout: &Lockout) -> Result<(), StoreError> {
        let key = key.to_owned();
        let l = *lockout;
        let now = to_unix(OffsetDateTime::now_utc());
        self.db
            .write(move |conn| {
                let tx = conn.transaction().map_err(StoreError::internal)?;
                tx.prepare_cached("DELETE FROM lockouts WHERE forget_at <= ?1")
                    .and_then(|mut s| s.execute(params![now]))
                    .map_err(StoreError::internal)?;
                tx.prepare_cached(
                    "INSERT OR REPLACE INTO lockouts (key, level, until, forget_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        key,
                        l.level,
                        to_unix(l.until),
                        to_unix(l.forget_at)
                    ])
                })
                .map_err(StoreError::internal)?;
                tx.commit().map_err(StoreError::internal)
            })
            .await
    }

    async fn clear_lockout(&self, key: &str) -> Result<(), StoreError> {
        let key = key.to_owned();
        self.db
            .write(move |conn| {
                conn.prepare_cached("DELETE FROM lockouts WHERE key = ?1")
                    .and_then(|mut s| s.execute(params![key]))
                    .map(drop)
                    .map_err(StoreError::internal)
            })
            .await
    }
}

use async_trait::async_trait;
use ezshare_domain::{SessionId, UserType, Username};
use rusqlite::{OptionalExtension, params};

use super::db::{Db, from_unix, insert_unique, parse_stored, to_unix};
use crate::{SessionRecord, SessionStore, StoreError};

pub struct EmbeddedSessions {
    db: Db,
}

impl EmbeddedSessions {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }

    /// Deletes sessions that expired before `now`; returns how many.
    pub async fn purge_expired(&self, now: time::OffsetDateTime) -> Result<usize, StoreError> {
        self.db
            .write(move |conn| {
                conn.execute(
                    "DELETE FROM sessions WHERE expires_at <= ?1",
                    params![to_unix(now)],
                )
                .map_err(StoreError::internal)
            })
            .await
    }
}

#[async_trait]
impl SessionStore for EmbeddedSessions {
    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let s = session.clone();
        self.db
            .write(move |conn| {
                insert_unique(
                    conn,
                    "INSERT INTO sessions (id, user_type, username, created_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![
                        s.id.as_str(),
                        s.user_type.as_str(),
                        s.username.as_str(),
                        to_unix(s.created_at),
                        to_unix(s.expires_at),
                    ],
                )
            })
            .await
    }

    async fn find_session(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let id = id.clone();
        self.db.read(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT user_type, username, created_at, expires_at FROM sessions
                         WHERE id = ?1",
                )
                .map_err(StoreError::internal)?
                .query_row(params![id.as_str()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .optional()
                .map_err(StoreError::internal)?;
            let Some((user_type, username, created_at, expires_at)) = row else {
                return Ok(None);
            };
            Ok(Some(SessionRecord {
                id,
                user_type: parse_stored(&user_type, str::parse::<UserType>)?,
                username: parse_stored(&username, Username::parse)?,
                created_at: from_unix(created_at)?,
                expires_at: from_unix(expires_at)?,
            }))
        })
    }

    async fn delete_user_sessions(
        &self,
        user_type: UserType,
        username: &Username,
        keep: Option<&SessionId>,
    ) -> Result<usize, StoreError> {
        let username = username.clone();
        let keep = keep.map(|k| k.as_str().to_owned()).unwrap_or_default();
        self.db
            .write(move |conn| {
                conn.prepare_cached(
                    "DELETE FROM sessions WHERE user_type = ?1 AND username = ?2 AND id != ?3",
                )
                .and_then(|mut s| s.execute(params![user_type.as_str(), username.as_str(), keep]))
                .map_err(StoreError::internal)
            })
            .await
    }

    async fn delete_session(&self, id: &SessionId) -> Result<(), StoreError> {
        let id = id.clone();
        self.db
            .write(move |conn| {
                conn.execute("DELETE FROM sessions WHERE id = ?1", params![id.as_str()])
                    .map(|_| ())
                    .map_err(StoreError::internal)
            })
            .await
    }
}

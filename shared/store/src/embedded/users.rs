use async_trait::async_trait;
use ezshare_domain::{DisplayName, Email, UserType, Username};
use rusqlite::{OptionalExtension, params};

use super::db::{Db, from_unix, insert_unique, parse_stored, to_unix};
use crate::{StoreError, UserRecord, UserStore};

pub struct EmbeddedUsers {
    db: Db,
}

impl EmbeddedUsers {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

/// Inserts the user unless one of that type and name exists: the primary key makes it a
/// put-if-absent, atomic under concurrency ([`StoreError::AlreadyExists`]).
pub(crate) fn insert_user(
    conn: &rusqlite::Connection,
    user: &UserRecord,
) -> Result<(), StoreError> {
    insert_unique(
        conn,
        "INSERT INTO users (user_type, username, password_hash, email, name, created_at,
                            email_verified)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            user.user_type.as_str(),
            user.username.as_str(),
            user.password_hash,
            user.email.as_ref().map(Email::as_str),
            user.name.as_ref().map(DisplayName::as_str),
            to_unix(user.created_at),
            user.email_verified,
        ],
    )
}

#[async_trait]
impl UserStore for EmbeddedUsers {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let user = user.clone();
        self.db.write(move |conn| insert_user(conn, &user)).await
    }

    async fn user_exists(
        &self,
        user_type: UserType,
        username: &Username,
    ) -> Result<bool, StoreError> {
        self.db.read(|conn| {
            conn.prepare_cached("SELECT 1 FROM users WHERE user_type = ?1 AND username = ?2")
                .map_err(StoreError::internal)?
                .exists(params![user_type.as_str(), username.as_str()])
                .map_err(StoreError::internal)
        })
    }

    async fn mark_email_verified(
        &self,
        user_type: UserType,
        username: &Username,
        email: &ezshare_domain::Email,
    ) -> Result<bool, StoreError> {
        let (username, email) = (username.clone(), email.as_str().to_owned());
        self.db
            .write(move |conn| {
                conn.prepare_cached(
                    "UPDATE users SET email_verified = 1
                     WHERE user_type = ?1 AND username = ?2 AND email = ?3",
                )
                .and_then(|mut s| s.execute(params![user_type.as_str(), username.as_str(), email]))
                .map(|changed| changed == 1)
                .map_err(StoreError::internal)
            })
            .await
    }

    async fn replace_password_hash(
        &self,
        user_type: UserType,
        username: &Username,
        current: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let (username, current, new) = (username.clone(), current.to_owned(), new.to_owned());
        self.db
            .write(move |conn| {
                conn.prepare_cached(
                    "UPDATE users SET password_hash = ?4
                     WHERE user_type = ?1 AND username = ?2 AND password_hash = ?3",
                )
                .and_then(|mut s| {
                    s.execute(params![user_type.as_str(), username.as_str(), current, new])
                })
                .map(|changed| changed == 1)
                .map_err(StoreError::internal)
            })
            .await
    }

    async fn find_user(
        &self,
        user_type: UserType,
        username: &Username,
    ) -> Result<Option<UserRecord>, StoreError> {
        let username = username.clone();
        self.db.read(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT password_hash, email, name, created_at, email_verified FROM users
                         WHERE user_type = ?1 AND username = ?2",
                )
                .map_err(StoreError::internal)?
                .query_row(params![user_type.as_str(), username.as_str()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, bool>(4)?,
                    ))
                })
                .optional()
                .map_err(StoreError::internal)?;
            let Some((password_hash, email, name, created_at, email_verified)) = row else {
                return Ok(None);
            };
            Ok(Some(UserRecord {
                user_type,
                username,
                password_hash,
                email: email.map(|e| parse_stored(&e, Email::parse)).transpose()?,
                email_verified,
                name: name
                    .map(|n| parse_stored(&n, DisplayName::parse))
                    .transpose()?,
                created_at: from_unix(created_at)?,
            }))
        })
    }
}

use async_trait::async_trait;
use ezshare_domain::{AccountToken, Email, UserType, Username};
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

use super::db::{Db, from_unix, insert_unique, parse_stored, to_unix};
use crate::tokens::token_key;
use crate::{StoreError, TokenPurpose, TokenRecord, TokenStore};

/// Mailed tokens in the main database; a use is one `DELETE … RETURNING`, which the single
/// writer makes atomic.
pub struct EmbeddedTokens {
    db: Db,
}

impl EmbeddedTokens {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

const COLUMNS: &str = "purpose, user_type, username, email, created_at, expires_at";

type Columns = (String, String, String, String, i64, i64);

fn columns(r: &Row<'_>) -> rusqlite::Result<Columns> {
    r.try_into()
}

fn to_record(c: Columns) -> Result<TokenRecord, StoreError> {
    let (purpose, user_type, username, email, created_at, expires_at) = c;
    Ok(TokenRecord {
        purpose: TokenPurpose::parse(&purpose)
            .ok_or_else(|| StoreError::Internal(format!("stored token purpose {purpose:?}")))?,
        user_type: parse_stored(&user_type, str::parse::<UserType>)?,
        username: parse_stored(&username, Username::parse)?,
        email: parse_stored(&email, Email::parse)?,
        created_at: from_unix(created_at)?,
        expires_at: from_unix(expires_at)?,
    })
}

#[async_trait]
impl TokenStore for EmbeddedTokens {
    async fn put_token(
        &self,
        token: &AccountToken,
        record: &TokenRecord,
    ) -> Result<(), StoreError> {
        let (key, r) = (token_key(token), record.clone());
        self.db
            .write(move |conn| {
                // Expired tokens go as new ones come in.
                conn.execute(
                    "DELETE FROM tokens WHERE expires_at <= ?1",
                    params![to_unix(OffsetDateTime::now_utc())],
                )
                .map_err(StoreError::internal)?;
                insert_unique(
                    conn,
                    &format!("INSERT INTO tokens (token_hash, {COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"),
                    params![
                        key,
                        r.purpose.as_str(),
                        r.user_type.as_str(),
                        r.username.as_str(),
                        r.email.as_str(),
                        to_unix(r.created_at),
                        to_unix(r.expires_at),
                    ],
                )
            })
            .await
    }

    async fn find_token(&self, token: &AccountToken) -> Result<Option<TokenRecord>, StoreError> {
        let key = token_key(token);
        self.db.read(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM tokens WHERE token_hash = ?1"
            ))
            .and_then(|mut s| s.query_row(params![key], columns).optional())
            .map_err(StoreError::internal)?
            .map(to_record)
            .transpose()
        })
    }

    async fn take_token(
        &self,
        token: &AccountToken,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let key = token_key(token);
        self.db
            .write(move |conn| {
                conn.prepare_cached(&format!(
                    "DELETE FROM tokens WHERE token_hash = ?1 AND purpose = ?2 AND expires_at > ?3
                     RETURNING {COLUMNS}"
                ))
                .and_then(|mut s| {
                    s.query_row(params![key, purpose.as_str(), to_unix(now)], columns)
                        .optional()
                })
                .map_err(StoreError::internal)?
                .map(to_record)
                .transpose()
            })
            .await
    }
}

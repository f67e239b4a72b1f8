use async_trait::async_trait;
use ezshare_domain::{Email, InviteCode, UserType, Username};
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::db::{Db, from_unix, insert_unique, parse_stored, to_unix};
use super::invite_spool::InviteSpool;
use super::users::insert_user;
use crate::invites::code_key;
use crate::{InviteRecord, InviteStore, StoreError, StoredInvite, UserRecord};

/// Invites in the main database, and those `ezshare invite` left in the data dir's spool,
/// taken in before every look-up.
pub struct EmbeddedInvites {
    db: Db,
    spool: InviteSpool,
}

impl EmbeddedInvites {
    pub(crate) fn new(db: Db, spool: InviteSpool) -> Self {
        Self { db, spool }
    }

    /// Moves the spooled invites into the database; returns how many.
    pub async fn take_spooled(&self) -> Result<usize, StoreError> {
        let spool = self.spool.clone();
        self.db.write(move |conn| spool.take_into(conn)).await
    }

    /// Deletes invites that expired before `cutoff`, used or not; returns how many.
    pub async fn purge_expired(&self, cutoff: OffsetDateTime) -> Result<usize, StoreError> {
        self.db
            .write(move |conn| {
                conn.execute(
                    "DELETE FROM invites WHERE expires_at < ?1",
                    params![to_unix(cutoff)],
                )
                .map_err(StoreError::internal)
            })
            .await
    }
}

#[async_trait]
impl InviteStore for EmbeddedInvites {
    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        let invite = invite.clone();
        self.db
            .write(move |conn| {
                insert_unique(
                    conn,
                    "INSERT INTO invites (code_hash, user_type, email, created_by, created_at, expires_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        code_key(&invite.code),
                        invite.user_type.as_str(),
                        invite.email.as_ref().map(Email::as_str),
                        invite.created_by.as_ref().map(Username::as_str),
                        to_unix(invite.created_at),
                        to_unix(invite.expires_at),
                    ],
                )
            })
            .await
    }

    async fn find_invite(&self, code: &InviteCode) -> Result<Option<StoredInvite>, StoreError> {
        self.take_spooled().await?;
        let key = code_key(code);
        self.db.read(|conn| {
            let row = conn
                .prepare_cached(
                    "SELECT user_type, email, created_by, expires_at, used_by FROM invites
                     WHERE code_hash = ?1",
                )
                .map_err(StoreError::internal)?
                .query_row(params![key], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })
                .optional()
                .map_err(StoreError::internal)?;
            let Some((user_type, email, created_by, expires_at, used_by)) = row else {
                return Ok(None);
            };
            let username = |raw: String| parse_stored(&raw, Username::parse);
            Ok(Some(StoredInvite {
                user_type: parse_stored(&user_type, str::parse::<UserType>)?,
                email: email.map(|e| parse_stored(&e, Email::parse)).transpose()?,
                created_by: created_by.map(username).transpose()?,
                expires_at: from_unix(expires_at)?,
                used_by: used_by.map(username).transpose()?,
            }))
        })
    }

    async fn redeem_invite(
        &self,
        code: &InviteCode,
        user: &UserRecord,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let (key, user) = (code_key(code), user.clone());
        let spool = self.spool.clone();
        self.db
            .write(move |conn| {
                spool.take_into(conn)?;
                // One writer connection, one transaction: the claim and the insert commit
                // together or not at all, and racing redeems are serialised.
                let tx = conn.transaction().map_err(StoreError::internal)?;
                let claimed = tx
                    .execute(
                        "UPDATE invites SET used_by = ?1, used_at = ?2
                         WHERE code_hash = ?3 AND used_by IS NULL AND user_type = ?4
                           AND expires_at > ?2",
                        params![
                            user.username.as_str(),
                            to_unix(now),
                            key,
                            user.user_type.as_str()
                        ],
                    )
                    .map_err(StoreError::internal)?;
                if claimed != 1 {
                    return Err(StoreError::InviteNotRedeemable);
                }
                // A taken name returns before the commit: the claim rolls back with the tx.
                insert_user(&tx, &user)?;
                tx.commit().map_err(StoreError::internal)
            })
            .await
    }
}

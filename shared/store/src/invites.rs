use async_trait::async_trait;
use ezshare_domain::{Email, InviteCode, UserType, Username};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::{StoreError, UserRecord};

/// An invitation to sign up as one type of user, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct InviteRecord {
    pub code: InviteCode,
    /// The type of account it creates.
    pub user_type: UserType,
    /// The email the account gets, if the inviter named one.
    pub email: Option<Email>,
    /// The OPS user who made it; `None` when an administrator made it with `ezshare invite`.
    pub created_by: Option<Username>,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

/// What a look-up by code finds (the code itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredInvite {
    pub user_type: UserType,
    pub email: Option<Email>,
    pub created_by: Option<Username>,
    pub expires_at: OffsetDateTime,
    /// Set once an account was created with it.
    pub used_by: Option<Username>,
}

impl StoredInvite {
    /// Whether it can still create an account of `user_type` at `now`.
    pub fn admits(&self, user_type: UserType, now: OffsetDateTime) -> bool {
        self.used_by.is_none() && self.user_type == user_type && now < self.expires_at
    }
}

/// Single-use invitations, redeemed atomically with the account they create.
#[async_trait]
pub trait InviteStore: Send + Sync + 'static {
    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError>;

    /// The invite with this code, used or not, until it is deleted after expiry.
    async fn find_invite(&self, code: &InviteCode) -> Result<Option<StoredInvite>, StoreError>;

    /// Creates `user` and marks the invite used by it, both or neither. Fails with
    /// [`StoreError::InviteNotRedeemable`] unless the invite exists, is unused, unexpired at
    /// `now` and for `user.user_type` (of racing redeems of one code exactly one succeeds);
    /// with [`StoreError::AlreadyExists`] if the username is taken, leaving the invite unused.
    async fn redeem_invite(
        &self,
        code: &InviteCode,
        user: &UserRecord,
        now: OffsetDateTime,
    ) -> Result<(), StoreError>;
}

/// The key an invite is stored under: the SHA-256 of its code, hex. A code has 256 random
/// bits, so a fast hash is enough to make a leaked table useless for signing up.
pub(crate) fn code_key(code: &InviteCode) -> String {
    hex::encode(Sha256::digest(code.as_str().as_bytes()))
}

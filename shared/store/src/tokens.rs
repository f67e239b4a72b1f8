use async_trait::async_trait;
use ezshare_domain::{AccountToken, Email, UserType, Username};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::StoreError;

/// What a mailed token lets its holder do, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Confirm that the account's email address reaches its owner.
    VerifyEmail,
    /// Set a new password without the old one.
    ResetPassword,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "verify_email" => Some(Self::VerifyEmail),
            "reset_password" => Some(Self::ResetPassword),
            _ => None,
        }
    }
}

/// A mailed token as stored (the token itself never is, only its hash).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRecord {
    pub purpose: TokenPurpose,
    pub user_type: UserType,
    pub username: Username,
    /// The address it was sent to.
    pub email: Email,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl TokenRecord {
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at <= now
    }
}

/// Single-use tokens sent by mail. Like invites, they are bearer secrets: stored by hash,
/// used up atomically.
#[async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// Stores a new token; [`StoreError::AlreadyExists`] if it is taken (256 random bits:
    /// never in practice).
    async fn put_token(&self, token: &AccountToken, record: &TokenRecord)
    -> Result<(), StoreError>;

    /// The token's record, expired or not, until it is used or deleted after expiry.
    async fn find_token(&self, token: &AccountToken) -> Result<Option<TokenRecord>, StoreError>;

    /// Uses the token up: deletes and returns it if it exists, is for `purpose` and is not
    /// expired at `now`; otherwise `None` and nothing changes. Of racing uses one wins.
    async fn take_token(
        &self,
        token: &AccountToken,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> Result<Option<TokenRecord>, StoreError>;
}

/// The key a token is stored under: its SHA-256, hex (256 random bits: a fast hash is enough
/// to make a leaked table useless).
pub(crate) fn token_key(token: &AccountToken) -> String {
    hex::encode(Sha256::digest(token.as_str().as_bytes()))
}

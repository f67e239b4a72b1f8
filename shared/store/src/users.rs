use async_trait::async_trait;
use ezshare_domain::{DisplayName, Email, UserType, Username};
use time::OffsetDateTime;

use crate::StoreError;

/// A user as stored: one record per (user type, username).
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub user_type: UserType,
    pub username: Username,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub email: Option<Email>,
    /// Whether `email` is known to be the user's: an invite that named it vouches for it.
    pub email_verified: bool,
    pub name: Option<DisplayName>,
    pub created_at: OffsetDateTime,
}

#[async_trait]
pub trait UserStore: Send + Sync + 'static {
    /// Stores `user` unless a user of the same type and name exists, in which case nothing
    /// changes and [`StoreError::AlreadyExists`] is returned. Atomic: of many racing creates of
    /// one key exactly one succeeds.
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError>;

    async fn find_user(
        &self,
        user_type: UserType,
        username: &Username,
    ) -> Result<Option<UserRecord>, StoreError>;

    /// Whether the user exists, reading the key only (never the password hash). Strongly
    /// consistent, like [`UserStore::find_user`].
    async fn user_exists(
        &self,
        user_type: UserType,
        username: &Username,
    ) -> Result<bool, StoreError>;

    /// Marks the user's email verified if it is still `email` (the address a verification
    /// link was sent to); `false` when it is not, or the user is gone.
    async fn mark_email_verified(
        &self,
        user_type: UserType,
        username: &Username,
        email: &ezshare_domain::Email,
    ) -> Result<bool, StoreError>;

    /// Replaces the user's password hash if it is still `current` (compare-and-swap, so of
    /// two racing changes one wins); `false` when it is not, or the user is gone.
    async fn replace_password_hash(
        &self,
        user_type: UserType,
        username: &Username,
        current: &str,
        new: &str,
    ) -> Result<bool, StoreError>;
}

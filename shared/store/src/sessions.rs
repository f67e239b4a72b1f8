use async_trait::async_trait;
use ezshare_domain::{SessionId, UserType, Username};
use time::OffsetDateTime;

use crate::StoreError;

/// A server-side login session; a token is only honoured while its session exists.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: SessionId,
    pub user_type: UserType,
    pub username: Username,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

impl SessionRecord {
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        self.expires_at <= now
    }
}

#[async_trait]
pub trait SessionStore: Send + Sync + 'static {
    /// Stores a new session; [`StoreError::AlreadyExists`] if the id is taken.
    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError>;

    /// A strongly consistent read: a session deleted a moment ago is not returned. Expired
    /// sessions may still be returned (backends delete them lazily); callers check expiry.
    async fn find_session(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError>;

    /// Deletes the session; deleting a missing session is not an error.
    async fn delete_session(&self, id: &SessionId) -> Result<(), StoreError>;

    /// Deletes every session of one user except `keep` (the caller's own, when it stays),
    /// through an index of sessions by user; returns how many it deleted. The AWS index is
    /// eventually consistent: a session started within the last second may survive, and a
    /// second call ends it.
    async fn delete_user_sessions(
        &self,
        user_type: UserType,
        username: &Username,
        keep: Option<&SessionId>,
    ) -> Result<usize, StoreError>;
}

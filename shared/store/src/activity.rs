use async_trait::async_trait;
use ezshare_domain::{ActivityAction, Cursor, FileName, PageLimit, UserType, Username};
use time::OffsetDateTime;

use crate::StoreError;

/// One entry of an OPS user's activity log: something that happened to one of their files.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityEvent {
    /// Unique, and ordered like `at` (see [`ActivityEvent::new_id`]).
    pub id: String,
    pub at: OffsetDateTime,
    pub action: ActivityAction,
    /// The OPS user whose file it is (whose log it is in).
    pub owner: Username,
    pub file: FileName,
    pub actor_type: UserType,
    pub actor: Username,
    /// The client a share or a download link concerned.
    pub client: Option<Username>,
    pub source_ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ActivityEvent {
    /// An id that sorts like the time it was made at: nanoseconds since the epoch (19 digits
    /// until the year 2286), then 64 random bits against collisions.
    pub fn new_id(at: OffsetDateTime) -> String {
        let nanos = at.unix_timestamp_nanos();
        let random = u64::from_be_bytes(ezshare_domain::random_bytes::<8>());
        format!("{nanos:019}-{random:016x}")
    }
}

/// What to list: an owner's events, optionally of one file or one action.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    pub file: Option<FileName>,
    pub action: Option<ActivityAction>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ActivityPage {
    /// Newest first.
    pub events: Vec<ActivityEvent>,
    pub next_cursor: Option<Cursor>,
}

/// The activity log: append-only, newest first, kept until `expires_at` (DynamoDB TTL on
/// AWS, a sweep locally).
#[async_trait]
pub trait ActivityStore: Send + Sync + 'static {
    /// Stores the event durably before returning: callers hand out what it records (a
    /// download link) only after this succeeded.
    async fn record(
        &self,
        event: &ActivityEvent,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError>;

    /// A page of `owner`'s events, newest first, after `cursor`. A filtered page may hold
    /// fewer than `limit` events and still have a cursor.
    async fn list_activity(
        &self,
        owner: &Username,
        filter: &ActivityFilter,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<ActivityPage, StoreError>;
}

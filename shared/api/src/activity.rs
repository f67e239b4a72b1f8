//! Writing the activity log: what happened to a file, who did it, from where.
//!
//! A download link is handed out only once its receipt is stored ([`record_or_fail`]: 503
//! and no link otherwise). The other actions have already happened when they are recorded,
//! so a failure to record them is logged as an error and the action's answer stands
//! ([`record_after`]): telling the caller their upload failed when it did not would be worse.

use ezshare_auth::Caller;
use ezshare_domain::{ActivityAction, FileName, Username};
use ezshare_store::ActivityEvent;
use time::OffsetDateTime;

use crate::{ApiError, AppState, ClientInfo};

/// One event about one of `owner`'s files, by `actor`, from `info`'s address.
pub struct Entry<'a> {
    pub action: ActivityAction,
    pub owner: &'a Username,
    pub file: &'a FileName,
    pub actor: &'a Caller,
    pub client: Option<&'a Username>,
    pub info: &'a ClientInfo,
}

impl Entry<'_> {
    fn event(&self, at: OffsetDateTime) -> ActivityEvent {
        ActivityEvent {
            id: ActivityEvent::new_id(at),
            at,
            action: self.action,
            owner: self.owner.clone(),
            file: self.file.clone(),
            actor_type: self.actor.user_type,
            actor: self.actor.username.clone(),
            client: self.client.cloned(),
            source_ip: self.info.source_ip.map(|ip| ip.to_string()),
            user_agent: self.info.user_agent.clone(),
        }
    }
}

async fn store(state: &AppState, entry: &Entry<'_>) -> Result<(), ezshare_store::StoreError> {
    let now = OffsetDateTime::now_utc();
    let event = entry.event(now);
    let expires_at = now + state.settings.activity_retention;
    state.stores.activity.record(&event, expires_at).await
}

/// Records the event, or fails the request with 503 (the caller gets nothing it records).
pub async fn record_or_fail(state: &AppState, entry: Entry<'_>) -> Result<(), ApiError> {
    store(state, &entry).await.map_err(|e| {
        ApiError::Unavailable(format!(
            "activity {} of {}/{} not recorded: {e}",
            entry.action, entry.owner, entry.file
        ))
    })
}

/// Records an event whose action already happened; a failure is logged, not returned.
pub async fn record_after(state: &AppState, entry: Entry<'_>) {
    if let Err(e) = store(state, &entry).await {
        tracing::error!(
            action = %entry.action,
            owner = %entry.owner,
            file = %entry.file,
            error = %e,
            "activity not recorded"
        );
    }
}

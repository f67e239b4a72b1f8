use async_trait::async_trait;
use ezshare_domain::{FileName, Username};
use time::OffsetDateTime;

use crate::StoreError;

/// One file given to one CLIENT user, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareRecord {
    pub owner: Username,
    pub file: FileName,
    pub client: Username,
    pub granted_at: OffsetDateTime,
    /// After this the share no longer makes the file visible.
    pub expires_at: Option<OffsetDateTime>,
    /// How many download links the share may issue.
    pub max_downloads: Option<u32>,
    /// Download links issued through it so far.
    pub downloads: u32,
}

impl ShareRecord {
    /// Whether the share makes its file visible to its client at `now`: not expired and not
    /// used up. The one statement of that rule.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.expires_at.is_none_or(|at| now < at)
            && self.max_downloads.is_none_or(|max| self.downloads < max)
    }

    /// Links it may still issue, if it is limited.
    pub fn downloads_left(&self) -> Option<u32> {
        self.max_downloads
            .map(|max| max.saturating_sub(self.downloads))
    }
}

/// Shares: which CLIENT users may see which private files.
#[async_trait]
pub trait ShareStore: Send + Sync + 'static {
    /// Creates the share, or replaces it (its download count restarts).
    async fn put_share(&self, share: &ShareRecord) -> Result<(), StoreError>;

    /// `false` if there was no such share.
    async fn delete_share(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
    ) -> Result<bool, StoreError>;

    /// Every share of one file, active or not, sorted by client username.
    async fn file_shares(
        &self,
        owner: &Username,
        file: &FileName,
    ) -> Result<Vec<ShareRecord>, StoreError>;

    /// Up to `limit` shares given to `client` (of `owner`'s files only, if given), active or
    /// not, sorted by (owner, file name), after `after`. On DynamoDB this reads an index,
    /// which follows writes within a moment rather than at once.
    async fn client_shares(
        &self,
        client: &Username,
        owner: Option<&Username>,
        after: Option<(&Username, &FileName)>,
        limit: usize,
    ) -> Result<Vec<ShareRecord>, StoreError>;

    /// Counts one download link against the share, atomically and only if it is active at
    /// `now`: of N concurrent calls on a share with k links left exactly k succeed. Returns
    /// the share as counted, `None` if there is no active share.
    async fn count_download(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
        now: OffsetDateTime,
    ) -> Result<Option<ShareRecord>, StoreError>;

    /// Gives back one count taken by [`ShareStore::count_download`] whose link was then not
    /// handed out (its receipt could not be stored). Never below zero; a missing share is
    /// not an error.
    async fn return_download(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
    ) -> Result<(), StoreError>;

    /// Deletes every share of a file (it was deleted).
    async fn delete_file_shares(&self, owner: &Username, file: &FileName)
    -> Result<(), StoreError>;
}

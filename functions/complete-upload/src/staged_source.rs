use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{UploadId, Username};
use ezshare_filetype::{ByteSource, SourceError};
use ezshare_store::{StagedUpload, UploadStaging};

/// A staged upload as the file-type policy reads it: ranged reads from storage, so deciding
/// the type of a 1 GiB file costs a few small requests. A failed read carries the store's
/// own error, which the API maps (an outage still answers 503).
pub struct StagedSource {
    staging: Arc<dyn UploadStaging>,
    owner: Username,
    id: UploadId,
    /// What was found: every read is of its version, where it is.
    staged: StagedUpload,
}

impl StagedSource {
    pub fn new(
        staging: Arc<dyn UploadStaging>,
        owner: &Username,
        id: &UploadId,
        staged: &StagedUpload,
    ) -> Self {
        Self {
            staging,
            owner: owner.clone(),
            id: id.clone(),
            staged: staged.clone(),
        }
    }
}

#[async_trait]
impl ByteSource for StagedSource {
    async fn len(&self) -> Result<u64, SourceError> {
        Ok(self.staged.size)
    }

    async fn read_at(&self, offset: u64, len: u64) -> Result<Bytes, SourceError> {
        self.staging
            .read_staged(&self.owner, &self.id, &self.staged, offset, len)
            .await
            .map_err(SourceError::new)
    }
}

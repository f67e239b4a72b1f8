use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{UploadId, Username};
use ezshare_filetype::{ByteSource, SourceError};
use ezshare_store::{StoreError, UploadStaging};

/// A staged upload as the file-type policy reads it: ranged reads from storage, so deciding
/// the type of a 1 GiB file costs a few small requests.
pub struct StagedSource {
    staging: Arc<dyn UploadStaging>,
    owner: Username,
    id: UploadId,
    size: u64,
    /// The store's own error, kept so an outage still answers 503 rather than 500.
    failure: Mutex<Option<StoreError>>,
}

impl StagedSource {
    pub fn new(
        staging: Arc<dyn UploadStaging>,
        owner: &Username,
        id: &UploadId,
        size: u64,
    ) -> Self {
        Self {
            staging,
            owner: owner.clone(),
            id: id.clone(),
            size,
            failure: Mutex::new(None),
        }
    }

    pub fn take_store_error(&self) -> Option<StoreError> {
        self.failure.lock().ok()?.take()
    }
}

#[async_trait]
impl ByteSource for StagedSource {
    async fn len(&self) -> Result<u64, SourceError> {
        Ok(self.size)
    }

    async fn read_at(&self, offset: u64, len: u64) -> Result<Bytes, SourceError> {
        match self
            .staging
            .read_staged(&self.owner, &self.id, offset, len)
            .await
        {
            Ok(bytes) => Ok(bytes),
            Err(e) => {
                let message = e.to_string();
                if let Ok(mut slot) = self.failure.lock() {
                    *slot = Some(e);
                }
                Err(SourceError::new(message))
            }
        }
    }
}

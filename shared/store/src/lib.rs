//! Store ports of ezshare and their adapters.
//!
//! The ports are small traits shaped after DynamoDB and S3 semantics (conditional
//! put-if-absent, get by key, delete, expiry, prefix listing with a continuation cursor,
//! presigned download). Every adapter implements the same semantics and passes the same
//! [`conformance`] suite.

mod cursor;
mod error;
mod files;
mod sessions;
mod staging;
mod users;

pub mod embedded;

#[cfg(feature = "aws")]
pub mod aws;

#[cfg(feature = "conformance")]
pub mod conformance;

use std::sync::Arc;

pub use error::StoreError;
pub use files::{FilePage, FileStore, FileSummary, PresignedDownload, StoredFile, WriteMode};
pub use sessions::{SessionRecord, SessionStore};
pub use staging::{PresignedUpload, StagedUpload, UploadIntent, UploadStaging};
pub use users::{UserRecord, UserStore};

/// The stores a deployment uses, behind their ports.
#[derive(Clone)]
pub struct Stores {
    pub users: Arc<dyn UserStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub files: Arc<dyn FileStore>,
    pub staging: Arc<dyn UploadStaging>,
}

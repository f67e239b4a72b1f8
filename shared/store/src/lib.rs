//! Store ports of ezshare and their adapters.
//!
//! The ports are small traits shaped after DynamoDB and S3 semantics (conditional
//! put-if-absent, get by key, delete, expiry, prefix listing with a continuation cursor,
//! presigned download). Every adapter implements the same semantics and passes the same
//! [`conformance`] suite.

mod activity;
mod attempts;
pub mod cursor;
mod error;
mod files;
mod invites;
mod multipart;
mod sessions;
mod shares;
mod staging;
mod tokens;
mod users;

pub mod embedded;

#[cfg(feature = "aws")]
pub mod aws;

#[cfg(feature = "conformance")]
pub mod conformance;

use std::sync::Arc;

pub use activity::{ActivityEvent, ActivityFilter, ActivityPage, ActivityStore};
pub use attempts::{AttemptStore, Lockout, Window};
pub use error::StoreError;
pub use files::{FilePage, FileStore, FileSummary, PresignedDownload, StoredFile, WriteMode};
pub use invites::{InviteRecord, InviteStore, StoredInvite};
pub use multipart::{
    MultipartIntent, MultipartStaging, MultipartState, MultipartUpload, PartsProblem, UploadedPart,
};
pub use sessions::{SessionRecord, SessionStore};
pub use shares::{ShareRecord, ShareStore};
pub use staging::{
    CHECKSUM_SHA256_HEADER, PresignedUpload, StagedUpload, UploadIntent, UploadStaging,
    checksum_base64,
};
pub use tokens::{TokenPurpose, TokenRecord, TokenStore};
pub use users::{UserRecord, UserStore};

/// An adapter's stores by their concrete types (what its own code, such as the local
/// server's routes, may need), sharing whatever clients or connections the adapter has.
pub struct Backend<U, S, F, T, I, H, A, C, K> {
    pub users: Arc<U>,
    pub sessions: Arc<S>,
    pub files: Arc<F>,
    pub staging: Arc<T>,
    pub invites: Arc<I>,
    pub shares: Arc<H>,
    pub activity: Arc<A>,
    pub attempts: Arc<C>,
    pub tokens: Arc<K>,
}

impl<U, S, F, T, I, H, A, C, K> Backend<U, S, F, T, I, H, A, C, K>
where
    U: UserStore,
    S: SessionStore,
    F: FileStore,
    T: UploadStaging,
    I: InviteStore,
    H: ShareStore,
    A: ActivityStore,
    C: AttemptStore,
    K: TokenStore,
{
    /// The same stores behind their ports, as handlers use them.
    pub fn stores(&self) -> Stores {
        Stores {
            users: self.users.clone(),
            sessions: self.sessions.clone(),
            files: self.files.clone(),
            staging: self.staging.clone(),
            invites: self.invites.clone(),
            shares: self.shares.clone(),
            activity: self.activity.clone(),
            attempts: self.attempts.clone(),
            tokens: self.tokens.clone(),
        }
    }
}

/// The stores a deployment uses, behind their ports.
#[derive(Clone)]
pub struct Stores {
    pub users: Arc<dyn UserStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub files: Arc<dyn FileStore>,
    pub staging: Arc<dyn UploadStaging>,
    pub invites: Arc<dyn InviteStore>,
    pub shares: Arc<dyn ShareStore>,
    pub activity: Arc<dyn ActivityStore>,
    pub attempts: Arc<dyn AttemptStore>,
    pub tokens: Arc<dyn TokenStore>,
}

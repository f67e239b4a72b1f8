//! The AWS backend: users, sessions, invites, attempt counts, mailed tokens and file metadata
//! in DynamoDB, file bytes in
//! S3, downloads through S3 presigned URLs. The same code runs against moto in tests (see `ezshare-emulator`).
//!
//! The table and key layout is fixed in [`schema`]; [`bootstrap`] creates what is missing.

mod activity;
mod announced;
mod attempts;
mod bootstrap;
mod errors;
mod file_index;
mod files;
mod invites;
mod item;
mod maintenance;
mod multipart;
mod presign;
pub mod schema;
pub mod sdk;
mod sessions;
mod shares;
mod staging;
mod tokens;
mod users;

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::timeout::TimeoutConfig;

pub use activity::DynamoActivity;
pub use attempts::DynamoAttempts;
pub use bootstrap::bootstrap;
pub use files::AwsFiles;
pub use invites::DynamoInvites;
pub use maintenance::{Migrated, Reconciled, index_legacy_objects, reconcile};
pub use sessions::DynamoSessions;
pub use shares::DynamoShares;
pub use staging::S3Staging;
pub use tokens::DynamoTokens;
pub use users::DynamoUsers;

use crate::Backend;

/// Where a deployment keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsNames {
    pub users_table: String,
    pub sessions_table: String,
    pub invites_table: String,
    pub files_table: String,
    pub shares_table: String,
    pub activity_table: String,
    pub attempts_table: String,
    pub tokens_table: String,
    pub bucket: String,
}

/// The AWS-backed stores, sharing one DynamoDB client and one S3 client (each holds a
/// connection pool; build the backend once per process, e.g. per Lambda cold start).
pub type AwsBackend = Backend<
    DynamoUsers,
    DynamoSessions,
    AwsFiles,
    S3Staging,
    DynamoInvites,
    DynamoShares,
    DynamoActivity,
    DynamoAttempts,
    DynamoTokens,
>;

impl AwsBackend {
    /// Builds the backend from the SDK's configuration and the deployment's names.
    pub fn new(config: &SdkConfig, names: AwsNames) -> Self {
        let dynamodb = dynamodb_client(config);
        let s3 = s3_client(config);
        let index = file_index::FileIndex::new(dynamodb.clone(), names.files_table.clone());
        Backend {
            invites: Arc::new(DynamoInvites::new(
                dynamodb.clone(),
                names.invites_table,
                names.users_table.clone(),
            )),
            shares: Arc::new(DynamoShares::new(dynamodb.clone(), names.shares_table)),
            activity: Arc::new(DynamoActivity::new(dynamodb.clone(), names.activity_table)),
            attempts: Arc::new(DynamoAttempts::new(dynamodb.clone(), names.attempts_table)),
            tokens: Arc::new(DynamoTokens::new(dynamodb.clone(), names.tokens_table)),
            users: Arc::new(DynamoUsers::new(dynamodb.clone(), names.users_table)),
            sessions: Arc::new(DynamoSessions::new(dynamodb, names.sessions_table)),
            files: Arc::new(AwsFiles::new(
                index.clone(),
                s3.clone(),
                names.bucket.clone(),
            )),
            staging: Arc::new(S3Staging::new(index, s3, names.bucket)),
        }
    }
}

/// Fail fast on a dead endpoint instead of hanging a request (and its Lambda) until the
/// platform's own timeout: a refused or slow connection is reported as `Unavailable`.
fn timeouts(attempt: Duration, operation: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(3))
        .operation_attempt_timeout(attempt)
        .operation_timeout(operation)
        .build()
}

pub(crate) fn dynamodb_client(config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(config)
        .timeout_config(timeouts(Duration::from_secs(5), Duration::from_secs(15)))
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

pub(crate) fn s3_client(config: &SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(config)
        // Uploads carry whole files, so an attempt may take longer than a DynamoDB call.
        .timeout_config(timeouts(Duration::from_secs(15), Duration::from_secs(20)))
        // Emulators (moto) serve buckets by path, not by virtual-host subdomain.
        .force_path_style(config.endpoint_url().is_some())
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

impl DynamoInvites {
    /// The invites store alone, for `ezshare invite --backend aws`.
    pub fn from_config(config: &SdkConfig, names: &AwsNames) -> Self {
        Self::new(
            dynamodb_client(config),
            names.invites_table.clone(),
            names.users_table.clone(),
        )
    }
}

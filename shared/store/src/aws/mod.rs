//! The AWS backend: users and sessions in DynamoDB, files in S3, downloads through S3
//! presigned URLs. The same code runs against moto in tests (see `ezshare-emulator`).
//!
//! The table and key layout is fixed in [`schema`]; [`bootstrap`] creates what is missing.

mod bootstrap;
mod errors;
mod files;
mod item;
mod presign;
pub mod schema;
mod sessions;
mod staging;
mod users;

use std::sync::Arc;
use std::time::Duration;

use aws_config::SdkConfig;
use aws_config::timeout::TimeoutConfig;

pub use bootstrap::bootstrap;
pub use files::S3Files;
pub use sessions::DynamoSessions;
pub use staging::S3Staging;
pub use users::DynamoUsers;

use crate::Stores;

/// Where a deployment keeps its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsNames {
    pub users_table: String,
    pub sessions_table: String,
    pub bucket: String,
}

/// The three AWS-backed stores, sharing one DynamoDB client and one S3 client (each holds a
/// connection pool; build the backend once per process, e.g. per Lambda cold start).
pub struct AwsBackend {
    pub users: Arc<DynamoUsers>,
    pub sessions: Arc<DynamoSessions>,
    pub files: Arc<S3Files>,
    pub staging: Arc<S3Staging>,
}

impl AwsBackend {
    pub fn new(config: &SdkConfig, names: AwsNames) -> Self {
        let dynamodb = dynamodb_client(config);
        let s3 = s3_client(config);
        Self {
            users: Arc::new(DynamoUsers::new(dynamodb.clone(), names.users_table)),
            sessions: Arc::new(DynamoSessions::new(dynamodb, names.sessions_table)),
            files: Arc::new(S3Files::new(s3.clone(), names.bucket.clone())),
            staging: Arc::new(S3Staging::new(s3, names.bucket)),
        }
    }

    pub fn stores(&self) -> Stores {
        Stores {
            users: self.users.clone(),
            sessions: self.sessions.clone(),
            files: self.files.clone(),
            staging: self.staging.clone(),
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

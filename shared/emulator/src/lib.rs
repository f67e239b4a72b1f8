//! Test support for the AWS adapters: a [`Moto`] server (DynamoDB + S3 emulator) on a free
//! local port, and [`sdk_config`] to point the AWS SDK at it.
//!
//! moto is installed into `<repo>/.venv` by `scripts/install-tools`; `EZSHARE_MOTO_SERVER`
//! may name another `moto_server` executable.

mod moto;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

pub use moto::{MOTO_PART_MIN_SIZE, Moto};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// One moto for the whole test binary, started on first use and killed when the process
/// exits. Tests sharing it keep apart by using their own [`unique_name`]d tables and buckets.
/// A test that stops or restarts moto must start its own [`Moto`] instead.
pub fn shared_moto() -> &'static Moto {
    static SHARED: OnceLock<Moto> = OnceLock::new();
    SHARED.get_or_init(Moto::start)
}

/// A name no other test of this process uses, valid as a DynamoDB table and an S3 bucket
/// name (lowercase letters, digits and `-`, 3–63 long): `ezs-{tag}-{pid}-{n}`.
pub fn unique_name(tag: &str) -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("ezs-{tag}-{}-{n}", std::process::id());
    assert!(
        name.len() <= 63
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "tag {tag:?} makes an invalid name {name:?}"
    );
    name
}

/// The region every emulator test uses.
pub const REGION: &str = "us-east-1";

/// An SDK config that talks to `endpoint` with static test credentials ("test"/"test").
///
/// The host's environment (profiles, `AWS_*` variables) is ignored, so a developer's real
/// AWS settings can never leak into, or be hit by, a test.
pub async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .empty_test_environment()
        // The SDK crates are built without a default client; moto speaks plain HTTP.
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            "test",
            "test",
            None,
            None,
            "ezshare-emulator",
        ))
        .load()
        .await
}

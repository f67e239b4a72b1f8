//! The conformance suite against the AWS adapter (DynamoDB + S3), served by moto.
//! Needs `scripts/install-tools`; run with `cargo test -p ezshare-store --features aws`.
#![cfg(feature = "aws")]

use ezshare_emulator::{sdk_config, shared_moto, unique_name};
use ezshare_store::aws::{AwsBackend, AwsNames, bootstrap};
use std::sync::Arc;

use bytes::Bytes;
use ezshare_store::PresignedUpload;
use ezshare_store::conformance::{Harness, Uploader};

/// A client's PUT to the presigned URL, with the headers the signature covers.
struct HttpUploader;

#[async_trait::async_trait]
impl Uploader for HttpUploader {
    async fn upload(&self, upload: &PresignedUpload, body: Bytes) -> bool {
        let mut put = reqwest::Client::new().put(&upload.url).body(body);
        for (name, value) in &upload.headers {
            // reqwest sets the length from the body (the same value).
            if !name.eq_ignore_ascii_case("content-length") {
                put = put.header(name, value);
            }
        }
        put.send().await.is_ok_and(|r| r.status().is_success())
    }
}

fn fresh_names() -> AwsNames {
    AwsNames {
        users_table: unique_name("users"),
        sessions_table: unique_name("sessions"),
        invites_table: unique_name("invites"),
        files_table: unique_name("file-index"),
        shares_table: unique_name("shares"),
        activity_table: unique_name("activity"),
        bucket: unique_name("files"),
    }
}

/// Fresh tables and a fresh bucket on the binary's shared moto, so tests stay independent.
async fn fresh() -> Harness {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let names = fresh_names();
    bootstrap(&config, &names).await.unwrap();
    Harness {
        stores: AwsBackend::new(&config, names).stores(),
        guard: Box::new(()),
        uploader: Arc::new(HttpUploader),
    }
}

ezshare_store::conformance_tests!(fresh);

#[tokio::test]
async fn bootstrap_creates_what_is_missing_and_then_nothing() {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let names = fresh_names();
    let first = bootstrap(&config, &names).await.unwrap();
    assert_eq!(
        first,
        [
            format!("table {}", names.users_table),
            format!("table {}", names.sessions_table),
            format!("table {}", names.files_table),
            format!("table {}", names.shares_table),
            format!("table {}", names.activity_table),
            format!("table {}", names.invites_table),
            format!("TTL on {}.expires_at", names.sessions_table),
            format!("TTL on {}.expires_at", names.invites_table),
            format!("TTL on {}.expires_at", names.activity_table),
            format!("bucket {}", names.bucket),
        ]
    );
    assert_eq!(
        bootstrap(&config, &names).await.unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test]
async fn bootstrap_completes_a_partial_setup() {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let names = fresh_names();
    bootstrap(&config, &names).await.unwrap();
    // Another deployment sharing the tables, with its own bucket.
    let more = AwsNames {
        bucket: unique_name("files"),
        ..names.clone()
    };
    assert_eq!(
        bootstrap(&config, &more).await.unwrap(),
        [format!("bucket {}", more.bucket)]
    );
}

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
        attempts_table: unique_name("attempts"),
        tokens_table: unique_name("tokens"),
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
            format!("table {}", names.attempts_table),
            format!("table {}", names.tokens_table),
            format!("TTL on {}.expires_at", names.sessions_table),
            format!("TTL on {}.expires_at", names.invites_table),
            format!("TTL on {}.expires_at", names.activity_table),
            format!("TTL on {}.expires_at", names.attempts_table),
            format!("TTL on {}.expires_at", names.tokens_table),
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

// ---- keeping the bucket and the files table consistent (AWS only) ----

mod maintenance {
    use super::*;
    use ezshare_domain::{ContentType, FileName, Username, Visibility};
    use ezshare_store::WriteMode;
    use ezshare_store::aws::{index_legacy_objects, reconcile, schema};
    use time::OffsetDateTime;

    async fn stack() -> (aws_config::SdkConfig, AwsNames, ezshare_store::Stores) {
        let config = sdk_config(&shared_moto().endpoint()).await;
        let names = fresh_names();
        bootstrap(&config, &names).await.unwrap();
        let stores = AwsBackend::new(&config, names.clone()).stores();
        (config, names, stores)
    }

    async fn put_object(config: &aws_config::SdkConfig, names: &AwsNames, key: &str) {
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(config)
                .force_path_style(true)
                .build(),
        )
        .put_object()
        .bucket(&names.bucket)
        .key(key)
        .content_type("application/pdf")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(
            b"%PDF-1.4 legacy",
        ))
        .send()
        .await
        .unwrap();
    }

    fn owner() -> Username {
        Username::parse("opsy").unwrap()
    }

    #[tokio::test]
    async fn reconcile_deletes_old_orphans_only_and_drops_dangling_entries() {
        let (config, names, stores) = stack().await;
        let name = FileName::parse("kept.pdf").unwrap();
        let kept = stores
            .files
            .put_file(
                &owner(),
                &name,
                &ContentType::parse("application/pdf").unwrap(),
                Bytes::from_static(b"%PDF"),
                WriteMode::CreateNew,
                Visibility::Private,
            )
            .await
            .unwrap();
        let orphan = schema::bucket::new_object_key(&owner());
        put_object(&config, &names, &orphan).await;
        put_object(&config, &names, "files/opsy/legacy.pdf").await;
        let grace = time::Duration::hours(1);

        // Now, everything is younger than the grace period: nothing is touched.
        let now = OffsetDateTime::now_utc();
        let done = reconcile(&config, &names, now, grace).await.unwrap();
        assert!(done.orphans_deleted.is_empty(), "{done:?}");

        // Two hours on: the orphan version goes; the indexed object and the legacy one stay.
        let later = now + time::Duration::hours(2);
        let done = reconcile(&config, &names, later, grace).await.unwrap();
        assert_eq!(done.orphans_deleted, [orphan]);
        assert!(done.dangling_entries_removed.is_empty());
        let file = stores
            .files
            .head_file(&owner(), &name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(file.object, kept.object);

        // An entry whose object vanished is removed: nothing listed cannot be downloaded.
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&config)
                .force_path_style(true)
                .build(),
        )
        .delete_object()
        .bucket(&names.bucket)
        .key(&kept.object)
        .send()
        .await
        .unwrap();
        let done = reconcile(&config, &names, later, grace).await.unwrap();
        assert_eq!(done.dangling_entries_removed, [(owner(), name.clone())]);
        assert_eq!(stores.files.head_file(&owner(), &name).await.unwrap(), None);
        let again = reconcile(&config, &names, later, grace).await.unwrap();
        assert_eq!(again, Default::default(), "a second run finds nothing");
    }

    #[tokio::test]
    async fn migrate_indexes_legacy_objects_where_they_are_once() {
        let (config, names, stores) = stack().await;
        put_object(&config, &names, "files/opsy/old report.pdf").await;
        put_object(&config, &names, "files/not a user!/x.pdf").await;
        let done = index_legacy_objects(&config, &names).await.unwrap();
        let name = FileName::parse("old report.pdf").unwrap();
        assert_eq!(done.indexed, [(owner(), name.clone())]);
        assert_eq!(done.skipped, ["files/not a user!/x.pdf"]);
        let file = stores
            .files
            .head_file(&owner(), &name)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(file.object, "files/opsy/old report.pdf");
        assert_eq!(file.size, 15);
        assert_eq!(
            file.visibility,
            Visibility::AllClients,
            "as the original server had it"
        );
        assert_eq!(file.content_type.as_str(), "application/pdf");
        let link = stores
            .files
            .presign_download(&owner(), &file, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        let bytes = reqwest::get(&link.url)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&bytes[..], b"%PDF-1.4 legacy");
        let again = index_legacy_objects(&config, &names).await.unwrap();
        assert!(again.indexed.is_empty(), "{again:?}");
    }
}

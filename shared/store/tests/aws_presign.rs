//! S3 presigned download URLs: what they look like, and that they serve the file.
#![cfg(feature = "aws")]

use std::collections::HashMap;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use bytes::Bytes;
use ezshare_domain::{ContentType, FileName, Username, Visibility};
use ezshare_emulator::{sdk_config, shared_moto, unique_name};
use ezshare_store::aws::{AwsBackend, AwsNames, bootstrap};
use ezshare_store::{StoredFile, Stores, WriteMode};
use reqwest::Url;
use time::OffsetDateTime;

const TTL: Duration = Duration::from_secs(600);

fn names() -> AwsNames {
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

async fn on_moto() -> (Stores, AwsNames) {
    let config = sdk_config(&shared_moto().endpoint()).await;
    let names = names();
    bootstrap(&config, &names).await.unwrap();
    (AwsBackend::new(&config, names.clone()).stores(), names)
}

fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

fn owner() -> Username {
    Username::parse("opsy").unwrap()
}

/// A file as the store would have found it, its bytes at `object`.
fn stored(object: &str, name: &FileName) -> StoredFile {
    StoredFile {
        name: name.clone(),
        size: 1,
        content_type: ContentType::octet_stream(),
        uploaded_at: OffsetDateTime::now_utc(),
        visibility: Visibility::Private,
        object: object.to_owned(),
        sha256: None,
    }
}

#[tokio::test]
async fn presigned_url_serves_the_bytes_as_an_attachment() {
    let (stores, _) = on_moto().await;
    let name = FileName::parse("résumé 2026.pdf").unwrap();
    // Every byte value, so any re-encoding on the way would show.
    let body: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let pdf = ContentType::parse("application/pdf").unwrap();
    stores
        .files
        .put_file(
            &owner(),
            &name,
            &pdf,
            Bytes::from(body.clone()),
            WriteMode::CreateNew,
            Visibility::Private,
        )
        .await
        .unwrap();
    let file = stores
        .files
        .head_file(&owner(), &name)
        .await
        .unwrap()
        .unwrap();
    let link = stores
        .files
        .presign_download(&owner(), &file, TTL)
        .await
        .unwrap();

    let response = reqwest::get(&link.url).await.unwrap();
    assert_eq!(response.status(), 200);
    let header = |h: &str| response.headers()[h].to_str().unwrap().to_owned();
    assert_eq!(header("content-disposition"), name.content_disposition());
    assert_eq!(header("content-type"), "application/pdf");
    assert_eq!(response.bytes().await.unwrap(), body);
}

#[tokio::test]
async fn presigned_url_is_a_sigv4_query_signature_for_the_file() {
    let (stores, names) = on_moto().await;
    let name = FileName::parse("名前 & co.pdf").unwrap();
    let file = stored("files/opsy/v-object", &name);
    let link = stores
        .files
        .presign_download(&owner(), &file, TTL)
        .await
        .unwrap();
    let url = Url::parse(&link.url).unwrap();
    let q = query(&url);

    // Path-style on the emulator: /{bucket}/{the version's object key}; the name travels in
    // the signed Content-Disposition only.
    assert_eq!(url.path(), format!("/{}/files/opsy/v-object", names.bucket));
    assert_eq!(q["X-Amz-Algorithm"], "AWS4-HMAC-SHA256");
    assert!(
        q["X-Amz-Credential"].starts_with("test/")
            && q["X-Amz-Credential"].ends_with("/us-east-1/s3/aws4_request"),
        "{}",
        q["X-Amz-Credential"]
    );
    let signature = &q["X-Amz-Signature"];
    assert!(signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_eq!(q["X-Amz-Expires"], TTL.as_secs().to_string());
    // Only `host` is signed: a browser following the link sends no other header we control.
    assert_eq!(q["X-Amz-SignedHeaders"], "host");
    assert_eq!(
        q["response-content-disposition"],
        name.content_disposition()
    );
    assert!(
        q["response-content-disposition"]
            .contains("filename*=UTF-8''%E5%90%8D%E5%89%8D%20&%20co.pdf"),
        "{}",
        q["response-content-disposition"]
    );
    assert!(link.expires_at > OffsetDateTime::now_utc());
}

/// Presigning is local computation: static credentials, no endpoint, no network. Without an
/// endpoint URL the URL is the real S3 one, virtual-hosted (no path-style).
#[tokio::test]
async fn presigning_needs_no_network() {
    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "static",
        )))
        .build();
    let names = AwsNames {
        users_table: "users".into(),
        sessions_table: "sessions".into(),
        invites_table: "invites".into(),
        files_table: "files".into(),
        shares_table: "shares".into(),
        activity_table: "activity".into(),
        attempts_table: "attempts".into(),
        tokens_table: "tokens".into(),
        bucket: "ezshare-files".into(),
    };
    let stores = AwsBackend::new(&config, names).stores();
    let name = FileName::parse("report.pdf").unwrap();
    let before = OffsetDateTime::now_utc();
    let link = stores
        .files
        .presign_download(&owner(), &stored("files/opsy/v-1", &name), TTL)
        .await
        .unwrap();

    let url = Url::parse(&link.url).unwrap();
    assert_eq!(url.scheme(), "https");
    assert_eq!(
        url.host_str(),
        Some("ezshare-files.s3.eu-west-1.amazonaws.com")
    );
    assert_eq!(url.path(), "/files/opsy/v-1");
    let q = query(&url);
    assert!(q["X-Amz-Credential"].starts_with("AKIDEXAMPLE/"));
    assert!(q["X-Amz-Credential"].ends_with("/eu-west-1/s3/aws4_request"));
    assert_eq!(
        q["response-content-disposition"],
        "attachment; filename=\"report.pdf\""
    );
    // expires_at is exactly the signing time (X-Amz-Date) plus the ttl.
    let signed_at = time::PrimitiveDateTime::parse(
        &q["X-Amz-Date"],
        time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
    )
    .unwrap()
    .assume_utc();
    assert_eq!(link.expires_at, signed_at + TTL);
    assert!((signed_at - before).whole_seconds().abs() <= 1);
}

/// moto stores a PUT whatever its checksum header says, so what proves that S3 refuses
/// other bytes is the signature: the checksum is one of the headers it covers.
#[tokio::test]
async fn a_direct_upload_url_signs_the_announced_sha256() {
    let (stores, _) = on_moto().await;
    let digest = ezshare_domain::Sha256Digest::of(b"%PDF-1.7 signed");
    let intent = ezshare_store::UploadIntent {
        id: ezshare_domain::UploadId::generate(),
        owner: owner(),
        name: FileName::parse("signed.pdf").unwrap(),
        size: 15,
        content_type: ContentType::parse("application/pdf").unwrap(),
        sha256: Some(digest),
    };
    let link = stores.staging.presign_upload(&intent, TTL).await.unwrap();
    let url = Url::parse(&link.url).unwrap();
    let signed = query(&url)["X-Amz-SignedHeaders"].clone();
    assert!(
        signed.split(';').any(|h| h == "x-amz-checksum-sha256"),
        "signed headers: {signed}"
    );
    let sent: HashMap<String, String> = link
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    assert_eq!(
        sent.get("x-amz-checksum-sha256"),
        Some(&ezshare_store::checksum_base64(&digest))
    );
}

/// A part's URL: an UploadPart of that part number of that upload, with its exact length and
/// (when given) its checksum signed in, so S3 refuses other bytes; the file's m- key only.
#[tokio::test]
async fn a_part_url_signs_its_number_length_and_sha256() {
    let (stores, _) = on_moto().await;
    let intent = ezshare_store::MultipartIntent {
        upload: ezshare_store::UploadIntent {
            id: ezshare_domain::UploadId::generate(),
            owner: owner(),
            name: FileName::parse("parts.pdf").unwrap(),
            size: 25,
            content_type: ContentType::parse("application/pdf").unwrap(),
            sha256: Some(ezshare_domain::Sha256Digest::of(b"whole")),
        },
        part_size: 10,
    };
    let upload = stores.staging.start_multipart(&intent).await.unwrap();
    let digest = ezshare_domain::Sha256Digest::of(b"last part");
    let last = ezshare_domain::PartNumber::new(3).unwrap();
    let link = stores
        .staging
        .presign_part(&upload, last, Some(&digest), TTL)
        .await
        .unwrap();
    let url = Url::parse(&link.url).unwrap();
    let q = query(&url);
    assert_eq!(q["partNumber"], "3");
    assert_eq!(q["uploadId"], upload.handle);
    let id = intent.upload.id.as_str();
    assert!(
        url.path().ends_with(&format!("/files/opsy/m-{id}")),
        "{url}"
    );
    let signed = q["X-Amz-SignedHeaders"].clone();
    for header in ["content-length", "x-amz-checksum-sha256"] {
        assert!(
            signed.split(';').any(|h| h == header),
            "{header} in signed headers: {signed}"
        );
    }
    let sent: HashMap<String, String> = link
        .headers
        .iter()
        .map(|(k, v)| (k.to_ascii_lowercase(), v.clone()))
        .collect();
    assert_eq!(sent.get("content-length").map(String::as_str), Some("5"));
    assert_eq!(
        sent.get("x-amz-checksum-sha256"),
        Some(&ezshare_store::checksum_base64(&digest))
    );
    assert!(!sent.contains_key("x-amzn-trace-id"));
}

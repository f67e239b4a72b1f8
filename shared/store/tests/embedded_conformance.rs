//! The conformance suite against the embedded backend (SQLite + local files).

use std::sync::Arc;

use bytes::Bytes;
use ezshare_store::PresignedUpload;
use ezshare_store::conformance::{Harness, Uploader};
use ezshare_store::embedded::{
    EmbeddedBackend, EmbeddedStaging, LinkPurpose, SignedLink, UploadDelivery, UrlSigner,
};

/// Delivers bytes the way the local server's PUT route does: read the signed link, then
/// hand the headers and body to the staging store.
struct LocalUploader(Arc<EmbeddedStaging>);

#[async_trait::async_trait]
impl Uploader for LocalUploader {
    async fn upload(&self, upload: &PresignedUpload, body: Bytes) -> bool {
        let header = |k: &str| {
            upload
                .headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        let link = SignedLink::parse(&upload.url).expect("the store's own link parses");
        let purpose = link.purpose;
        let delivery = UploadDelivery {
            link,
            content_length: header("content-length").map(|v| v.parse().unwrap()),
            content_type: header("content-type"),
            checksum_sha256: header("x-amz-checksum-sha256"),
            body: futures_util::stream::iter([Ok::<_, std::io::Error>(body)]),
        };
        let now = time::OffsetDateTime::now_utc();
        match purpose {
            LinkPurpose::Part => self.0.receive_part(delivery, now).await.is_ok(),
            _ => self.0.receive_upload(delivery, now).await.is_ok(),
        }
    }
}

async fn fresh() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let backend = EmbeddedBackend::open(
        dir.path(),
        "http://127.0.0.1:9",
        UrlSigner::derive_from(b"conformance"),
    )
    .await
    .unwrap();
    Harness {
        stores: backend.stores(),
        uploader: Arc::new(LocalUploader(backend.staging.clone())),
        guard: Box::new(dir),
    }
}

ezshare_store::conformance_tests!(fresh);

/// A data dir from before visibility existed (its files table has no such column) migrates
/// itself when opened: its files stay visible to every client, as they were.
#[tokio::test]
async fn an_old_data_dir_migrates_itself_at_start() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = rusqlite::Connection::open(dir.path().join("ezshare.sqlite3")).unwrap();
        conn.execute_batch(
            "CREATE TABLE files (
                owner TEXT NOT NULL, name TEXT NOT NULL, size INTEGER NOT NULL,
                content_type TEXT NOT NULL, uploaded_at INTEGER NOT NULL, blob TEXT NOT NULL,
                PRIMARY KEY (owner, name)) WITHOUT ROWID;
             INSERT INTO files VALUES ('opsy', 'old.pdf', 4, 'application/pdf', 1700000000, 'b1');
             CREATE TABLE users (
                user_type TEXT NOT NULL, username TEXT NOT NULL, password_hash TEXT NOT NULL,
                email TEXT, name TEXT, created_at INTEGER NOT NULL,
                PRIMARY KEY (user_type, username)) WITHOUT ROWID;
             INSERT INTO users VALUES ('ops', 'opsy', 'hash', 'o@example.com', NULL, 1700000000);",
        )
        .unwrap();
    }
    std::fs::create_dir_all(dir.path().join("blobs")).unwrap();
    std::fs::write(dir.path().join("blobs").join("b1"), b"%PDF").unwrap();
    let backend = EmbeddedBackend::open(
        dir.path(),
        "http://127.0.0.1:9",
        UrlSigner::derive_from(b"migration"),
    )
    .await
    .unwrap();
    let owner = ezshare_domain::Username::parse("opsy").unwrap();
    let name = ezshare_domain::FileName::parse("old.pdf").unwrap();
    use ezshare_store::FileStore;
    let file = backend
        .files
        .head_file(&owner, &name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.visibility, ezshare_domain::Visibility::AllClients);
    assert_eq!(file.size, 4);
    use ezshare_store::UserStore;
    let user = backend
        .users
        .find_user(ezshare_domain::UserType::Ops, &owner)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.email.unwrap().as_str(), "o@example.com");
    assert!(!user.email_verified);
    // And opening it again changes nothing.
    drop(backend);
    ezshare_store::embedded::migrate(dir.path()).await.unwrap();
}

/// The local server's stand-in for S3's abort-incomplete-multipart rule: an upload started
/// before the cutoff goes with its bytes; a younger one stays.
#[tokio::test]
async fn the_sweep_aborts_multipart_uploads_past_their_time() {
    use ezshare_store::{MultipartIntent, MultipartStaging, UploadIntent};
    let dir = tempfile::tempdir().unwrap();
    let backend = EmbeddedBackend::open(
        dir.path(),
        "http://127.0.0.1:9",
        UrlSigner::derive_from(b"k"),
    )
    .await
    .unwrap();
    let staging = backend.staging.clone();
    let uploader = LocalUploader(staging.clone());
    let plan = MultipartIntent {
        upload: UploadIntent {
            id: ezshare_domain::UploadId::generate(),
            owner: ezshare_domain::Username::parse("opsy").unwrap(),
            name: ezshare_domain::FileName::parse("old.pdf").unwrap(),
            size: 20,
            content_type: ezshare_domain::ContentType::parse("application/pdf").unwrap(),
            sha256: None,
        },
        part_size: 10,
    };
    let upload = staging.start_multipart(&plan).await.unwrap();
    let part = staging
        .presign_part(
            &upload,
            ezshare_domain::PartNumber::new(1).unwrap(),
            None,
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap();
    assert!(
        uploader
            .upload(&part, Bytes::from_static(b"%PDF-1.7 a"))
            .await
    );
    let bytes = dir.path().join("staging").join(plan.upload.id.as_str());
    assert!(
        bytes.exists(),
        "the part is in its place in the upload's file"
    );
    let (i, now) = (&plan.upload, time::OffsetDateTime::now_utc());
    assert_eq!(
        staging
            .sweep_multipart(now - time::Duration::hours(1))
            .await
            .unwrap(),
        0
    );
    assert!(
        staging
            .find_multipart(&i.owner, &i.id)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        staging
            .sweep_multipart(now + time::Duration::seconds(2))
            .await
            .unwrap(),
        1
    );
    assert_eq!(staging.find_multipart(&i.owner, &i.id).await.unwrap(), None);
    assert!(!bytes.exists(), "its bytes go too");
}

//! The conformance suite against the embedded backend (SQLite + local files).

use std::sync::Arc;

use bytes::Bytes;
use ezshare_store::PresignedUpload;
use ezshare_store::conformance::{Harness, Uploader};
use ezshare_store::embedded::{
    EmbeddedBackend, EmbeddedStaging, SignedLink, UploadDelivery, UrlSigner,
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
        let delivery = UploadDelivery {
            link: SignedLink::parse(&upload.url).expect("the store's own link parses"),
            content_length: header("content-length").map(|v| v.parse().unwrap()),
            content_type: header("content-type"),
            body: futures_util::stream::iter([Ok::<_, std::io::Error>(body)]),
        };
        self.0
            .receive_upload(delivery, time::OffsetDateTime::now_utc())
            .await
            .is_ok()
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

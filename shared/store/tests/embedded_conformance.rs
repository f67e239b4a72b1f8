//! The conformance suite against the embedded backend (SQLite + local files).

use std::sync::Arc;

use bytes::Bytes;
use ezshare_store::PresignedUpload;
use ezshare_store::conformance::{Harness, Uploader};
use ezshare_store::embedded::{DownloadSigner, EmbeddedBackend, EmbeddedStaging};

/// Delivers bytes the way the local server's PUT route does: parse the signed URL, then
/// hand the headers and body to the staging store.
struct LocalUploader(Arc<EmbeddedStaging>);

#[async_trait::async_trait]
impl Uploader for LocalUploader {
    async fn upload(&self, upload: &PresignedUpload, body: Bytes) -> bool {
        let (path, query) = upload.url.split_once('?').unwrap();
        let mut segments = path.rsplit('/');
        let (id, owner) = (segments.next().unwrap(), segments.next().unwrap());
        let param = |k: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                .unwrap()
                .to_owned()
        };
        let header = |k: &str| {
            upload
                .headers
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        let len = header("content-length").map(|v| v.parse().unwrap());
        let stream = futures_util::stream::iter([Ok::<_, std::io::Error>(body)]);
        self.0
            .receive_upload(
                owner,
                id,
                param("expires").parse().unwrap(),
                &param("sig"),
                time::OffsetDateTime::now_utc(),
                len,
                header("content-type").as_deref(),
                stream,
            )
            .await
            .is_ok()
    }
}

async fn fresh() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let backend = EmbeddedBackend::open(
        dir.path(),
        "http://127.0.0.1:9",
        DownloadSigner::derive_from(b"conformance"),
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

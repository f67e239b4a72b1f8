//! The conformance suite against the embedded backend (SQLite + local files).

use ezshare_store::conformance::Harness;
use ezshare_store::embedded::{DownloadSigner, EmbeddedBackend};

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
        guard: Box::new(dir),
    }
}

ezshare_store::conformance_tests!(fresh);

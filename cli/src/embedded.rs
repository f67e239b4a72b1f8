use std::path::Path;
use std::sync::Arc;

use ezshare_api::{AppState, Settings};
use ezshare_store::embedded::{DownloadSigner, EmbeddedBackend, EmbeddedFiles};
use time::OffsetDateTime;

use crate::{CliError, secret};

/// The state of a server on the embedded backend, and its file store for the download route.
pub async fn state(
    data_dir: &Path,
    public_url: &str,
    settings: Settings,
) -> Result<(AppState, Arc<EmbeddedFiles>), CliError> {
    create_private_dir(data_dir)?;
    let secret = secret::load_or_create(data_dir, std::env::var(secret::ENV_VAR).ok())?;
    let signer = DownloadSigner::derive_from(secret.as_bytes());
    let backend = EmbeddedBackend::open(data_dir, public_url, signer).await?;
    let purged = backend
        .sessions
        .purge_expired(OffsetDateTime::now_utc())
        .await?;
    if purged > 0 {
        tracing::info!(purged, "removed expired sessions");
    }
    let state = AppState::new(backend.stores(), &secret, settings);
    Ok((state, backend.files))
}

/// Creates the data dir readable by its owner only: it holds the secret and every file.
fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(CliError::io(format!("creating {}", dir.display())))
}

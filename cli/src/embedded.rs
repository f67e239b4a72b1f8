use std::path::Path;
use std::sync::Arc;

use ezshare_api::{AppState, Settings};
use ezshare_store::embedded::{
    EmbeddedActivity, EmbeddedBackend, EmbeddedFiles, EmbeddedInvites, EmbeddedStaging, UrlSigner,
};
use time::OffsetDateTime;

use crate::{CliError, secret};

/// Staged uploads nobody completed are deleted after this long (S3: a lifecycle rule).
pub const STAGED_UPLOAD_LIFETIME: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What the local routes and sweeps of the embedded backend need besides the API's state.
pub struct LocalStores {
    pub files: Arc<EmbeddedFiles>,
    pub staging: Arc<EmbeddedStaging>,
    pub invites: Arc<EmbeddedInvites>,
    pub activity: Arc<EmbeddedActivity>,
}

/// The state of a server on the embedded backend, and the stores its local routes serve.
pub async fn state(
    data_dir: &Path,
    public_url: &str,
    settings: Settings,
) -> Result<(AppState, LocalStores), CliError> {
    create_private_dir(data_dir)?;
    let secret = secret::load_or_create(data_dir, std::env::var(secret::ENV_VAR).ok())?;
    let signer = UrlSigner::derive_from(secret.as_bytes());
    let backend = EmbeddedBackend::open(data_dir, public_url, signer).await?;
    let purged = backend
        .sessions
        .purge_expired(OffsetDateTime::now_utc())
        .await?;
    if purged > 0 {
        tracing::info!(purged, "removed expired sessions");
    }
    // No mail server locally: messages are files in the data dir's outbox.
    let outbox = ezshare_mail::Outbox::new(data_dir.join("outbox"), email_from()?);
    let state = AppState::new(backend.stores(), &secret, settings).with_mailer(Arc::new(outbox));
    let local = LocalStores {
        files: backend.files,
        staging: backend.staging,
        invites: backend.invites,
        activity: backend.activity,
    };
    Ok((state, local))
}

/// `EMAIL_FROM`: the sender of the outbox's messages; default `ezshare@localhost.localdomain`.
fn email_from() -> Result<ezshare_domain::Email, CliError> {
    let raw = std::env::var("EMAIL_FROM")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "ezshare@localhost.localdomain".to_owned());
    ezshare_domain::Email::parse(&raw)
        .map_err(|e| CliError::Config(ezshare_api::ConfigError::new("EMAIL_FROM", e.message)))
}

/// Creates the data dir readable by its owner only: it holds the secret and every file.
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), CliError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(CliError::io(format!("creating {}", dir.display())))
}

/// Every hour (the first time at once), for as long as the server runs: deletes staged
/// uploads nobody completed, multipart uploads past their time, activity past its retention, expired invites and orphan blobs
/// — what S3 lifecycle rules, DynamoDB TTL and the reconcile function do on AWS.
pub fn spawn_sweeper(local: &LocalStores, incomplete_upload_ttl: std::time::Duration) {
    let (files, staging, activity, invites) = (
        local.files.clone(),
        local.staging.clone(),
        local.activity.clone(),
        local.invites.clone(),
    );
    tokio::spawn(async move {
        let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            every_hour.tick().await;
            let now = OffsetDateTime::now_utc();
            report(
                "stale staged uploads",
                staging.sweep(now - STAGED_UPLOAD_LIFETIME).await,
            );
            // S3: the abort-incomplete-multipart rule, counted from the upload's start.
            report(
                "incomplete multipart uploads",
                staging.sweep_multipart(now - incomplete_upload_ttl).await,
            );
            report("expired activity", activity.purge_expired(now).await);
            report("expired invites", invites.purge_expired(now).await);
            // Blobs no file points at (a write that failed between bytes and commit),
            // older than any write still in flight.
            let before = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
            report("orphan blobs", files.sweep_orphan_blobs(before).await);
        }
    });
}

fn report(what: &str, swept: Result<usize, ezshare_store::StoreError>) {
    match swept {
        Ok(0) => {}
        Ok(n) => tracing::info!(swept = n, "deleted {what}"),
        Err(e) => tracing::warn!(error = %e, "deleting {what} failed"),
    }
}

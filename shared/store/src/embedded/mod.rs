//! The embedded default backend: users, sessions and attempt counts in SQLite, file bytes in a folder, and
//! downloads through HMAC-signed URLs that the local server itself serves.
//!
//! Everything lives under one data directory and survives restarts.

mod activity;
mod attempts;
mod blobs;
mod db;
mod files;
mod invite_spool;
mod invites;
mod multipart;
mod sessions;
mod shares;
mod signing;
mod staging;
mod tokens;
mod users;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use activity::EmbeddedActivity;
pub use attempts::EmbeddedAttempts;
pub use files::{EmbeddedFiles, OpenError, SignedDownload};
pub use invite_spool::InviteSpool;
pub use invites::EmbeddedInvites;
pub use sessions::EmbeddedSessions;
pub use shares::EmbeddedShares;
pub use signing::{LinkError, LinkPurpose, SignedLink, UrlSigner};
pub use staging::{EmbeddedStaging, ReceiveError, UploadDelivery};
pub use tokens::EmbeddedTokens;
pub use users::EmbeddedUsers;

use crate::{Backend, StoreError};
use blobs::Blobs;
use db::Db;

/// The embedded stores, sharing one database and one blob folder.
pub type EmbeddedBackend = Backend<
    EmbeddedUsers,
    EmbeddedSessions,
    EmbeddedFiles,
    EmbeddedStaging,
    EmbeddedInvites,
    EmbeddedShares,
    EmbeddedActivity,
    EmbeddedAttempts,
    EmbeddedTokens,
>;

impl EmbeddedBackend {
    /// Opens (creating if needed) the embedded backend under `data_dir`. `public_url` is where
    /// the server that mounts the signed-link routes is reachable (e.g.
    /// `http://127.0.0.1:3000`); `signer` signs those links.
    pub async fn open(
        data_dir: &Path,
        public_url: &str,
        signer: UrlSigner,
    ) -> Result<Self, StoreError> {
        let data_dir: PathBuf = data_dir.to_owned();
        let blob_dir = data_dir.join("blobs");
        let staging_dir = data_dir.join("staging");
        for dir in [&blob_dir, &staging_dir] {
            tokio::fs::create_dir_all(dir)
                .await
                .map_err(StoreError::internal)?;
        }
        let (db, activity_db) = open_databases(&data_dir).await?;
        let public_url = public_url.trim_end_matches('/');
        let blobs = Arc::new(Blobs::new(blob_dir));
        let files = EmbeddedFiles::new(db.clone(), blobs.clone(), public_url, signer.clone());
        // Nothing is being written yet: every unreferenced blob is an orphan. (A future
        // timestamp: a blob written this very second counts too.)
        let all = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        files.sweep_orphan_blobs(all).await?;
        let staging = EmbeddedStaging::new(db.clone(), staging_dir, blobs, public_url, signer);
        Ok(Self {
            users: Arc::new(EmbeddedUsers::new(db.clone())),
            sessions: Arc::new(EmbeddedSessions::new(db.clone())),
            invites: Arc::new(EmbeddedInvites::new(
                db.clone(),
                InviteSpool::new(&data_dir),
            )),
            attempts: Arc::new(EmbeddedAttempts::new(db.clone())),
            tokens: Arc::new(EmbeddedTokens::new(db.clone())),
            shares: Arc::new(EmbeddedShares::new(db)),
            activity: Arc::new(EmbeddedActivity::new(activity_db)?),
            files: Arc::new(files),
            staging: Arc::new(staging),
        })
    }
}

/// The two database files of a data dir, at the current schema: `ezshare.sqlite3` (accounts,
/// sessions, files, shares, invites) and `activity.sqlite3` (the activity log).
async fn open_databases(data_dir: &Path) -> Result<(Db, Db), StoreError> {
    let main = Db::open(data_dir.join("ezshare.sqlite3"), db::MAIN).await?;
    let activity = Db::open(data_dir.join("activity.sqlite3"), activity::SCHEMA).await?;
    activity::move_from_main(&main, &activity).await?;
    Ok((main, activity))
}

/// Brings a data dir made by an earlier version up to the current schema (what opening it
/// does anyway), without touching its files. Fails while a server has it open.
pub async fn migrate(data_dir: &Path) -> Result<(), StoreError> {
    open_databases(data_dir).await.map(drop)
}

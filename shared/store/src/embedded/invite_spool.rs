//! The invite spool: how `ezshare invite` hands an invite to a data dir whose database a
//! running server holds (one process at a time: see `db::open_connection`). The command
//! writes one file per invite into `<data-dir>/invite-spool/`; the server takes them into its
//! database when it opens the data dir and before every look-up of an invite.
//!
//! A spooled invite holds what the database would: the code's hash, never the code.

use std::io::Write;
use std::path::{Path, PathBuf};

use ezshare_domain::{Email, UserType, Username};
use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::db::{from_unix, parse_stored, to_unix};
use crate::invites::code_key;
use crate::{InviteRecord, StoreError};

const DIR: &str = "invite-spool";
const EXTENSION: &str = "json";
/// A spooled file that could not be read is renamed with this extension and left for a human.
const REJECTED: &str = "rejected";

/// One invite as spooled: the columns of the `invites` table.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Spooled {
    pub code_hash: String,
    pub user_type: String,
    pub email: Option<String>,
    pub created_by: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

impl Spooled {
    fn of(invite: &InviteRecord) -> Self {
        Self {
            code_hash: code_key(&invite.code),
            user_type: invite.user_type.as_str().to_owned(),
            email: invite.email.as_ref().map(|e| e.as_str().to_owned()),
            created_by: invite.created_by.as_ref().map(|u| u.as_str().to_owned()),
            created_at: to_unix(invite.created_at),
            expires_at: to_unix(invite.expires_at),
        }
    }

    /// Whether every field holds what the database may: a spooled file is input.
    fn check(&self) -> Result<(), StoreError> {
        let is_hash = self.code_hash.len() == 64
            && self
                .code_hash
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !is_hash {
            return Err(StoreError::Internal(
                "code_hash is not a SHA-256 hex".into(),
            ));
        }
        parse_stored(&self.user_type, str::parse::<UserType>)?;
        if let Some(e) = &self.email {
            parse_stored(e, Email::parse)?;
        }
        if let Some(u) = &self.created_by {
            parse_stored(u, Username::parse)?;
        }
        from_unix(self.created_at)?;
        from_unix(self.expires_at)?;
        Ok(())
    }
}

/// The spool folder of one data dir.
#[derive(Debug, Clone)]
pub struct InviteSpool {
    dir: PathBuf,
}

impl InviteSpool {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            dir: data_dir.join(DIR),
        }
    }

    /// Leaves `invite` for the data dir's server, running or not. The file appears whole
    /// (written aside, synced, then renamed), readable by its owner only.
    pub fn submit(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        let spooled = Spooled::of(invite);
        let body = serde_json::to_vec(&spooled).map_err(StoreError::internal)?;
        let io = |what: &str, path: &Path| {
            let what = format!("{what} {}", path.display());
            move |e: std::io::Error| StoreError::Internal(format!("{what}: {e}"))
        };
        let mut dir = std::fs::DirBuilder::new();
        dir.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
        dir.create(&self.dir).map_err(io("creating", &self.dir))?;
        let aside = self.dir.join(format!("{}.tmp", spooled.code_hash));
        let mut file = std::fs::OpenOptions::new();
        file.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
        let mut file = file.open(&aside).map_err(io("creating", &aside))?;
        file.write_all(&body)
            .and_then(|()| file.sync_all())
            .map_err(io("writing", &aside))?;
        let spooled_path = aside.with_extension(EXTENSION);
        std::fs::rename(&aside, &spooled_path).map_err(io("renaming", &aside))
    }

    /// Moves every spooled invite into the database behind `conn`, in one transaction,
    /// then deletes the files taken; returns how many. A file that cannot be read is renamed
    /// `*.rejected` and logged; the others still go in.
    pub(crate) fn take_into(&self, conn: &mut Connection) -> Result<usize, StoreError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(StoreError::internal(e)),
        };
        let mut taken = vec![];
        for entry in entries {
            let path = entry.map_err(StoreError::internal)?.path();
            if path.extension().is_none_or(|e| e != EXTENSION) {
                continue;
            }
            let read = std::fs::read(&path)
                .map_err(StoreError::internal)
                .and_then(|b| {
                    let s: Spooled = serde_json::from_slice(&b).map_err(StoreError::internal)?;
                    s.check().map(|()| s)
                });
            match read {
                Ok(spooled) => taken.push((path, spooled)),
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "rejected a spooled invite");
                    let _ = std::fs::rename(&path, path.with_extension(REJECTED));
                }
            }
        }
        if taken.is_empty() {
            return Ok(0);
        }
        let tx = conn.transaction().map_err(StoreError::internal)?;
        for (_, s) in &taken {
            // Already there: taken before, and the file outlived its deletion.
            tx.execute(
                "INSERT OR IGNORE INTO invites
                     (code_hash, user_type, email, created_by, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![
                    s.code_hash,
                    s.user_type,
                    s.email,
                    s.created_by,
                    s.created_at,
                    s.expires_at
                ],
            )
            .map_err(StoreError::internal)?;
        }
        tx.commit().map_err(StoreError::internal)?;
        for (path, _) in &taken {
            if let Err(e) = std::fs::remove_file(path) {
                tracing::warn!(file = %path.display(), error = %e, "a taken invite stays spooled");
            }
        }
        tracing::info!(invites = taken.len(), "took spooled invites");
        Ok(taken.len())
    }
}

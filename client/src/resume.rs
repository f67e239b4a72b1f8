//! What an interrupted multipart upload needs to resume: kept beside the credentials, in
//! `<config dir>/uploads/<key>.json`, keyed by the file's path, size and modification time
//! (a changed file is a new upload), removed once the file is stored.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ClientError;
use crate::credentials::{config_dir, write_private};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadState {
    /// The server the upload was started on; another server's state is not used.
    pub server: String,
    pub upload_id: String,
    pub path: PathBuf,
    pub size: u64,
    /// The whole file's SHA-256 (hex), announced when the upload was started.
    pub sha256: String,
    pub part_size: u64,
    pub part_count: u32,
    /// Whether every part carries its SHA-256 (the server asks for it when the file's was
    /// announced).
    pub part_checksums: bool,
}

/// The state file of `path` as it is now.
pub fn state_path(path: &Path, metadata: &std::fs::Metadata) -> Result<PathBuf, ClientError> {
    let absolute = std::path::absolute(path)
        .map_err(ClientError::io(format!("resolve {}", path.display())))?;
    let modified = metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut key = Sha256::new();
    key.update(absolute.as_os_str().as_encoded_bytes());
    key.update(format!("\n{}\n{modified}", metadata.len()));
    Ok(config_dir()?
        .join("uploads")
        .join(format!("{}.json", hex::encode(&key.finalize()[..16]))))
}

/// The saved state, if any; one that cannot be read is ignored (the upload starts anew).
pub fn load(at: &Path) -> Option<UploadState> {
    let bytes = std::fs::read(at).ok()?;
    serde_json::from_slice(&bytes).ok()
}

pub fn save(at: &Path, state: &UploadState) -> Result<(), ClientError> {
    write_private(at, &serde_json::to_vec_pretty(state).expect("serializable"))
}

pub fn remove(at: &Path) {
    let _ = std::fs::remove_file(at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_changes_with_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.pdf");
        std::fs::write(&file, b"one").unwrap();
        let first = state_path(&file, &std::fs::metadata(&file).unwrap()).unwrap();
        assert_eq!(
            first,
            state_path(&file, &std::fs::metadata(&file).unwrap()).unwrap(),
            "stable while the file is"
        );
        std::fs::write(&file, b"other").unwrap();
        let changed = state_path(&file, &std::fs::metadata(&file).unwrap()).unwrap();
        assert_ne!(first, changed, "size (and time) are in the key");
    }

    #[test]
    fn a_saved_state_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("uploads/x.json");
        assert_eq!(load(&at), None);
        let state = UploadState {
            server: "http://127.0.0.1:3000".into(),
            upload_id: "id".into(),
            path: "/tmp/a.pdf".into(),
            size: 10,
            sha256: "ab".repeat(32),
            part_size: 5,
            part_count: 2,
            part_checksums: true,
        };
        save(&at, &state).unwrap();
        assert_eq!(load(&at), Some(state));
        std::fs::write(&at, b"{").unwrap();
        assert_eq!(load(&at), None, "damaged: ignored");
        remove(&at);
        assert!(!at.exists());
    }
}

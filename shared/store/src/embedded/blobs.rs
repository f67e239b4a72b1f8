//! File bytes on disk. [`Blobs`] owns the folder of stored files (`blobs/<random id>`: a path
//! never derives from a file's name, so no name can reach outside it); [`write_whole`] is the
//! one way bytes are written, whole or not at all.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use crate::StoreError;

/// Why [`write_whole`] wrote nothing.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// The body went past the limit.
    TooLong,
    /// The body stream failed (the client went away).
    Body(String),
    Store(StoreError),
}

/// What a write wrote: its length and digest (taken as the bytes pass).
pub(crate) struct Written {
    pub size: u64,
    pub sha256: ezshare_domain::Sha256Digest,
}

fn io(e: std::io::Error) -> WriteError {
    WriteError::Store(StoreError::internal(e))
}

/// Streams `body` into `file` where it stands, at most `limit` bytes, hashing as it goes,
/// then syncs the data to disk.
async fn stream_into<S, E>(
    file: &mut tokio::fs::File,
    mut body: S,
    limit: u64,
) -> Result<Written, WriteError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use sha2::Digest;
    let mut total = 0u64;
    let mut digest = sha2::Sha256::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| WriteError::Body(e.to_string()))?;
        total += chunk.len() as u64;
        if total > limit {
            return Err(WriteError::TooLong);
        }
        digest.update(&chunk);
        file.write_all(&chunk).await.map_err(io)?;
    }
    file.sync_data().await.map_err(io)?;
    Ok(Written {
        size: total,
        sha256: ezshare_domain::Sha256Digest::from_bytes(digest.finalize().into()),
    })
}

/// Streams `body` into `path` through `path.tmp` and a rename, so `path` is either whole or
/// absent, and at most `limit` bytes are written.
pub(crate) async fn write_whole<S, E>(
    path: &Path,
    body: S,
    limit: u64,
) -> Result<Written, WriteError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let written = async {
        let mut file = tokio::fs::File::create(&tmp).await.map_err(io)?;
        stream_into(&mut file, body, limit).await
    }
    .await;
    match written {
        Ok(written) => {
            tokio::fs::rename(&tmp, path).await.map_err(io)?;
            Ok(written)
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&tmp).await;
            Err(e)
        }
    }
}

/// Streams `body` into `path` at `offset` (creating the file, keeping what else it holds),
/// at most `limit` bytes, synced to disk: one part of a multipart upload, in its place. A
/// failure leaves that range undefined; the caller records a part only once it is written.
pub(crate) async fn write_range<S, E>(
    path: &Path,
    offset: u64,
    body: S,
    limit: u64,
) -> Result<Written, WriteError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use tokio::io::AsyncSeekExt;
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .await
        .map_err(io)?;
    file.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(io)?;
    stream_into(&mut file, body, limit).await
}

/// The folder of stored files' bytes.
pub(crate) struct Blobs {
    dir: PathBuf,
}

impl Blobs {
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }

    pub fn path(&self, blob: &str) -> PathBuf {
        self.dir.join(blob)
    }

    fn fresh_id() -> String {
        ezshare_domain::UploadId::generate().to_string()
    }

    /// Writes `body` to a fresh blob; returns its id.
    pub async fn write(&self, body: Bytes) -> Result<String, StoreError> {
        let blob = Self::fresh_id();
        let once = futures_util::stream::iter([Ok::<_, std::convert::Infallible>(body)]);
        match write_whole(&self.path(&blob), once, u64::MAX).await {
            Ok(_) => Ok(blob),
            Err(WriteError::Store(e)) => Err(e),
            Err(WriteError::TooLong | WriteError::Body(_)) => unreachable!("bytes in memory"),
        }
    }

    /// Moves a finished file (a staged upload) in as a fresh blob, atomically.
    pub async fn adopt(&self, from: &Path) -> Result<String, StoreError> {
        let blob = Self::fresh_id();
        tokio::fs::rename(from, self.path(&blob))
            .await
            .map_err(StoreError::internal)?;
        Ok(blob)
    }

    /// Undoes [`Blobs::adopt`]: moves the blob back to `to`.
    pub async fn give_back(&self, blob: &str, to: &Path) {
        if let Err(e) = tokio::fs::rename(self.path(blob), to).await {
            tracing::warn!(blob, error = %e, "could not give a blob back to staging");
        }
    }

    /// Deletes a blob nothing refers to any more. A failure is logged, not returned: the
    /// write it follows has succeeded, and the sweep at the next start removes the orphan.
    pub async fn remove(&self, blob: &str) {
        if let Err(e) = tokio::fs::remove_file(self.path(blob)).await {
            tracing::warn!(blob, error = %e, "could not remove blob");
        }
    }

    /// Removes every blob (and half-written `.tmp`) not in `referenced` and last modified
    /// before `older_than` (a younger one may belong to a write about to commit); returns how
    /// many.
    pub async fn sweep(
        &self,
        referenced: &HashSet<String>,
        older_than: std::time::SystemTime,
    ) -> Result<usize, StoreError> {
        let mut removed = 0;
        let mut dir = tokio::fs::read_dir(&self.dir)
            .await
            .map_err(StoreError::internal)?;
        while let Some(entry) = dir.next_entry().await.map_err(StoreError::internal)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            let old_enough = entry
                .metadata()
                .await
                .and_then(|m| m.modified())
                .is_ok_and(|at| at < older_than);
            let is_file = entry.file_type().await.is_ok_and(|t| t.is_file());
            if !referenced.contains(&name) && is_file && old_enough {
                self.remove(&name).await;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

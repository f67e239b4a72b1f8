//! Where the checked bytes come from: memory, a local file, or (in adapters elsewhere) S3
//! ranged GETs. The decision asks for a handful of small ranges, never the whole file.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Reading from a [`ByteSource`] failed (I/O, network, …). Not the file's fault.
#[derive(Debug, thiserror::Error)]
#[error("reading the file failed: {0}")]
pub struct SourceError(#[source] Box<dyn std::error::Error + Send + Sync>);

impl SourceError {
    pub fn new(err: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(err.into())
    }

    /// The error the source failed with, for callers that know its type (downcast it).
    pub fn into_inner(self) -> Box<dyn std::error::Error + Send + Sync> {
        self.0
    }
}

impl From<std::io::Error> for SourceError {
    fn from(err: std::io::Error) -> Self {
        Self::new(err)
    }
}

/// Random access to a file's bytes.
// `len` is a size query (an S3 HEAD), not a collection length: no `is_empty` wanted.
#[allow(clippy::len_without_is_empty)]
#[async_trait::async_trait]
pub trait ByteSource: Send + Sync {
    /// The total length in bytes.
    async fn len(&self) -> Result<u64, SourceError>;

    /// Up to `len` bytes starting at `offset`. Returns fewer bytes only at end of file
    /// (none when `offset` is at or past it).
    async fn read_at(&self, offset: u64, len: u64) -> Result<Bytes, SourceError>;
}

/// A file already in memory (a small upload).
#[async_trait::async_trait]
impl ByteSource for Bytes {
    async fn len(&self) -> Result<u64, SourceError> {
        Ok(Bytes::len(self) as u64)
    }

    async fn read_at(&self, offset: u64, len: u64) -> Result<Bytes, SourceError> {
        let size = Bytes::len(self) as u64;
        let start = offset.min(size);
        let end = offset.saturating_add(len).min(size);
        Ok(self.slice(start as usize..end as usize))
    }
}

/// A file on the local disk, read by ranges.
#[derive(Debug, Clone)]
pub struct LocalFile(pub PathBuf);

#[async_trait::async_trait]
impl ByteSource for LocalFile {
    async fn len(&self) -> Result<u64, SourceError> {
        Ok(tokio::fs::metadata(&self.0).await?.len())
    }

    async fn read_at(&self, offset: u64, len: u64) -> Result<Bytes, SourceError> {
        let mut file = tokio::fs::File::open(&self.0).await?;
        file.seek(std::io::SeekFrom::Start(offset)).await?;
        let mut buf = Vec::new();
        file.take(len).read_to_end(&mut buf).await?;
        Ok(buf.into())
    }
}

/// Wraps a source and counts what was read through it (bytes and `read_at` calls, i.e.
/// ranged GETs), so callers can log and tests can assert the cost of a decision.
#[derive(Debug)]
pub struct Counted<S> {
    inner: S,
    bytes: AtomicU64,
    reads: AtomicU64,
}

impl<S> Counted<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            bytes: AtomicU64::new(0),
            reads: AtomicU64::new(0),
        }
    }

    /// Bytes returned by `read_at` so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Number of `read_at` calls so far.
    pub fn reads(&self) -> u64 {
        self.reads.load(Ordering::Relaxed)
    }

    pub fn into_inner(self) -> S {
        self.inner
    }
}

#[async_trait::async_trait]
impl<S: ByteSource> ByteSource for Counted<S> {
    async fn len(&self) -> Result<u64, SourceError> {
        self.inner.len().await
    }

    async fn read_at(&self, offset: u64, len: u64) -> Result<Bytes, SourceError> {
        let got = self.inner.read_at(offset, len).await?;
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(got.len() as u64, Ordering::Relaxed);
        Ok(got)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn bytes_reads_are_clamped_at_eof() {
        let src = Bytes::from_static(b"0123456789");
        assert_eq!(ByteSource::len(&src).await.unwrap(), 10);
        assert_eq!(&src.read_at(2, 3).await.unwrap()[..], b"234");
        assert_eq!(&src.read_at(8, 100).await.unwrap()[..], b"89");
        assert!(src.read_at(10, 5).await.unwrap().is_empty());
        assert!(src.read_at(u64::MAX, u64::MAX).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn local_file_reads_ranges_and_counts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.bin");
        std::fs::write(&path, b"hello world").unwrap();
        let src = Counted::new(LocalFile(path));
        assert_eq!(src.len().await.unwrap(), 11);
        assert_eq!(&src.read_at(6, 5).await.unwrap()[..], b"world");
        assert_eq!(&src.read_at(9, 50).await.unwrap()[..], b"ld");
        assert!(src.read_at(40, 5).await.unwrap().is_empty());
        assert_eq!((src.reads(), src.bytes_read()), (3, 7));
    }

    #[tokio::test]
    async fn missing_local_file_is_a_source_error() {
        let src = LocalFile(PathBuf::from("/nonexistent/ezshare/file.pdf"));
        assert!(src.len().await.is_err());
        assert!(src.read_at(0, 8).await.is_err());
    }
}

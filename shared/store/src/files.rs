use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{ContentType, Cursor, FileName, PageLimit, Username};
use time::OffsetDateTime;

use crate::StoreError;

/// A stored file's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFile {
    pub name: FileName,
    pub size: u64,
    pub content_type: ContentType,
    pub uploaded_at: OffsetDateTime,
}

/// One entry of a listing (what a prefix listing returns without a per-item read).
#[derive(Debug, Clone, PartialEq)]
pub struct FileSummary {
    pub name: FileName,
    pub size: u64,
    pub uploaded_at: OffsetDateTime,
}

/// A page of a listing, sorted by the UTF-8 bytes of the name.
#[derive(Debug, Clone, PartialEq)]
pub struct FilePage {
    pub files: Vec<FileSummary>,
    /// Present when more files follow; pass it back to get the next page.
    pub next_cursor: Option<Cursor>,
}

/// A time-limited URL that serves a file's bytes as an attachment.
#[derive(Debug, Clone, PartialEq)]
pub struct PresignedDownload {
    pub url: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteMode {
    /// Fail with [`StoreError::AlreadyExists`] if the name is taken (atomically).
    CreateNew,
    /// Replace any existing file of that name.
    Overwrite,
}

#[async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Stores a whole file under (owner, name). Nothing is visible until the bytes are all
    /// stored; a failed write leaves any previous file untouched.
    async fn put_file(
        &self,
        owner: &Username,
        name: &FileName,
        content_type: &ContentType,
        body: Bytes,
        mode: WriteMode,
    ) -> Result<StoredFile, StoreError>;

    async fn head_file(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<StoredFile>, StoreError>;

    /// A page of the owner's files after `cursor`, at most `limit` long.
    async fn list_files(
        &self,
        owner: &Username,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<FilePage, StoreError>;

    /// A URL serving the file's bytes with `Content-Disposition: attachment`, valid for `ttl`.
    /// Does not check that the file exists: callers [`FileStore::head_file`] first.
    async fn presign_download(
        &self,
        owner: &Username,
        name: &FileName,
        ttl: Duration,
    ) -> Result<PresignedDownload, StoreError>;

    /// Deletes the file; `false` if there was none.
    async fn delete_file(&self, owner: &Username, name: &FileName) -> Result<bool, StoreError>;
}

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{
    ContentType, Cursor, FileName, PageLimit, Sha256Digest, Username, Visibility,
};
use time::OffsetDateTime;

use crate::StoreError;

/// A stored file's metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredFile {
    pub name: FileName,
    pub size: u64,
    pub content_type: ContentType,
    pub uploaded_at: OffsetDateTime,
    pub visibility: Visibility,
    /// Where this version's bytes are, in the adapter's own terms (an S3 key, a blob id):
    /// opaque to callers, who pass the file back to [`FileStore::presign_download`].
    pub object: String,
    /// The SHA-256 of the bytes, where the upload established it: always for
    /// [`FileStore::put_file`] (the bytes pass through it), not for a direct upload.
    pub sha256: Option<Sha256Digest>,
}

/// One entry of a listing.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSummary {
    pub name: FileName,
    pub size: u64,
    pub uploaded_at: OffsetDateTime,
    pub visibility: Visibility,
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
    /// stored; a failed write leaves any previous file untouched. A new file gets
    /// `visibility`; an overwritten one keeps its own (a new version of the same document).
    async fn put_file(
        &self,
        owner: &Username,
        name: &FileName,
        content_type: &ContentType,
        body: Bytes,
        mode: WriteMode,
        visibility: Visibility,
    ) -> Result<StoredFile, StoreError>;

    /// Changes the file's visibility; `None` if there is no such file.
    async fn set_visibility(
        &self,
        owner: &Username,
        name: &FileName,
        visibility: Visibility,
    ) -> Result<Option<StoredFile>, StoreError>;

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

    /// Up to `limit` files of every owner whose visibility is `all_clients`, in (owner, name)
    /// order (UTF-8 bytes), after `after`. On DynamoDB this reads an index, which follows
    /// writes within a moment rather than at once.
    async fn list_all_clients_files(
        &self,
        after: Option<(&Username, &FileName)>,
        limit: usize,
    ) -> Result<Vec<(Username, FileSummary)>, StoreError>;

    /// A URL serving the bytes of `file` (as [`FileStore::head_file`] found it) with
    /// `Content-Disposition: attachment`, valid for `ttl`. It makes no call to storage.
    async fn presign_download(
        &self,
        owner: &Username,
        file: &StoredFile,
        ttl: Duration,
    ) -> Result<PresignedDownload, StoreError>;

    /// Deletes the file; `false` if there was none.
    async fn delete_file(&self, owner: &Username, name: &FileName) -> Result<bool, StoreError>;
}

use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{ContentType, FileName, Sha256Digest, UploadId, Username, Visibility};
use time::OffsetDateTime;

use crate::multipart::MultipartStaging;
use crate::{StoreError, StoredFile, WriteMode};

/// The header a direct upload's bytes carry their announced SHA-256 in (base64), S3's own:
/// signed into the URL, so storage refuses any other bytes.
pub const CHECKSUM_SHA256_HEADER: &str = "x-amz-checksum-sha256";

/// A digest as [`CHECKSUM_SHA256_HEADER`] carries it.
pub fn checksum_base64(digest: &Sha256Digest) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(digest.as_bytes())
}

/// What an OPS user announced before uploading a large file straight to storage.
#[derive(Debug, Clone, PartialEq)]
pub struct UploadIntent {
    pub id: UploadId,
    pub owner: Username,
    pub name: FileName,
    /// The exact number of bytes the upload must carry.
    pub size: u64,
    pub content_type: ContentType,
    /// The SHA-256 the bytes must have, when the uploader announced it: signed into the URL
    /// (storage refuses other bytes) and kept with the file once promoted.
    pub sha256: Option<Sha256Digest>,
}

/// A time-limited URL the client sends the bytes to, with the headers it must send with them
/// (they are part of the signature: storage refuses any other size or type).
#[derive(Debug, Clone, PartialEq)]
pub struct PresignedUpload {
    pub url: String,
    /// Always `PUT`.
    pub method: &'static str,
    pub headers: Vec<(String, String)>,
    pub expires_at: OffsetDateTime,
}

/// A staged upload whose bytes have arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedUpload {
    pub name: FileName,
    /// The bytes actually stored.
    pub size: u64,
    /// The size announced in the intent. Storage that checks signatures refuses any other
    /// size; an emulator that does not may store it anyway, so callers compare the two.
    pub declared_size: u64,
    pub content_type: ContentType,
    /// The version of the bytes that were found (S3's ETag): reads and the promotion are
    /// pinned to it, so bytes replaced after they were checked are never promoted
    /// ([`StoreError::Changed`]). `None` where received bytes cannot change (the embedded
    /// backend refuses a second upload to one id).
    pub etag: Option<String>,
    /// The digest the intent announced, which storage checked the bytes against.
    pub sha256: Option<Sha256Digest>,
    /// Where storage assembled a multipart upload at the file's final, immutable object:
    /// promoting it copies nothing. `None` for bytes in the staging area.
    pub in_place: Option<String>,
}

/// Direct uploads: bytes go from the client straight to a staging area, never through the
/// API; the API then checks them and moves them to their final place. A large file's bytes
/// may come in parts ([`MultipartStaging`]), assembled into a staged upload like the others.
///
/// Staged objects nobody completes disappear on their own (a lifecycle rule on S3, a sweep
/// locally).
#[async_trait]
pub trait UploadStaging: MultipartStaging {
    /// A URL accepting exactly `intent.size` bytes of `intent.content_type` for `ttl`. The
    /// file's name travels with the staged bytes.
    async fn presign_upload(
        &self,
        intent: &UploadIntent,
        ttl: Duration,
    ) -> Result<PresignedUpload, StoreError>;

    /// The staged upload `id` of `owner`, if its bytes have arrived (not before, and not after
    /// it was completed, discarded or swept). Another owner's id is `None`.
    async fn find_staged(
        &self,
        owner: &Username,
        id: &UploadId,
    ) -> Result<Option<StagedUpload>, StoreError>;

    /// Up to `len` bytes of the staged upload from `offset` (fewer only at its end): enough to
    /// decide its type without reading it whole; `staged` is what [`UploadStaging::find_staged`]
    /// (or an assembly) returned. Only of its version (`etag`): [`StoreError::Changed`] if the
    /// bytes were replaced since.
    async fn read_staged(
        &self,
        owner: &Username,
        id: &UploadId,
        staged: &StagedUpload,
        offset: u64,
        len: u64,
    ) -> Result<Bytes, StoreError>;

    /// Moves the staged upload to (owner, its name), stored with `content_type`; `staged` is
    /// what [`UploadStaging::find_staged`] returned for it (so no second look-up). With
    /// [`WriteMode::CreateNew`] an existing file wins atomically ([`StoreError::AlreadyExists`];
    /// the staged upload stays, so the client may retry with overwrite). On success the staged
    /// upload is gone. A new file gets `visibility`; an overwritten one keeps its own. Bytes
    /// that are no longer `staged.etag` are not promoted: [`StoreError::Changed`].
    async fn promote_staged(
        &self,
        owner: &Username,
        id: &UploadId,
        staged: &StagedUpload,
        content_type: &ContentType,
        mode: WriteMode,
        visibility: Visibility,
    ) -> Result<StoredFile, StoreError>;

    /// Deletes a staged upload (a rejected file), single or multipart, with its bytes;
    /// deleting a missing one is not an error.
    async fn discard_staged(&self, owner: &Username, id: &UploadId) -> Result<(), StoreError>;
}

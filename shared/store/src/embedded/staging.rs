//! Direct uploads on the embedded backend: signed PUT URLs served by the local server, bytes
//! streamed into `staging/<id>`, then moved into `blobs/` when completed.

use std::io::SeekFrom;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{ContentType, FileName, Sha256Digest, UploadId, Username, Visibility};
use futures_util::Stream;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::blobs::{Blobs, WriteError, write_whole};
use super::db::{Db, from_unix, insert_unique, parse_stored, to_unix};
use super::files::commit_file;
use super::signing::{LinkError, LinkPurpose, SignedLink, UrlSigner};
use crate::staging::{CHECKSUM_SHA256_HEADER, checksum_base64};
use crate::{
    PresignedUpload, StagedUpload, StoreError, StoredFile, UploadIntent, UploadStaging, WriteMode,
};

/// Why a direct upload's bytes were refused.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    #[error(transparent)]
    Link(#[from] LinkError),
    #[error("no such upload")]
    NotFound,
    #[error("the upload must be exactly {expected} bytes")]
    SizeMismatch { expected: u64 },
    #[error("the upload must be sent with Content-Type: {expected}")]
    TypeMismatch { expected: String },
    /// The bytes (or the checksum header sent with them) are not the ones announced.
    #[error("the upload's bytes do not have the SHA-256 announced for them")]
    ChecksumMismatch,
    /// The upload already has its bytes (or is receiving them): they are what
    /// complete-upload checks, and cannot be replaced under it.
    #[error("this upload already received its bytes")]
    AlreadyReceived,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A direct upload's bytes as the local server's PUT route received them.
pub struct UploadDelivery<S> {
    pub link: SignedLink,
    pub content_length: Option<u64>,
    pub content_type: Option<String>,
    /// `x-amz-checksum-sha256` (base64), as S3 takes it.
    pub checksum_sha256: Option<String>,
    pub body: S,
}

/// As S3 does with a signed checksum header: when a digest was signed, the header must be
/// sent, and be that digest.
pub(super) fn check_checksum_header(
    signed: Option<&Sha256Digest>,
    sent: Option<&str>,
) -> Result<(), ReceiveError> {
    match signed {
        Some(digest) if sent.map(str::trim) != Some(checksum_base64(digest).as_str()) => {
            Err(ReceiveError::ChecksumMismatch)
        }
        _ => Ok(()),
    }
}

pub struct EmbeddedStaging {
    pub(super) db: Db,
    pub(super) staging_dir: PathBuf,
    blobs: Arc<Blobs>,
    pub(super) public_url: String,
    pub(super) signer: UrlSigner,
    /// Uploads whose bytes are arriving right now: one PUT per upload at a time (the
    /// process holds the data dir alone, so memory is enough).
    receiving: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Multipart uploads' parts being written, and their joins.
    pub(super) activity: super::multipart::MultipartActivity,
}

/// An upload id claimed in [`EmbeddedStaging::receiving`], released on drop.
pub(super) struct Receiving<'a> {
    set: &'a std::sync::Mutex<std::collections::HashSet<String>>,
    id: String,
}

impl Drop for Receiving<'_> {
    fn drop(&mut self) {
        if let Ok(mut set) = self.set.lock() {
            set.remove(&self.id);
        }
    }
}

struct StagedRow {
    name: String,
    size: u64,
    content_type: String,
    received_size: Option<u64>,
    sha256: Option<String>,
}

impl EmbeddedStaging {
    pub(crate) fn new(
        db: Db,
        staging_dir: PathBuf,
        blobs: Arc<Blobs>,
        public_url: &str,
        signer: UrlSigner,
    ) -> Self {
        Self {
            db,
            staging_dir,
            blobs,
            public_url: public_url.to_owned(),
            signer,
            receiving: Default::default(),
            activity: Default::default(),
        }
    }

    pub(super) fn claim(&self, id: &str) -> Result<Receiving<'_>, ReceiveError> {
        let mut set = self
            .receiving
            .lock()
            .map_err(|_| StoreError::Internal("receiving set poisoned".into()))?;
        if !set.insert(id.to_owned()) {
            return Err(ReceiveError::AlreadyReceived);
        }
        Ok(Receiving {
            set: &self.receiving,
            id: id.to_owned(),
        })
    }

    pub(super) fn staged_path(&self, id: &str) -> PathBuf {
        self.staging_dir.join(id)
    }

    async fn row(&self, owner: &str, id: &str) -> Result<Option<StagedRow>, StoreError> {
        let (owner, id) = (owner.to_owned(), id.to_owned());
        self.db.read(move |conn| {
            conn.prepare_cached(
                "SELECT name, size, content_type, received_size, sha256 FROM staged
                     WHERE id = ?1 AND owner = ?2",
            )
            .map_err(StoreError::internal)?
            .query_row(params![id, owner], |r| {
                Ok(StagedRow {
                    name: r.get(0)?,
                    size: r.get::<_, i64>(1)? as u64,
                    content_type: r.get(2)?,
                    received_size: r.get::<_, Option<i64>>(3)?.map(|n| n as u64),
                    sha256: r.get(4)?,
                })
            })
            .optional()
            .map_err(StoreError::internal)
        })
    }

    /// Receives the bytes of a direct upload from the local server's PUT route. The link's
    /// signature, the declared length and type must all match the intent; the body must carry
    /// exactly the announced size.
    pub async fn receive_upload<S, E>(
        &self,
        delivery: UploadDelivery<S>,
        now: OffsetDateTime,
    ) -> Result<(), ReceiveError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let UploadDelivery {
            link,
            content_length,
            content_type,
            checksum_sha256,
            body,
        } = delivery;
        if link.purpose != LinkPurpose::Upload {
            return Err(LinkError::Invalid.into());
        }
        self.signer.verify(&link, now)?;
        let (owner, id) = (link.owner.as_str(), link.subject.as_str());
        let row = self.row(owner, id).await?.ok_or(ReceiveError::NotFound)?;
        if row.received_size.is_some() {
            return Err(ReceiveError::AlreadyReceived);
        }
        let _receiving = self.claim(id)?;
        if content_length != Some(row.size) {
            return Err(ReceiveError::SizeMismatch { expected: row.size });
        }
        if content_type.as_deref().map(str::trim) != Some(row.content_type.as_str()) {
            return Err(ReceiveError::TypeMismatch {
                expected: row.content_type,
            });
        }
        let announced = row
            .sha256
            .as_deref()
            .map(|hex| parse_stored(hex, Sha256Digest::parse_hex))
            .transpose()?;
        check_checksum_header(announced.as_ref(), checksum_sha256.as_deref())?;
        let mismatch = ReceiveError::SizeMismatch { expected: row.size };
        match write_whole(&self.staged_path(id), body, row.size).await {
            Ok(written) if written.size == row.size => {
                if announced.is_some_and(|a| a != written.sha256) {
                    let _ = tokio::fs::remove_file(self.staged_path(id)).await;
                    return Err(ReceiveError::ChecksumMismatch);
                }
            }
            Ok(_) | Err(WriteError::TooLong) => {
                let _ = tokio::fs::remove_file(self.staged_path(id)).await;
                return Err(mismatch);
            }
            Err(WriteError::Body(e)) => {
                return Err(StoreError::Internal(format!("upload body: {e}")).into());
            }
            Err(WriteError::Store(e)) => return Err(e.into()),
        }
        let (id, size) = (id.to_owned(), row.size as i64);
        self.db
            .write(move |conn| {
                conn.execute(
                    "UPDATE staged SET received_size = ?2 WHERE id = ?1 AND received_size IS NULL",
                    params![id, size],
                )
                .map(|_| ())
                .map_err(StoreError::internal)
            })
            .await?;
        Ok(())
    }

    /// Deletes staged uploads announced before `cutoff`, received or not; returns how many.
    pub async fn sweep(&self, cutoff: OffsetDateTime) -> Result<usize, StoreError> {
        let ids: Vec<String> = self
            .db
            .write(move |conn| {
                let mut stmt = conn
                    .prepare("DELETE FROM staged WHERE created_at < ?1 RETURNING id")
                    .map_err(StoreError::internal)?;
                let rows = stmt
                    .query_map(params![to_unix(cutoff)], |r| r.get::<_, String>(0))
                    .map_err(StoreError::internal)?;
                rows.collect::<Result<_, _>>().map_err(StoreError::internal)
            })
            .await?;
        for id in &ids {
            let _ = tokio::fs::remove_file(self.staged_path(id)).await;
            let _ = tokio::fs::remove_file(self.staged_path(&format!("{id}.tmp"))).await;
        }
        Ok(ids.len())
    }
}

#[async_trait]
impl UploadStaging for EmbeddedStaging {
    async fn presign_upload(
        &self,
        intent: &UploadIntent,
        ttl: Duration,
    ) -> Result<PresignedUpload, StoreError> {
        let now = OffsetDateTime::now_utc();
        let i = intent.clone();
        self.db
            .write(move |conn| {
                insert_unique(
                    conn,
                    "INSERT INTO staged (id, owner, name, size, content_type, created_at, sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![
                        i.id.as_str(),
                        i.owner.as_str(),
                        i.name.as_str(),
                        i.size as i64,
                        i.content_type.as_str(),
                        to_unix(now),
                        i.sha256.map(|d| d.to_hex()),
                    ],
                )
            })
            .await?;
        let link = self.signer.sign(
            LinkPurpose::Upload,
            intent.owner.as_str(),
            intent.id.as_str(),
            now + ttl,
        );
        Ok(PresignedUpload {
            url: link.url(&self.public_url),
            method: "PUT",
            headers: [
                ("Content-Type".into(), intent.content_type.as_str().into()),
                ("Content-Length".into(), intent.size.to_string()),
            ]
            .into_iter()
            .chain(
                intent
                    .sha256
                    .map(|d| (CHECKSUM_SHA256_HEADER.into(), checksum_base64(&d))),
            )
            .collect(),
            expires_at: from_unix(link.expires)?,
        })
    }

    async fn find_staged(
        &self,
        owner: &Username,
        id: &UploadId,
    ) -> Result<Option<StagedUpload>, StoreError> {
        self.staged(owner, id).await
    }

    async fn read_staged(
        &self,
        owner: &Username,
        id: &UploadId,
        _staged: &StagedUpload,
        offset: u64,
        len: u64,
    ) -> Result<Bytes, StoreError> {
        if self.staged(owner, id).await?.is_none() {
            return Err(StoreError::Internal(format!("no staged upload {id}")));
        }
        let mut file = tokio::fs::File::open(self.staged_path(id.as_str()))
            .await
            .map_err(StoreError::internal)?;
        file.seek(SeekFrom::Start(offset))
            .await
            .map_err(StoreError::internal)?;
        let mut buf = Vec::with_capacity(len.min(1 << 20) as usize);
        file.take(len)
            .read_to_end(&mut buf)
            .await
            .map_err(StoreError::internal)?;
        Ok(Bytes::from(buf))
    }

    async fn promote_staged(
        &self,
        owner: &Username,
        id: &UploadId,
        staged: &StagedUpload,
        content_type: &ContentType,
        mode: WriteMode,
        visibility: Visibility,
    ) -> Result<StoredFile, StoreError> {
        // Move the bytes first (an atomic rename), so a visible row always has its blob.
        let staged_path = self.staged_path(id.as_str());
        let blob = self.blobs.adopt(&staged_path).await?;
        let file = StoredFile {
            name: staged.name.clone(),
            size: staged.size,
            content_type: content_type.clone(),
            uploaded_at: OffsetDateTime::now_utc(),
            visibility,
            object: blob,
            // Checked against the announced digest as they arrived, if one was.
            sha256: staged.sha256,
        };
        let id = id.to_string();
        let done_staging = move |tx: &rusqlite::Transaction<'_>| {
            tx.execute("DELETE FROM staged WHERE id = ?1", params![id])
                .and_then(|_| tx.execute("DELETE FROM multipart WHERE id = ?1", params![id]))
                .map(|_| ())
                .map_err(StoreError::internal)
        };
        let committed = commit_file(&self.db, &self.blobs, owner, &file, mode, done_staging).await;
        if committed.is_err() {
            // Give the bytes back to staging so the client may retry (e.g. with overwrite).
            self.blobs.give_back(&file.object, &staged_path).await;
        }
        committed
    }

    async fn discard_staged(&self, owner: &Username, id: &UploadId) -> Result<(), StoreError> {
        let (owner_s, id_s) = (owner.to_string(), id.to_string());
        let deleted = self
            .db
            .write(move |conn| {
                conn.execute(
                    "DELETE FROM staged WHERE id = ?1 AND owner = ?2",
                    params![id_s, owner_s],
                )
                .map_err(StoreError::internal)
            })
            .await?;
        if deleted > 0 {
            let _ = tokio::fs::remove_file(self.staged_path(id.as_str())).await;
        }
        self.forget(id).await
    }
}

impl EmbeddedStaging {
    /// The staged upload `id` of `owner` whose bytes have arrived (or were assembled).
    pub(super) async fn staged(
        &self,
        owner: &Username,
        id: &UploadId,
    ) -> Result<Option<StagedUpload>, StoreError> {
        let Some(row) = self.row(owner.as_str(), id.as_str()).await? else {
            return Ok(None);
        };
        let Some(received) = row.received_size else {
            return Ok(None);
        };
        Ok(Some(StagedUpload {
            name: parse_stored(&row.name, FileName::parse)?,
            size: received,
            declared_size: row.size,
            content_type: parse_stored(&row.content_type, ContentType::parse)?,
            // Received bytes never change here: a second upload to the id is refused.
            etag: None,
            in_place: None,
            sha256: row
                .sha256
                .as_deref()
                .map(|hex| parse_stored(hex, Sha256Digest::parse_hex))
                .transpose()?,
        }))
    }
}

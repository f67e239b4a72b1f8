use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use ezshare_domain::{ContentType, Cursor, FileName, PageLimit, Username};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;

use super::db::{Db, from_unix, is_unique_violation, parse_stored, to_unix};
use super::signing::{DOWNLOAD_ROUTE_PREFIX, DownloadSigner, SignatureError};
use crate::{
    FilePage, FileStore, FileSummary, PresignedDownload, StoreError, StoredFile, WriteMode,
};

const DOWNLOAD_PURPOSE: &str = "download";

/// RFC 3986 unreserved characters stay as they are in a path segment; all else is encoded.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// File metadata in SQLite, bytes in `blobs/<random id>`. A blob's path never derives from
/// the file's name, so no name can reach outside the folder.
pub struct EmbeddedFiles {
    db: Db,
    blob_dir: PathBuf,
    public_url: String,
    signer: DownloadSigner,
}

/// A verified download: the file's metadata and where its bytes are.
#[derive(Debug)]
pub struct SignedDownload {
    pub file: StoredFile,
    pub path: PathBuf,
}

impl EmbeddedFiles {
    pub(crate) fn new(db: Db, blob_dir: PathBuf, public_url: &str, signer: DownloadSigner) -> Self {
        Self {
            db,
            blob_dir,
            public_url: public_url.trim_end_matches('/').to_owned(),
            signer,
        }
    }

    fn blob_path(&self, blob: &str) -> PathBuf {
        self.blob_dir.join(blob)
    }

    /// Writes bytes to a fresh blob; the `.tmp` rename makes a blob whole or absent.
    async fn write_blob(&self, body: &[u8]) -> Result<String, StoreError> {
        let blob = ezshare_domain::UploadId::generate().to_string();
        let tmp = self.blob_path(&format!("{blob}.tmp"));
        let mut f = tokio::fs::File::create(&tmp)
            .await
            .map_err(StoreError::internal)?;
        let written = async {
            f.write_all(body).await?;
            f.sync_all().await
        }
        .await;
        if let Err(e) = written {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(StoreError::internal(e));
        }
        tokio::fs::rename(&tmp, self.blob_path(&blob))
            .await
            .map_err(StoreError::internal)?;
        Ok(blob)
    }

    async fn remove_blob(&self, blob: &str) {
        if let Err(e) = tokio::fs::remove_file(self.blob_path(blob)).await {
            tracing::warn!(blob, error = %e, "could not remove blob");
        }
    }

    /// Removes blobs no file row refers to (left by a crash between write and commit).
    pub async fn sweep_orphan_blobs(&self) -> Result<usize, StoreError> {
        let referenced: HashSet<String> = self
            .db
            .call(|conn| {
                let mut stmt = conn
                    .prepare("SELECT blob FROM files")
                    .map_err(StoreError::internal)?;
                let rows = stmt
                    .query_map([], |r| r.get::<_, String>(0))
                    .map_err(StoreError::internal)?;
                rows.collect::<Result<_, _>>().map_err(StoreError::internal)
            })
            .await?;
        let mut removed = 0;
        let mut dir = tokio::fs::read_dir(&self.blob_dir)
            .await
            .map_err(StoreError::internal)?;
        while let Some(entry) = dir.next_entry().await.map_err(StoreError::internal)? {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !referenced.contains(&name) && entry.file_type().await.is_ok_and(|t| t.is_file()) {
                let _ = tokio::fs::remove_file(entry.path()).await;
                removed += 1;
            }
        }
        Ok(removed)
    }

    /// Checks a signed download URL's parts and finds the file's bytes. `None`: the signature
    /// was good but the file is gone.
    pub async fn open_signed(
        &self,
        owner: &str,
        name: &str,
        expires: i64,
        signature: &str,
        now: OffsetDateTime,
    ) -> Result<Result<Option<SignedDownload>, StoreError>, SignatureError> {
        self.signer
            .verify(DOWNLOAD_PURPOSE, owner, name, expires, signature, now)?;
        // A valid signature was made over parsed values, so these parse too.
        let (Ok(owner), Ok(name)) = (Username::parse(owner), FileName::parse(name)) else {
            return Err(SignatureError::Invalid);
        };
        Ok(self.find(&owner, &name).await.map(|found| {
            found.map(|(file, blob)| SignedDownload {
                file,
                path: self.blob_path(&blob),
            })
        }))
    }

    async fn find(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<(StoredFile, String)>, StoreError> {
        let (owner, name) = (owner.clone(), name.clone());
        self.db
            .call(move |conn| {
                let row = conn
                    .query_row(
                        "SELECT size, content_type, uploaded_at, blob FROM files
                         WHERE owner = ?1 AND name = ?2",
                        params![owner.as_str(), name.as_str()],
                        |r| {
                            Ok((
                                r.get::<_, i64>(0)?,
                                r.get::<_, String>(1)?,
                                r.get::<_, i64>(2)?,
                                r.get::<_, String>(3)?,
                            ))
                        },
                    )
                    .optional()
                    .map_err(StoreError::internal)?;
                let Some((size, content_type, uploaded_at, blob)) = row else {
                    return Ok(None);
                };
                let file = StoredFile {
                    name,
                    size: size as u64,
                    content_type: parse_stored(&content_type, ContentType::parse)?,
                    uploaded_at: from_unix(uploaded_at)?,
                };
                Ok(Some((file, blob)))
            })
            .await
    }
}

/// Inserts a file row pointing at `blob` inside `tx`, honouring `mode` atomically (the primary
/// key decides between racing creates). Returns the blob of the row it replaced, for the
/// caller to delete once the transaction has committed.
pub(super) fn insert_file_row(
    tx: &rusqlite::Transaction<'_>,
    owner: &str,
    file: &StoredFile,
    blob: &str,
    mode: WriteMode,
) -> Result<Option<String>, StoreError> {
    let replaced: Option<String> = tx
        .query_row(
            "SELECT blob FROM files WHERE owner = ?1 AND name = ?2",
            params![owner, file.name.as_str()],
            |r| r.get(0),
        )
        .optional()
        .map_err(StoreError::internal)?;
    let verb = match mode {
        WriteMode::CreateNew => "INSERT INTO files",
        WriteMode::Overwrite => "INSERT OR REPLACE INTO files",
    };
    let inserted = tx.execute(
        &format!(
            "{verb} (owner, name, size, content_type, uploaded_at, blob)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        ),
        params![
            owner,
            file.name.as_str(),
            file.size as i64,
            file.content_type.as_str(),
            to_unix(file.uploaded_at),
            blob,
        ],
    );
    match inserted {
        Ok(_) => Ok(replaced),
        Err(e) if is_unique_violation(&e) => Err(StoreError::AlreadyExists),
        Err(e) => Err(StoreError::internal(e)),
    }
}

#[async_trait]
impl FileStore for EmbeddedFiles {
    async fn put_file(
        &self,
        owner: &Username,
        name: &FileName,
        content_type: &ContentType,
        body: Bytes,
        mode: WriteMode,
    ) -> Result<StoredFile, StoreError> {
        let blob = self.write_blob(&body).await?;
        let file = StoredFile {
            name: name.clone(),
            size: body.len() as u64,
            content_type: content_type.clone(),
            uploaded_at: OffsetDateTime::now_utc(),
        };
        let (owner_s, row, new_blob) = (owner.to_string(), file.clone(), blob.clone());
        let committed = self
            .db
            .call(move |conn| {
                let tx = conn.transaction().map_err(StoreError::internal)?;
                let replaced = insert_file_row(&tx, &owner_s, &row, &new_blob, mode)?;
                tx.commit().map_err(StoreError::internal)?;
                Ok(replaced)
            })
            .await;
        match committed {
            Ok(replaced) => {
                if let Some(old) = replaced {
                    self.remove_blob(&old).await;
                }
                Ok(file)
            }
            Err(e) => {
                self.remove_blob(&blob).await;
                Err(e)
            }
        }
    }

    async fn head_file(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<StoredFile>, StoreError> {
        Ok(self.find(owner, name).await?.map(|(file, _)| file))
    }

    async fn list_files(
        &self,
        owner: &Username,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<FilePage, StoreError> {
        // The cursor is the last name of the previous page, base64url-encoded.
        let after = match cursor {
            None => String::new(),
            Some(c) => URL_SAFE_NO_PAD
                .decode(c.as_str())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .filter(|s| FileName::parse(s).is_ok())
                .ok_or(StoreError::InvalidCursor)?,
        };
        let owner = owner.to_string();
        let limit = limit.get() as usize;
        let mut rows = self
            .db
            .call(move |conn| {
                // BINARY collation compares the UTF-8 bytes: the order S3 lists keys in.
                let mut stmt = conn
                    .prepare_cached(
                        "SELECT name, size, uploaded_at FROM files
                         WHERE owner = ?1 AND name > ?2 ORDER BY name LIMIT ?3",
                    )
                    .map_err(StoreError::internal)?;
                let rows = stmt
                    .query_map(params![owner, after, (limit + 1) as i64], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, i64>(2)?,
                        ))
                    })
                    .map_err(StoreError::internal)?;
                rows.collect::<Result<Vec<_>, _>>()
                    .map_err(StoreError::internal)
            })
            .await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let files = rows
            .into_iter()
            .map(|(name, size, uploaded_at)| {
                Ok(FileSummary {
                    name: parse_stored(&name, FileName::parse)?,
                    size: size as u64,
                    uploaded_at: from_unix(uploaded_at)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next_cursor = more
            .then(|| files.last())
            .flatten()
            .map(|last| Cursor::from_store(URL_SAFE_NO_PAD.encode(last.name.as_str())));
        Ok(FilePage { files, next_cursor })
    }

    async fn presign_download(
        &self,
        owner: &Username,
        name: &FileName,
        ttl: Duration,
    ) -> Result<PresignedDownload, StoreError> {
        let expires_at = OffsetDateTime::now_utc() + ttl;
        let expires = expires_at.unix_timestamp();
        let sig = self
            .signer
            .sign(DOWNLOAD_PURPOSE, owner.as_str(), name.as_str(), expires);
        let url = format!(
            "{}{DOWNLOAD_ROUTE_PREFIX}/{}/{}?expires={expires}&sig={sig}",
            self.public_url,
            owner,
            utf8_percent_encode(name.as_str(), PATH_SEGMENT),
        );
        Ok(PresignedDownload {
            url,
            expires_at: from_unix(expires)?,
        })
    }

    async fn delete_file(&self, owner: &Username, name: &FileName) -> Result<bool, StoreError> {
        let (owner_s, name_s) = (owner.to_string(), name.to_string());
        let blob: Option<String> = self
            .db
            .call(move |conn| {
                conn.query_row(
                    "DELETE FROM files WHERE owner = ?1 AND name = ?2 RETURNING blob",
                    params![owner_s, name_s],
                    |r| r.get(0),
                )
                .optional()
                .map_err(StoreError::internal)
            })
            .await?;
        match blob {
            Some(blob) => {
                self.remove_blob(&blob).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{
    ContentType, Cursor, FileName, PageLimit, Sha256Digest, Username, Visibility,
};
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::blobs::Blobs;
use super::db::{Db, from_unix, insert_unique, parse_stored, to_unix};
use super::signing::{LinkError, LinkPurpose, SignedLink, UrlSigner};
use crate::{
    FilePage, FileStore, FileSummary, PresignedDownload, StoreError, StoredFile, WriteMode, cursor,
};

/// File metadata in SQLite, bytes in [`Blobs`].
pub struct EmbeddedFiles {
    db: Db,
    blobs: Arc<Blobs>,
    public_url: String,
    signer: UrlSigner,
}

/// A verified download: the file's metadata and where its bytes are.
#[derive(Debug)]
pub struct SignedDownload {
    pub file: StoredFile,
    pub path: PathBuf,
}

/// Why a signed download link gives no file.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Link(#[from] LinkError),
    /// The link was good, but the file has been deleted since.
    #[error("the file no longer exists")]
    Gone,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl EmbeddedFiles {
    pub(crate) fn new(db: Db, blobs: Arc<Blobs>, public_url: &str, signer: UrlSigner) -> Self {
        Self {
            db,
            blobs,
            public_url: public_url.to_owned(),
            signer,
        }
    }

    /// Removes blobs no file row refers to (left by a crash between write and commit) and
    /// older than `older_than`: at start everything (nothing is being written), while serving
    /// only what is older than any write in flight.
    pub async fn sweep_orphan_blobs(
        &self,
        older_than: std::time::SystemTime,
    ) -> Result<usize, StoreError> {
        let referenced: HashSet<String> = self.db.read(|conn| {
            let mut stmt = conn
                .prepare("SELECT blob FROM files")
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(StoreError::internal)?;
            rows.collect::<Result<_, _>>().map_err(StoreError::internal)
        })?;
        self.blobs.sweep(&referenced, older_than).await
    }

    /// Checks a signed download link and finds the file's bytes.
    pub async fn open_signed(
        &self,
        link: &SignedLink,
        now: OffsetDateTime,
    ) -> Result<SignedDownload, OpenError> {
        if link.purpose != LinkPurpose::Download {
            return Err(LinkError::Invalid.into());
        }
        self.signer.verify(link, now)?;
        // A valid signature was made over parsed values, so these parse too.
        let (Ok(owner), Ok(name)) = (Username::parse(&link.owner), FileName::parse(&link.subject))
        else {
            return Err(LinkError::Invalid.into());
        };
        let file = self.find(&owner, &name).await?.ok_or(OpenError::Gone)?;
        Ok(SignedDownload {
            path: self.blobs.path(&file.object),
            file,
        })
    }

    async fn find(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<StoredFile>, StoreError> {
        let (owner, name) = (owner.clone(), name.clone());
        self.db.read(move |conn| {
            conn.prepare_cached(&format!(
                "SELECT {FILE_COLUMNS} FROM files WHERE owner = ?1 AND name = ?2"
            ))
            .map_err(StoreError::internal)?
            .query_row(params![owner.as_str(), name.as_str()], file_row)
            .optional()
            .map_err(StoreError::internal)?
            .map(|row| row.parse(name))
            .transpose()
        })
    }
}

/// The columns [`file_row`] reads, in its order.
const FILE_COLUMNS: &str = "size, content_type, uploaded_at, blob, visibility, sha256";

/// A `files` row as stored, before its values are parsed.
pub(super) struct FileRow {
    size: i64,
    content_type: String,
    uploaded_at: i64,
    blob: String,
    visibility: String,
    sha256: Option<String>,
}

pub(super) fn file_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        size: r.get(0)?,
        content_type: r.get(1)?,
        uploaded_at: r.get(2)?,
        blob: r.get(3)?,
        visibility: r.get(4)?,
        sha256: r.get(5)?,
    })
}

impl FileRow {
    pub(super) fn parse(self, name: FileName) -> Result<StoredFile, StoreError> {
        Ok(StoredFile {
            name,
            size: self.size as u64,
            content_type: parse_stored(&self.content_type, ContentType::parse)?,
            uploaded_at: from_unix(self.uploaded_at)?,
            visibility: parse_stored(&self.visibility, str::parse::<Visibility>)?,
            object: self.blob,
            sha256: self
                .sha256
                .as_deref()
                .map(|hex| parse_stored(hex, Sha256Digest::parse_hex))
                .transpose()?,
        })
    }
}

/// Commits a file row pointing at `file.object` (a blob), with whatever `also` does in the
/// same transaction, honouring `mode` atomically (the primary key decides between racing
/// creates); then deletes the blob of the row it replaced. A replaced row keeps its
/// visibility: the file as committed is returned. On failure nothing changed, and the caller
/// still owns the blob.
pub(super) async fn commit_file(
    db: &Db,
    blobs: &Blobs,
    owner: &Username,
    file: &StoredFile,
    mode: WriteMode,
    also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), StoreError> + Send + 'static,
) -> Result<StoredFile, StoreError> {
    let (owner, mut file) = (owner.to_string(), file.clone());
    let (replaced, file) = db
        .write(move |conn| {
            let tx = conn.transaction().map_err(StoreError::internal)?;
            let replaced: Option<(String, String)> = tx
                .prepare_cached(
                    "SELECT blob, visibility FROM files WHERE owner = ?1 AND name = ?2",
                )
                .map_err(StoreError::internal)?
                .query_row(params![owner, file.name.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
                .map_err(StoreError::internal)?;
            // CreateNew: the primary key refuses a taken name. Overwrite: an upsert that
            // leaves the row's visibility as it was.
            let on_conflict = match mode {
                WriteMode::CreateNew => "",
                WriteMode::Overwrite => {
                    "ON CONFLICT (owner, name) DO UPDATE SET size = excluded.size,
                     content_type = excluded.content_type, uploaded_at = excluded.uploaded_at,
                     blob = excluded.blob, sha256 = excluded.sha256"
                }
            };
            insert_unique(
                &tx,
                &format!(
                    "INSERT INTO files (owner, name, size, content_type, uploaded_at, blob, visibility,
                     sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) {on_conflict}"
                ),
                params![
                    owner,
                    file.name.as_str(),
                    file.size as i64,
                    file.content_type.as_str(),
                    to_unix(file.uploaded_at),
                    file.object,
                    file.visibility.as_str(),
                    file.sha256.map(|d| d.to_hex()),
                ],
            )?;
            also(&tx)?;
            tx.commit().map_err(StoreError::internal)?;
            let replaced_blob = match replaced {
                Some((blob, visibility)) => {
                    file.visibility = parse_stored(&visibility, str::parse::<Visibility>)?;
                    Some(blob)
                }
                None => None,
            };
            Ok((replaced_blob, file))
        })
        .await?;
    if let Some(old) = replaced {
        blobs.remove(&old).await;
    }
    Ok(file)
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
        visibility: Visibility,
    ) -> Result<StoredFile, StoreError> {
        let size = body.len() as u64;
        let sha256 = Sha256Digest::of(&body);
        let blob = self.blobs.write(body).await?;
        let file = StoredFile {
            name: name.clone(),
            size,
            content_type: content_type.clone(),
            uploaded_at: OffsetDateTime::now_utc(),
            visibility,
            object: blob,
            sha256: Some(sha256),
        };
        let nothing_else = |_: &rusqlite::Transaction<'_>| Ok(());
        let committed = commit_file(&self.db, &self.blobs, owner, &file, mode, nothing_else).await;
        if committed.is_err() {
            self.blobs.remove(&file.object).await;
        }
        committed
    }

    async fn set_visibility(
        &self,
        owner: &Username,
        name: &FileName,
        visibility: Visibility,
    ) -> Result<Option<StoredFile>, StoreError> {
        let (owner, name) = (owner.to_string(), name.clone());
        self.db
            .write(move |conn| {
                conn.prepare_cached(&format!(
                    "UPDATE files SET visibility = ?3 WHERE owner = ?1 AND name = ?2
                     RETURNING {FILE_COLUMNS}"
                ))
                .map_err(StoreError::internal)?
                .query_row(params![owner, name.as_str(), visibility.as_str()], file_row)
                .optional()
                .map_err(StoreError::internal)?
                .map(|row| row.parse(name))
                .transpose()
            })
            .await
    }

    async fn head_file(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<StoredFile>, StoreError> {
        self.find(owner, name).await
    }

    async fn list_files(
        &self,
        owner: &Username,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<FilePage, StoreError> {
        let after = match cursor {
            None => String::new(),
            Some(c) => cursor::decode(c)?.to_string(),
        };
        let owner = owner.to_string();
        let limit = limit.get() as usize;
        let mut rows = self.db.read(move |conn| {
            // BINARY collation compares the UTF-8 bytes: the order S3 lists keys in.
            let mut stmt = conn
                .prepare_cached(
                    "SELECT name, size, uploaded_at, visibility FROM files
                         WHERE owner = ?1 AND name > ?2 ORDER BY name LIMIT ?3",
                )
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map(params![owner, after, (limit + 1) as i64], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
                .map_err(StoreError::internal)?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::internal)
        })?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let files = rows
            .into_iter()
            .map(|(name, size, uploaded_at, visibility)| {
                Ok(FileSummary {
                    name: parse_stored(&name, FileName::parse)?,
                    size: size as u64,
                    uploaded_at: from_unix(uploaded_at)?,
                    visibility: parse_stored(&visibility, str::parse::<Visibility>)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next_cursor = more
            .then(|| files.last())
            .flatten()
            .map(|last| cursor::encode(&last.name));
        Ok(FilePage { files, next_cursor })
    }

    async fn list_all_clients_files(
        &self,
        after: Option<(&Username, &FileName)>,
        limit: usize,
    ) -> Result<Vec<(Username, FileSummary)>, StoreError> {
        let (after_owner, after_name) = after
            .map(|(o, n)| (o.as_str(), n.as_str()))
            .unwrap_or(("", ""));
        let rows = self.db.read(|conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT owner, name, size, uploaded_at FROM files
                     WHERE visibility = 'all_clients' AND (owner, name) > (?1, ?2)
                     ORDER BY owner, name LIMIT ?3",
                )
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map(params![after_owner, after_name, limit as i64], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, i64>(3)?,
                    ))
                })
                .map_err(StoreError::internal)?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(StoreError::internal)
        })?;
        rows.into_iter()
            .map(|(owner, name, size, uploaded_at)| {
                let summary = FileSummary {
                    name: parse_stored(&name, FileName::parse)?,
                    size: size as u64,
                    uploaded_at: from_unix(uploaded_at)?,
                    visibility: Visibility::AllClients,
                };
                Ok((parse_stored(&owner, Username::parse)?, summary))
            })
            .collect()
    }

    async fn presign_download(
        &self,
        owner: &Username,
        file: &StoredFile,
        ttl: Duration,
    ) -> Result<PresignedDownload, StoreError> {
        // Signed by name: the local route serves whatever version the name has when fetched.
        let link = self.signer.sign(
            LinkPurpose::Download,
            owner.as_str(),
            file.name.as_str(),
            OffsetDateTime::now_utc() + ttl,
        );
        Ok(PresignedDownload {
            url: link.url(&self.public_url),
            expires_at: from_unix(link.expires)?,
        })
    }

    async fn delete_file(&self, owner: &Username, name: &FileName) -> Result<bool, StoreError> {
        let (owner_s, name_s) = (owner.to_string(), name.to_string());
        let blob: Option<String> = self
            .db
            .write(move |conn| {
                conn.prepare_cached(
                    "DELETE FROM files WHERE owner = ?1 AND name = ?2 RETURNING blob",
                )
                .map_err(StoreError::internal)?
                .query_row(params![owner_s, name_s], |r| r.get(0))
                .optional()
                .map_err(StoreError::internal)
            })
            .await?;
        match blob {
            Some(blob) => {
                self.blobs.remove(&blob).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{ContentType, Cursor, FileName, PageLimit, Username};
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

    /// Removes blobs no file row refers to (left by a crash between write and commit).
    pub async fn sweep_orphan_blobs(&self) -> Result<usize, StoreError> {
        let referenced: HashSet<String> = self.db.read(|conn| {
            let mut stmt = conn
                .prepare("SELECT blob FROM files")
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(StoreError::internal)?;
            rows.collect::<Result<_, _>>().map_err(StoreError::internal)
        })?;
        self.blobs.sweep(&referenced).await
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
        let (file, blob) = self.find(&owner, &name).await?.ok_or(OpenError::Gone)?;
        Ok(SignedDownload {
            file,
            path: self.blobs.path(&blob),
        })
    }

    async fn find(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<(StoredFile, String)>, StoreError> {
        let (owner, name) = (owner.clone(), name.clone());
        self.db.read(move |conn| {
            let row = conn
                .prepare_cached(
                    "SELECT size, content_type, uploaded_at, blob FROM files
                         WHERE owner = ?1 AND name = ?2",
                )
                .map_err(StoreError::internal)?
                .query_row(params![owner.as_str(), name.as_str()], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, i64>(2)?,
                        r.get::<_, String>(3)?,
                    ))
                })
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
    }
}

/// Commits a file row pointing at `blob`, with whatever `also` does in the same
/// transaction, honouring `mode` atomically (the primary key decides between racing creates);
/// then deletes the blob of the row it replaced. On failure nothing changed, and the caller
/// still owns `blob`.
pub(super) async fn commit_file(
    db: &Db,
    blobs: &Blobs,
    owner: &Username,
    file: &StoredFile,
    blob: &str,
    mode: WriteMode,
    also: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(), StoreError> + Send + 'static,
) -> Result<(), StoreError> {
    let (owner, file, blob) = (owner.to_string(), file.clone(), blob.to_owned());
    let replaced = db
        .write(move |conn| {
            let tx = conn.transaction().map_err(StoreError::internal)?;
            let replaced: Option<String> = tx
                .prepare_cached("SELECT blob FROM files WHERE owner = ?1 AND name = ?2")
                .map_err(StoreError::internal)?
                .query_row(params![owner, file.name.as_str()], |r| r.get(0))
                .optional()
                .map_err(StoreError::internal)?;
            let verb = match mode {
                WriteMode::CreateNew => "INSERT INTO files",
                WriteMode::Overwrite => "INSERT OR REPLACE INTO files",
            };
            insert_unique(
                &tx,
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
            )?;
            also(&tx)?;
            tx.commit().map_err(StoreError::internal)?;
            Ok(replaced)
        })
        .await?;
    if let Some(old) = replaced {
        blobs.remove(&old).await;
    }
    Ok(())
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
        let size = body.len() as u64;
        let blob = self.blobs.write(body).await?;
        let file = StoredFile {
            name: name.clone(),
            size,
            content_type: content_type.clone(),
            uploaded_at: OffsetDateTime::now_utc(),
        };
        let nothing_else = |_: &rusqlite::Transaction<'_>| Ok(());
        let committed = commit_file(
            &self.db,
            &self.blobs,
            owner,
            &file,
            &blob,
            mode,
            nothing_else,
        )
        .await;
        if let Err(e) = committed {
            self.blobs.remove(&blob).await;
            return Err(e);
        }
        Ok(file)
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
        })?;
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
            .map(|last| cursor::encode(&last.name));
        Ok(FilePage { files, next_cursor })
    }

    async fn presign_download(
        &self,
        owner: &Username,
        name: &FileName,
        ttl: Duration,
    ) -> Result<PresignedDownload, StoreError> {
        let link = self.signer.sign(
            LinkPurpose::Download,
            owner.as_str(),
            name.as_str(),
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

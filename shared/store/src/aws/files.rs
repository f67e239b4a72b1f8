use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::{ByteStream, DateTime};
use bytes::Bytes;
use ezshare_domain::{ContentType, Cursor, FileName, PageLimit, Username};
use time::OffsetDateTime;

use super::errors::{name_taken, status_of, store_error};
use super::presign;
use super::schema::bucket::{file_key, owner_prefix};
use crate::cursor;
use crate::{
    FilePage, FileStore, FileSummary, PresignedDownload, StoreError, StoredFile, WriteMode,
};

/// Files as S3 objects at `files/{owner}/{name}`; the object's metadata is the file's.
pub struct S3Files {
    client: Client,
    bucket: String,
}

impl S3Files {
    pub(crate) fn new(client: Client, bucket: String) -> Self {
        Self { client, bucket }
    }
}

#[async_trait]
impl FileStore for S3Files {
    async fn put_file(
        &self,
        owner: &Username,
        name: &FileName,
        content_type: &ContentType,
        body: Bytes,
        mode: WriteMode,
    ) -> Result<StoredFile, StoreError> {
        let size = body.len() as u64;
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(file_key(owner, name))
            .content_type(content_type.as_str())
            .body(ByteStream::from(body));
        if mode == WriteMode::CreateNew {
            // S3 conditional write: the object is created only if no object has the key,
            // decided atomically by S3, so of racing uploads exactly one wins.
            put = put.if_none_match("*");
        }
        match put.send().await {
            Ok(_) => Ok(StoredFile {
                name: name.clone(),
                size,
                content_type: content_type.clone(),
                // PutObject does not return LastModified; this is within a moment of it.
                uploaded_at: OffsetDateTime::now_utc(),
            }),
            Err(e) if mode == WriteMode::CreateNew && name_taken(&e) => {
                Err(StoreError::AlreadyExists)
            }
            Err(e) => Err(store_error("PutObject", e)),
        }
    }

    async fn head_file(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<StoredFile>, StoreError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(file_key(owner, name))
            .send()
            .await;
        let out = match head {
            Ok(out) => out,
            // A HEAD response has no body, so a 404 is all S3 can say about a missing key.
            Err(e) if status_of(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(store_error("HeadObject", e)),
        };
        Ok(Some(StoredFile {
            name: name.clone(),
            size: size_of(out.content_length)?,
            // Only we write these objects, but a missing or odd type is no reason to hide
            // the file: it is a hint for the downloader.
            content_type: ContentType::parse_or_default(out.content_type.as_deref()),
            uploaded_at: uploaded_at(out.last_modified.as_ref())?,
        }))
    }

    async fn list_files(
        &self,
        owner: &Username,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<FilePage, StoreError> {
        let prefix = owner_prefix(owner);
        let mut list = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(&prefix)
            .max_keys(limit.get() as i32);
        if let Some(c) = cursor {
            list = list.start_after(file_key(owner, &cursor::decode(c)?));
        }
        let out = list
            .send()
            .await
            .map_err(|e| store_error("ListObjectsV2", e))?;
        let files = out
            .contents
            .unwrap_or_default()
            .into_iter()
            .map(|o| {
                let key = o.key.unwrap_or_default();
                let name = key
                    .strip_prefix(&prefix)
                    .and_then(|n| FileName::parse(n).ok())
                    .ok_or_else(|| StoreError::Internal(format!("unexpected key {key:?}")))?;
                Ok(FileSummary {
                    name,
                    size: size_of(o.size)?,
                    uploaded_at: uploaded_at(o.last_modified.as_ref())?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let next_cursor = if out.is_truncated == Some(true) {
            files.last().map(|f| cursor::encode(&f.name))
        } else {
            None
        };
        Ok(FilePage { files, next_cursor })
    }

    async fn presign_download(
        &self,
        owner: &Username,
        name: &FileName,
        ttl: Duration,
    ) -> Result<PresignedDownload, StoreError> {
        let (config, expires_at) = presign::valid_for(ttl)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(file_key(owner, name))
            // Signed into the URL, so S3 serves the bytes as an attachment under their name.
            .response_content_disposition(name.content_disposition())
            .presigned(config)
            .await
            .map_err(|e| store_error("presign GetObject", e))?;
        // A URL for a browser must work on its own: refuse one that needs extra headers.
        // Inside Lambda the SDK adds X-Amzn-Trace-Id (recursion detection, from
        // _X_AMZN_TRACE_ID, set per invocation); SigV4 never signs it, so the URL works
        // without it.
        let needed = request
            .headers()
            .find(|(name, _)| !name.eq_ignore_ascii_case("x-amzn-trace-id"));
        if let Some((header, _)) = needed {
            return Err(StoreError::Internal(format!(
                "presigned GetObject needs header {header}"
            )));
        }
        Ok(PresignedDownload {
            url: request.uri().to_owned(),
            expires_at,
        })
    }

    async fn delete_file(&self, owner: &Username, name: &FileName) -> Result<bool, StoreError> {
        // S3's DeleteObject succeeds whether or not the key existed, so ask first. A racing
        // delete may make both callers see `true`; both wanted the file gone, and it is.
        if self.head_file(owner, name).await?.is_none() {
            return Ok(false);
        }
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(file_key(owner, name))
            .send()
            .await
            .map_err(|e| store_error("DeleteObject", e))?;
        Ok(true)
    }
}

fn size_of(len: Option<i64>) -> Result<u64, StoreError> {
    len.and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| StoreError::Internal(format!("object size {len:?}")))
}

fn uploaded_at(modified: Option<&DateTime>) -> Result<OffsetDateTime, StoreError> {
    let modified = modified.ok_or_else(|| StoreError::Internal("no LastModified".into()))?;
    OffsetDateTime::from_unix_timestamp(modified.secs())
        .map(|t| t + Duration::from_nanos(modified.subsec_nanos().into()))
        .map_err(StoreError::internal)
}

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use ezshare_domain::{
    ContentType, Cursor, FileName, PageLimit, Sha256Digest, Username, Visibility,
};
use time::OffsetDateTime;

use super::errors::store_error;
use super::file_index::FileIndex;
use super::presign;
use super::schema::bucket::new_object_key;
use crate::{FilePage, FileStore, PresignedDownload, StoreError, StoredFile, WriteMode};

/// Files in two parts: the files table says which object holds each file's bytes (and its
/// metadata); each version's bytes are their own immutable S3 object. A write stores the
/// object first, then points the name at it, so nothing is listed that cannot be downloaded;
/// an overwrite never copies or rewrites bytes in place.
pub struct AwsFiles {
    index: FileIndex,
    client: Client,
    bucket: String,
}

impl AwsFiles {
    pub(crate) fn new(index: FileIndex, client: Client, bucket: String) -> Self {
        Self {
            index,
            client,
            bucket,
        }
    }
}

/// Deletes an object no entry points at any more (a replaced version, a write whose commit
/// failed). Best effort: what fails stays an orphan for the reconciliation to remove.
pub(crate) async fn delete_object(client: &Client, bucket: &str, key: &str) {
    if let Err(e) = client.delete_object().bucket(bucket).key(key).send().await {
        tracing::warn!(key, error = %store_error("DeleteObject", e), "left an orphan object");
    }
}

#[async_trait]
impl FileStore for AwsFiles {
    async fn put_file(
        &self,
        owner: &Username,
        name: &FileName,
        content_type: &ContentType,
        body: Bytes,
        mode: WriteMode,
        visibility: Visibility,
    ) -> Result<StoredFile, StoreError> {
        let file = StoredFile {
            name: name.clone(),
            size: body.len() as u64,
            content_type: content_type.clone(),
            uploaded_at: OffsetDateTime::now_utc(),
            visibility,
            object: new_object_key(owner),
            sha256: Some(Sha256Digest::of(&body)),
        };
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&file.object)
            .content_type(content_type.as_str())
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| store_error("PutObject", e))?;
        match self.index.commit(owner, &file, mode).await {
            Ok(committed) => {
                if let Some(old) = committed.replaced_object {
                    delete_object(&self.client, &self.bucket, &old).await;
                }
                Ok(committed.file)
            }
            Err(e) => {
                delete_object(&self.client, &self.bucket, &file.object).await;
                Err(e)
            }
        }
    }

    async fn set_visibility(
        &self,
        owner: &Username,
        name: &FileName,
        visibility: Visibility,
    ) -> Result<Option<StoredFile>, StoreError> {
        self.index.set_visibility(owner, name, visibility).await
    }

    async fn head_file(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<StoredFile>, StoreError> {
        self.index.get(owner, name).await
    }

    async fn list_files(
        &self,
        owner: &Username,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<FilePage, StoreError> {
        self.index.list(owner, cursor, limit).await
    }

    async fn list_all_clients_files(
        &self,
        after: Option<(&Username, &FileName)>,
        limit: usize,
    ) -> Result<Vec<(Username, crate::FileSummary)>, StoreError> {
        self.index.list_all_clients(after, limit).await
    }

    async fn presign_download(
        &self,
        _owner: &Username,
        file: &StoredFile,
        ttl: Duration,
    ) -> Result<PresignedDownload, StoreError> {
        let (config, expires_at) = presign::valid_for(ttl)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&file.object)
            // Signed into the URL, so S3 serves the bytes as an attachment under their name
            // (the object's key is random; the name the downloader sees is this).
            .response_content_disposition(file.name.content_disposition())
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
        // The entry first: once it is gone the file is, even if its bytes linger.
        match self.index.delete(owner, name).await? {
            Some(object) => {
                delete_object(&self.client, &self.bucket, &object).await;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}

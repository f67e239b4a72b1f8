use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;
use ezshare_domain::{ContentType, UploadId, Username, Visibility};
use time::OffsetDateTime;

use super::announced::{Announced, metadata_of};
use super::errors::{status_of, store_error};
use super::file_index::FileIndex;
use super::files::delete_object;
use super::presign;
use super::schema::bucket::{multipart_object_key, new_object_key, staged_key};
use crate::staging::checksum_base64;
use crate::{
    MultipartStaging, PresignedUpload, StagedUpload, StoreError, StoredFile, UploadIntent,
    UploadStaging, WriteMode,
};

/// Direct uploads through S3: a presigned PUT to `staging/{owner}/{id}` with the size, type
/// and intended name signed in, then a server-side copy to a fresh object under
/// `files/{owner}/` that the files table then points the name at (the conditional step).
pub struct S3Staging {
    index: FileIndex,
    pub(super) client: Client,
    pub(super) bucket: String,
}

impl S3Staging {
    pub(crate) fn new(index: FileIndex, client: Client, bucket: String) -> Self {
        Self {
            index,
            client,
            bucket,
        }
    }
}

#[async_trait]
impl UploadStaging for S3Staging {
    async fn presign_upload(
        &self,
        intent: &UploadIntent,
        ttl: Duration,
    ) -> Result<PresignedUpload, StoreError> {
        let (config, expires_at) = presign::valid_for(ttl)?;
        let size = i64::try_from(intent.size).map_err(StoreError::internal)?;
        // Length, type, metadata and the checksum become signed headers: S3 refuses a PUT
        // that differs, and bytes whose SHA-256 is not the one signed.
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(staged_key(&intent.owner, &intent.id))
            .content_length(size)
            .content_type(intent.content_type.as_str());
        for (key, value) in metadata_of(intent) {
            put = put.metadata(key, value);
        }
        if let Some(digest) = &intent.sha256 {
            put = put.checksum_sha256(checksum_base64(digest));
        }
        let request = put
            .presigned(config)
            .await
            .map_err(|e| store_error("presign PutObject", e))?;
        let headers = request
            .headers()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Ok(PresignedUpload {
            url: request.uri().to_owned(),
            method: "PUT",
            headers,
            expires_at,
        })
    }

    async fn find_staged(
        &self,
        owner: &Username,
        id: &UploadId,
    ) -> Result<Option<StagedUpload>, StoreError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(staged_key(owner, id))
            .send()
            .await;
        let out = match head {
            Ok(out) => out,
            Err(e) if status_of(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(store_error("HeadObject staged", e)),
        };
        let announced = Announced::read(
            &out.metadata.clone().unwrap_or_default(),
            &format!("staged {id}"),
        )?;
        let size = out
            .content_length
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| StoreError::Internal(format!("staged {id}: bad length")))?;
        Ok(Some(StagedUpload {
            name: announced.name,
            size,
            declared_size: announced.size,
            content_type: ContentType::parse_or_default(out.content_type.as_deref()),
            etag: out.e_tag,
            // S3 took the bytes only if they had the signed checksum, so the announced
            // digest is theirs.
            sha256: announced.sha256,
            in_place: None,
        }))
    }

    async fn read_staged(
        &self,
        owner: &Username,
        id: &UploadId,
        staged: &StagedUpload,
        offset: u64,
        len: u64,
    ) -> Result<Bytes, StoreError> {
        if len == 0 {
            return Ok(Bytes::new());
        }
        let key = staged
            .in_place
            .clone()
            .unwrap_or_else(|| staged_key(owner, id));
        let got = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes={offset}-{}", offset + len - 1))
            .set_if_match(staged.etag.clone())
            .send()
            .await;
        let out = match got {
            Ok(out) => out,
            // 416: the range starts past the end; there is nothing to read there.
            Err(e) if status_of(&e) == Some(416) => return Ok(Bytes::new()),
            // 412: the If-Match pin failed, the bytes were replaced.
            Err(e) if status_of(&e) == Some(412) => return Err(StoreError::Changed),
            Err(e) => return Err(store_error("GetObject range", e)),
        };
        let body = out
            .body
            .collect()
            .await
            .map_err(|e| StoreError::Unavailable(format!("reading staged bytes: {e}")))?;
        Ok(body.into_bytes())
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
        let mut file = StoredFile {
            name: staged.name.clone(),
            size: staged.size,
            content_type: content_type.clone(),
            uploaded_at: OffsetDateTime::now_utc(),
            visibility,
            object: new_object_key(owner),
            // What S3 checked the bytes against when they arrived, if one was announced.
            sha256: staged.sha256,
        };
        if let Some(key) = &staged.in_place {
            file.object = key.clone();
            return self.point_at_assembled(owner, id, &file, mode).await;
        }
        self.copy_into_place(
            owner,
            id,
            staged.etag.as_deref(),
            &file.object,
            content_type,
        )
        .await?;
        let committed = match self.index.commit(owner, &file, mode).await {
            Ok(committed) => committed,
            Err(e) => {
                // The staged upload stays, so the client may retry (e.g. with overwrite).
                delete_object(&self.client, &self.bucket, &file.object).await;
                return Err(e);
            }
        };
        if let Some(old) = &committed.replaced_object {
            delete_object(&self.client, &self.bucket, old).await;
        }
        self.discard_staged(owner, id).await?;
        Ok(committed.file)
    }

    async fn discard_staged(&self, owner: &Username, id: &UploadId) -> Result<(), StoreError> {
        // A rejected multipart upload is discarded only once assembled, before any file
        // points at its object (the intent goes with it, so no later complete can).
        if let Some(upload) = self.find_multipart(owner, id).await? {
            self.abort_multipart(&upload).await?;
            delete_object(&self.client, &self.bucket, &multipart_object_key(owner, id)).await;
        }
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(staged_key(owner, id))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("DeleteObject staged", e))
    }
}

impl S3Staging {
    /// Points the file's name at an assembled multipart object: no bytes move. On a refused
    /// commit (a file of that name won) everything stays for a retry with overwrite.
    async fn point_at_assembled(
        &self,
        owner: &Username,
        id: &UploadId,
        file: &StoredFile,
        mode: WriteMode,
    ) -> Result<StoredFile, StoreError> {
        let committed = self.index.commit(owner, file, mode).await?;
        // Two racing completes of one upload point at the same object: keep it.
        if let Some(old) = committed.replaced_object.filter(|old| *old != file.object) {
            delete_object(&self.client, &self.bucket, &old).await;
        }
        self.delete_intent(owner, id).await?;
        Ok(committed.file)
    }
}

impl S3Staging {
    /// Server-side copy of the staged bytes to the fresh object `key`; the bytes never pass
    /// through us. A one-part multipart upload (UploadPartCopy, up to 5 GiB).
    async fn copy_into_place(
        &self,
        owner: &Username,
        id: &UploadId,
        etag: Option<&str>,
        key: &str,
        content_type: &ContentType,
    ) -> Result<(), StoreError> {
        let created = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type.as_str())
            .send()
            .await
            .map_err(|e| store_error("CreateMultipartUpload", e))?;
        let upload_id = created
            .upload_id()
            .ok_or_else(|| StoreError::Internal("CreateMultipartUpload: no upload id".into()))?
            .to_owned();
        let finished = self
            .copy_and_complete(key, &upload_id, owner, id, etag)
            .await;
        if finished.is_err() {
            // Best effort; the bucket's lifecycle rule aborts what this misses.
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .send()
                .await;
        }
        finished
    }

    async fn copy_and_complete(
        &self,
        key: &str,
        upload_id: &str,
        owner: &Username,
        id: &UploadId,
        etag: Option<&str>,
    ) -> Result<(), StoreError> {
        let part = self
            .client
            .upload_part_copy()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(1)
            .copy_source(format!("{}/{}", self.bucket, staged_key(owner, id)))
            // The version that was checked, or nothing: S3 answers 412 otherwise.
            .set_copy_source_if_match(etag.map(str::to_owned))
            .send()
            .await
            .map_err(|e| match status_of(&e) {
                Some(412) => StoreError::Changed,
                _ => store_error("UploadPartCopy", e),
            })?;
        let etag = part
            .copy_part_result()
            .and_then(|r| r.e_tag())
            .ok_or_else(|| StoreError::Internal("UploadPartCopy: no ETag".into()))?;
        let parts = CompletedMultipartUpload::builder()
            .parts(CompletedPart::builder().part_number(1).e_tag(etag).build())
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(parts)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("CompleteMultipartUpload", e))
    }
}

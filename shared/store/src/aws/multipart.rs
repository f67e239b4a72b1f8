//! Multipart direct uploads on S3. The S3 multipart upload is created at the file's final,
//! immutable key (`files/{owner}/m-{id}`), so completing it puts the bytes in place with no
//! copy, however large; the intent (name, sizes, digest, S3's UploadId) is the metadata of an
//! empty object `multipart/{owner}/{id}`, which a lifecycle rule expires with the upload.

use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use ezshare_domain::{ContentType, PartNumber, Sha256Digest, UploadId, Username};
use time::OffsetDateTime;

use super::announced::{Announced, metadata_of};
use super::errors::{status_of, store_error};
use super::presign;
use super::schema::bucket::{multipart_intent_key, multipart_object_key};
use super::staging::S3Staging;
use crate::staging::checksum_base64;
use crate::{
    MultipartIntent, MultipartStaging, MultipartState, MultipartUpload, PresignedUpload,
    StagedUpload, StoreError, UploadIntent, UploadedPart,
};

const PART_SIZE_METADATA: &str = "ezshare-part-size";
const S3_UPLOAD_ID_METADATA: &str = "ezshare-s3-upload-id";

fn no_such_upload(status: Option<u16>) -> bool {
    status == Some(404)
}

#[async_trait]
impl MultipartStaging for S3Staging {
    async fn start_multipart(
        &self,
        intent: &MultipartIntent,
    ) -> Result<MultipartUpload, StoreError> {
        let i = &intent.upload;
        let mut create = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(multipart_object_key(&i.owner, &i.id))
            .content_type(i.content_type.as_str());
        if i.sha256.is_some() {
            // Then every part carries its SHA-256, which S3 checks as it arrives.
            create = create.checksum_algorithm(ChecksumAlgorithm::Sha256);
        }
        let created = create
            .send()
            .await
            .map_err(|e| store_error("CreateMultipartUpload", e))?;
        let handle = created
            .upload_id()
            .ok_or_else(|| StoreError::Internal("CreateMultipartUpload: no upload id".into()))?
            .to_owned();
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(multipart_intent_key(&i.owner, &i.id))
            .content_type(i.content_type.as_str())
            .metadata(PART_SIZE_METADATA, intent.part_size.to_string())
            .metadata(S3_UPLOAD_ID_METADATA, &handle);
        for (key, value) in metadata_of(i) {
            put = put.metadata(key, value);
        }
        if let Err(e) = put.send().await {
            self.abort_s3(&i.owner, &i.id, &handle).await;
            return Err(store_error("PutObject multipart intent", e));
        }
        Ok(MultipartUpload {
            intent: intent.clone(),
            created_at: OffsetDateTime::now_utc(),
            handle,
        })
    }

    async fn find_multipart(
        &self,
        owner: &Username,
        id: &UploadId,
    ) -> Result<Option<MultipartUpload>, StoreError> {
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(multipart_intent_key(owner, id))
            .send()
            .await;
        let out = match head {
            Ok(out) => out,
            Err(e) if status_of(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(store_error("HeadObject multipart intent", e)),
        };
        let what = format!("multipart {id}");
        let corrupt = |field: &str| StoreError::Internal(format!("{what}: bad {field}"));
        let metadata = out.metadata.clone().unwrap_or_default();
        let announced = Announced::read(&metadata, &what)?;
        let part_size = metadata
            .get(PART_SIZE_METADATA)
            .and_then(|n| n.parse::<u64>().ok())
            .filter(|n| *n > 0)
            .ok_or_else(|| corrupt("part size"))?;
        let handle = metadata
            .get(S3_UPLOAD_ID_METADATA)
            .ok_or_else(|| corrupt("upload id"))?
            .to_owned();
        let created_at = out
            .last_modified
            .and_then(|t| OffsetDateTime::from_unix_timestamp(t.secs()).ok())
            .unwrap_or_else(OffsetDateTime::now_utc);
        Ok(Some(MultipartUpload {
            intent: MultipartIntent {
                upload: UploadIntent {
                    id: id.clone(),
                    owner: owner.clone(),
                    name: announced.name,
                    size: announced.size,
                    content_type: ContentType::parse_or_default(out.content_type.as_deref()),
                    sha256: announced.sha256,
                },
                part_size,
            },
            created_at,
            handle,
        }))
    }

    async fn presign_part(
        &self,
        upload: &MultipartUpload,
        part: PartNumber,
        sha256: Option<&Sha256Digest>,
        ttl: Duration,
    ) -> Result<PresignedUpload, StoreError> {
        let len = upload.intent.signable_len(part)?;
        let (config, expires_at) = presign::valid_for(ttl)?;
        let i = &upload.intent.upload;
        // The length (and the checksum) are signed: S3 refuses any other bytes.
        let request = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(multipart_object_key(&i.owner, &i.id))
            .upload_id(&upload.handle)
            .part_number(part.get() as i32)
            .content_length(i64::try_from(len).map_err(StoreError::internal)?)
            .set_checksum_sha256(sha256.map(checksum_base64))
            .presigned(config)
            .await
            .map_err(|e| store_error("presign UploadPart", e))?;
        Ok(PresignedUpload {
            url: request.uri().to_owned(),
            method: "PUT",
            headers: request
                .headers()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("x-amzn-trace-id"))
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            expires_at,
        })
    }

    async fn multipart_state(
        &self,
        upload: &MultipartUpload,
    ) -> Result<MultipartState, StoreError> {
        let i = &upload.intent.upload;
        let key = multipart_object_key(&i.owner, &i.id);
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(&key)
                .upload_id(&upload.handle)
                .set_part_number_marker(marker.take())
                .send()
                .await;
            let page = match page {
                Ok(page) => page,
                // Completed already (a complete began): the bytes are in place.
                Err(e) if no_such_upload(status_of(&e)) => {
                    return Ok(match self.in_place(upload).await? {
                        Some(staged) => MultipartState::Assembled(staged),
                        // Aborted by the lifecycle rule before its intent expired.
                        None => MultipartState::Receiving(Vec::new()),
                    });
                }
                Err(e) => return Err(store_error("ListParts", e)),
            };
            for p in page.parts() {
                let corrupt = || StoreError::Internal(format!("ListParts {}: bad part", i.id));
                let number = p
                    .part_number()
                    .and_then(|n| u32::try_from(n).ok())
                    .and_then(|n| PartNumber::new(n).ok())
                    .ok_or_else(corrupt)?;
                let sha256 = p
                    .checksum_sha256()
                    .map(|b64| digest_of_base64(b64).ok_or_else(corrupt))
                    .transpose()?;
                parts.push(UploadedPart {
                    number,
                    size: p
                        .size()
                        .and_then(|n| u64::try_from(n).ok())
                        .ok_or_else(corrupt)?,
                    etag: p.e_tag().ok_or_else(corrupt)?.to_owned(),
                    sha256,
                });
            }
            match (page.is_truncated(), page.next_part_number_marker()) {
                (Some(true), Some(next)) => marker = Some(next.to_owned()),
                _ => break,
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(MultipartState::Receiving(parts))
    }

    async fn assemble(
        &self,
        upload: &MultipartUpload,
        parts: &[UploadedPart],
    ) -> Result<StagedUpload, StoreError> {
        let i = &upload.intent.upload;
        let completed = parts
            .iter()
            .map(|p| {
                CompletedPart::builder()
                    .part_number(p.number.get() as i32)
                    .e_tag(&p.etag)
                    .set_checksum_sha256(p.sha256.as_ref().map(checksum_base64))
                    .build()
            })
            .collect();
        let done = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(multipart_object_key(&i.owner, &i.id))
            .upload_id(&upload.handle)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(completed))
                    .build(),
            )
            .send()
            .await;
        match done {
            Ok(_) => {}
            // A concurrent complete finished first: its object is the same bytes.
            Err(e) if no_such_upload(status_of(&e)) => {}
            Err(e) => return Err(store_error("CompleteMultipartUpload", e)),
        }
        self.in_place(upload)
            .await?
            .ok_or_else(|| StoreError::Internal(format!("assembled {} is missing", i.id)))
    }

    async fn abort_multipart(&self, upload: &MultipartUpload) -> Result<(), StoreError> {
        let i = &upload.intent.upload;
        let aborted = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(multipart_object_key(&i.owner, &i.id))
            .upload_id(&upload.handle)
            .send()
            .await;
        match aborted {
            // Assembled already: without its intent the object is an orphan, which the
            // reconciliation removes (unless a file points at it, which it then is).
            Ok(_) => {}
            Err(e) if no_such_upload(status_of(&e)) => {}
            Err(e) => return Err(store_error("AbortMultipartUpload", e)),
        }
        self.delete_intent(&i.owner, &i.id).await
    }
}

impl S3Staging {
    pub(super) async fn delete_intent(
        &self,
        owner: &Username,
        id: &UploadId,
    ) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(multipart_intent_key(owner, id))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("DeleteObject multipart intent", e))
    }

    /// The assembled object, as a staged upload to check and promote.
    async fn in_place(&self, upload: &MultipartUpload) -> Result<Option<StagedUpload>, StoreError> {
        let i = &upload.intent.upload;
        let key = multipart_object_key(&i.owner, &i.id);
        let head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await;
        let out = match head {
            Ok(out) => out,
            Err(e) if status_of(&e) == Some(404) => return Ok(None),
            Err(e) => return Err(store_error("HeadObject assembled", e)),
        };
        let size = out
            .content_length
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| StoreError::Internal(format!("assembled {}: no length", i.id)))?;
        Ok(Some(StagedUpload {
            name: i.name.clone(),
            size,
            declared_size: i.size,
            content_type: i.content_type.clone(),
            etag: out.e_tag,
            // S3 checked every part's digest; the whole file's is the uploader's own.
            sha256: i.sha256,
            in_place: Some(key),
        }))
    }

    async fn abort_s3(&self, owner: &Username, id: &UploadId, handle: &str) {
        let _ = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(multipart_object_key(owner, id))
            .upload_id(handle)
            .send()
            .await;
    }
}

fn digest_of_base64(b64: &str) -> Option<Sha256Digest> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    Some(Sha256Digest::from_bytes(bytes.try_into().ok()?))
}

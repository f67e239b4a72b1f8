//! Multipart direct uploads on the embedded backend: the intent and the received parts are
//! rows; each part's bytes are written, through a signed part link, straight into their
//! place in `staging/{id}` (parts have fixed sizes, so part n starts at (n - 1) × part
//! size), where a single-PUT upload's bytes would be. Assembling them copies nothing: once
//! every part is recorded the file is whole, and the rest (checks, promotion) is the same as
//! for a single PUT, in the same time whatever the size.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use ezshare_domain::{ContentType, FileName, PartNumber, Sha256Digest, UploadId, Username};
use futures_util::Stream;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::blobs::{WriteError, write_range};
use super::db::{from_unix, insert_unique, parse_stored, to_unix};
use super::signing::{LinkError, LinkPurpose};
use super::staging::{EmbeddedStaging, ReceiveError, UploadDelivery, check_checksum_header};
use crate::staging::{CHECKSUM_SHA256_HEADER, checksum_base64};
use crate::{
    MultipartIntent, MultipartStaging, MultipartState, MultipartUpload, PresignedUpload,
    StagedUpload, StoreError, UploadIntent, UploadStaging, UploadedPart,
};

/// A part link's subject: `{id}.{n}` or `{id}.{n}.{sha256 hex}`.
fn part_subject(id: &UploadId, part: PartNumber, sha256: Option<&Sha256Digest>) -> String {
    match sha256 {
        Some(d) => format!("{id}.{part}.{}", d.to_hex()),
        None => format!("{id}.{part}"),
    }
}

fn parse_subject(subject: &str) -> Option<(UploadId, PartNumber, Option<Sha256Digest>)> {
    let mut fields = subject.split('.');
    let id = UploadId::parse(fields.next()?).ok()?;
    let part = PartNumber::new(fields.next()?.parse().ok()?).ok()?;
    let sha256 = match fields.next() {
        Some(hex) => Some(Sha256Digest::parse_hex(hex).ok()?),
        None => None,
    };
    fields.next().is_none().then_some((id, part, sha256))
}

/// A part's entity tag: the start of its digest, quoted as S3 quotes its ETags.
fn etag_of(digest: &Sha256Digest) -> String {
    format!("\"{}\"", &digest.to_hex()[..32])
}

/// What is being written into each multipart upload's file right now: parts in flight, or
/// the join. A part and the join never overlap (a part written during or after assembly
/// would change checked bytes), nor do two deliveries of one part. In memory: the process
/// holds the data dir alone.
#[derive(Default)]
pub(super) struct MultipartActivity(Mutex<HashMap<String, Activity>>);

#[derive(Default)]
struct Activity {
    parts: HashSet<u32>,
    joining: bool,
}

/// Releases its claim on drop, however the request ends.
pub(super) struct Claim<'a> {
    activity: &'a MultipartActivity,
    id: String,
    part: Option<u32>,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        let Ok(mut map) = self.activity.0.lock() else {
            return;
        };
        if let Some(a) = map.get_mut(&self.id) {
            match self.part {
                Some(n) => {
                    a.parts.remove(&n);
                }
                None => a.joining = false,
            }
            if a.parts.is_empty() && !a.joining {
                map.remove(&self.id);
            }
        }
    }
}

impl MultipartActivity {
    fn claim_part(&self, id: &UploadId, part: PartNumber) -> Result<Claim<'_>, ReceiveError> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| StoreError::Internal("multipart activity poisoned".into()))?;
        let a = map.entry(id.to_string()).or_default();
        if a.joining || !a.parts.insert(part.get()) {
            return Err(ReceiveError::AlreadyReceived);
        }
        Ok(Claim {
            activity: self,
            id: id.to_string(),
            part: Some(part.get()),
        })
    }

    fn claim_join(&self, id: &UploadId) -> Result<Claim<'_>, StoreError> {
        let mut map = self
            .0
            .lock()
            .map_err(|_| StoreError::Internal("multipart activity poisoned".into()))?;
        let a = map.entry(id.to_string()).or_default();
        if a.joining || !a.parts.is_empty() {
            return Err(StoreError::Unavailable(format!(
                "upload {id}: parts are still arriving, or it is being completed"
            )));
        }
        a.joining = true;
        Ok(Claim {
            activity: self,
            id: id.to_string(),
            part: None,
        })
    }
}

#[async_trait]
impl MultipartStaging for EmbeddedStaging {
    async fn start_multipart(
        &self,
        intent: &MultipartIntent,
    ) -> Result<MultipartUpload, StoreError> {
        let now = OffsetDateTime::now_utc();
        let (i, part_size) = (intent.upload.clone(), intent.part_size);
        self.db
            .write(move |conn| {
                insert_unique(
                    conn,
                    "INSERT INTO multipart
                         (id, owner, name, size, content_type, sha256, part_size, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        i.id.as_str(),
                        i.owner.as_str(),
                        i.name.as_str(),
                        i.size as i64,
                        i.content_type.as_str(),
                        i.sha256.map(|d| d.to_hex()),
                        part_size as i64,
                        to_unix(now),
                    ],
                )
            })
            .await?;
        Ok(MultipartUpload {
            intent: intent.clone(),
            created_at: from_unix(to_unix(now))?,
            handle: intent.upload.id.to_string(),
        })
    }

    async fn find_multipart(
        &self,
        owner: &Username,
        id: &UploadId,
    ) -> Result<Option<MultipartUpload>, StoreError> {
        let (owner_s, id_s) = (owner.to_string(), id.to_string());
        type Row = (String, i64, String, Option<String>, i64, i64);
        let row: Option<Row> = self.db.read(move |conn| {
            conn.prepare_cached(
                "SELECT name, size, content_type, sha256, part_size, created_at FROM multipart
                     WHERE id = ?1 AND owner = ?2",
            )
            .map_err(StoreError::internal)?
            .query_row(params![id_s, owner_s], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .optional()
            .map_err(StoreError::internal)
        })?;
        let Some((name, size, content_type, sha256, part_size, created_at)) = row else {
            return Ok(None);
        };
        Ok(Some(MultipartUpload {
            intent: MultipartIntent {
                upload: UploadIntent {
                    id: id.clone(),
                    owner: owner.clone(),
                    name: parse_stored(&name, FileName::parse)?,
                    size: size as u64,
                    content_type: parse_stored(&content_type, ContentType::parse)?,
                    sha256: sha256
                        .as_deref()
                        .map(|hex| parse_stored(hex, Sha256Digest::parse_hex))
                        .transpose()?,
                },
                part_size: part_size as u64,
            },
            created_at: from_unix(created_at)?,
            handle: id.to_string(),
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
        let i = &upload.intent.upload;
        let link = self.signer.sign(
            LinkPurpose::Part,
            i.owner.as_str(),
            &part_subject(&i.id, part, sha256),
            OffsetDateTime::now_utc() + ttl,
        );
        Ok(PresignedUpload {
            url: link.url(&self.public_url),
            method: "PUT",
            headers: std::iter::once(("Content-Length".to_owned(), len.to_string()))
                .chain(sha256.map(|d| (CHECKSUM_SHA256_HEADER.to_owned(), checksum_base64(d))))
                .collect(),
            expires_at: from_unix(link.expires)?,
        })
    }

    async fn multipart_state(
        &self,
        upload: &MultipartUpload,
    ) -> Result<MultipartState, StoreError> {
        self.state(upload).await
    }

    async fn assemble(
        &self,
        upload: &MultipartUpload,
        parts: &[UploadedPart],
    ) -> Result<StagedUpload, StoreError> {
        self.join(upload, parts).await
    }

    async fn abort_multipart(&self, upload: &MultipartUpload) -> Result<(), StoreError> {
        let i = &upload.intent.upload;
        // Assembled already: the joined bytes go too.
        self.discard_staged(&i.owner, &i.id).await
    }
}

impl EmbeddedStaging {
    /// Receives one part from the local server's PUT route: the link's signature, the
    /// part's exact size and (when signed) its checksum must all hold. A part sent again
    /// replaces the earlier one.
    pub async fn receive_part<S, E>(
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
            checksum_sha256,
            body,
            ..
        } = delivery;
        if link.purpose != LinkPurpose::Part {
            return Err(LinkError::Invalid.into());
        }
        self.signer.verify(&link, now)?;
        let (id, part, signed) = parse_subject(&link.subject).ok_or(LinkError::Invalid)?;
        let owner = Username::parse(&link.owner).map_err(|_| LinkError::Invalid)?;
        let _writing = self.activity.claim_part(&id, part)?;
        let upload = self
            .find_multipart(&owner, &id)
            .await?
            .ok_or(ReceiveError::NotFound)?;
        // Assembled already: its bytes are being checked or promoted, and stay as they are.
        if self.staged(&owner, &id).await?.is_some() {
            return Err(ReceiveError::NotFound);
        }
        let expected = upload.intent.part_len(part).ok_or(ReceiveError::NotFound)?;
        if content_length != Some(expected) {
            return Err(ReceiveError::SizeMismatch { expected });
        }
        check_checksum_header(signed.as_ref(), checksum_sha256.as_deref())?;
        // Into its place: an earlier delivery of this part, if any, is overwritten; a failed
        // one leaves the range undefined, which nothing reads before the part is recorded.
        let offset = u64::from(part.get() - 1) * upload.intent.part_size;
        let path = self.staged_path(id.as_str());
        let written = match write_range(&path, offset, body, expected).await {
            Ok(w) if w.size == expected => w,
            Ok(_) | Err(WriteError::TooLong) => {
                return Err(ReceiveError::SizeMismatch { expected });
            }
            Err(WriteError::Body(e)) => {
                return Err(StoreError::Internal(format!("part body: {e}")).into());
            }
            Err(WriteError::Store(e)) => return Err(e.into()),
        };
        if signed.is_some_and(|s| s != written.sha256) {
            return Err(ReceiveError::ChecksumMismatch);
        }
        let (id_s, n, size, hex) = (
            id.to_string(),
            part.get(),
            expected as i64,
            written.sha256.to_hex(),
        );
        // Only while the upload is still receiving (not assembled, aborted or swept).
        let recorded = self
            .db
            .write(move |conn| {
                conn.execute(
                    "INSERT INTO multipart_parts (upload_id, part_number, size, sha256)
                     SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM multipart WHERE id = ?1)
                         AND NOT EXISTS (SELECT 1 FROM staged WHERE id = ?1)
                     ON CONFLICT (upload_id, part_number)
                         DO UPDATE SET size = excluded.size, sha256 = excluded.sha256",
                    params![id_s, n, size, hex],
                )
                .map_err(StoreError::internal)
            })
            .await?;
        if recorded == 0 {
            // Aborted (or swept) while this part was written: it cannot have been assembled
            // (no join while a part is in flight), so the file is no upload's any more.
            let _ = tokio::fs::remove_file(&path).await;
            return Err(ReceiveError::NotFound);
        }
        Ok(())
    }

    async fn state(&self, upload: &MultipartUpload) -> Result<MultipartState, StoreError> {
        let i = &upload.intent.upload;
        if let Some(staged) = self.staged(&i.owner, &i.id).await? {
            return Ok(MultipartState::Assembled(staged));
        }
        let id = i.id.to_string();
        let rows: Vec<(u32, i64, String)> = self.db.read(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT part_number, size, sha256 FROM multipart_parts
                         WHERE upload_id = ?1 ORDER BY part_number",
                )
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(StoreError::internal)?;
            rows.collect::<Result<_, _>>().map_err(StoreError::internal)
        })?;
        let parts = rows
            .into_iter()
            .map(|(n, size, hex)| {
                let sha256 = parse_stored(&hex, Sha256Digest::parse_hex)?;
                Ok(UploadedPart {
                    number: parse_stored(&n.to_string(), |n| {
                        PartNumber::new(n.parse().unwrap_or(0))
                    })?,
                    size: size as u64,
                    etag: etag_of(&sha256),
                    sha256: Some(sha256),
                })
            })
            .collect::<Result<_, StoreError>>()?;
        Ok(MultipartState::Receiving(parts))
    }

    /// Records the parts, every one in its place in `staging/{id}`, as a received staged
    /// upload: nothing is copied, so this takes the same time for any size.
    async fn join(
        &self,
        upload: &MultipartUpload,
        parts: &[UploadedPart],
    ) -> Result<StagedUpload, StoreError> {
        let i = &upload.intent.upload;
        let _joining = self.activity.claim_join(&i.id)?;
        if let MultipartState::Assembled(staged) = self.state(upload).await? {
            return Ok(staged);
        }
        let id = i.id.to_string();
        let size: u64 = parts.iter().map(|p| p.size).sum();
        let on_disk = tokio::fs::metadata(self.staged_path(&id))
            .await
            .map_err(StoreError::internal)?
            .len();
        if on_disk != size {
            return Err(StoreError::Internal(format!(
                "upload {id}: {on_disk} bytes on disk, its parts make {size}"
            )));
        }
        let now = OffsetDateTime::now_utc();
        let (row_id, owner, name, declared, content_type, sha256) = (
            id.clone(),
            i.owner.to_string(),
            i.name.to_string(),
            i.size as i64,
            i.content_type.as_str().to_owned(),
            i.sha256.map(|d| d.to_hex()),
        );
        self.db
            .write(move |conn| {
                let tx = conn.transaction().map_err(StoreError::internal)?;
                tx.execute(
                    "INSERT INTO staged
                         (id, owner, name, size, content_type, created_at, received_size, sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        row_id,
                        owner,
                        name,
                        declared,
                        content_type,
                        to_unix(now),
                        size as i64,
                        sha256
                    ],
                )
                .map_err(StoreError::internal)?;
                tx.execute(
                    "DELETE FROM multipart_parts WHERE upload_id = ?1",
                    params![row_id],
                )
                .map_err(StoreError::internal)?;
                tx.commit().map_err(StoreError::internal)
            })
            .await?;
        self.staged(&i.owner, &i.id)
            .await?
            .ok_or_else(|| StoreError::Internal(format!("assembled {id} is missing")))
    }

    /// Forgets the multipart upload `id`: its row, its parts' rows and, unless it was
    /// assembled (the staged upload is then the caller's to discard), their bytes.
    pub(super) async fn forget(&self, id: &UploadId) -> Result<(), StoreError> {
        let id_s = id.to_string();
        let assembled = self
            .db
            .write(move |conn| {
                let tx = conn.transaction().map_err(StoreError::internal)?;
                tx.execute(
                    "DELETE FROM multipart_parts WHERE upload_id = ?1",
                    params![id_s],
                )
                .map_err(StoreError::internal)?;
                let forgotten = tx
                    .execute("DELETE FROM multipart WHERE id = ?1", params![id_s])
                    .map_err(StoreError::internal)?;
                let assembled = tx
                    .prepare("SELECT 1 FROM staged WHERE id = ?1")
                    .and_then(|mut q| q.exists(params![id_s]))
                    .map_err(StoreError::internal)?;
                tx.commit().map_err(StoreError::internal)?;
                Ok(forgotten == 0 || assembled)
            })
            .await?;
        if !assembled {
            let _ = tokio::fs::remove_file(self.staged_path(id.as_str())).await;
        }
        Ok(())
    }

    /// Deletes multipart uploads started before `cutoff`, with their parts; how many.
    pub async fn sweep_multipart(&self, cutoff: OffsetDateTime) -> Result<usize, StoreError> {
        let ids: Vec<String> = self.db.read(move |conn| {
            let mut stmt = conn
                .prepare("SELECT id FROM multipart WHERE created_at < ?1")
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map(params![to_unix(cutoff)], |r| r.get(0))
                .map_err(StoreError::internal)?;
            rows.collect::<Result<_, _>>().map_err(StoreError::internal)
        })?;
        for id in &ids {
            if let Ok(id) = UploadId::parse(id) {
                self.forget(&id).await?;
            }
        }
        Ok(ids.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_and_the_join_never_overlap_nor_two_deliveries_of_a_part() {
        let activity = MultipartActivity::default();
        let id = UploadId::generate();
        let (one, two) = (PartNumber::new(1).unwrap(), PartNumber::new(2).unwrap());
        let first = activity.claim_part(&id, one).unwrap();
        assert!(activity.claim_part(&id, one).is_err(), "part 1 is arriving");
        let second = activity.claim_part(&id, two).unwrap();
        assert!(activity.claim_join(&id).is_err(), "parts in flight");
        drop((first, second));
        let join = activity.claim_join(&id).unwrap();
        assert!(activity.claim_part(&id, one).is_err(), "joining");
        assert!(activity.claim_join(&id).is_err(), "one join");
        drop(join);
        assert!(activity.claim_part(&id, one).is_ok());
        assert!(
            activity.0.lock().unwrap().is_empty(),
            "released claims leave nothing"
        );
    }

    #[test]
    fn part_subjects_round_trip() {
        let id = UploadId::generate();
        let part = PartNumber::new(42).unwrap();
        let digest = Sha256Digest::of(b"part");
        for sha in [None, Some(&digest)] {
            let subject = part_subject(&id, part, sha);
            assert_eq!(
                parse_subject(&subject),
                Some((id.clone(), part, sha.copied()))
            );
        }
        for bad in [
            "",
            "x.1",
            &format!("{id}.0"),
            &format!("{id}.1.zz"),
            &format!("{id}.1.{}.x", digest.to_hex()),
        ] {
            assert_eq!(parse_subject(bad), None, "{bad}");
        }
    }
}

//! Multipart direct uploads: a large file's bytes arrive as numbered parts, each through its
//! own presigned URL, in any order and in parallel; completing assembles them where they are.
//! The port is [`MultipartStaging`]; the plan and its checks, which are the same on every
//! backend, are here too.

use std::time::Duration;

use ezshare_domain::{PartNumber, Sha256Digest, UploadId, Username};
use time::OffsetDateTime;

use crate::{PresignedUpload, StagedUpload, StoreError, UploadIntent};

/// What was announced for a multipart upload: the file, and the size of each part (all
/// parts but the last are exactly `part_size`; the last holds the rest).
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartIntent {
    pub upload: UploadIntent,
    pub part_size: u64,
}

impl MultipartIntent {
    pub fn part_count(&self) -> u32 {
        u32::try_from(self.upload.size.div_ceil(self.part_size)).unwrap_or(u32::MAX)
    }

    /// The exact size part `n` must have, or `None` past the last part.
    pub fn part_len(&self, n: PartNumber) -> Option<u64> {
        let count = self.part_count();
        let n = n.get();
        if n > count {
            None
        } else if n < count {
            Some(self.part_size)
        } else {
            Some(self.upload.size - u64::from(count - 1) * self.part_size)
        }
    }

    /// [`MultipartIntent::part_len`], for presigning: a part past the last is a caller's bug
    /// (the API refuses such numbers first).
    pub fn signable_len(&self, n: PartNumber) -> Result<u64, StoreError> {
        self.part_len(n)
            .ok_or_else(|| StoreError::Internal(format!("part {n} is past the last")))
    }

    /// Whether `parts` (sorted by number, as the stores list them) are exactly the plan:
    /// every part present, each of its size.
    pub fn check(&self, parts: &[UploadedPart]) -> Result<(), PartsProblem> {
        let have: std::collections::HashSet<u32> = parts.iter().map(|p| p.number.get()).collect();
        let missing: Vec<u32> = (1..=self.part_count())
            .filter(|n| !have.contains(n))
            .collect();
        if !missing.is_empty() {
            return Err(PartsProblem::Missing(missing));
        }
        for part in parts {
            let expected = self.part_len(part.number);
            if expected != Some(part.size) {
                return Err(PartsProblem::WrongSize {
                    part: part.number,
                    size: part.size,
                    expected,
                });
            }
        }
        Ok(())
    }
}

/// Why a multipart upload's parts do not make its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartsProblem {
    #[error("parts {0:?} have not been uploaded")]
    Missing(Vec<u32>),
    #[error("part {part} carried {size} bytes; {}", match expected {
        Some(n) => format!("it must carry {n}"),
        None => "the upload has no such part".to_owned(),
    })]
    WrongSize {
        part: PartNumber,
        size: u64,
        expected: Option<u64>,
    },
}

/// A multipart upload in progress, as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct MultipartUpload {
    pub intent: MultipartIntent,
    pub created_at: OffsetDateTime,
    /// The backend's own handle on the upload (S3's UploadId); opaque to callers.
    pub handle: String,
}

impl MultipartUpload {
    pub fn owner(&self) -> &Username {
        &self.intent.upload.owner
    }
}

/// One part the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadedPart {
    pub number: PartNumber,
    pub size: u64,
    /// The part's entity tag as storage gave it (quoted, as S3 does).
    pub etag: String,
    /// The digest storage checked the part's bytes against, if its URL was signed with one.
    pub sha256: Option<Sha256Digest>,
}

/// Where a multipart upload stands.
#[derive(Debug, Clone, PartialEq)]
pub enum MultipartState {
    /// Parts are arriving; these have (sorted by number).
    Receiving(Vec<UploadedPart>),
    /// The parts were assembled (a complete began) but the file is not in place yet: its
    /// checks refused nothing yet, or a file of that name won (retry with overwrite).
    Assembled(StagedUpload),
}

/// Multipart uploads, beside [`UploadStaging`](crate::UploadStaging) (its supertrait): the
/// same adapters, the same staging area.
#[async_trait::async_trait]
pub trait MultipartStaging: Send + Sync + 'static {
    /// Records a multipart upload; its parts then go to [`MultipartStaging::presign_part`] URLs.
    async fn start_multipart(
        &self,
        intent: &MultipartIntent,
    ) -> Result<MultipartUpload, StoreError>;

    /// The multipart upload `id` of `owner` until it is completed or aborted (another
    /// owner's is `None`).
    async fn find_multipart(
        &self,
        owner: &Username,
        id: &UploadId,
    ) -> Result<Option<MultipartUpload>, StoreError>;

    /// A URL accepting part `part` (exactly its planned size) for `ttl`; with `sha256`, only
    /// bytes of that digest (signed in, and listed in the headers). Sending a part again
    /// replaces it.
    async fn presign_part(
        &self,
        upload: &MultipartUpload,
        part: PartNumber,
        sha256: Option<&Sha256Digest>,
        ttl: Duration,
    ) -> Result<PresignedUpload, StoreError>;

    /// The parts received so far, or the assembled upload.
    async fn multipart_state(&self, upload: &MultipartUpload)
    -> Result<MultipartState, StoreError>;

    /// Joins `parts` (checked against the plan by the caller) into the upload's bytes,
    /// without passing them through the caller; then it is [`MultipartState::Assembled`]
    /// and read, promoted or discarded like any staged upload.
    async fn assemble(
        &self,
        upload: &MultipartUpload,
        parts: &[UploadedPart],
    ) -> Result<StagedUpload, StoreError>;

    /// Abandons a multipart upload and frees its parts; `find_multipart` is `None` after.
    async fn abort_multipart(&self, upload: &MultipartUpload) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use ezshare_domain::{ContentType, FileName, UploadId};

    fn plan(size: u64, part_size: u64) -> MultipartIntent {
        MultipartIntent {
            upload: UploadIntent {
                id: UploadId::generate(),
                owner: Username::parse("opsy").unwrap(),
                name: FileName::parse("big.pdf").unwrap(),
                size,
                content_type: ContentType::parse("application/pdf").unwrap(),
                sha256: None,
            },
            part_size,
        }
    }

    fn part(n: u32, size: u64) -> UploadedPart {
        UploadedPart {
            number: PartNumber::new(n).unwrap(),
            size,
            etag: format!("\"{n}\""),
            sha256: None,
        }
    }

    #[test]
    fn parts_are_full_but_the_last() {
        let p = plan(25, 10);
        assert_eq!(p.part_count(), 3);
        let len = |n| p.part_len(PartNumber::new(n).unwrap());
        assert_eq!(
            (len(1), len(2), len(3), len(4)),
            (Some(10), Some(10), Some(5), None)
        );
        let exact = plan(20, 10);
        assert_eq!(exact.part_count(), 2);
        assert_eq!(exact.part_len(PartNumber::new(2).unwrap()), Some(10));
    }

    #[test]
    fn check_names_missing_parts_then_wrong_sizes() {
        let p = plan(25, 10);
        assert_eq!(p.check(&[part(1, 10), part(2, 10), part(3, 5)]), Ok(()));
        assert_eq!(
            p.check(&[part(2, 10)]),
            Err(PartsProblem::Missing(vec![1, 3]))
        );
        let short = p.check(&[part(1, 10), part(2, 9), part(3, 5)]).unwrap_err();
        assert_eq!(
            short.to_string(),
            "part 2 carried 9 bytes; it must carry 10"
        );
        let extra = p
            .check(&[part(1, 10), part(2, 10), part(3, 5), part(4, 1)])
            .unwrap_err();
        assert_eq!(
            extra.to_string(),
            "part 4 carried 1 bytes; the upload has no such part"
        );
    }
}

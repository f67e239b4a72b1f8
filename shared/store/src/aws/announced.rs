//! The announced file of a direct upload (its name, size and digest) as S3 object metadata,
//! written and read in one place for staged objects and multipart intents alike. Metadata
//! is ASCII, so the name is percent-encoded.

use std::collections::HashMap;

use ezshare_domain::{FileName, Sha256Digest};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

use super::schema::bucket::{STAGED_NAME_METADATA, STAGED_SHA256_METADATA, STAGED_SIZE_METADATA};
use crate::{StoreError, UploadIntent};

pub(crate) struct Announced {
    pub name: FileName,
    pub size: u64,
    pub sha256: Option<Sha256Digest>,
}

/// The metadata pairs that carry `intent`'s announcement.
pub(crate) fn metadata_of(intent: &UploadIntent) -> Vec<(&'static str, String)> {
    let mut pairs = vec![
        (
            STAGED_NAME_METADATA,
            utf8_percent_encode(intent.name.as_str(), NON_ALPHANUMERIC).to_string(),
        ),
        (STAGED_SIZE_METADATA, intent.size.to_string()),
    ];
    if let Some(digest) = &intent.sha256 {
        pairs.push((STAGED_SHA256_METADATA, digest.to_hex()));
    }
    pairs
}

impl Announced {
    /// Reads what [`metadata_of`] wrote; `what` names the object in the error.
    pub(crate) fn read(metadata: &HashMap<String, String>, what: &str) -> Result<Self, StoreError> {
        let corrupt = |field: &str| StoreError::Internal(format!("{what}: bad {field}"));
        let name = metadata
            .get(STAGED_NAME_METADATA)
            .and_then(|n| percent_decode_str(n).decode_utf8().ok())
            .and_then(|n| FileName::parse(&n).ok())
            .ok_or_else(|| corrupt("name"))?;
        let size = metadata
            .get(STAGED_SIZE_METADATA)
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| corrupt("size"))?;
        let sha256 = metadata
            .get(STAGED_SHA256_METADATA)
            .map(|hex| Sha256Digest::parse_hex(hex).map_err(|_| corrupt("sha256")))
            .transpose()?;
        Ok(Self { name, size, sha256 })
    }
}

//! The JSON of multipart uploads and their parts.

use ezshare_domain::rfc3339;
use ezshare_store::{MultipartUpload, PresignedUpload, UploadedPart};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

/// When a multipart upload must be complete: storage aborts it after that.
pub(crate) fn expires_at(upload: &MultipartUpload, ttl: std::time::Duration) -> OffsetDateTime {
    upload.created_at + ttl
}

pub(crate) fn headers_json(link: PresignedUpload) -> (String, Map<String, Value>) {
    let headers = link
        .headers
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    (link.url, headers)
}

pub(crate) fn part_json(part: &UploadedPart) -> Value {
    let mut json = json!({
        "part_number": part.number.get(),
        "size": part.size,
        "etag": part.etag,
    });
    if let Some(digest) = &part.sha256 {
        json["sha256"] = Value::String(digest.to_hex());
    }
    json
}

pub(crate) fn rfc(at: OffsetDateTime) -> String {
    rfc3339(at)
}

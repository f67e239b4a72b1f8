use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ezshare_api::{ApiError, AppState, JsonBody, Path, no_store};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::{PartNumber, Sha256Digest, rfc3339};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::find_multipart;
use crate::multipart::headers_json;

/// Most parts signed per call: a client asks again as it goes (URLs are short-lived).
const MAX_PARTS_PER_CALL: usize = 100;

/// `{"part_numbers": [1, 2]}` or `{"parts": [{"part_number": 1, "sha256": "…"}]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PartsRequest {
    part_numbers: Option<Vec<u32>>,
    parts: Option<Vec<PartRequest>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PartRequest {
    part_number: u32,
    sha256: Option<String>,
}

impl PartsRequest {
    fn parse(self) -> Result<Vec<(PartNumber, Option<Sha256Digest>)>, ApiError> {
        let wanted: Vec<(u32, Option<String>)> = match (self.part_numbers, self.parts) {
            (Some(numbers), None) => numbers.into_iter().map(|n| (n, None)).collect(),
            (None, Some(parts)) => parts
                .into_iter()
                .map(|p| (p.part_number, p.sha256))
                .collect(),
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_body",
                    "send either part_numbers or parts",
                ));
            }
        };
        if wanted.is_empty() || wanted.len() > MAX_PARTS_PER_CALL {
            return Err(ApiError::bad_request(
                "invalid_body",
                format!("ask for 1 to {MAX_PARTS_PER_CALL} parts per call"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        wanted
            .into_iter()
            .map(|(n, sha256)| {
                let number = PartNumber::new(n)?;
                if !seen.insert(number) {
                    return Err(ApiError::bad_request(
                        "invalid_body",
                        format!("part {n} is asked for twice"),
                    ));
                }
                let digest = sha256.as_deref().map(Sha256Digest::parse_hex).transpose()?;
                Ok((number, digest))
            })
            .collect()
    }
}

/// `POST /ops/uploads/{upload_id}/parts`: a presigned PUT per part, valid for the upload URL
/// lifetime; a part's digest, when given, is signed in and listed in its headers.
pub(crate) async fn presign_parts(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    Path(raw): Path<String>,
    JsonBody(request): JsonBody<PartsRequest>,
) -> Result<Response, ApiError> {
    let wanted = request.parse()?;
    let upload = find_multipart(&state, &caller, &raw).await?;
    let count = upload.intent.part_count();
    let checksums = upload.intent.upload.sha256.is_some();
    let mut signed = Vec::with_capacity(wanted.len());
    for (number, sha256) in wanted {
        if number.get() > count {
            return Err(ApiError::bad_request(
                "invalid_part_number",
                format!("this upload has parts 1 to {count}"),
            ));
        }
        match (checksums, sha256.is_some()) {
            (true, false) => {
                return Err(ApiError::bad_request(
                    "checksum_required",
                    format!(
                        "part {number} needs its sha256: the upload announced the file's, so storage checks every part's"
                    ),
                ));
            }
            (false, true) => {
                return Err(ApiError::bad_request(
                    "checksum_not_announced",
                    "part checksums need the file's sha256 announced when the upload was created",
                ));
            }
            _ => {}
        }
        let link = state
            .stores
            .staging
            .presign_part(
                &upload,
                number,
                sha256.as_ref(),
                state.settings.upload_url_ttl,
            )
            .await?;
        let expires = rfc3339(link.expires_at);
        let (url, headers) = headers_json(link);
        signed.push(json!({
            "part_number": number.get(),
            "url": url,
            "method": "PUT",
            "headers": Value::Object(headers),
            "expires_at": expires,
        }));
    }
    Ok((no_store(), Json(json!({ "parts": signed }))).into_response())
}

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ezshare_api::{ApiError, AppState, Fields, no_store};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::{ContentType, FileName, Sha256Digest, UploadId, ValidationError, rfc3339};
use ezshare_store::{MultipartIntent, UploadIntent};
use http::StatusCode;
use serde_json::json;

use crate::multipart::{expires_at, headers_json, rfc};

/// `POST /ops/uploads`: `name`, `size`, optional `content_type`, `sha256` and `multipart`.
pub(crate) async fn create_upload(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    fields: Fields,
) -> Result<Response, ApiError> {
    let s = &state.settings;
    let size = parse_size(fields.required_number("size")?)?;
    // The size is judged first, as for an upload through the API.
    if size > s.max_direct_upload_bytes {
        return Err(ApiError::PayloadTooLarge {
            limit: s.max_direct_upload_bytes,
        });
    }
    let name = FileName::parse_new(fields.required("name")?)?;
    let content_type = ContentType::parse(
        fields
            .optional("content_type")?
            .unwrap_or("application/octet-stream"),
    )?;
    // Optional: storage then refuses bytes with another digest, and the file keeps it.
    let sha256 = fields
        .optional("sha256")?
        .map(Sha256Digest::parse_hex)
        .transpose()?;
    let multipart = fields.flag("multipart")? || size > s.multipart_threshold_bytes;
    // Refuse a type that can never pass now; the content is checked on completion.
    s.file_types.check_name(&name)?;
    let intent = UploadIntent {
        id: UploadId::generate(),
        owner: caller.username,
        name,
        size,
        content_type,
        sha256,
    };
    if multipart {
        return start_multipart(&state, intent).await;
    }
    let link = state
        .stores
        .staging
        .presign_upload(&intent, s.upload_url_ttl)
        .await?;
    let expires = rfc3339(link.expires_at);
    let (url, headers) = headers_json(link);
    let body = json!({
        "upload_id": intent.id.as_str(),
        "multipart": false,
        "upload_url": url,
        "method": "PUT",
        "headers": headers,
        "expires_at": expires,
    });
    Ok((StatusCode::CREATED, no_store(), Json(body)).into_response())
}

async fn start_multipart(state: &AppState, intent: UploadIntent) -> Result<Response, ApiError> {
    let part_size = state.settings.part_size_for(intent.size);
    let plan = MultipartIntent {
        upload: intent,
        part_size,
    };
    let upload = state.stores.staging.start_multipart(&plan).await?;
    let body = json!({
        "upload_id": plan.upload.id.as_str(),
        "multipart": true,
        "part_size": part_size,
        "part_count": plan.part_count(),
        // With a digest announced, every part must carry its own (storage checks each).
        "part_checksums": plan.upload.sha256.is_some(),
        "expires_at": rfc(expires_at(&upload, state.settings.incomplete_upload_ttl)),
    });
    Ok((StatusCode::CREATED, no_store(), Json(body)).into_response())
}

fn parse_size(raw: &str) -> Result<u64, ValidationError> {
    match raw.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(ValidationError::new(
            "size",
            "must be a whole number of bytes, at least 1",
        )),
    }
}

//! `POST /ops/uploads`: an OPS user announces a large file and gets a URL to send its bytes
//! straight to storage (API Gateway and Lambda cap a request near 6 MB; this path does not).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use ezshare_api::{ApiError, AppState, Endpoint, Fields, Route, RouterExt, Secrets, no_store};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::{ContentType, FileName, Sha256Digest, UploadId, ValidationError, rfc3339};
use ezshare_store::UploadIntent;
use http::StatusCode;
use serde_json::{Map, Value, json};

const CREATE_UPLOAD: Route = Route::post("/ops/uploads");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "create-upload",
    package: env!("CARGO_PKG_NAME"),
    routes: &[CREATE_UPLOAD],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(CREATE_UPLOAD, create_upload)
}

async fn create_upload(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    fields: Fields,
) -> Result<Response, ApiError> {
    let limit = state.settings.max_direct_upload_bytes;
    let size = parse_size(fields.required_number("size")?)?;
    // The size is judged first, as for a direct upload through the API.
    if size > limit {
        return Err(ApiError::PayloadTooLarge { limit });
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
    // Refuse a type that can never pass now; the content is checked on completion.
    state.settings.file_types.check_name(&name)?;
    let intent = UploadIntent {
        id: UploadId::generate(),
        owner: caller.username,
        name,
        size,
        content_type,
        sha256,
    };
    let link = state
        .stores
        .staging
        .presign_upload(&intent, state.settings.upload_url_ttl)
        .await?;
    let headers: Map<String, Value> = link
        .headers
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    let body = json!({
        "upload_id": intent.id.as_str(),
        "upload_url": link.url,
        "method": link.method,
        "headers": headers,
        "expires_at": rfc3339(link.expires_at),
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

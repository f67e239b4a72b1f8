//! The embedded backend's stand-in for S3 presigned PUTs: receives a direct upload's bytes
//! for whoever holds an unexpired, untampered signed link, exactly as announced.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use ezshare_api::{ApiError, QueryParams, path_error};
use ezshare_store::embedded::{EmbeddedStaging, ReceiveError, SignatureError, UPLOAD_ROUTE_PREFIX};
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use time::OffsetDateTime;

pub fn path() -> String {
    format!("{UPLOAD_ROUTE_PREFIX}/{{owner}}/{{upload_id}}")
}

pub async fn upload(
    State(staging): State<Arc<EmbeddedStaging>>,
    params: Result<Path<(String, String)>, PathRejection>,
    query: QueryParams,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let Path((owner, id)) = params.map_err(path_error)?;
    let forbidden = |m: &str| ApiError::Forbidden(m.to_owned());
    let expires: i64 = query
        .get("expires")
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| forbidden("the upload link is incomplete"))?;
    let signature = query
        .get("sig")
        .ok_or_else(|| forbidden("the upload link is incomplete"))?;
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let length = header(CONTENT_LENGTH).and_then(|v| v.parse().ok());
    staging
        .receive_upload(
            &owner,
            &id,
            expires,
            signature,
            OffsetDateTime::now_utc(),
            length,
            header(CONTENT_TYPE),
            body.into_data_stream(),
        )
        .await
        .map_err(|e| match e {
            ReceiveError::Signature(SignatureError::Expired) => {
                forbidden("the upload link has expired")
            }
            ReceiveError::Signature(SignatureError::Invalid) => {
                forbidden("the upload link is not valid")
            }
            ReceiveError::NotFound => ApiError::not_found("upload_not_found", "no such upload"),
            e @ (ReceiveError::SizeMismatch { .. } | ReceiveError::TypeMismatch { .. }) => {
                ApiError::bad_request("upload_mismatch", e.to_string())
            }
            ReceiveError::Store(e) => e.into(),
        })?;
    Ok(StatusCode::OK)
}

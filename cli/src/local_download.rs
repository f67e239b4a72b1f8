//! The embedded backend's stand-in for S3 presigned URLs: serves a file's bytes to whoever
//! holds an unexpired, untampered signed link.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ezshare_api::{ApiError, QueryParams, path_error};
use ezshare_store::embedded::{DOWNLOAD_ROUTE_PREFIX, EmbeddedFiles, SignatureError};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use time::OffsetDateTime;
use tokio_util::io::ReaderStream;

pub fn path() -> String {
    format!("{DOWNLOAD_ROUTE_PREFIX}/{{owner}}/{{name}}")
}

pub async fn download(
    State(files): State<Arc<EmbeddedFiles>>,
    params: Result<Path<(String, String)>, PathRejection>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let Path((owner, name)) = params.map_err(path_error)?;
    let forbidden = |m: &str| ApiError::Forbidden(m.to_owned());
    let expires: i64 = query
        .get("expires")
        .and_then(|e| e.parse().ok())
        .ok_or_else(|| forbidden("the download link is incomplete"))?;
    let signature = query
        .get("sig")
        .ok_or_else(|| forbidden("the download link is incomplete"))?;
    let found = files
        .open_signed(&owner, &name, expires, signature, OffsetDateTime::now_utc())
        .await
        .map_err(|e| match e {
            SignatureError::Expired => forbidden("the download link has expired"),
            SignatureError::Invalid => forbidden("the download link is not valid"),
        })??
        .ok_or_else(|| ApiError::not_found("file_not_found", "the file no longer exists"))?;
    let file = tokio::fs::File::open(&found.path)
        .await
        .map_err(|e| ApiError::Internal(format!("opening blob: {e}")))?;
    Ok((
        [
            (CONTENT_TYPE, found.file.content_type.as_str().to_owned()),
            (CONTENT_LENGTH, found.file.size.to_string()),
            (CONTENT_DISPOSITION, found.file.name.content_disposition()),
            (CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        Body::from_stream(ReaderStream::new(file)),
    )
        .into_response())
}

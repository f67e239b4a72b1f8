//! The local server's signed-link routes, the embedded backend's stand-ins for S3 presigned
//! URLs: `GET /_local/download/{owner}/{name}` serves a file's bytes and
//! `PUT /_local/upload/{owner}/{upload_id}` receives a direct upload's and
//! `PUT /_local/part/{owner}/{upload_id}.{n}[.{sha256}]` one part of a multipart one, each for whoever
//! holds an unexpired, untampered [`SignedLink`]. `ezshare serve` and the testkit mount the
//! same [`routes`].

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use ezshare_api::{ApiError, Path, QueryParams};
use ezshare_store::embedded::{
    EmbeddedFiles, EmbeddedStaging, LinkError, LinkPurpose, OpenError, ReceiveError, SignedLink,
    UploadDelivery,
};
use http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, StatusCode};
use time::OffsetDateTime;
use tokio_util::io::ReaderStream;

/// The three routes, for a router of any state.
pub fn routes<S>(files: Arc<EmbeddedFiles>, staging: Arc<EmbeddedStaging>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new()
        .route(
            &LinkPurpose::Download.route(),
            get(download).with_state(files),
        )
        .route(
            &LinkPurpose::Upload.route(),
            put(upload).with_state(staging.clone()),
        )
        .route(&LinkPurpose::Part.route(), put(part).with_state(staging))
}

/// The link of a request to one of these routes.
fn link(
    purpose: LinkPurpose,
    (owner, subject): (String, String),
    query: &QueryParams,
) -> Result<SignedLink, ApiError> {
    SignedLink::from_parts(
        purpose,
        owner,
        subject,
        query.get("expires"),
        query.get("sig"),
    )
    .map_err(|e| refused(purpose, &e))
}

/// 403, saying which kind of link was refused and why.
fn refused(purpose: LinkPurpose, e: &LinkError) -> ApiError {
    let kind = match purpose {
        LinkPurpose::Download => "download",
        LinkPurpose::Upload => "upload",
        LinkPurpose::Part => "part upload",
    };
    let why = match e {
        LinkError::Incomplete => "is incomplete",
        LinkError::Invalid => "is not valid",
        LinkError::Expired => "has expired",
    };
    ApiError::forbidden("forbidden", format!("the {kind} link {why}"))
}

async fn download(
    State(files): State<Arc<EmbeddedFiles>>,
    Path(params): Path<(String, String)>,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let link = link(LinkPurpose::Download, params, &query)?;
    let found = files
        .open_signed(&link, OffsetDateTime::now_utc())
        .await
        .map_err(|e| match e {
            OpenError::Link(e) => refused(LinkPurpose::Download, &e),
            OpenError::Gone => ApiError::not_found("file_not_found", "the file no longer exists"),
            OpenError::Store(e) => e.into(),
        })?;
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

async fn upload(
    State(staging): State<Arc<EmbeddedStaging>>,
    Path(params): Path<(String, String)>,
    query: QueryParams,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let delivery = delivery(LinkPurpose::Upload, params, &query, &headers, body)?;
    staging
        .receive_upload(delivery, OffsetDateTime::now_utc())
        .await
        .map_err(|e| receive_error(LinkPurpose::Upload, e))?;
    Ok(StatusCode::OK)
}

/// One part of a multipart upload (`GET /ops/uploads/{id}` then lists it).
async fn part(
    State(staging): State<Arc<EmbeddedStaging>>,
    Path(params): Path<(String, String)>,
    query: QueryParams,
    headers: HeaderMap,
    body: Body,
) -> Result<StatusCode, ApiError> {
    let delivery = delivery(LinkPurpose::Part, params, &query, &headers, body)?;
    staging
        .receive_part(delivery, OffsetDateTime::now_utc())
        .await
        .map_err(|e| receive_error(LinkPurpose::Part, e))?;
    Ok(StatusCode::OK)
}

fn delivery(
    purpose: LinkPurpose,
    params: (String, String),
    query: &QueryParams,
    headers: &HeaderMap,
    body: Body,
) -> Result<UploadDelivery<axum::body::BodyDataStream>, ApiError> {
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    Ok(UploadDelivery {
        link: link(purpose, params, query)?,
        content_length: header(CONTENT_LENGTH).and_then(|v| v.parse().ok()),
        content_type: header(CONTENT_TYPE).map(str::to_owned),
        checksum_sha256: headers
            .get(ezshare_store::CHECKSUM_SHA256_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: body.into_data_stream(),
    })
}

fn receive_error(purpose: LinkPurpose, e: ReceiveError) -> ApiError {
    match e {
        ReceiveError::Link(e) => refused(purpose, &e),
        ReceiveError::NotFound => ApiError::not_found("upload_not_found", "no such upload"),
        e @ ReceiveError::AlreadyReceived => ApiError::conflict("already_uploaded", e.to_string()),
        e @ (ReceiveError::SizeMismatch { .. } | ReceiveError::TypeMismatch { .. }) => {
            ApiError::bad_request("upload_mismatch", e.to_string())
        }
        e @ ReceiveError::ChecksumMismatch => {
            ApiError::bad_request("checksum_mismatch", e.to_string())
        }
        ReceiveError::Store(e) => e.into(),
    }
}

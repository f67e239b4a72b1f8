//! The direct-upload resource: large files' bytes go from the client straight to storage
//! (API Gateway and Lambda cap a request near 6 MB; this path does not), announced here.
//!
//! - `GET /ops/limits`: the sizes that decide which path a client takes.
//! - `POST /ops/uploads`: announce a file; one presigned PUT up to the multipart threshold,
//!   a multipart upload above it (or when asked).
//! - `POST /ops/uploads/{upload_id}/parts`: presigned URLs for parts, signed on demand.
//! - `GET /ops/uploads/{upload_id}`: the parts storage holds, to resume after a crash.
//! - `DELETE /ops/uploads/{upload_id}`: abort, freeing the parts.
//!
//! Completing is `complete-upload`'s (it reads the bytes' type, and writes the files table).

mod abort;
mod create;
mod limits;
mod multipart;
mod parts;
mod status;

use axum::Router;
use ezshare_api::{ApiError, AppState, Endpoint, Route, RouterExt, Secrets};
use ezshare_auth::Caller;
use ezshare_domain::UploadId;
use ezshare_store::MultipartUpload;

const LIMITS: Route = Route::get("/ops/limits");
const CREATE_UPLOAD: Route = Route::post("/ops/uploads");
const PRESIGN_PARTS: Route = Route::post("/ops/uploads/{upload_id}/parts");
const UPLOAD_STATUS: Route = Route::get("/ops/uploads/{upload_id}");
const ABORT_UPLOAD: Route = Route::delete("/ops/uploads/{upload_id}");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "uploads",
    package: env!("CARGO_PKG_NAME"),
    routes: &[
        LIMITS,
        CREATE_UPLOAD,
        PRESIGN_PARTS,
        UPLOAD_STATUS,
        ABORT_UPLOAD,
    ],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new()
        .serve(LIMITS, limits::limits)
        .serve(CREATE_UPLOAD, create::create_upload)
        .serve(PRESIGN_PARTS, parts::presign_parts)
        .serve(UPLOAD_STATUS, status::upload_status)
        .serve(ABORT_UPLOAD, abort::abort_upload)
}

/// The caller's multipart upload of that id, or 404 (also for a single-PUT upload's id,
/// a finished one, or another user's).
async fn find_multipart(
    state: &AppState,
    caller: &Caller,
    raw: &str,
) -> Result<MultipartUpload, ApiError> {
    let not_found = || {
        ApiError::not_found(
            "upload_not_found",
            "no multipart upload in progress with that id",
        )
    };
    let id = UploadId::parse(raw).map_err(|_| not_found())?;
    state
        .stores
        .staging
        .find_multipart(&caller.username, &id)
        .await?
        .ok_or_else(not_found)
}

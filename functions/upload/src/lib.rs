//! `POST /ops/upload`: an OPS user uploads one file as the multipart field `request_file`.

mod multipart;

use axum::Json;
use axum::Router;
use axum::extract::{Request, State};
use ezshare_api::activity::{Entry, record_after};
use ezshare_api::listing::file_json;
use ezshare_api::{
    ApiError, AppState, ClientInfo, Endpoint, QueryParams, Route, RouterExt, Secrets,
};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::ActivityAction;
use ezshare_domain::{ContentType, FileName};
use http::StatusCode;
use serde_json::Value;

pub use multipart::{FILE_FIELD, ReceivedFile, receive_file};

const UPLOAD: Route = Route::post("/ops/upload");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "upload",
    package: env!("CARGO_PKG_NAME"),
    routes: &[UPLOAD],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(UPLOAD, upload)
}

async fn upload(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    info: ClientInfo,
    query: QueryParams,
    request: Request,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mode = query.write_mode()?;
    // Size first: nothing else about the file is looked at before it is known to fit.
    let received = receive_file(request, state.settings.max_upload_bytes).await?;
    let name = FileName::parse_new(&received.file_name)?;
    let content_type = checked_content_type(&state, &name, &received).await?;
    let stored = state
        .stores
        .files
        .put_file(
            &caller.username,
            &name,
            &content_type,
            received.bytes,
            mode,
            state.settings.new_file_visibility,
        )
        .await
        .map_err(|e| ApiError::from_file_write(&name, e))?;
    let entry = Entry {
        action: ActivityAction::Uploaded,
        owner: &caller.username,
        file: &stored.name,
        actor: &caller,
        client: None,
        info: &info,
    };
    record_after(&state, entry).await;
    Ok((StatusCode::CREATED, Json(file_json(&stored))))
}

/// Applies the file-type policy to the content. A recognised type is stored with its
/// canonical media type, not the one the client claimed.
async fn checked_content_type(
    state: &AppState,
    name: &FileName,
    received: &ReceivedFile,
) -> Result<ContentType, ApiError> {
    let detected = state
        .settings
        .file_types
        .check(name, &received.bytes)
        .await?;
    Ok(match detected {
        Some(file_type) => ContentType::parse(file_type.content_type())?,
        None => received.content_type.clone(),
    })
}

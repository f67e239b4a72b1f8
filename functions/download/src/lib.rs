//! `GET /client/files/{ops_username}/{file_name}`: a CLIENT gets a short-lived download link,
//! as a 302 redirect or, with `Accept: application/json`, as JSON.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ezshare_api::{ApiError, AppState, Route, existing_ops_user, no_store, path_error, wants_json};
use ezshare_auth::extract::ClientCaller;
use ezshare_domain::{FileName, rfc3339};
use http::header::LOCATION;
use http::{HeaderMap, StatusCode};
use serde_json::json;

pub const ROUTES: &[Route] = &[("GET", "/client/files/{ops_username}/{file_name}")];

pub fn router() -> Router<AppState> {
    Router::new().route("/client/files/{ops_username}/{file_name}", get(download))
}

async fn download(
    State(state): State<AppState>,
    ClientCaller(_caller): ClientCaller,
    params: Result<Path<(String, String)>, PathRejection>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let Path((raw_owner, raw_name)) = params.map_err(path_error)?;
    let name = FileName::parse(&raw_name)?;
    let owner = existing_ops_user(&state, &raw_owner).await?;
    // moto (and S3 for a missing key) would hand out a link to nothing: check first.
    state
        .stores
        .files
        .head_file(&owner, &name)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(
                "file_not_found",
                format!("{owner} has no file named {name}"),
            )
        })?;
    let link = state
        .stores
        .files
        .presign_download(&owner, &name, state.settings.download_url_ttl)
        .await?;
    let response = if wants_json(&headers) {
        let body = json!({
            "download_link": link.url,
            "expires_at": rfc3339(link.expires_at),
            "message": "success",
        });
        (no_store(), Json(body)).into_response()
    } else {
        (StatusCode::FOUND, no_store(), [(LOCATION, link.url)]).into_response()
    };
    Ok(response)
}

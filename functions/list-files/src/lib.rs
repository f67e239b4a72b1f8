//! `GET /client/files/{ops_username}`: a CLIENT lists an OPS user's files, a page at a time.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use ezshare_api::listing::{page_json, paging};
use ezshare_api::{ApiError, AppState, QueryParams, Route, existing_ops_user, path_error};
use ezshare_auth::extract::ClientCaller;
use serde_json::Value;

pub const ROUTES: &[Route] = &[("GET", "/client/files/{ops_username}")];

pub fn router() -> Router<AppState> {
    Router::new().route("/client/files/{ops_username}", get(list_files))
}

async fn list_files(
    State(state): State<AppState>,
    ClientCaller(_caller): ClientCaller,
    ops_username: Result<Path<String>, PathRejection>,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    let Path(raw) = ops_username.map_err(path_error)?;
    let (limit, cursor) = paging(&query)?;
    let owner = existing_ops_user(&state, &raw).await?;
    let page = state
        .stores
        .files
        .list_files(&owner, cursor.as_ref(), limit)
        .await?;
    Ok(Json(page_json(&owner, &page)))
}

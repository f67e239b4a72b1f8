//! `GET /client/files/{ops_username}`: a CLIENT lists an OPS user's files, a page at a time.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use ezshare_api::{ApiError, AppState, QueryParams, Route, existing_ops_user, path_error};
use ezshare_auth::extract::ClientCaller;
use ezshare_domain::{Cursor, PageLimit, Username, rfc3339};
use ezshare_store::FilePage;
use serde_json::{Value, json};

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

/// `?limit=` (default 100, max 1000) and `?cursor=`.
pub fn paging(query: &QueryParams) -> Result<(PageLimit, Option<Cursor>), ApiError> {
    let limit = query
        .get("limit")
        .map(PageLimit::parse)
        .transpose()?
        .unwrap_or_default();
    let cursor = query.get("cursor").map(Cursor::parse).transpose()?;
    Ok((limit, cursor))
}

/// The listing's JSON, shared with the OPS user's own listing.
pub fn page_json(owner: &Username, page: &FilePage) -> Value {
    let files: Vec<Value> = page
        .files
        .iter()
        .map(|f| json!({"name": f.name, "size": f.size, "uploaded_at": rfc3339(f.uploaded_at)}))
        .collect();
    json!({
        "ops_username": owner,
        "files": files,
        "next_cursor": page.next_cursor.as_ref().map(Cursor::as_str),
    })
}

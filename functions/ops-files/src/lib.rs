//! `GET /ops/files`: an OPS user lists their own files (same shape and paging as the CLIENT
//! listing).

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use ezshare_api::listing::{page_json, paging};
use ezshare_api::{ApiError, AppState, QueryParams, Route};
use ezshare_auth::extract::OpsCaller;
use serde_json::Value;

pub const ROUTES: &[Route] = &[("GET", "/ops/files")];

pub fn router() -> Router<AppState> {
    Router::new().route("/ops/files", get(own_files))
}

async fn own_files(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    let (limit, cursor) = paging(&query)?;
    let page = state
        .stores
        .files
        .list_files(&caller.username, cursor.as_ref(), limit)
        .await?;
    Ok(Json(page_json(&caller.username, &page)))
}

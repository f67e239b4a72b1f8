//! What a CLIENT may see: `GET /client/files/{ops_username}` lists one OPS user's files the
//! caller sees, `GET /client/files` every file the caller sees across all OPS users (shared
//! with them, or visible to all clients). Both a page at a time.

use axum::extract::State;
use axum::{Json, Router};
use ezshare_api::listing::paging;
use ezshare_api::visible::{VisiblePage, everything_visible, owner_page};
use ezshare_api::{
    ApiError, AppState, Endpoint, Path, QueryParams, Route, RouterExt, Secrets, ensure_ops_user,
    ops_username,
};
use ezshare_auth::extract::ClientCaller;
use time::OffsetDateTime;

const LIST_FILES: Route = Route::get("/client/files/{ops_username}");
const SHARED_WITH_ME: Route = Route::get("/client/files");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "list-files",
    package: env!("CARGO_PKG_NAME"),
    routes: &[LIST_FILES, SHARED_WITH_ME],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new()
        .serve(LIST_FILES, list_files)
        .serve(SHARED_WITH_ME, shared_with_me)
}

async fn list_files(
    State(state): State<AppState>,
    ClientCaller(caller): ClientCaller,
    Path(raw): Path<String>,
    query: QueryParams,
) -> Result<Json<VisiblePage>, ApiError> {
    let (limit, cursor) = paging(&query)?;
    let owner = ops_username(&raw)?;
    let now = OffsetDateTime::now_utc();
    let page = owner_page(&state, &owner, &caller.username, now, cursor, limit).await?;
    if page.files.is_empty() {
        // Nothing to see: an OPS user with no file for the caller, or no such user.
        ensure_ops_user(&state, &owner).await?;
    }
    Ok(Json(page))
}

async fn shared_with_me(
    State(state): State<AppState>,
    ClientCaller(caller): ClientCaller,
    query: QueryParams,
) -> Result<Json<VisiblePage>, ApiError> {
    let (limit, cursor) = paging(&query)?;
    let now = OffsetDateTime::now_utc();
    let page = everything_visible(&state, &caller.username, now, cursor.as_ref(), limit).await?;
    Ok(Json(page))
}

//! `GET /client/files/{ops_username}`: a CLIENT lists an OPS user's files, a page at a time.

use axum::extract::State;
use axum::{Json, Router};
use ezshare_api::listing::{PageJson, page_json, paging};
use ezshare_api::{
    ApiError, AppState, Endpoint, Path, QueryParams, Route, RouterExt, Secrets, existing_ops_user,
};
use ezshare_auth::extract::ClientCaller;

const LIST_FILES: Route = Route::get("/client/files/{ops_username}");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "list-files",
    package: env!("CARGO_PKG_NAME"),
    routes: &[LIST_FILES],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(LIST_FILES, list_files)
}

async fn list_files(
    State(state): State<AppState>,
    ClientCaller(_caller): ClientCaller,
    Path(raw): Path<String>,
    query: QueryParams,
) -> Result<Json<PageJson>, ApiError> {
    let (limit, cursor) = paging(&query)?;
    let owner = existing_ops_user(&state, &raw).await?;
    let page = state
        .stores
        .files
        .list_files(&owner, cursor.as_ref(), limit)
        .await?;
    Ok(Json(page_json(owner, page)))
}

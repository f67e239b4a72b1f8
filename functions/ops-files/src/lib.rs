//! `GET /ops/files`: an OPS user lists their own files (same shape and paging as the CLIENT
//! listing).

use axum::extract::State;
use axum::{Json, Router};
use ezshare_api::listing::{PageJson, page_json, paging};
use ezshare_api::{ApiError, AppState, Endpoint, QueryParams, Route, RouterExt, Secrets};
use ezshare_auth::extract::OpsCaller;

const OWN_FILES: Route = Route::get("/ops/files");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "ops-files",
    package: env!("CARGO_PKG_NAME"),
    routes: &[OWN_FILES],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(OWN_FILES, own_files)
}

async fn own_files(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    query: QueryParams,
) -> Result<Json<PageJson>, ApiError> {
    let (limit, cursor) = paging(&query)?;
    let page = state
        .stores
        .files
        .list_files(&caller.username, cursor.as_ref(), limit)
        .await?;
    Ok(Json(page_json(caller.username, page)))
}

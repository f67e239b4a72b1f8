//! `DELETE /ops/files/{file_name}`: an OPS user deletes one of their files.

use axum::Router;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::delete;
use ezshare_api::{ApiError, AppState, Route, path_error};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::FileName;
use http::StatusCode;

pub const ROUTES: &[Route] = &[("DELETE", "/ops/files/{file_name}")];

pub fn router() -> Router<AppState> {
    Router::new().route("/ops/files/{file_name}", delete(delete_file))
}

async fn delete_file(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    file_name: Result<Path<String>, PathRejection>,
) -> Result<StatusCode, ApiError> {
    let Path(raw) = file_name.map_err(path_error)?;
    let name = FileName::parse(&raw)?;
    if state
        .stores
        .files
        .delete_file(&caller.username, &name)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "file_not_found",
            format!("you have no file named {name}"),
        ))
    }
}

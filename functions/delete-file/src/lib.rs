//! `DELETE /ops/files/{file_name}`: an OPS user deletes one of their files.

use axum::Router;
use axum::extract::State;
use ezshare_api::activity::{Entry, record_after};
use ezshare_api::{ApiError, AppState, ClientInfo, Endpoint, Path, Route, RouterExt, Secrets};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::{ActivityAction, FileName};
use http::StatusCode;

const DELETE_FILE: Route = Route::delete("/ops/files/{file_name}");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "delete-file",
    package: env!("CARGO_PKG_NAME"),
    routes: &[DELETE_FILE],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(DELETE_FILE, delete_file)
}

async fn delete_file(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    info: ClientInfo,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let name = FileName::parse(&raw)?;
    if state
        .stores
        .files
        .delete_file(&caller.username, &name)
        .await?
    {
        // Its shares go with it: a new file of the same name starts unshared.
        state
            .stores
            .shares
            .delete_file_shares(&caller.username, &name)
            .await?;
        let entry = Entry {
            action: ActivityAction::Deleted,
            owner: &caller.username,
            file: &name,
            actor: &caller,
            client: None,
            info: &info,
        };
        record_after(&state, entry).await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(
            "file_not_found",
            format!("you have no file named {name}"),
        ))
    }
}

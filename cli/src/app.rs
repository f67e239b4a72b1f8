use axum::Router;
use ezshare_api::{AppState, Route};

/// Every route of the API, from the endpoint crates that own them.
pub const ROUTES: &[&[Route]] = &[
    ezshare_signup::ROUTES,
    ezshare_login::ROUTES,
    ezshare_logout::ROUTES,
    ezshare_upload::ROUTES,
    ezshare_list_files::ROUTES,
    ezshare_download::ROUTES,
    ezshare_ops_files::ROUTES,
    ezshare_delete_file::ROUTES,
    ezshare_create_upload::ROUTES,
    ezshare_complete_upload::ROUTES,
];

/// The routers of every endpoint crate, merged.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(ezshare_signup::router())
        .merge(ezshare_login::router())
        .merge(ezshare_logout::router())
        .merge(ezshare_upload::router())
        .merge(ezshare_list_files::router())
        .merge(ezshare_download::router())
        .merge(ezshare_ops_files::router())
        .merge(ezshare_delete_file::router())
        .merge(ezshare_create_upload::router())
        .merge(ezshare_complete_upload::router())
}

//! The one table of the API's endpoints. The local server serves exactly these; the tests
//! check `template.yaml` and `events/` against it. A new endpoint crate adds its line here
//! (see the README's "Adding an endpoint").

use axum::Router;
use ezshare_api::{AppState, Endpoint};

pub const ENDPOINTS: &[Endpoint] = &[
    ezshare_signup::ENDPOINT,
    ezshare_login::ENDPOINT,
    ezshare_logout::ENDPOINT,
    ezshare_account::ENDPOINT,
    ezshare_upload::ENDPOINT,
    ezshare_list_files::ENDPOINT,
    ezshare_download::ENDPOINT,
    ezshare_ops_files::ENDPOINT,
    ezshare_delete_file::ENDPOINT,
    ezshare_uploads::ENDPOINT,
    ezshare_complete_upload::ENDPOINT,
    ezshare_invites::ENDPOINT,
    ezshare_shares::ENDPOINT,
    ezshare_activity::ENDPOINT,
    // The web client: `GET /` and its assets (no data, no secret).
    ezshare_web::ENDPOINT,
];

/// The functions that are not endpoints: scheduled jobs, deployed beside the API but never
/// behind it (the local server does their work itself, see `embedded::spawn_sweeper`).
/// Each has a crate under `functions/`, a function with a Schedule event in
/// `template.yaml` and a fixture `events/<name>.json`.
pub const JOBS: &[&str] = &["reconcile"];

/// The routers of every endpoint, merged.
pub fn routes() -> Router<AppState> {
    ENDPOINTS.iter().fold(Router::new(), |routes, endpoint| {
        routes.merge(endpoint.router())
    })
}

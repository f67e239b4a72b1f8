//! `POST /logout` (and `GET /logout`, as in the original Flask server): end the caller's session.

use axum::Router;
use axum::extract::State;
use ezshare_api::{ApiError, AppState, ClientInfo, Endpoint, Route, RouterExt, Secrets};
use ezshare_auth::extract::AnyCaller;
use http::StatusCode;

const LOGOUT: Route = Route::post("/logout");
/// As in the original Flask server.
const LOGOUT_BY_GET: Route = Route::get(LOGOUT.path);

pub const ENDPOINT: Endpoint = Endpoint {
    name: "logout",
    package: env!("CARGO_PKG_NAME"),
    routes: &[LOGOUT, LOGOUT_BY_GET],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new()
        .serve(LOGOUT, logout)
        .serve(LOGOUT_BY_GET, logout)
}

async fn logout(
    State(state): State<AppState>,
    AnyCaller(caller): AnyCaller,
    info: ClientInfo,
) -> Result<StatusCode, ApiError> {
    state.auth.end_session(&caller).await?;
    let source_ip = info.source_ip.map(|ip| ip.to_string());
    tracing::info!(
        event = "logout",
        user_type = %caller.user_type,
        username = %caller.username,
        source_ip = source_ip.as_deref().unwrap_or("-"),
        "logged out"
    );
    Ok(StatusCode::NO_CONTENT)
}

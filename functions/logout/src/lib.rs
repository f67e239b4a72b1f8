//! `POST /logout` (and `GET /logout`, as in the original Flask server): end the caller's
//! session; `POST /logout?all=true`: every session of the caller's account ("log out
//! everywhere", after a lost device or a leaked token).

use axum::Router;
use axum::extract::State;
use ezshare_api::{
    ApiError, AppState, ClientInfo, Endpoint, QueryParams, Route, RouterExt, Secrets,
};
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
    query: QueryParams,
) -> Result<StatusCode, ApiError> {
    let everywhere = query.flag("all")?;
    let source_ip = info.source_ip.map(|ip| ip.to_string());
    if everywhere {
        let ended = state.auth.end_all_sessions(&caller, false).await?;
        tracing::info!(
            event = "logout_all",
            user_type = %caller.user_type,
            username = %caller.username,
            source_ip = source_ip.as_deref().unwrap_or("-"),
            sessions_ended = ended,
            "logged out everywhere"
        );
    } else {
        state.auth.end_session(&caller).await?;
        tracing::info!(
            event = "logout",
            user_type = %caller.user_type,
            username = %caller.username,
            source_ip = source_ip.as_deref().unwrap_or("-"),
            "logged out"
        );
    }
    Ok(StatusCode::NO_CONTENT)
}

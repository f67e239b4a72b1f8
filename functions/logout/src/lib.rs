//! `POST /logout` (and `GET /logout`, as in the seed): end the caller's session.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use ezshare_api::{ApiError, AppState, Route};
use ezshare_auth::extract::AnyCaller;
use http::StatusCode;

pub const ROUTES: &[Route] = &[("POST", "/logout"), ("GET", "/logout")];

pub fn router() -> Router<AppState> {
    Router::new().route("/logout", post(logout).get(logout))
}

async fn logout(
    State(state): State<AppState>,
    AnyCaller(caller): AnyCaller,
) -> Result<StatusCode, ApiError> {
    state.auth.end_session(&caller).await?;
    Ok(StatusCode::NO_CONTENT)
}

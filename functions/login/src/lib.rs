//! `POST /ops/login`, `POST /client/login`: verify a password, start a session, return its JWT.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use ezshare_api::throttle::LoginThrottle;
use ezshare_api::{
    ApiError, AppState, ClientInfo, EmailVerification, Endpoint, Fields, Route, RouterExt, Secrets,
    no_store, wants_json,
};
use ezshare_domain::{UserType, Username, rfc3339};
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use serde_json::json;
use time::OffsetDateTime;

const OPS_LOGIN: Route = Route::post("/ops/login");
const CLIENT_LOGIN: Route = Route::post("/client/login");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "login",
    package: env!("CARGO_PKG_NAME"),
    routes: &[OPS_LOGIN, CLIENT_LOGIN],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new()
        .serve(OPS_LOGIN, |s, i, h, f| login(UserType::Ops, s, i, h, f))
        .serve(CLIENT_LOGIN, |s, i, h, f| {
            login(UserType::Client, s, i, h, f)
        })
}

async fn login(
    user_type: UserType,
    State(state): State<AppState>,
    info: ClientInfo,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, ApiError> {
    let raw_username = fields.required("username")?;
    let raw_password = fields.required("password")?;
    let throttle = LoginThrottle {
        attempts: state.stores.attempts.as_ref(),
        settings: &state.settings.throttle,
    };
    let now = OffsetDateTime::now_utc();
    // A name that cannot exist is treated like an unknown one: same answer, same time.
    let find_user = async {
        match Username::parse(raw_username) {
            Ok(username) => state.stores.users.find_user(user_type, &username).await,
            Err(_) => Ok(None),
        }
    };
    // Counted before the password is checked; the user is read meanwhile.
    let (admitted, user) = tokio::join!(
        throttle.admit(user_type, raw_username, info.source_ip, now),
        find_user
    );
    let admitted = admitted?;
    let user = user?;
    let stored_hash = user.as_ref().map(|u| u.password_hash.clone());
    if !state
        .hasher
        .verify(stored_hash, raw_password.to_owned())
        .await?
    {
        // The name as sent (Debug-escaped, at most 64 characters): it may be anything.
        let sent: String = raw_username.chars().take(64).collect();
        tracing::info!(
            event = "login_failed",
            user_type = %user_type,
            username = ?sent,
            source_ip = %source_ip(&info),
            "login failed"
        );
        return Err(ApiError::InvalidCredentials);
    }
    let user = user.expect("verify succeeds only for an existing user");
    // Told only to whoever knows the password: the answer reveals nothing to a guesser.
    if user_type == UserType::Client
        && state.settings.email_verification == EmailVerification::Required
        && !user.email_verified
    {
        throttle.succeeded(admitted).await?;
        return Err(ApiError::forbidden(
            "email_not_verified",
            "verify your email address first: open the link we mailed you, or ask for a new \
             one with POST /client/verify-email/resend",
        ));
    }
    let (issued, reset) = tokio::join!(
        state.auth.start_session(user_type, &user.username),
        throttle.succeeded(admitted)
    );
    let issued = issued?;
    reset?;
    tracing::info!(
        event = "login_ok",
        user_type = %user_type,
        username = %user.username,
        source_ip = %source_ip(&info),
        "logged in"
    );
    let response = if wants_json(&headers) {
        let body = json!({
            "token": issued.token,
            "token_type": "Bearer",
            "expires_at": rfc3339(issued.expires_at),
        });
        (no_store(), Json(body)).into_response()
    } else {
        // The original Flask server answered with the bare token.
        (
            no_store(),
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            issued.token,
        )
            .into_response()
    };
    Ok(response)
}

/// The caller's address for an auth event line; `-` when unknown (router tests).
fn source_ip(info: &ClientInfo) -> String {
    info.source_ip
        .map_or_else(|| "-".to_owned(), |ip| ip.to_string())
}

//! `POST /account/password`: a logged-in user changes their password.

use axum::extract::State;
use ezshare_api::throttle::LoginThrottle;
use ezshare_api::{ApiError, AppState, ClientInfo, Fields};
use ezshare_auth::extract::AnyCaller;
use ezshare_domain::Password;
use http::StatusCode;
use time::OffsetDateTime;

pub(crate) async fn change_password(
    State(state): State<AppState>,
    AnyCaller(caller): AnyCaller,
    info: ClientInfo,
    fields: Fields,
) -> Result<StatusCode, ApiError> {
    let current = fields.required("current_password")?;
    let new = Password::parse(fields.required("new_password")?)?;
    if new.expose() == current {
        return Err(ApiError::bad_request(
            "same_password",
            "new_password must differ from current_password",
        ));
    }
    // Guessing the current password with a stolen token is guessing a password: it counts
    // like a failed login of the account.
    let throttle = LoginThrottle {
        attempts: state.stores.attempts.as_ref(),
        settings: &state.settings.throttle,
    };
    let now = OffsetDateTime::now_utc();
    let (admitted, user) = tokio::join!(
        throttle.admit(
            caller.user_type,
            caller.username.as_str(),
            info.source_ip,
            now
        ),
        state
            .stores
            .users
            .find_user(caller.user_type, &caller.username)
    );
    let admitted = admitted?;
    let Some(user) = user? else {
        return Err(ApiError::InvalidCredentials);
    };
    let right = state
        .hasher
        .verify(Some(user.password_hash.clone()), current.to_owned())
        .await?;
    if !right {
        return Err(ApiError::forbidden(
            "wrong_password",
            "current_password is not the account's password",
        ));
    }
    let new_hash = state.hasher.hash(new).await?;
    let replaced = state
        .stores
        .users
        .replace_password_hash(
            caller.user_type,
            &caller.username,
            &user.password_hash,
            &new_hash,
        )
        .await?;
    if !replaced {
        return Err(ApiError::conflict(
            "password_changed",
            "the password was changed meanwhile: log in again",
        ));
    }
    throttle.succeeded(admitted).await?;
    // Whoever held another session (a lost laptop, a leaked token) is out; this one stays.
    let ended = state.auth.end_all_sessions(&caller, true).await?;
    let source_ip = info.source_ip.map(|ip| ip.to_string());
    tracing::info!(
        event = "password_changed",
        user_type = %caller.user_type,
        username = %caller.username,
        source_ip = source_ip.as_deref().unwrap_or("-"),
        sessions_ended = ended,
        "password changed"
    );
    Ok(StatusCode::NO_CONTENT)
}

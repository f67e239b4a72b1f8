//! Password reset through a token mailed to the account's verified address.

use axum::Json;
use axum::extract::State;
use ezshare_api::mail::{LinkBase, send_password_reset};
use ezshare_api::{ApiError, AppState, ClientInfo, Fields, throttle};
use ezshare_domain::{AccountToken, Password, UserType, Username};
use ezshare_store::TokenPurpose;
use http::StatusCode;
use serde_json::json;
use time::OffsetDateTime;

use crate::verify_email::invalid_token;

/// `POST /account/password-reset` `{"user_type","username"}`: always 202, whether or not the
/// account exists or has a verified address (no enumeration); throttled like signup.
pub(crate) async fn request(
    State(state): State<AppState>,
    info: ClientInfo,
    base: LinkBase,
    fields: Fields,
) -> Result<(StatusCode, Json<serde_json::Value>), ApiError> {
    let now = OffsetDateTime::now_utc();
    throttle::admit_signup(
        state.stores.attempts.as_ref(),
        &state.settings.throttle,
        info.source_ip,
        now,
    )
    .await?;
    let user_type: UserType = fields.required("user_type")?.trim().parse()?;
    let raw_username = fields.required("username")?;
    let user = match Username::parse(raw_username) {
        Ok(name) => state.stores.users.find_user(user_type, &name).await?,
        Err(_) => None,
    };
    let verified = user.filter(|u| u.email_verified);
    if let Some((user, email)) = verified.and_then(|u| u.email.clone().map(|e| (u, e))) {
        // Logged, never told: the answer is the same whatever happened.
        if let Err(e) = send_password_reset(&state, &base, user_type, &user.username, &email).await
        {
            tracing::error!(error = %e, username = %user.username, "password reset mail not sent");
        }
    }
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({
            "message": "if the account exists and has a verified email address, a reset token is on its way"
        })),
    ))
}

/// `POST /account/password-reset/confirm` `{"token","new_password"}`: sets the password and
/// ends every session of the account.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    fields: Fields,
) -> Result<StatusCode, ApiError> {
    let token =
        AccountToken::parse(fields.required("token")?.trim()).map_err(|_| invalid_token())?;
    let password = Password::parse(fields.required("new_password")?)?;
    let now = OffsetDateTime::now_utc();
    let record = state
        .stores
        .tokens
        .take_token(&token, TokenPurpose::ResetPassword, now)
        .await?
        .ok_or_else(invalid_token)?;
    let user = state
        .stores
        .users
        .find_user(record.user_type, &record.username)
        .await?
        // Gone, or no longer at the address the token went to.
        .filter(|u| u.email.as_ref() == Some(&record.email))
        .ok_or_else(invalid_token)?;
    let new_hash = state.hasher.hash(password).await?;
    let replaced = state
        .stores
        .users
        .replace_password_hash(
            user.user_type,
            &user.username,
            &user.password_hash,
            &new_hash,
        )
        .await?;
    if !replaced {
        return Err(ApiError::conflict(
            "password_changed",
            "the password was changed meanwhile: ask for a new reset token",
        ));
    }
    let ended = state
        .stores
        .sessions
        .delete_user_sessions(user.user_type, &user.username, None)
        .await?;
    tracing::info!(
        event = "password_reset",
        user_type = %user.user_type,
        username = %user.username,
        sessions_ended = ended,
        "password reset"
    );
    Ok(StatusCode::NO_CONTENT)
}

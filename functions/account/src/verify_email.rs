//! Email verification of CLIENT accounts. Mail scanners open links on their own, so the
//! link (a GET) never uses the token up: it shows a page whose "Verify" button POSTs it.

use axum::Json;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use ezshare_api::mail::{LinkBase, send_verification};
use ezshare_api::{
    ApiError, AppState, ClientInfo, EmailVerification, Fields, QueryParams, no_store, throttle,
    wants_html, wants_json,
};
use ezshare_domain::{AccountToken, UserType, Username};
use ezshare_store::TokenPurpose;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::json;
use time::OffsetDateTime;

/// 400 `invalid_token`: used, expired, unknown or malformed: one answer for all.
pub(crate) fn invalid_token() -> ApiError {
    ApiError::bad_request(
        "invalid_token",
        "the token is used, expired or unknown: ask for a new one",
    )
}

/// A page of our own: no script, no style, no framing, nothing sent to other sites (the
/// URL carries the token), never cached.
fn page_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, no_store(), Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn html(title: &str, content: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title}</title></head>\
         <body><main><h1>{title}</h1>{content}</main></body></html>\n"
    )
}

/// `GET /client/verify-email?token=…`: the link in the mail. A page with a "Verify" button,
/// or with `Accept: application/json` the token's state: `valid`, `expired` or `invalid`.
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: QueryParams,
) -> Result<Response, ApiError> {
    let token = query.get("token").and_then(|t| AccountToken::parse(t).ok());
    let found = match &token {
        Some(t) => state.stores.tokens.find_token(t).await?,
        None => None,
    };
    let now = OffsetDateTime::now_utc();
    let token_state = match &found {
        Some(r) if r.purpose != TokenPurpose::VerifyEmail => "invalid",
        Some(r) if r.is_expired_at(now) => "expired",
        Some(_) => "valid",
        None => "invalid",
    };
    if wants_json(&headers) {
        return Ok((no_store(), Json(json!({"state": token_state}))).into_response());
    }
    let (status, content) = match (token_state, &token) {
        ("valid", Some(token)) => (
            StatusCode::OK,
            format!(
                "<p>Confirm that this email address is yours.</p>\
                 <form method=\"post\" action=\"/client/verify-email\">\
                 <input type=\"hidden\" name=\"token\" value=\"{token}\">\
                 <button type=\"submit\">Verify</button></form>"
            ),
        ),
        ("expired", _) => (
            StatusCode::BAD_REQUEST,
            "<p>This link has expired. Ask for a new one (POST /client/verify-email/resend).</p>"
                .to_owned(),
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "<p>This link is used or not valid. If your address is not verified yet, ask for \
             a new link (POST /client/verify-email/resend).</p>"
                .to_owned(),
        ),
    };
    Ok(page_response(
        status,
        html("Verify your email address", &content),
    ))
}

/// `POST /client/verify-email` `{"token"}`: uses the token up and marks the address verified.
pub(crate) async fn verify(
    State(state): State<AppState>,
    headers: HeaderMap,
    fields: Fields,
) -> Result<Response, ApiError> {
    let token =
        AccountToken::parse(fields.required("token")?.trim()).map_err(|_| invalid_token())?;
    let now = OffsetDateTime::now_utc();
    let taken = state
        .stores
        .tokens
        .take_token(&token, TokenPurpose::VerifyEmail, now)
        .await?;
    let Some(record) = taken else {
        return Err(invalid_token());
    };
    let verified = state
        .stores
        .users
        .mark_email_verified(record.user_type, &record.username, &record.email)
        .await?;
    if !verified {
        // The account is gone, or its address is no longer the one the link went to.
        return Err(invalid_token());
    }
    tracing::info!(event = "email_verified", user_type = %record.user_type, username = %record.username, "email verified");
    if wants_html(&headers) {
        let content = "<p>Your email address is verified. You can log in now.</p>";
        return Ok(page_response(
            StatusCode::OK,
            html("Email address verified", content),
        ));
    }
    Ok(Json(json!({"verified": true, "username": record.username})).into_response())
}

/// `POST /client/verify-email/resend` (`username`, `password`): a new link, for an account
/// whose password the caller knows. Throttled like signup.
pub(crate) async fn resend(
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
    let raw_username = fields.required("username")?;
    let password = fields.required("password")?;
    if state.settings.email_verification == EmailVerification::Off {
        return Err(ApiError::bad_request(
            "verification_off",
            "this server does not verify email addresses",
        ));
    }
    let user = match Username::parse(raw_username) {
        Ok(name) => {
            state
                .stores
                .users
                .find_user(UserType::Client, &name)
                .await?
        }
        Err(_) => None,
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    if !state.hasher.verify(stored, password.to_owned()).await? {
        return Err(ApiError::InvalidCredentials);
    }
    let user = user.expect("verify succeeds only for an existing user");
    if user.email_verified {
        return Ok((
            StatusCode::OK,
            Json(json!({"verification": "already_verified"})),
        ));
    }
    let Some(email) = &user.email else {
        return Err(ApiError::bad_request(
            "no_email",
            "the account has no email address to verify",
        ));
    };
    send_verification(&state, &base, &user.username, email)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok((StatusCode::ACCEPTED, Json(json!({"verification": "sent"}))))
}

//! The mail the API sends: email verification links and password reset tokens, each a
//! single-use [`AccountToken`] stored by hash.

use axum::extract::FromRequestParts;
use ezshare_domain::{AccountToken, Email, UserType, Username};
use ezshare_mail::{Mail, MailError};
use ezshare_store::{StoreError, TokenPurpose, TokenRecord};
use http::request::Parts;
use time::{Duration, OffsetDateTime};

use crate::{AppState, PublicBase};

/// How long a verification link works.
pub const VERIFY_EMAIL_TTL: Duration = Duration::hours(24);
/// How long a reset token works.
pub const RESET_PASSWORD_TTL: Duration = Duration::hours(1);

/// The base of mailed links: `PUBLIC_BASE_URL`, else the platform's [`PublicBase`], else
/// (a router test) `http://localhost`.
#[derive(Debug, Clone)]
pub struct LinkBase(pub String);

impl FromRequestParts<AppState> for LinkBase {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let base = state
            .settings
            .public_base_url
            .clone()
            .or_else(|| parts.extensions.get::<PublicBase>().map(|b| b.0.clone()))
            .unwrap_or_else(|| "http://localhost".to_owned());
        Ok(Self(base))
    }
}

/// Why a message did not go out: the token is stored either way (a resend makes another).
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// Stores a fresh token for (`user_type`, `username`, `email`) and returns it.
async fn issue(
    state: &AppState,
    purpose: TokenPurpose,
    ttl: Duration,
    user_type: UserType,
    username: &Username,
    email: &Email,
) -> Result<AccountToken, StoreError> {
    let token = AccountToken::generate();
    let now = OffsetDateTime::now_utc();
    let record = TokenRecord {
        purpose,
        user_type,
        username: username.clone(),
        email: email.clone(),
        created_at: now,
        expires_at: now + ttl,
    };
    state.stores.tokens.put_token(&token, &record).await?;
    Ok(token)
}

/// Mails a verification link to a CLIENT's address.
pub async fn send_verification(
    state: &AppState,
    base: &LinkBase,
    username: &Username,
    email: &Email,
) -> Result<(), SendError> {
    let token = issue(
        state,
        TokenPurpose::VerifyEmail,
        VERIFY_EMAIL_TTL,
        UserType::Client,
        username,
        email,
    )
    .await?;
    let link = format!("{}/client/verify-email?token={token}", base.0);
    let text = format!(
        "Hello {username},\n\n\
         please confirm that this address is yours by opening this link within 24 hours:\n\n\
         {link}\n\n\
         If you did not sign up for ezshare, ignore this message: nothing happens without it.\n"
    );
    let mail = Mail {
        to: email.clone(),
        subject: "Verify your email address for ezshare".into(),
        text,
    };
    state.mailer.send(&mail).await?;
    tracing::info!(event = "verification_sent", username = %username, "verification link mailed");
    Ok(())
}

/// Mails a password reset token to an account's verified address.
pub async fn send_password_reset(
    state: &AppState,
    base: &LinkBase,
    user_type: UserType,
    username: &Username,
    email: &Email,
) -> Result<(), SendError> {
    let token = issue(
        state,
        TokenPurpose::ResetPassword,
        RESET_PASSWORD_TTL,
        user_type,
        username,
        email,
    )
    .await?;
    let confirm = format!("{}/account/password-reset/confirm", base.0);
    let text = format!(
        "Hello {username},\n\n\
         someone asked to reset the password of your ezshare {user_type} account. If it was \
         you, send this token with a new password within an hour:\n\n\
         {token}\n\n\
         curl -X POST {confirm} -d token={token} -d new_password=YOUR-NEW-PASSWORD\n\n\
         Every session of the account ends when the password changes. If you did not ask, \
         ignore this message: your password stays as it is.\n"
    );
    let mail = Mail {
        to: email.clone(),
        subject: "Reset your ezshare password".into(),
        text,
    };
    state.mailer.send(&mail).await?;
    tracing::info!(event = "password_reset_sent", user_type = %user_type, username = %username, "password reset mailed");
    Ok(())
}

//! `POST /ops/invites`: an OPS user invites someone to sign up, as OPS or as CLIENT.

use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::State;
use ezshare_api::{ApiError, AppState, Endpoint, Fields, Route, RouterExt, Secrets};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::{Email, InviteCode, UserType, ValidationError, rfc3339};
use ezshare_store::{InviteRecord, StoreError};
use http::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;

const CREATE_INVITE: Route = Route::post("/ops/invites");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "invites",
    package: env!("CARGO_PKG_NAME"),
    routes: &[CREATE_INVITE],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(CREATE_INVITE, create_invite)
}

/// How long an invite stays redeemable unless the request says otherwise.
pub const DEFAULT_LIFETIME_HOURS: u64 = 72;
/// The longest lifetime a request may ask for (30 days).
pub const MAX_LIFETIME_HOURS: u64 = 720;

/// The lifetime of a new invite, from `expires_in_hours`: 1 to [`MAX_LIFETIME_HOURS`].
pub fn parse_lifetime(raw: Option<&str>) -> Result<Duration, ValidationError> {
    let hours = match raw {
        None => DEFAULT_LIFETIME_HOURS,
        Some(raw) => raw
            .trim()
            .parse::<u64>()
            .ok()
            .filter(|h| (1..=MAX_LIFETIME_HOURS).contains(h))
            .ok_or_else(|| {
                ValidationError::new(
                    "expires_in_hours",
                    format!("must be a whole number of hours from 1 to {MAX_LIFETIME_HOURS}"),
                )
            })?,
    };
    Ok(Duration::from_secs(hours * 3600))
}

/// A new invite record: a fresh code of 256 random bits, valid for `lifetime` from `now`.
pub fn new_invite(
    user_type: UserType,
    email: Option<Email>,
    created_by: Option<ezshare_domain::Username>,
    lifetime: Duration,
    now: OffsetDateTime,
) -> InviteRecord {
    InviteRecord {
        code: InviteCode::generate(),
        user_type,
        email,
        created_by,
        created_at: now,
        expires_at: now + lifetime,
    }
}

/// The answer to a created invite; the code is shown here once and never again.
pub fn invite_json(invite: &InviteRecord) -> Value {
    json!({
        "invite_code": invite.code.as_str(),
        "user_type": invite.user_type,
        "email": invite.email.as_ref().map(Email::as_str),
        "expires_at": rfc3339(invite.expires_at),
    })
}

async fn create_invite(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    fields: Fields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let user_type: UserType = fields.required("user_type")?.trim().parse()?;
    let email = fields.optional("email")?.map(Email::parse).transpose()?;
    let lifetime = parse_lifetime(fields.optional_number("expires_in_hours")?)?;
    let invite = new_invite(
        user_type,
        email,
        Some(caller.username),
        lifetime,
        OffsetDateTime::now_utc(),
    );
    match state.stores.invites.create_invite(&invite).await {
        Ok(()) => Ok((StatusCode::CREATED, Json(invite_json(&invite)))),
        // 256 random bits do not collide; if they ever did, nothing was overwritten.
        Err(StoreError::AlreadyExists) => Err(ApiError::Internal("invite code collision".into())),
        Err(e) => Err(e.into()),
    }
}

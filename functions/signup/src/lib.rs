//! `POST /ops/signup`, `POST /client/signup`: create an account, with an invite code where
//! the settings require one (OPS by default).

use axum::Json;
use axum::Router;
use axum::extract::State;
use ezshare_api::mail::{LinkBase, send_verification};
use ezshare_api::{
    ApiError, AppState, ClientInfo, EmailVerification, Endpoint, Fields, Route, RouterExt, Secrets,
    SignupPolicy, throttle,
};
use ezshare_domain::{DisplayName, Email, InviteCode, Password, UserType, Username};
use ezshare_store::{StoreError, StoredInvite, UserRecord};
use http::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;

const OPS_SIGNUP: Route = Route::post("/ops/signup");
const CLIENT_SIGNUP: Route = Route::post("/client/signup");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "signup",
    package: env!("CARGO_PKG_NAME"),
    routes: &[OPS_SIGNUP, CLIENT_SIGNUP],
    router,
    // Signup issues no token, so it does not read the JWT secret (and its role may not).
    secrets: Secrets::None,
};

fn router() -> Router<AppState> {
    Router::new()
        .serve(OPS_SIGNUP, |s, i, b, f| signup(UserType::Ops, s, i, b, f))
        .serve(CLIENT_SIGNUP, |s, i, b, f| {
            signup(UserType::Client, s, i, b, f)
        })
}

/// What a signup asks for, parsed.
struct NewAccount {
    username: Username,
    password: Password,
    email: Option<Email>,
    name: Option<DisplayName>,
}

impl NewAccount {
    fn parse(fields: &Fields) -> Result<Self, ApiError> {
        Ok(Self {
            username: Username::parse(fields.required("username")?)?,
            password: Password::parse(fields.required("password")?)?,
            email: fields.optional("email")?.map(Email::parse).transpose()?,
            name: fields
                .optional("name")?
                .map(DisplayName::parse)
                .transpose()?,
        })
    }
}

async fn signup(
    user_type: UserType,
    State(state): State<AppState>,
    info: ClientInfo,
    base: LinkBase,
    fields: Fields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let now = OffsetDateTime::now_utc();
    // Every signup from an address counts, whatever its outcome: taken names are what an
    // enumeration through signup would look for.
    throttle::admit_signup(
        state.stores.attempts.as_ref(),
        &state.settings.throttle,
        info.source_ip,
        now,
    )
    .await?;
    let account = NewAccount::parse(&fields)?;
    let verifying = user_type == UserType::Client
        && state.settings.email_verification == EmailVerification::Required;
    if verifying && account.email.is_none() {
        return Err(ApiError::MissingField { field: "email" });
    }
    // Checked before the (deliberately slow) password hash: a refused invite costs nothing.
    let invite = match fields.optional("invite_code")? {
        Some(raw) => Some(admitting_invite(&state, user_type, raw, now).await?),
        None if state.settings.signup_policy(user_type) == SignupPolicy::Invite => {
            return Err(ApiError::forbidden(
                "invite_required",
                format!("{user_type} accounts are by invitation: send invite_code"),
            ));
        }
        None => None,
    };
    let invited_email = invite.as_ref().and_then(|(_, found)| found.email.clone());
    let record = UserRecord {
        user_type,
        username: account.username,
        password_hash: state.hasher.hash(account.password).await?,
        // The invite's email, when it names one: the inviter vouched for that address.
        email_verified: invited_email.is_some(),
        email: invited_email.or(account.email),
        name: account.name,
        created_at: now,
    };
    let created = match &invite {
        // The invite is consumed with the account, or not at all.
        Some((code, _)) => state.stores.invites.redeem_invite(code, &record, now).await,
        None => state.stores.users.create_user(&record).await,
    };
    match created {
        Ok(()) if verifying && !record.email_verified => {
            let email = record.email.as_ref().expect("checked above");
            // The account exists either way; a failed send is for the resend route.
            let verification = match send_verification(&state, &base, &record.username, email).await
            {
                Ok(()) => "sent",
                Err(e) => {
                    tracing::error!(error = %e, username = %record.username, "verification mail not sent");
                    "failed"
                }
            };
            Ok((
                StatusCode::CREATED,
                Json(json!({
                    "username": record.username,
                    "user_type": user_type,
                    "verification": verification,
                })),
            ))
        }
        Ok(()) => Ok((
            StatusCode::CREATED,
            Json(json!({"username": record.username, "user_type": user_type})),
        )),
        Err(StoreError::AlreadyExists) => Err(ApiError::conflict(
            "username_taken",
            format!("the {user_type} username {} is taken", record.username),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The invite `raw` names, if it can create a `user_type` account now; else 403
/// `invalid_invite` (the same answer for a malformed, unknown, used or expired code).
async fn admitting_invite(
    state: &AppState,
    user_type: UserType,
    raw: &str,
    now: OffsetDateTime,
) -> Result<(InviteCode, StoredInvite), ApiError> {
    let code = InviteCode::parse(raw.trim()).map_err(|_| ApiError::invalid_invite())?;
    match state.stores.invites.find_invite(&code).await? {
        Some(found) if found.admits(user_type, now) => Ok((code, found)),
        _ => Err(ApiError::invalid_invite()),
    }
}

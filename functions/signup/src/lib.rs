//! `POST /ops/signup`, `POST /client/signup`: create an account.

use axum::Json;
use axum::Router;
use axum::extract::State;
use ezshare_api::{ApiError, AppState, Endpoint, Fields, Route, RouterExt, Secrets};
use ezshare_auth::password;
use ezshare_domain::{DisplayName, Email, Password, UserType, Username};
use ezshare_store::{StoreError, UserRecord};
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
        .serve(OPS_SIGNUP, |s, f| signup(UserType::Ops, s, f))
        .serve(CLIENT_SIGNUP, |s, f| signup(UserType::Client, s, f))
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
            email: fields.optional("email").map(Email::parse).transpose()?,
            name: fields
                .optional("name")
                .map(DisplayName::parse)
                .transpose()?,
        })
    }
}

async fn signup(
    user_type: UserType,
    State(state): State<AppState>,
    fields: Fields,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let account = NewAccount::parse(&fields)?;
    let record = UserRecord {
        user_type,
        username: account.username,
        password_hash: password::hash(account.password).await?,
        email: account.email,
        name: account.name,
        created_at: OffsetDateTime::now_utc(),
    };
    match state.stores.users.create_user(&record).await {
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

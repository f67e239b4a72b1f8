//! The HTTP edge every ezshare endpoint shares.
//!
//! - [`AppState`]: stores, authenticator and settings, built once per process.
//! - [`ApiError`]: the one error type of the HTTP layer; every other layer's error is mapped
//!   to a status and a JSON body here, and only here.
//! - [`Fields`]: form fields from JSON, urlencoded or multipart bodies.
//! - [`Endpoint`]: what an endpoint crate exports (routes, router, the secrets it needs).
//! - [`finish`]: the layers and fallbacks every router gets (JSON 404/405, `nosniff`, tracing).

pub mod activity;
mod client_info;
mod endpoint;
mod error;
mod fields;
mod finish;
pub mod listing;
mod negotiate;
mod path;
mod query;
mod settings;
mod state;
pub mod visible;

#[cfg(feature = "lambda")]
pub use client_info::from_lambda_context;
pub use client_info::{ClientInfo, SourceIp, trust_forwarded_for};
pub use endpoint::{Endpoint, Method, Route, RouterExt, Secrets};
pub use error::ApiError;
pub use fields::Fields;
pub use finish::finish;
pub use negotiate::{no_store, wants_json};
pub use path::Path;
pub use query::QueryParams;
pub use settings::{ConfigError, Settings, SignupPolicy, var};
pub use state::AppState;

/// Finds an OPS user named in a path, or answers 404 `unknown_ops_user` (also for a name
/// that could never exist).
pub async fn existing_ops_user(
    state: &AppState,
    raw: &str,
) -> Result<ezshare_domain::Username, ApiError> {
    let unknown = || ApiError::not_found("unknown_ops_user", format!("no OPS user named {raw}"));
    let username = ezshare_domain::Username::parse(raw).map_err(|_| unknown())?;
    let exists = state
        .stores
        .users
        .user_exists(ezshare_domain::UserType::Ops, &username)
        .await?;
    if exists { Ok(username) } else { Err(unknown()) }
}

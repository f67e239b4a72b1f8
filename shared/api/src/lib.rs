//! The HTTP edge every ezshare endpoint shares.
//!
//! - [`AppState`]: stores, authenticator and settings, built once per process.
//! - [`ApiError`]: the one error type of the HTTP layer; every other layer's error is mapped
//!   to a status and a JSON body here, and only here.
//! - [`Fields`]: form fields from JSON, urlencoded or multipart bodies; [`JsonBody`]: JSON of
//!   a known shape.
//! - [`Endpoint`]: what an endpoint crate exports (routes, router, the secrets it needs).
//! - [`finish`]: the layers and fallbacks every router gets (JSON 404/405, `nosniff`, tracing).

pub mod activity;
mod client_info;
mod endpoint;
mod error;
mod fields;
mod finish;
mod json_body;
pub mod listing;
mod log_filter;
pub mod mail;
mod negotiate;
mod path;
mod query;
mod settings;
mod state;
pub mod throttle;
mod timeout;
pub mod visible;

#[cfg(feature = "lambda")]
pub use client_info::from_lambda_context;
pub use client_info::{ClientInfo, PublicBase, SourceIp, trust_forwarded_for};
pub use endpoint::{Endpoint, Method, Route, RouterExt, Secrets};
pub use error::ApiError;
pub use fields::Fields;
pub use finish::finish;
pub use json_body::JsonBody;
pub use log_filter::{Targets, log_filter};
pub use negotiate::{no_store, wants_html, wants_json};
pub use path::Path;
pub use query::QueryParams;
pub use settings::{ConfigError, EmailVerification, Settings, SignupPolicy, ThrottleSettings, var};
pub use state::AppState;
pub use timeout::with_request_timeout;

fn unknown_ops_user(raw: &str) -> ApiError {
    ApiError::not_found("unknown_ops_user", format!("no OPS user named {raw}"))
}

/// The OPS username named in a path, parsed; 404 `unknown_ops_user` for a name that could
/// never exist. Whether the user exists is asked only when a look-up finds nothing
/// ([`ensure_ops_user`]): a found file proves its owner, and saves a read.
pub fn ops_username(raw: &str) -> Result<ezshare_domain::Username, ApiError> {
    ezshare_domain::Username::parse(raw).map_err(|_| unknown_ops_user(raw))
}

/// After a look-up of `owner`'s files found nothing: 404 `unknown_ops_user` if there is no
/// such OPS user (reading the key only).
pub async fn ensure_ops_user(
    state: &AppState,
    owner: &ezshare_domain::Username,
) -> Result<(), ApiError> {
    let exists = state
        .stores
        .users
        .user_exists(ezshare_domain::UserType::Ops, owner)
        .await?;
    if exists {
        Ok(())
    } else {
        Err(unknown_ops_user(owner.as_str()))
    }
}

//! The HTTP edge every ezshare endpoint shares.
//!
//! - [`AppState`]: stores, authenticator and settings, built once per process.
//! - [`ApiError`]: the one error type of the HTTP layer; every other layer's error is mapped
//!   to a status and a JSON body here, and only here.
//! - [`Fields`]: form fields from JSON, urlencoded or multipart bodies.
//! - [`finish`]: the layers and fallbacks every router gets (JSON 404/405, `nosniff`, tracing).

mod error;
mod fields;
mod finish;
mod negotiate;
mod query;
mod settings;
mod state;

pub use error::ApiError;
pub use fields::Fields;
pub use finish::finish;
pub use negotiate::{no_store, wants_json};
pub use query::QueryParams;
pub use settings::{ConfigError, Settings};
pub use state::AppState;

/// One route of an endpoint: `(method, path)` in the syntax axum and API Gateway share.
pub type Route = (&'static str, &'static str);

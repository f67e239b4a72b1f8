//! The ezshare client: what `ezshare login | logout | upload | ls | get | rm | share |
//! unshare` do, over the public API, against any deployment (the local server or a stack).
//! Each command is one function taking its clap arguments; errors carry the API's code and
//! message and an exit code per kind ([`ClientError::exit_code`]).

mod api;
pub mod args;
pub mod credentials;
mod download;
mod error;
mod files;
mod multipart;
mod progress;
mod resume;
mod session;
mod upload;

pub use download::get;
pub use error::ClientError;
pub use files::{ls, rm, share, unshare};
pub use session::{login, logout};
pub use upload::upload;

use api::Api;
use credentials::Credentials;

/// The logged-in API, or "not logged in".
fn logged_in() -> Result<(Api, Credentials), ClientError> {
    let credentials = credentials::current()?.ok_or(ClientError::NotLoggedIn)?;
    let api = Api::new(&credentials.server, Some(credentials.token.clone()))?;
    Ok((api, credentials))
}

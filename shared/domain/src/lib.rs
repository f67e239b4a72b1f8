//! Domain types of ezshare.
//!
//! Every value that enters the system from outside is parsed into one of these types at the
//! edge; code behind the edge can rely on the rules without re-checking them.

mod activity;
mod digest;
mod error;
mod file_name;
mod ids;
mod page;
mod part;
mod time_fmt;
mod user;
mod visibility;

pub use activity::ActivityAction;
pub use digest::Sha256Digest;
pub use error::ValidationError;
pub use file_name::{ContentType, FileName};
pub use ids::{AccountToken, InviteCode, SessionId, UploadId, random_bytes};
pub use page::{Cursor, PageLimit};
pub use part::PartNumber;
pub use time_fmt::rfc3339;
pub use user::{DisplayName, Email, Password, UserType, Username};
pub use visibility::Visibility;

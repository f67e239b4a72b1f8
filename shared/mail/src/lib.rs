//! Outgoing mail: what the API sends (email verification links, password resets) behind one
//! small port, [`Mailer`], with two adapters:
//! - [`Outbox`]: each message an RFC 5322 file in a folder (the local server's
//!   `<data-dir>/outbox/`), for a laptop with no mail server, and for tests to read;
//! - `Ses` (feature `aws`): Amazon SES v2 `SendEmail`, the deployed way.

mod outbox;
#[cfg(feature = "aws")]
mod ses;

pub use outbox::{Outbox, render};
#[cfg(feature = "aws")]
pub use ses::Ses;

use async_trait::async_trait;
use ezshare_domain::Email;

/// One plain-text message to one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: Email,
    /// ASCII only (we write every subject ourselves).
    pub subject: String,
    pub text: String,
}

/// Why a message was not sent. The text is for logs only.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Nothing is configured to send mail.
    #[error("no mail sender is configured")]
    NotConfigured,
    /// The sender refused it (an unverified identity, SES's sandbox, a bad address).
    #[error("the message was refused: {0}")]
    Rejected(String),
    /// Throttled, unreachable or a failed write: worth retrying later.
    #[error("mail is unavailable: {0}")]
    Unavailable(String),
}

#[async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: &Mail) -> Result<(), MailError>;
}

/// The mailer of a deployment that sends none: every send is [`MailError::NotConfigured`].
pub struct NoMailer;

#[async_trait]
impl Mailer for NoMailer {
    async fn send(&self, _: &Mail) -> Result<(), MailError> {
        Err(MailError::NotConfigured)
    }
}

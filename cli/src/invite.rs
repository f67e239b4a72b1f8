//! `ezshare invite`: mints an invite code straight into the store, the way the first OPS
//! account of a deployment is made (and how an administrator recovers one). On the embedded
//! backend it goes through the data dir's invite spool, which a running server reads.

use ezshare_domain::Email;
use ezshare_store::InviteStore;
use time::OffsetDateTime;

use crate::{Backend, CliError, InviteArgs};

pub async fn invite(args: InviteArgs) -> Result<(), CliError> {
    let lifetime = ezshare_invites::parse_lifetime(args.expires_in_hours.as_deref())
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let email = args
        .email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| CliError::Usage(e.to_string()))?;
    let invite = ezshare_invites::new_invite(
        args.user_type,
        email,
        None,
        lifetime,
        OffsetDateTime::now_utc(),
    );
    match args.backend {
        Backend::Embedded => {
            crate::embedded::create_private_dir(&args.data_dir)?;
            ezshare_store::embedded::InviteSpool::new(&args.data_dir).submit(&invite)?;
        }
        Backend::Aws => aws_invites().await?.create_invite(&invite).await?,
    }
    // The code alone on stdout, so `CODE=$(ezshare invite …)` works; the rest on stderr.
    println!("{}", invite.code);
    eprintln!(
        "{} invite, valid until {}",
        invite.user_type,
        ezshare_domain::rfc3339(invite.expires_at)
    );
    Ok(())
}

#[cfg(feature = "aws")]
async fn aws_invites() -> Result<Box<dyn InviteStore>, CliError> {
    crate::aws::invites().await
}

#[cfg(not(feature = "aws"))]
async fn aws_invites() -> Result<Box<dyn InviteStore>, CliError> {
    Err(CliError::AwsNotBuilt)
}

//! The `ezshare` command. `serve` merges the routers of every endpoint crate into one axum
//! server; the handlers are the very ones the Lambda binaries run.

mod args;
#[cfg(feature = "aws")]
mod aws;
mod embedded;
mod endpoints;
mod error;
mod http_server;
mod invite;
pub mod openapi;
mod secret;
mod serve;

pub use args::{Backend, Cli, Command, InviteArgs, MigrateArgs, ServeArgs};
pub use endpoints::{ENDPOINTS, JOBS, routes};
pub use error::CliError;

/// Logs to stderr, one line per event; `RUST_LOG` filters (default `info`).
pub fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .finish()
        .with(ezshare_api::log_filter())
        .try_init();
}

async fn migrate(args: MigrateArgs) -> Result<(), CliError> {
    match args.backend {
        Backend::Embedded => {
            ezshare_store::embedded::migrate(&args.data_dir).await?;
            println!("{} is up to date", args.data_dir.display());
            Ok(())
        }
        #[cfg(feature = "aws")]
        Backend::Aws => aws::migrate().await,
        #[cfg(not(feature = "aws"))]
        Backend::Aws => Err(CliError::AwsNotBuilt),
    }
}

pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => serve::serve(args).await,
        #[cfg(feature = "aws")]
        Command::Bootstrap => aws::bootstrap().await,
        #[cfg(not(feature = "aws"))]
        Command::Bootstrap => Err(CliError::AwsNotBuilt),
        Command::Invite(args) => invite::invite(args).await,
        Command::Migrate(args) => migrate(args).await,
        Command::Login(args) => Ok(ezshare_client::login(args).await?),
        Command::Logout(args) => Ok(ezshare_client::logout(args).await?),
        Command::Upload(args) => Ok(ezshare_client::upload(args).await?),
        Command::Ls(args) => Ok(ezshare_client::ls(args).await?),
        Command::Get(args) => Ok(ezshare_client::get(args).await?),
        Command::Rm(args) => Ok(ezshare_client::rm(args).await?),
        Command::Share(args) => Ok(ezshare_client::share(args).await?),
        Command::Unshare(args) => Ok(ezshare_client::unshare(args).await?),
    }
}

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// ezshare: secure file sharing between OPS and CLIENT users.
#[derive(Debug, Parser)]
#[command(version, about, after_help = ezshare_client::args::EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the whole API from one local server.
    Serve(ServeArgs),
    /// Create the DynamoDB tables (with TTL) and the S3 bucket if missing, on an emulator
    /// (`AWS_ENDPOINT_URL`); refused against AWS itself, where `sam deploy` creates them with
    /// the template's protections. Needs the `aws` feature.
    Bootstrap,
    /// Bring existing data up to the current layout. Embedded: the data dir's schema (which
    /// `serve` also does at start; not while a server has the data dir open). AWS: index the
    /// objects stored before the files table (`files/{user}/{name}`) where they are, visible
    /// to all clients as they were.
    Migrate(MigrateArgs),
    /// Print a new single-use invite code, written straight into the store: how the first
    /// OPS account is made. Embedded: left in the data dir's invite spool, which `serve`
    /// takes in (running or when it next starts).
    Invite(InviteArgs),

    // The client: the API of any deployment (this local server or a stack), for people.
    /// Log in to an ezshare server and keep the session (see `ezshare login --help`).
    Login(ezshare_client::args::LoginArgs),
    /// End the session and forget it.
    Logout(ezshare_client::args::LogoutArgs),
    /// Upload files (OPS).
    Upload(ezshare_client::args::UploadArgs),
    /// List your files (OPS), or the files shared with you (CLIENT).
    Ls(ezshare_client::args::LsArgs),
    /// Download a file shared with you (CLIENT).
    Get(ezshare_client::args::GetArgs),
    /// Delete one of your files (OPS).
    Rm(ezshare_client::args::RmArgs),
    /// Share one of your files with a client (OPS).
    Share(ezshare_client::args::ShareArgs),
    /// Stop sharing a file with a client (OPS).
    Unshare(ezshare_client::args::UnshareArgs),
}

#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// The embedded backend's data dir (as `serve --data-dir`).
    #[arg(long, default_value = "./.ezshare")]
    pub data_dir: PathBuf,
    /// `aws`: the bucket and files table named by the environment (needs the `aws` feature).
    #[arg(long, value_enum, default_value_t = Backend::Embedded)]
    pub backend: Backend,
}

#[derive(Debug, clap::Args)]
pub struct InviteArgs {
    /// The type of account the code creates: `ops` or `client`.
    #[arg(long)]
    pub user_type: ezshare_domain::UserType,
    /// Hours until the code expires, 1 to 720 (default 72).
    #[arg(long)]
    pub expires_in_hours: Option<String>,
    /// The email the account gets.
    #[arg(long)]
    pub email: Option<String>,
    /// The embedded backend's data dir (as `serve --data-dir`).
    #[arg(long, default_value = "./.ezshare")]
    pub data_dir: PathBuf,
    /// `aws`: the invites table named by `INVITES_TABLE` (needs the `aws` feature).
    #[arg(long, value_enum, default_value_t = Backend::Embedded)]
    pub backend: Backend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// SQLite and files under --data-dir; nothing to install or start.
    Embedded,
    /// DynamoDB and S3 from the standard AWS environment (needs the `aws` feature).
    Aws,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free one (the chosen address is printed).
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Where the embedded backend keeps its data (created if missing).
    #[arg(long, default_value = "./.ezshare")]
    pub data_dir: PathBuf,
    #[arg(long, value_enum, default_value_t = Backend::Embedded)]
    pub backend: Backend,
    /// Base URL of download links the embedded backend signs; default `http://<addr>`.
    #[arg(long)]
    pub public_url: Option<String>,
    /// File types uploads accept, decided by content (`docx,xlsx,pptx,pdf` by default;
    /// `*` accepts anything). Overrides `ALLOWED_FILE_TYPES`.
    #[arg(long)]
    pub allowed_file_types: Option<String>,
}

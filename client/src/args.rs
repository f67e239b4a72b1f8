//! The client's subcommands of `ezshare`, as clap arguments (the `ezshare` binary embeds
//! them beside `serve`, `invite`, …).

use std::path::PathBuf;

use clap::{ArgGroup, Args};

pub const EXIT_CODES: &str = "\
Exit codes: 0 done; 1 the server refused the request (its message and code are printed) or a \
local file failed; 2 usage; 3 not logged in, or refused credentials or rights; 4 the server \
failed or could not be reached.";

/// Log in and keep the session for the other commands.
#[derive(Debug, Args)]
#[command(
    group(ArgGroup::new("user_type").required(true).args(["ops", "client"])),
    after_help = concat!("Examples:\n",
        "  ezshare login --server https://api.example.com --ops alice\n",
        "  echo \"$PASSWORD\" | ezshare login --client bob --password-stdin\n\n",
        "The token and server are kept in $XDG_CONFIG_HOME/ezshare/credentials (mode 0600);\n",
        "EZSHARE_SERVER and EZSHARE_TOKEN override them.")
)]
pub struct LoginArgs {
    /// The API's base URL (default: the last server logged in to, or EZSHARE_SERVER).
    #[arg(long, env = "EZSHARE_SERVER")]
    pub server: Option<String>,
    /// Log in as an OPS user.
    #[arg(long)]
    pub ops: bool,
    /// Log in as a CLIENT user.
    #[arg(long)]
    pub client: bool,
    pub username: String,
    /// Read the password from the first line of stdin instead of a prompt.
    #[arg(long)]
    pub password_stdin: bool,
}

/// End the session and forget it.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ezshare logout\n  ezshare logout --all   # every session of the account"
)]
pub struct LogoutArgs {
    /// End every session of the account, on every device.
    #[arg(long)]
    pub all: bool,
}

/// Upload files (OPS): small ones through the API, larger ones straight to storage, the
/// largest in parts (in parallel, resumable).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ezshare upload report.pdf\n  ezshare upload *.pdf --overwrite\n  ezshare upload archive.zip --parallel 8\n\nAn upload in parts that was interrupted resumes: run the same command again and only\nthe parts the server does not hold are sent."
)]
pub struct UploadArgs {
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Replace a file of the same name.
    #[arg(long)]
    pub overwrite: bool,
    /// Parts sent at once, for a file large enough to go in parts.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub parallel: u16,
}

/// List files: an OPS login's own files, or (CLIENT) what an OPS user shares with you, or
/// everything shared with you.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ezshare ls            # OPS: my files; CLIENT: everything shared with me\n  ezshare ls alice      # CLIENT: alice's files I may download\n  ezshare ls --json"
)]
pub struct LsArgs {
    pub ops_username: Option<String>,
    /// Print the API's JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Download a file (CLIENT), with a progress bar; written whole or not at all.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ezshare get alice report.pdf\n  ezshare get alice report.pdf -o ~/Downloads/q1.pdf"
)]
pub struct GetArgs {
    pub ops_username: String,
    pub file: String,
    /// Where to write it (default: the file's name, in the current folder).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

/// Delete one of your files (OPS).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  ezshare rm report.pdf")]
pub struct RmArgs {
    pub file: String,
}

/// Share one of your files with a client (OPS); again to change the limits.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ezshare share report.pdf bob\n  ezshare share report.pdf bob --max-downloads 3 --expires 2027-01-31T17:00:00Z"
)]
pub struct ShareArgs {
    pub file: String,
    pub client: String,
    /// When the share ends (RFC 3339).
    #[arg(long)]
    pub expires: Option<String>,
    /// How many download links the client may get.
    #[arg(long)]
    pub max_downloads: Option<u32>,
}

/// Stop sharing a file with a client (OPS).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  ezshare unshare report.pdf bob")]
pub struct UnshareArgs {
    pub file: String,
    pub client: String,
}

use ezshare_api::ConfigError;
use ezshare_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("could not open the store: {0}")]
    Store(#[from] StoreError),
    #[error(
        "this ezshare was built without AWS support; build it with `cargo run --profile local -p ezshare --features aws -- ...`"
    )]
    AwsNotBuilt,
    #[error("{0}")]
    Startup(String),
    #[error("{0}")]
    Usage(String),
    /// A client command (login, upload, ls, …): the API's message and code.
    #[error(transparent)]
    Client(#[from] ezshare_client::ClientError),
}

impl CliError {
    /// Client commands tell usage, auth and server errors apart (see `--help`); the others
    /// fail with 1.
    pub fn exit_code(&self) -> std::process::ExitCode {
        match self {
            Self::Client(e) => e.exit_code(),
            Self::Usage(_) => std::process::ExitCode::from(2),
            _ => std::process::ExitCode::FAILURE,
        }
    }

    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }
}

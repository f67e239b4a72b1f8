use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = ezshare::Cli::parse();
    ezshare::init_logging();
    match ezshare::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("ezshare: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

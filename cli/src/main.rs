use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = ezshare::Cli::parse();
    ezshare::init_logging();
    match ezshare::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(ezshare::CliError::Client(e)) => {
            // A client's error is for the person at the terminal, on one line: no log event.
            eprintln!("ezshare: {e}");
            e.exit_code()
        }
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("ezshare: {e}");
            e.exit_code()
        }
    }
}

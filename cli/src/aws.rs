//! `serve --backend aws` and `bootstrap`: the same AWS wiring as the Lambda binaries.

use ezshare_api::AppState;
use ezshare_lambda::{AwsConfig, Needs};

use crate::CliError;

pub async fn state() -> Result<AppState, CliError> {
    ezshare_lambda::state_from_env(Needs::Tokens)
        .await
        .map_err(|e| CliError::Startup(e.to_string()))
}

/// Creates the tables and the bucket named by the environment, where missing.
pub async fn bootstrap() -> Result<(), CliError> {
    let config = AwsConfig::from_lookup(|k| std::env::var(k).ok(), Needs::NoTokens)?;
    let sdk = aws_config::load_from_env().await;
    let created = ezshare_store::aws::bootstrap(&sdk, &config.names).await?;
    if created.is_empty() {
        println!("nothing to do: tables and bucket exist");
    }
    for line in created {
        println!("created {line}");
    }
    Ok(())
}

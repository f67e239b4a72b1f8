//! `serve --backend aws` and `bootstrap`: the same AWS wiring as the Lambda binaries.

use ezshare_api::Secrets;
use ezshare_api::{AppState, Settings};
use ezshare_lambda::AwsConfig;

use crate::CliError;

/// The AWS-backed state; `settings` (already read, flags applied) replace the env's.
pub async fn state(settings: Settings) -> Result<AppState, CliError> {
    let mut config = AwsConfig::from_lookup(|k| std::env::var(k).ok(), Secrets::JwtSecret)?;
    config.settings = settings;
    // The whole credentials chain (profiles, SSO, ...): this runs on people's machines.
    let sdk = ezshare_store::aws::sdk::load_from_env().await;
    ezshare_lambda::state_from_config(config, &sdk)
        .await
        .map_err(|e| CliError::Startup(e.to_string()))
}

/// Creates the tables and the bucket named by the environment, where missing.
pub async fn bootstrap() -> Result<(), CliError> {
    let config = AwsConfig::from_lookup(|k| std::env::var(k).ok(), Secrets::None)?;
    // Bare tables and a bucket are fine on an emulator; on AWS the bucket would lack the
    // template's TLS-only policy, public access block and staging lifecycle.
    let emulated = [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_S3",
    ]
    .iter()
    .any(|v| std::env::var(v).is_ok_and(|url| !url.trim().is_empty()));
    if !emulated {
        return Err(CliError::Usage(
            "ezshare bootstrap is for an emulator (set AWS_ENDPOINT_URL): on AWS itself, deploy \
             the stack with `sam deploy`, which creates the tables and the bucket with the \
             template's protections (TLS-only bucket policy, public access block, staging \
             lifecycle, point-in-time recovery)"
                .into(),
        ));
    }
    let sdk = ezshare_store::aws::sdk::load_from_env().await;
    let created = ezshare_store::aws::bootstrap(&sdk, &config.names).await?;
    if created.is_empty() {
        println!("nothing to do: tables and bucket exist");
    }
    for line in created {
        println!("created {line}");
    }
    Ok(())
}

/// The invites table named by the environment.
pub async fn invites() -> Result<Box<dyn ezshare_store::InviteStore>, CliError> {
    let config = AwsConfig::from_lookup(|k| std::env::var(k).ok(), Secrets::None)?;
    let sdk = ezshare_store::aws::sdk::load_from_env().await;
    Ok(Box::new(ezshare_store::aws::DynamoInvites::from_config(
        &sdk,
        &config.names,
    )))
}

/// Indexes the objects stored before the files table, where they are.
pub async fn migrate() -> Result<(), CliError> {
    let config = AwsConfig::from_lookup(|k| std::env::var(k).ok(), Secrets::None)?;
    let sdk = ezshare_store::aws::sdk::load_from_env().await;
    let done = ezshare_store::aws::index_legacy_objects(&sdk, &config.names).await?;
    for (owner, name) in &done.indexed {
        println!("indexed {owner}/{name}");
    }
    for key in &done.skipped {
        println!("left alone {key} (no valid user and file name, or a newer file has it)");
    }
    println!(
        "{} indexed, {} left alone",
        done.indexed.len(),
        done.skipped.len()
    );
    Ok(())
}

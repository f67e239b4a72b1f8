//! The reconcile job: on a schedule, deletes objects under `files/` that no entry of the
//! files table points at (older than [`GRACE`], so a write about to commit is never
//! touched) and removes entries whose object is gone. The work is
//! `ezshare_store::aws::reconcile`; this is its Lambda wiring.

use aws_config::SdkConfig;
use ezshare_store::aws::AwsNames;
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// How old an unreferenced object must be to count as an orphan: far longer than any write
/// between its PutObject and its commit (a Lambda times out after 29 s).
pub const GRACE: time::Duration = time::Duration::hours(1);

/// Names and SDK configuration once per cold start, then one reconciliation per event (the
/// event itself, a scheduled EventBridge event, carries nothing it needs).
pub async fn run() -> Result<(), lambda_runtime::Error> {
    ezshare_lambda::init_json_logs();
    let env = |k: &str| std::env::var(k).ok();
    let names = ezshare_lambda::AwsConfig::from_lookup(env, ezshare_lambda::Secrets::None)?.names;
    let sdk = ezshare_store::aws::sdk::from_lambda_environment();
    lambda_runtime::run(service_fn(|_: LambdaEvent<Value>| {
        reconcile_once(&sdk, &names)
    }))
    .await
}

/// One reconciliation; its report is the function's result (and one log line).
pub async fn reconcile_once(
    sdk: &SdkConfig,
    names: &AwsNames,
) -> Result<Value, lambda_runtime::Error> {
    let done = ezshare_store::aws::reconcile(sdk, names, OffsetDateTime::now_utc(), GRACE).await?;
    let dangling: Vec<String> = done
        .dangling_entries_removed
        .iter()
        .map(|(owner, name)| format!("{owner}/{name}"))
        .collect();
    tracing::info!(
        orphans_deleted = done.orphans_deleted.len(),
        dangling_entries_removed = dangling.len(),
        "reconciled"
    );
    Ok(json!({
        "orphans_deleted": done.orphans_deleted,
        "dangling_entries_removed": dangling,
    }))
}

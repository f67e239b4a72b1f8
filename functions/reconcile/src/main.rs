//! Lambda entry point of the reconcile job.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    ezshare_reconcile::run().await
}

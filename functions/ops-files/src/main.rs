//! Lambda entry point of the ops-files endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_ops_files::ENDPOINT).await
}

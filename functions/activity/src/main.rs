//! Lambda entry point of the activity endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_activity::ENDPOINT).await
}

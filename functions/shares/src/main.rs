//! Lambda entry point of the shares endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_shares::ENDPOINT).await
}

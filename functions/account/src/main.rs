//! Lambda entry point of the account endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_account::ENDPOINT).await
}

//! Lambda entry point of the login endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_login::ENDPOINT).await
}

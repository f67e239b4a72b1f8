//! Lambda entry point of the logout endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_logout::ENDPOINT).await
}

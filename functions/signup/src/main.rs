//! Lambda entry point of the signup endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_signup::ENDPOINT).await
}

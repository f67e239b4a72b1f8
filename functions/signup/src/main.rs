//! Lambda entry point of the signup endpoint. Signup issues no token, so it does not read
//! the JWT secret (and its role may not).
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run_with(ezshare_signup::router(), ezshare_lambda::Needs::NoTokens).await
}

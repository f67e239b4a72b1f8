//! Lambda entry point of the invites endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_invites::ENDPOINT).await
}

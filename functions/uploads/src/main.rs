//! Lambda entry point of the uploads endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_uploads::ENDPOINT).await
}

//! Lambda entry point of the upload endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_upload::ENDPOINT).await
}

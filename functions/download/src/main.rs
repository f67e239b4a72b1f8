//! Lambda entry point of the download endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_download::ENDPOINT).await
}

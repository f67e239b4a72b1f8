//! Lambda entry point of the complete-upload endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_complete_upload::ENDPOINT).await
}

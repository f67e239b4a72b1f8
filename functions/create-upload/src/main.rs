//! Lambda entry point of the create-upload endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_create_upload::ENDPOINT).await
}

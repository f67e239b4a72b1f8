//! Lambda entry point of the delete-file endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_delete_file::ENDPOINT).await
}

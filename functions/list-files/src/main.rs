//! Lambda entry point of the list-files endpoint.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_list_files::ENDPOINT).await
}

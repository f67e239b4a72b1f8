//! Lambda entry point of the web client: static assets, no data, no secret.
#[tokio::main]
async fn main() -> Result<(), ezshare_lambda::Error> {
    ezshare_lambda::run(ezshare_web::ENDPOINT).await
}

use axum::Router;
use ezshare_api::{AppState, Settings, var};
use tokio::net::TcpListener;

use crate::{Backend, CliError, ServeArgs, embedded, endpoints};

pub async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let settings = Settings::from_lookup(|k| match &args.allowed_file_types {
        Some(flag) if k == var::ALLOWED_FILE_TYPES => Some(flag.clone()),
        _ => std::env::var(k).ok(),
    })?;
    let listener = TcpListener::bind(args.addr)
        .await
        .map_err(CliError::io(format!("binding {}", args.addr)))?;
    let addr = listener
        .local_addr()
        .map_err(CliError::io("reading the bound address"))?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let router = match args.backend {
        Backend::Embedded => {
            let (state, local) = embedded::state(&args.data_dir, &public_url, settings).await?;
            embedded::spawn_staging_sweeper(local.staging.clone());
            let routes =
                endpoints::routes().merge(ezshare_local_routes::routes(local.files, local.staging));
            finish(routes, state)
        }
        Backend::Aws => finish(endpoints::routes(), aws_state(settings).await?),
    };
    // Scripts and tests read this line to find the server.
    println!("ezshare listening on http://{addr}");
    tracing::info!(%addr, backend = ?args.backend, "serving");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(CliError::io("serving"))?;
    tracing::info!("stopped");
    Ok(())
}

fn finish(routes: Router<AppState>, state: AppState) -> Router {
    ezshare_api::finish(routes, state)
}

#[cfg(feature = "aws")]
async fn aws_state(settings: Settings) -> Result<AppState, CliError> {
    crate::aws::state(settings).await
}

#[cfg(not(feature = "aws"))]
async fn aws_state(_settings: Settings) -> Result<AppState, CliError> {
    Err(CliError::AwsNotBuilt)
}

/// Resolves on Ctrl-C or SIGTERM, letting in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

use std::num::NonZeroUsize;

use axum::Router;
use ezshare_api::{AppState, Settings, var};
use ezshare_auth::password::Hasher;
use tokio::net::TcpListener;

use crate::{Backend, CliError, ServeArgs, embedded, endpoints, openapi};

pub async fn serve(args: ServeArgs) -> Result<(), CliError> {
    let settings = Settings::from_lookup(|k| match &args.allowed_file_types {
        Some(flag) if k == var::ALLOWED_FILE_TYPES => Some(flag.clone()),
        _ => std::env::var(k).ok(),
    })?;
    let hasher = Hasher::new(max_concurrent_hashes()?);
    let max_connections = max_connections()?;
    let idle_timeout = idle_timeout()?;
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
            embedded::spawn_sweeper(&local, state.settings.incomplete_upload_ttl);
            // The signed upload and download routes stream files of any size: no deadline.
            let routes =
                api_routes()?.merge(ezshare_local_routes::routes(local.files, local.staging));
            finish(routes, state.with_hasher(hasher))
        }
        Backend::Aws => finish(
            api_routes()?,
            aws_state(settings).await?.with_hasher(hasher),
        ),
    };
    // Scripts and tests read this line to find the server.
    println!("ezshare listening on http://{addr}");
    tracing::info!(%addr, backend = ?args.backend, "serving");
    // The peer address of each connection is the request's source IP (activity log), or
    // behind a trusted proxy the last X-Forwarded-For hop.
    // Mailed links point at the server's public URL, never at the Host header a caller sent.
    let base = ezshare_api::PublicBase(public_url.trim_end_matches('/').to_owned());
    let router = router.layer(axum::middleware::map_request(
        move |mut r: axum::extract::Request| {
            let base = base.clone();
            async move {
                r.extensions_mut().insert(base);
                r
            }
        },
    ));
    let router = if trust_proxy_headers()? {
        router.layer(axum::middleware::map_request(
            |r: axum::extract::Request| async move { ezshare_api::trust_forwarded_for(r) },
        ))
    } else {
        router
    };
    crate::http_server::serve(
        listener,
        router,
        max_connections,
        idle_timeout,
        shutdown_signal(),
    )
    .await;
    tracing::info!("stopped");
    Ok(())
}

/// `TRUST_PROXY_HEADERS`: `true` only behind a proxy that sets `X-Forwarded-For`.
pub const TRUST_PROXY_HEADERS: &str = "TRUST_PROXY_HEADERS";

fn trust_proxy_headers() -> Result<bool, CliError> {
    match std::env::var(TRUST_PROXY_HEADERS)
        .ok()
        .as_deref()
        .map(str::trim)
    {
        None | Some("false") | Some("") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(ezshare_api::ConfigError::new(
            TRUST_PROXY_HEADERS,
            format!("must be \"true\" or \"false\", got {other:?}"),
        )
        .into()),
    }
}

/// `MAX_CONCURRENT_HASHES`: password hashes and verifications at once (1 to 1024); default
/// two per core. Each takes 19 MiB while it runs.
pub const MAX_CONCURRENT_HASHES: &str = "MAX_CONCURRENT_HASHES";

fn max_concurrent_hashes() -> Result<NonZeroUsize, CliError> {
    bounded(MAX_CONCURRENT_HASHES, 1024).map(|n| n.unwrap_or_else(Hasher::local_default_slots))
}

/// `MAX_CONNECTIONS`: connections open at once (1 to 65536); default 1024.
pub const MAX_CONNECTIONS: &str = "MAX_CONNECTIONS";

fn max_connections() -> Result<usize, CliError> {
    bounded(MAX_CONNECTIONS, 65536).map(|n| n.map_or(1024, NonZeroUsize::get))
}

/// `IDLE_TIMEOUT_SECONDS`: how long a connection may wait on its peer, reading or writing
/// (1 to 3600); default 60.
pub const IDLE_TIMEOUT_SECONDS: &str = "IDLE_TIMEOUT_SECONDS";

fn idle_timeout() -> Result<std::time::Duration, CliError> {
    Ok(bounded(IDLE_TIMEOUT_SECONDS, 3600)?
        .map_or(crate::http_server::DEFAULT_IDLE_TIMEOUT, |secs| {
            std::time::Duration::from_secs(secs.get() as u64)
        }))
}

/// The whole number from 1 to `max` in `var`, if it is set.
fn bounded(var: &'static str, max: usize) -> Result<Option<NonZeroUsize>, CliError> {
    let Ok(raw) = std::env::var(var) else {
        return Ok(None);
    };
    match raw.trim().parse::<NonZeroUsize>() {
        Ok(n) if n.get() <= max => Ok(Some(n)),
        _ => Err(ezshare_api::ConfigError::new(
            var,
            format!("must be a whole number from 1 to {max}, got {raw:?}"),
        )
        .into()),
    }
}

/// How long an API request may take locally, its body included (a 4 MiB upload at 1 Mbit/s
/// takes 34 s); Lambda and API Gateway have their own.
const API_REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The API's routes, and beside them the contract they keep (`GET /openapi.json`).
fn api_routes() -> Result<Router<AppState>, CliError> {
    let routes = endpoints::routes().merge(openapi::routes()?);
    Ok(ezshare_api::with_request_timeout(
        routes,
        API_REQUEST_TIMEOUT,
    ))
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

//! The AWS side of ezshare: reads configuration from the environment, builds the SDK clients
//! and the [`AppState`] once per cold start, then serves an endpoint's router with
//! `lambda_http`. `ezshare serve --backend aws` builds its state with the same code.

mod config;
mod secret;

use aws_config::SdkConfig;
pub use ezshare_api::Secrets;
use ezshare_api::{AppState, ConfigError, Endpoint};
use ezshare_store::aws::AwsBackend;

pub use config::{AwsConfig, SecretSource, variables};
pub use lambda_http::Error;
pub use secret::load as load_secret;

/// Why a cold start failed. Logged with the setting it names, then the runtime reports it.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("reading the JWT secret from Secrets Manager ({arn}): {message}")]
    Secret { arn: String, message: String },
}

impl StartupError {
    /// The environment variable at fault.
    pub fn setting(&self) -> &'static str {
        match self {
            Self::Config(e) => e.setting,
            Self::Secret { .. } => config::JWT_SECRET_ARN,
        }
    }
}

/// Builds the state from a Lambda function's environment and the ezshare variables.
pub async fn state_from_env(secrets: Secrets) -> Result<AppState, StartupError> {
    let config = AwsConfig::from_lookup(|k| std::env::var(k).ok(), secrets)?;
    state_from_config(config, &ezshare_store::aws::sdk::from_lambda_environment()).await
}

/// Builds the state from a configuration and an SDK configuration.
pub async fn state_from_config(
    config: AwsConfig,
    sdk: &SdkConfig,
) -> Result<AppState, StartupError> {
    // The stores are built while the secret's read waits on the network (join! polls the
    // read until it waits, then builds the backend): a cold start pays for the longer of the
    // two, not their sum.
    let (secret, backend) = tokio::join!(secret::load(sdk, &config.secret), async {
        AwsBackend::new(sdk, config.names.clone())
    });
    // One request at a time per Lambda environment: one hashing slot is all it can use.
    let hasher = ezshare_auth::password::Hasher::new(std::num::NonZeroUsize::MIN);
    let state = AppState::new(backend.stores(), &secret?, config.settings).with_hasher(hasher);
    Ok(match config.email_from {
        Some(from) => state.with_mailer(std::sync::Arc::new(ezshare_mail::Ses::new(sdk, from))),
        None => state,
    })
}

/// The Lambda entry point of an endpoint: state once (reading only the secrets the endpoint
/// declares), then one router call per event.
pub async fn run(endpoint: Endpoint) -> Result<(), Error> {
    init_json_logs();
    let state = match state_from_env(endpoint.secrets).await {
        Ok(state) => state,
        Err(e) => {
            tracing::error!(setting = e.setting(), error = %e, "cold start failed");
            return Err(e.into());
        }
    };
    let app = ezshare_api::finish(endpoint.router(), state);
    // API Gateway's sourceIp onto each request, for the activity log.
    let app = tower::ServiceBuilder::new()
        .map_request(ezshare_api::from_lambda_context)
        .service(app);
    lambda_http::run(app).await
}

/// Structured JSON logs, one object per line, as CloudWatch Logs Insights likes them. The
/// platform stamps each line, so no timestamp of our own.
pub fn init_json_logs() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .with_target(false)
        .without_time()
        .finish()
        .with(ezshare_api::log_filter())
        .try_init();
}

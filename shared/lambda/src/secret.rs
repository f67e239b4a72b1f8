use aws_config::SdkConfig;
use ezshare_api::ConfigError;
use ezshare_auth::JwtSecret;

use crate::config::{JWT_SECRET, JWT_SECRET_ARN};
use crate::{SecretSource, StartupError};

/// Resolves the JWT secret: one Secrets Manager read per cold start, never per request.
pub async fn load(sdk: &SdkConfig, source: &SecretSource) -> Result<JwtSecret, StartupError> {
    match source {
        SecretSource::Inline(value) => parse(value.as_bytes().to_vec(), JWT_SECRET),
        SecretSource::SecretsManager { arn } => {
            let client = aws_sdk_secretsmanager::Client::new(sdk);
            let out = client
                .get_secret_value()
                .secret_id(arn)
                .send()
                .await
                .map_err(|e| StartupError::Secret {
                    arn: arn.clone(),
                    message: aws_sdk_secretsmanager::error::DisplayErrorContext(e).to_string(),
                })?;
            let value = out
                .secret_string()
                .map(|s| s.as_bytes().to_vec())
                .or_else(|| out.secret_binary().map(|b| b.as_ref().to_vec()))
                .ok_or_else(|| StartupError::Secret {
                    arn: arn.clone(),
                    message: "the secret has no value".into(),
                })?;
            parse(value, JWT_SECRET_ARN)
        }
        SecretSource::None => parse(ezshare_domain::random_bytes::<32>().to_vec(), JWT_SECRET),
    }
}

fn parse(value: Vec<u8>, setting: &'static str) -> Result<JwtSecret, StartupError> {
    JwtSecret::parse(value, setting).map_err(|e| ConfigError::new(setting, e.message).into())
}

use ezshare_api::{ConfigError, Secrets, Settings};
use ezshare_store::aws::AwsNames;

pub const USERS_TABLE: &str = "USERS_TABLE";
pub const SESSIONS_TABLE: &str = "SESSIONS_TABLE";
pub const INVITES_TABLE: &str = "INVITES_TABLE";
pub const FILES_TABLE: &str = "FILES_TABLE";
pub const SHARES_TABLE: &str = "SHARES_TABLE";
pub const ACTIVITY_TABLE: &str = "ACTIVITY_TABLE";
pub const ATTEMPTS_TABLE: &str = "ATTEMPTS_TABLE";
pub const TOKENS_TABLE: &str = "TOKENS_TABLE";
pub const FILES_BUCKET: &str = "FILES_BUCKET";
pub const JWT_SECRET_ARN: &str = "JWT_SECRET_ARN";
pub const JWT_SECRET: &str = "JWT_SECRET";
/// The SES identity (an address) verification and reset mail is sent from; empty: none.
pub const EMAIL_FROM: &str = "EMAIL_FROM";

/// The variables naming the deployment's resources and secret.
const WIRING: &[&str] = &[
    USERS_TABLE,
    SESSIONS_TABLE,
    INVITES_TABLE,
    FILES_TABLE,
    SHARES_TABLE,
    ACTIVITY_TABLE,
    ATTEMPTS_TABLE,
    TOKENS_TABLE,
    FILES_BUCKET,
    JWT_SECRET_ARN,
    JWT_SECRET,
    EMAIL_FROM,
];

/// Every environment variable the AWS wiring reads (besides the SDK's own `AWS_*`): the
/// wiring's and the behaviour settings'.
pub fn variables() -> impl Iterator<Item = &'static str> {
    WIRING.iter().chain(ezshare_api::var::ALL).copied()
}

/// Where the JWT secret comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// Secrets Manager: read once per cold start. The deployed way.
    SecretsManager { arn: String },
    /// The value itself, for local runs only (`serve --backend aws`, `cargo lambda watch`).
    Inline(String),
    /// The endpoint reads no secret ([`Secrets::None`]); its state holds a random throwaway
    /// key, so any accidental use of tokens fails closed.
    None,
}

/// The configuration of an AWS-backed process.
#[derive(Debug, Clone)]
pub struct AwsConfig {
    pub names: AwsNames,
    pub secret: SecretSource,
    pub settings: Settings,
    /// Who mail comes from (through SES); `None`: no mail is sent.
    pub email_from: Option<ezshare_domain::Email>,
}

impl AwsConfig {
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        secrets: Secrets,
    ) -> Result<Self, ConfigError> {
        let required = |name: &'static str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ConfigError::new(name, "is required but not set"))
        };
        let names = AwsNames {
            users_table: required(USERS_TABLE)?,
            sessions_table: required(SESSIONS_TABLE)?,
            invites_table: required(INVITES_TABLE)?,
            files_table: required(FILES_TABLE)?,
            shares_table: required(SHARES_TABLE)?,
            activity_table: required(ACTIVITY_TABLE)?,
            attempts_table: required(ATTEMPTS_TABLE)?,
            tokens_table: required(TOKENS_TABLE)?,
            bucket: required(FILES_BUCKET)?,
        };
        let secret = match (secrets, lookup(JWT_SECRET_ARN), lookup(JWT_SECRET)) {
            (Secrets::None, _, _) => SecretSource::None,
            (Secrets::JwtSecret, Some(arn), _) if !arn.trim().is_empty() => {
                SecretSource::SecretsManager {
                    arn: arn.trim().to_owned(),
                }
            }
            (Secrets::JwtSecret, _, Some(value)) => SecretSource::Inline(value),
            (Secrets::JwtSecret, _, None) => {
                return Err(ConfigError::new(
                    JWT_SECRET_ARN,
                    "is required (or JWT_SECRET for local runs) but neither is set",
                ));
            }
        };
        let settings = Settings::from_lookup(&lookup)?;
        let email_from = match lookup(EMAIL_FROM).map(|v| v.trim().to_owned()) {
            Some(v) if !v.is_empty() => Some(
                ezshare_domain::Email::parse(&v)
                    .map_err(|e| ConfigError::new(EMAIL_FROM, e.message))?,
            ),
            _ => None,
        };
        if settings.email_verification == ezshare_api::EmailVerification::Required
            && email_from.is_none()
        {
            return Err(ConfigError::new(
                EMAIL_FROM,
                "is required when EMAIL_VERIFICATION=required (the SES identity mail is sent from)",
            ));
        }
        Ok(Self {
            names,
            secret,
            settings,
            email_from,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)], secrets: Secrets) -> Result<AwsConfig, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AwsConfig::from_lookup(|k| map.get(k).cloned(), secrets)
    }

    const BASE: &[(&str, &str)] = &[
        (USERS_TABLE, "users"),
        (SESSIONS_TABLE, "sessions"),
        (INVITES_TABLE, "invites"),
        (FILES_TABLE, "files"),
        (SHARES_TABLE, "shares"),
        (ACTIVITY_TABLE, "activity"),
        (ATTEMPTS_TABLE, "attempts"),
        (TOKENS_TABLE, "tokens"),
        (FILES_BUCKET, "bucket"),
    ];

    #[test]
    fn reads_names_and_prefers_the_arn() {
        let mut pairs = BASE.to_vec();
        pairs.push((
            JWT_SECRET_ARN,
            "arn:aws:secretsmanager:eu-west-1:1:secret:x",
        ));
        pairs.push((JWT_SECRET, "ignored-when-an-arn-is-set-xxxxxxxxxxx"));
        let c = config(&pairs, Secrets::JwtSecret).unwrap();
        assert_eq!(c.names.users_table, "users");
        assert_eq!(c.names.bucket, "bucket");
        assert!(matches!(c.secret, SecretSource::SecretsManager { .. }));
    }

    #[test]
    fn required_verification_needs_a_sender() {
        let mut pairs = BASE.to_vec();
        pairs.push(("EMAIL_VERIFICATION", "required"));
        let err = config(&pairs, Secrets::None).unwrap_err();
        assert_eq!(err.setting, EMAIL_FROM);
        pairs.push((EMAIL_FROM, "no-reply@files.example.com"));
        let c = config(&pairs, Secrets::None).unwrap();
        assert_eq!(c.email_from.unwrap().as_str(), "no-reply@files.example.com");
        let bad = [BASE, &[(EMAIL_FROM, "not an address")]].concat();
        assert_eq!(config(&bad, Secrets::None).unwrap_err().setting, EMAIL_FROM);
        let empty = [BASE, &[(EMAIL_FROM, "")]].concat();
        assert!(config(&empty, Secrets::None).unwrap().email_from.is_none());
    }

    #[test]
    fn each_missing_name_is_reported_by_name() {
        for missing in [
            USERS_TABLE,
            SESSIONS_TABLE,
            INVITES_TABLE,
            FILES_TABLE,
            SHARES_TABLE,
            ACTIVITY_TABLE,
            ATTEMPTS_TABLE,
            TOKENS_TABLE,
            FILES_BUCKET,
        ] {
            let pairs: Vec<_> = BASE
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            let err = config(&pairs, Secrets::None).unwrap_err();
            assert_eq!(err.setting, missing);
        }
    }

    #[test]
    fn a_secret_is_required_only_when_tokens_are() {
        let err = config(BASE, Secrets::JwtSecret).unwrap_err();
        assert_eq!(err.setting, JWT_SECRET_ARN);
        assert_eq!(
            config(BASE, Secrets::None).unwrap().secret,
            SecretSource::None
        );
    }

    #[test]
    fn behaviour_settings_are_read_and_checked_too() {
        let mut pairs = BASE.to_vec();
        pairs.push(("MAX_UPLOAD_BYTES", "zero"));
        assert_eq!(
            config(&pairs, Secrets::None).unwrap_err().setting,
            "MAX_UPLOAD_BYTES"
        );
    }
}

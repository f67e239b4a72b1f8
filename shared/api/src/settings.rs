use std::time::Duration;

use ezshare_auth::TokenSettings;
use ezshare_domain::{UserType, Visibility};
use ezshare_filetype::FileTypePolicy;

/// A setting that is missing or invalid. Startup fails with it; the message names the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting {setting}: {message}")]
pub struct ConfigError {
    pub setting: &'static str,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: &'static str, message: impl Into<String>) -> Self {
        Self {
            setting,
            message: message.into(),
        }
    }
}

/// The variables the settings are read from: the one place their names are written.
pub mod var {
    pub const SESSION_TTL_DAYS: &str = "SESSION_TTL_DAYS";
    pub const DOWNLOAD_URL_TTL_SECONDS: &str = "DOWNLOAD_URL_TTL_SECONDS";
    pub const MAX_UPLOAD_BYTES: &str = "MAX_UPLOAD_BYTES";
    pub const TOKEN_ISSUER: &str = "TOKEN_ISSUER";
    pub const ALLOWED_FILE_TYPES: &str = ezshare_filetype::FileTypePolicy::ENV_VAR;
    pub const MAX_DIRECT_UPLOAD_BYTES: &str = "MAX_DIRECT_UPLOAD_BYTES";
    pub const UPLOAD_URL_TTL_SECONDS: &str = "UPLOAD_URL_TTL_SECONDS";
    pub const MULTIPART_THRESHOLD_BYTES: &str = "MULTIPART_THRESHOLD_BYTES";
    pub const MULTIPART_PART_SIZE_BYTES: &str = "MULTIPART_PART_SIZE_BYTES";
    pub const INCOMPLETE_UPLOAD_DAYS: &str = "INCOMPLETE_UPLOAD_DAYS";
    pub const OPS_SIGNUP: &str = "OPS_SIGNUP";
    pub const CLIENT_SIGNUP: &str = "CLIENT_SIGNUP";
    pub const NEW_FILE_VISIBILITY: &str = "NEW_FILE_VISIBILITY";
    pub const ACTIVITY_RETENTION_DAYS: &str = "ACTIVITY_RETENTION_DAYS";
    pub const LOGIN_MAX_FAILURES: &str = "LOGIN_MAX_FAILURES";
    pub const LOGIN_FAILURE_WINDOW_SECONDS: &str = "LOGIN_FAILURE_WINDOW_SECONDS";
    pub const LOGIN_MAX_FAILURES_PER_ACCOUNT: &str = "LOGIN_MAX_FAILURES_PER_ACCOUNT";
    pub const LOGIN_MAX_FAILURES_PER_IP: &str = "LOGIN_MAX_FAILURES_PER_IP";
    pub const SIGNUP_MAX_PER_IP: &str = "SIGNUP_MAX_PER_IP";
    pub const EMAIL_VERIFICATION: &str = "EMAIL_VERIFICATION";
    pub const PUBLIC_BASE_URL: &str = "PUBLIC_BASE_URL";

    /// Every one of them.
    pub const ALL: &[&str] = &[
        SESSION_TTL_DAYS,
        DOWNLOAD_URL_TTL_SECONDS,
        MAX_UPLOAD_BYTES,
        TOKEN_ISSUER,
        ALLOWED_FILE_TYPES,
        MAX_DIRECT_UPLOAD_BYTES,
        UPLOAD_URL_TTL_SECONDS,
        MULTIPART_THRESHOLD_BYTES,
        MULTIPART_PART_SIZE_BYTES,
        INCOMPLETE_UPLOAD_DAYS,
        OPS_SIGNUP,
        CLIENT_SIGNUP,
        NEW_FILE_VISIBILITY,
        ACTIVITY_RETENTION_DAYS,
        LOGIN_MAX_FAILURES,
        LOGIN_FAILURE_WINDOW_SECONDS,
        LOGIN_MAX_FAILURES_PER_ACCOUNT,
        LOGIN_MAX_FAILURES_PER_IP,
        SIGNUP_MAX_PER_IP,
        EMAIL_VERIFICATION,
        PUBLIC_BASE_URL,
    ];
}

/// Who may create an account of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupPolicy {
    /// Anyone (the original server's behaviour).
    Open,
    /// Only with an unused, unexpired invite code for that type of account.
    Invite,
}

impl SignupPolicy {
    fn parse(setting: &'static str, raw: &str) -> Result<Self, ConfigError> {
        match raw.trim() {
            "open" => Ok(Self::Open),
            "invite" => Ok(Self::Invite),
            _ => Err(ConfigError::new(
                setting,
                format!("must be \"invite\" or \"open\", got {raw:?}"),
            )),
        }
    }
}

/// Whether CLIENT accounts must prove their email address before they may log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailVerification {
    /// No verification (the original server's behaviour).
    Off,
    /// CLIENT signup needs `email`; a link is mailed; login waits for it.
    Required,
}

/// Limits on password guessing and signups (see `crate::throttle`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThrottleSettings {
    /// Failed logins of one account from one address before it is locked out; default 5.
    pub login_max_failures: u32,
    /// The window those failures (and the per-address ones) are counted in; default 900 s.
    pub login_failure_window: u32,
    /// Failed logins of one account from all addresses per hour; default 100.
    pub login_max_failures_per_account: u32,
    /// Failed logins from one address, all accounts, per window; default 50.
    pub login_max_failures_per_ip: u32,
    /// Signups from one address per hour; default 20.
    pub signup_max_per_ip: u32,
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            login_max_failures: 5,
            login_failure_window: 900,
            login_max_failures_per_account: 100,
            login_max_failures_per_ip: 50,
            signup_max_per_ip: 20,
        }
    }
}

impl ThrottleSettings {
    /// Limits no test (or office) reaches: for tests that sign up and log in many users
    /// from one address and are not about throttling.
    pub fn generous() -> Self {
        Self {
            login_max_failures: 1_000_000,
            login_max_failures_per_account: 1_000_000,
            login_max_failures_per_ip: 1_000_000,
            signup_max_per_ip: 1_000_000,
            ..Self::default()
        }
    }
}

const GIB: u64 = 1024 * 1024 * 1024;

/// The behaviour settings every endpoint shares, with the product's defaults.
#[derive(Debug, Clone)]
pub struct Settings {
    pub token: TokenSettings,
    /// Largest file `/ops/upload` accepts, in bytes; default 4 MiB (what fits through API
    /// Gateway and Lambda after base64).
    pub max_upload_bytes: u64,
    /// How long a download link stays valid; default 300 s.
    pub download_url_ttl: Duration,
    /// Which files uploads accept, decided by content; default `docx,xlsx,pptx,pdf`.
    pub file_types: FileTypePolicy,
    /// Largest file a direct upload (`POST /ops/uploads`) may announce; default 50 GiB, at
    /// most 5 TiB (S3's largest object).
    pub max_direct_upload_bytes: u64,
    /// How long a direct upload URL (one PUT, or one part) accepts the bytes; default 1 hour.
    pub upload_url_ttl: Duration,
    /// Direct uploads above this size are multipart; default 1 GiB, at most 5 GiB (what S3
    /// copies in one request, which is how a single-PUT upload is put in place).
    pub multipart_threshold_bytes: u64,
    /// The smallest part a multipart upload is split into; default 8 MiB. Larger files get
    /// larger parts, so none has more than 10,000 (S3's limit). S3 refuses parts (but the
    /// last) under 5 MiB; tests on moto or the embedded backend go lower.
    pub multipart_part_size: u64,
    /// How long a multipart upload may take from its start; default 7 days. On AWS the
    /// bucket's lifecycle rule (`IncompleteUploadDays`) aborts it then.
    pub incomplete_upload_ttl: Duration,
    /// Who may sign up as OPS; default invite only (a public endpoint whose first caller
    /// becomes OPS is a race anyone can win).
    pub ops_signup: SignupPolicy,
    /// Who may sign up as CLIENT; default open, as the original server.
    pub client_signup: SignupPolicy,
    /// What a new file starts as; default private (only the clients it is shared with).
    pub new_file_visibility: Visibility,
    /// How long activity events are kept; default 400 days.
    pub activity_retention: Duration,
    pub throttle: ThrottleSettings,
    /// Default off.
    pub email_verification: EmailVerification,
    /// Where mailed links point (`https://files.example.com`), without a trailing slash;
    /// default none: the request's own scheme and host.
    pub public_base_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            token: TokenSettings::default(),
            max_upload_bytes: Self::DEFAULT_MAX_UPLOAD_BYTES,
            download_url_ttl: Duration::from_secs(300),
            file_types: FileTypePolicy::default(),
            max_direct_upload_bytes: Self::DEFAULT_MAX_DIRECT_UPLOAD_BYTES,
            upload_url_ttl: Duration::from_secs(3600),
            multipart_threshold_bytes: Self::DEFAULT_MULTIPART_THRESHOLD_BYTES,
            multipart_part_size: Self::DEFAULT_MULTIPART_PART_SIZE,
            incomplete_upload_ttl: Duration::from_secs(7 * 24 * 60 * 60),
            ops_signup: SignupPolicy::Invite,
            client_signup: SignupPolicy::Open,
            new_file_visibility: Visibility::Private,
            activity_retention: Duration::from_secs(400 * 24 * 60 * 60),
            throttle: ThrottleSettings::default(),
            email_verification: EmailVerification::Off,
            public_base_url: None,
        }
    }
}

impl Settings {
    pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 4 * 1024 * 1024;
    pub const DEFAULT_MAX_DIRECT_UPLOAD_BYTES: u64 = 50 * GIB;
    /// S3's largest object.
    pub const MAX_DIRECT_UPLOAD_BYTES: u64 = 5 * 1024 * GIB;
    pub const DEFAULT_MULTIPART_THRESHOLD_BYTES: u64 = GIB;
    /// S3 copies at most 5 GiB in one request, which is how a single-PUT upload is put in
    /// place; S3's largest part is the same.
    pub const MAX_SINGLE_REQUEST_BYTES: u64 = 5 * GIB;
    pub const DEFAULT_MULTIPART_PART_SIZE: u64 = 8 * 1024 * 1024;
    /// S3's most parts per upload.
    pub const MAX_PARTS: u64 = 10_000;

    /// The part size of a multipart upload of `size` bytes: the configured one, or larger
    /// (whole MiB) where that would make more than [`Self::MAX_PARTS`] parts.
    pub fn part_size_for(&self, size: u64) -> u64 {
        let needed = size.div_ceil(Self::MAX_PARTS);
        if needed <= self.multipart_part_size {
            self.multipart_part_size
        } else {
            needed.next_multiple_of(1024 * 1024)
        }
    }

    /// Who may sign up as `user_type`.
    pub fn signup_policy(&self, user_type: UserType) -> SignupPolicy {
        match user_type {
            UserType::Ops => self.ops_signup,
            UserType::Client => self.client_signup,
        }
    }

    /// Reads the settings from the variables of [`var`] (`lookup` is `std::env::var` in
    /// production), keeping the default for each one that is unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut s = Self::default();
        if let Some(days) = number(&lookup, var::SESSION_TTL_DAYS, 1, 3650)? {
            s.token.session_ttl = Duration::from_secs(days * 24 * 60 * 60);
        }
        // S3 caps SigV4 presigned URLs at 7 days.
        if let Some(secs) = number(&lookup, var::DOWNLOAD_URL_TTL_SECONDS, 1, 7 * 24 * 60 * 60)? {
            s.download_url_ttl = Duration::from_secs(secs);
        }
        if let Some(bytes) = number(&lookup, var::MAX_UPLOAD_BYTES, 1, 100 * 1024 * 1024)? {
            s.max_upload_bytes = bytes;
        }
        if let Some(issuer) = lookup(var::TOKEN_ISSUER) {
            let issuer = issuer.trim();
            if issuer.is_empty() || issuer.len() > 256 {
                return Err(ConfigError::new(
                    var::TOKEN_ISSUER,
                    "must be 1 to 256 characters",
                ));
            }
            s.token.issuer = issuer.to_owned();
        }
        if let Some(bytes) = number(
            &lookup,
            var::MAX_DIRECT_UPLOAD_BYTES,
            1,
            Self::MAX_DIRECT_UPLOAD_BYTES,
        )? {
            s.max_direct_upload_bytes = bytes;
        }
        if let Some(secs) = number(&lookup, var::UPLOAD_URL_TTL_SECONDS, 1, 7 * 24 * 60 * 60)? {
            s.upload_url_ttl = Duration::from_secs(secs);
        }
        let single = Self::MAX_SINGLE_REQUEST_BYTES;
        if let Some(bytes) = number(&lookup, var::MULTIPART_THRESHOLD_BYTES, 1, single)? {
            s.multipart_threshold_bytes = bytes;
        }
        if let Some(bytes) = number(&lookup, var::MULTIPART_PART_SIZE_BYTES, 1, single)? {
            s.multipart_part_size = bytes;
        }
        if let Some(days) = number(&lookup, var::INCOMPLETE_UPLOAD_DAYS, 1, 365)? {
            s.incomplete_upload_ttl = Duration::from_secs(days * 24 * 60 * 60);
        }
        if let Some(raw) = lookup(var::OPS_SIGNUP) {
            s.ops_signup = SignupPolicy::parse(var::OPS_SIGNUP, &raw)?;
        }
        if let Some(raw) = lookup(var::CLIENT_SIGNUP) {
            s.client_signup = SignupPolicy::parse(var::CLIENT_SIGNUP, &raw)?;
        }
        if let Some(raw) = lookup(var::NEW_FILE_VISIBILITY) {
            s.new_file_visibility =
                raw.trim()
                    .parse()
                    .map_err(|e: ezshare_domain::ValidationError| {
                        ConfigError::new(var::NEW_FILE_VISIBILITY, e.message)
                    })?;
        }
        if let Some(days) = number(&lookup, var::ACTIVITY_RETENTION_DAYS, 1, 3650)? {
            s.activity_retention = Duration::from_secs(days * 24 * 60 * 60);
        }
        let limit = |setting| number(&lookup, setting, 1, 1_000_000);
        let t = &mut s.throttle;
        for (setting, value) in [
            (var::LOGIN_MAX_FAILURES, &mut t.login_max_failures),
            (
                var::LOGIN_MAX_FAILURES_PER_ACCOUNT,
                &mut t.login_max_failures_per_account,
            ),
            (
                var::LOGIN_MAX_FAILURES_PER_IP,
                &mut t.login_max_failures_per_ip,
            ),
            (var::SIGNUP_MAX_PER_IP, &mut t.signup_max_per_ip),
        ] {
            if let Some(n) = limit(setting)? {
                *value = n as u32;
            }
        }
        if let Some(secs) = number(&lookup, var::LOGIN_FAILURE_WINDOW_SECONDS, 60, 86_400)? {
            t.login_failure_window = secs as u32;
        }
        if let Some(raw) = lookup(var::EMAIL_VERIFICATION) {
            s.email_verification = match raw.trim() {
                "off" => EmailVerification::Off,
                "required" => EmailVerification::Required,
                _ => {
                    return Err(ConfigError::new(
                        var::EMAIL_VERIFICATION,
                        format!("must be \"off\" or \"required\", got {raw:?}"),
                    ));
                }
            };
        }
        if let Some(raw) = lookup(var::PUBLIC_BASE_URL) {
            s.public_base_url = parse_base_url(&raw)?;
        }
        if let Some(types) = lookup(var::ALLOWED_FILE_TYPES) {
            s.file_types = FileTypePolicy::parse(&types)
                .map_err(|e| ConfigError::new(var::ALLOWED_FILE_TYPES, e.message))?;
        }
        Ok(s)
    }
}

/// An `http(s)://host[:port][/path]` URL without query, fragment or trailing slash; empty
/// means none.
fn parse_base_url(raw: &str) -> Result<Option<String>, ConfigError> {
    let url = raw.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let valid = rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !r.contains(['?', '#', ' ', '@'])
            && r.chars().all(|c| c.is_ascii_graphic())
    });
    if !valid {
        return Err(ConfigError::new(
            var::PUBLIC_BASE_URL,
            format!("must be an http(s) URL like https://files.example.com, got {raw:?}"),
        ));
    }
    Ok(Some(url.to_owned()))
}

fn number(
    lookup: &impl Fn(&str) -> Option<String>,
    setting: &'static str,
    min: u64,
    max: u64,
) -> Result<Option<u64>, ConfigError> {
    let Some(raw) = lookup(setting) else {
        return Ok(None);
    };
    match raw.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
        _ => Err(ConfigError::new(
            setting,
            format!("must be a whole number from {min} to {max}, got {raw:?}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults() {
        let s = from(&[]).unwrap();
        assert_eq!(s.max_upload_bytes, 4 * 1024 * 1024);
        assert_eq!(s.download_url_ttl, Duration::from_secs(300));
        assert_eq!(s.token.session_ttl, Duration::from_secs(365 * 86400));
        assert_eq!(s.token.issuer, "ezshare");
        assert_eq!(s.file_types.allowed_list(), "docx, xlsx, pptx, pdf");
        assert_eq!(s.max_direct_upload_bytes, 50 << 30);
        assert_eq!(s.upload_url_ttl, Duration::from_secs(3600));
        assert_eq!(s.multipart_threshold_bytes, 1 << 30);
        assert_eq!(s.multipart_part_size, 8 << 20);
        assert_eq!(s.incomplete_upload_ttl, Duration::from_secs(7 * 86400));
        assert_eq!(s.signup_policy(UserType::Ops), SignupPolicy::Invite);
        assert_eq!(s.signup_policy(UserType::Client), SignupPolicy::Open);
        assert_eq!(s.new_file_visibility, Visibility::Private);
        assert_eq!(s.activity_retention, Duration::from_secs(400 * 86400));
        assert_eq!(s.throttle, ThrottleSettings::default());
        assert_eq!(s.throttle.login_max_failures, 5);
        assert_eq!(s.throttle.login_failure_window, 900);
        assert_eq!(s.throttle.login_max_failures_per_account, 100);
        assert_eq!(s.throttle.login_max_failures_per_ip, 50);
        assert_eq!(s.throttle.signup_max_per_ip, 20);
    }

    #[test]
    fn email_settings_from_env() {
        let s = from(&[
            ("EMAIL_VERIFICATION", "required"),
            ("PUBLIC_BASE_URL", "https://files.example.com/"),
        ])
        .unwrap();
        assert_eq!(s.email_verification, EmailVerification::Required);
        assert_eq!(
            s.public_base_url.as_deref(),
            Some("https://files.example.com")
        );
        let s = from(&[("PUBLIC_BASE_URL", "")]).unwrap();
        assert_eq!(
            s.public_base_url, None,
            "empty is none (the template's default)"
        );
    }

    #[test]
    fn throttle_limits_from_env() {
        let s = from(&[
            ("LOGIN_MAX_FAILURES", "3"),
            ("LOGIN_FAILURE_WINDOW_SECONDS", "600"),
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "40"),
            ("LOGIN_MAX_FAILURES_PER_IP", "30"),
            ("SIGNUP_MAX_PER_IP", "1000"),
        ])
        .unwrap();
        assert_eq!(
            s.throttle,
            ThrottleSettings {
                login_max_failures: 3,
                login_failure_window: 600,
                login_max_failures_per_account: 40,
                login_max_failures_per_ip: 30,
                signup_max_per_ip: 1000,
            }
        );
    }

    #[test]
    fn the_original_open_behaviour_is_two_settings_away() {
        let s = from(&[
            ("OPS_SIGNUP", "open"),
            ("NEW_FILE_VISIBILITY", "all_clients"),
        ])
        .unwrap();
        assert_eq!(s.signup_policy(UserType::Ops), SignupPolicy::Open);
        assert_eq!(s.new_file_visibility, Visibility::AllClients);
    }

    #[test]
    fn signup_policies_from_env() {
        let s = from(&[("OPS_SIGNUP", "open"), ("CLIENT_SIGNUP", " invite ")]).unwrap();
        assert_eq!(s.signup_policy(UserType::Ops), SignupPolicy::Open);
        assert_eq!(s.signup_policy(UserType::Client), SignupPolicy::Invite);
    }

    #[test]
    fn file_type_policy_from_env() {
        let s = from(&[("ALLOWED_FILE_TYPES", "pdf")]).unwrap();
        assert_eq!(s.file_types.allowed_list(), "pdf");
        assert!(
            from(&[("ALLOWED_FILE_TYPES", "*")])
                .unwrap()
                .file_types
                .is_open()
        );
    }

    #[test]
    fn overrides() {
        let s = from(&[
            ("SESSION_TTL_DAYS", "7"),
            ("DOWNLOAD_URL_TTL_SECONDS", "60"),
            ("MAX_UPLOAD_BYTES", "1024"),
            ("TOKEN_ISSUER", "acme"),
        ])
        .unwrap();
        assert_eq!(s.token.session_ttl, Duration::from_secs(7 * 86400));
        assert_eq!(s.download_url_ttl, Duration::from_secs(60));
        assert_eq!(s.max_upload_bytes, 1024);
        assert_eq!(s.token.issuer, "acme");
    }

    #[test]
    fn large_uploads_from_env_and_their_part_sizes() {
        let s = from(&[
            ("MAX_DIRECT_UPLOAD_BYTES", "5497558138880"),
            ("MULTIPART_THRESHOLD_BYTES", "5242880"),
            ("MULTIPART_PART_SIZE_BYTES", "5242880"),
            ("INCOMPLETE_UPLOAD_DAYS", "2"),
        ])
        .unwrap();
        assert_eq!(s.max_direct_upload_bytes, 5 << 40, "5 TiB");
        assert_eq!(s.multipart_threshold_bytes, 5 << 20);
        assert_eq!(s.incomplete_upload_ttl, Duration::from_secs(2 * 86400));
        // The configured size while it makes at most 10,000 parts, then whole MiB above.
        assert_eq!(s.part_size_for(1), 5 << 20);
        assert_eq!(s.part_size_for(10_000 * (5 << 20)), 5 << 20);
        let big = s.part_size_for(5 << 40);
        assert_eq!(big % (1 << 20), 0);
        assert!((5u64 << 40).div_ceil(big) <= 10_000, "{big}");
        assert_eq!(big, 525 << 20, "the smallest whole MiB that fits");
    }

    #[test]
    fn invalid_values_name_the_setting() {
        for (k, v) in [
            ("SESSION_TTL_DAYS", "0"),
            ("SESSION_TTL_DAYS", "many"),
            ("DOWNLOAD_URL_TTL_SECONDS", "604801"),
            ("MAX_UPLOAD_BYTES", "-5"),
            ("TOKEN_ISSUER", " "),
            ("ALLOWED_FILE_TYPES", "exe"),
            ("MAX_DIRECT_UPLOAD_BYTES", "5497558138881"),
            ("MULTIPART_THRESHOLD_BYTES", "5368709121"),
            ("MULTIPART_PART_SIZE_BYTES", "0"),
            ("INCOMPLETE_UPLOAD_DAYS", "366"),
            ("UPLOAD_URL_TTL_SECONDS", "0"),
            ("ALLOWED_FILE_TYPES", ""),
            ("OPS_SIGNUP", "closed"),
            ("CLIENT_SIGNUP", ""),
            ("NEW_FILE_VISIBILITY", "public"),
            ("ACTIVITY_RETENTION_DAYS", "0"),
            ("LOGIN_MAX_FAILURES", "0"),
            ("LOGIN_FAILURE_WINDOW_SECONDS", "59"),
            ("LOGIN_MAX_FAILURES_PER_ACCOUNT", "lots"),
            ("LOGIN_MAX_FAILURES_PER_IP", "1000001"),
            ("SIGNUP_MAX_PER_IP", "-1"),
            ("EMAIL_VERIFICATION", "yes"),
            ("PUBLIC_BASE_URL", "files.example.com"),
            ("PUBLIC_BASE_URL", "https://x.example.com/?a=b"),
            ("PUBLIC_BASE_URL", "https://user@x.example.com"),
        ] {
            let err = from(&[(k, v)]).unwrap_err();
            assert_eq!(err.setting, k);
            assert!(err.to_string().contains(k));
        }
    }
}

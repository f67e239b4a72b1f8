use axum::Json;
use axum::response::{IntoResponse, Response};
use ezshare_auth::{AuthError, Unauthenticated};
use ezshare_domain::ValidationError;
use ezshare_filetype::PolicyError;
use ezshare_store::StoreError;
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

/// Every way a request can fail, as the API reports it. Each variant maps to one status and
/// a stable snake_case code; the message is safe to show. Internal details are logged here and
/// never sent.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Invalid(#[from] ValidationError),
    #[error("{field} is required")]
    MissingField { field: &'static str },
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    #[error("{message}")]
    UnsupportedMediaType { code: &'static str, message: String },
    #[error("invalid username or password")]
    InvalidCredentials,
    #[error("authentication required: send a valid bearer token")]
    Unauthenticated(Unauthenticated),
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error("the file is larger than the limit of {limit} bytes")]
    PayloadTooLarge { limit: u64 },
    #[error("the request took longer than {} s", deadline.as_secs())]
    RequestTimeout { deadline: std::time::Duration },
    #[error("the service is temporarily unavailable, retry shortly")]
    Unavailable(String),
    /// Too many attempts (logins, signups) from this address or for this account: retry
    /// after the lockout or the counting window ends.
    #[error("too many attempts, retry in {} s", retry_after.as_secs())]
    TooManyAttempts { retry_after: std::time::Duration },
    /// Every password-hashing slot is taken: retry in a second.
    #[error("too many sign-ins at once, retry in a second")]
    Busy,
    #[error("internal error")]
    Internal(String),
}

/// Seconds a client should wait before retrying a 503.
const RETRY_AFTER_SECONDS: &str = "2";

impl ApiError {
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::Forbidden {
            code,
            message: message.into(),
        }
    }

    /// 403 `invalid_invite`: the code is unknown, used, expired or for the other user type.
    pub fn invalid_invite() -> Self {
        Self::forbidden(
            "invalid_invite",
            "the invite code is unknown, already used, expired or for another type of account",
        )
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::NotFound {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }

    /// 409 `file_exists`: the name is taken and the caller did not ask to overwrite.
    pub fn file_exists(name: &ezshare_domain::FileName) -> Self {
        Self::conflict(
            "file_exists",
            format!("a file named {name} exists; send ?overwrite=true to replace it"),
        )
    }

    /// A failed write of the file `name`: a taken name is 409 `file_exists`.
    pub fn from_file_write(name: &ezshare_domain::FileName, e: StoreError) -> Self {
        match e {
            StoreError::AlreadyExists => Self::file_exists(name),
            e => e.into(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) | Self::MissingField { .. } | Self::BadRequest { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::UnsupportedMediaType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::InvalidCredentials | Self::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound { .. } => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid(_) => "invalid_field",
            Self::MissingField { .. } => "missing_field",
            Self::BadRequest { code, .. }
            | Self::UnsupportedMediaType { code, .. }
            | Self::Forbidden { code, .. }
            | Self::NotFound { code, .. }
            | Self::Conflict { code, .. } => code,
            Self::InvalidCredentials => "invalid_credentials",
            Self::Unauthenticated(_) => "unauthorized",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::PayloadTooLarge { .. } => "payload_too_large",
            Self::RequestTimeout { .. } => "request_timeout",
            Self::TooManyAttempts { .. } => "too_many_attempts",
            Self::Unavailable(_) => "service_unavailable",
            Self::Busy => "busy",
            Self::Internal(_) => "internal_error",
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCursor => Self::bad_request(
                "invalid_cursor",
                "the cursor is not one this listing issued",
            ),
            StoreError::InviteNotRedeemable => Self::invalid_invite(),
            StoreError::Changed => Self::conflict(
                "upload_changed",
                "the upload's bytes were replaced while they were checked; upload again",
            ),
            StoreError::Unavailable(detail) => Self::Unavailable(detail),
            // A conflict nobody expected is a bug in the caller, not the client's fault.
            StoreError::AlreadyExists => Self::Internal("unexpected conflict".into()),
            StoreError::Internal(detail) => Self::Internal(detail),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unauthenticated(reason) => Self::Unauthenticated(reason),
            AuthError::WrongUserType { expected } => Self::forbidden(
                "forbidden",
                format!("this endpoint is for {expected} users"),
            ),
            AuthError::Store(e) => e.into(),
            AuthError::Busy => Self::Busy,
            AuthError::Internal(detail) => Self::Internal(detail),
        }
    }
}

impl From<PolicyError> for ApiError {
    fn from(e: PolicyError) -> Self {
        match e {
            PolicyError::Rejected { reason } => Self::UnsupportedMediaType {
                code: "unsupported_file_type",
                message: reason,
            },
            // A source backed by a store fails with the store's own error: an outage stays a
            // 503, whatever layer it came through.
            PolicyError::Source(e) => match e.into_inner().downcast::<StoreError>() {
                Ok(store) => (*store).into(),
                Err(other) => Self::Internal(format!("reading the file for its type: {other}")),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(detail) => tracing::error!(%detail, "internal error"),
            Self::Unavailable(detail) => tracing::warn!(%detail, "storage unavailable"),
            Self::Unauthenticated(reason) => tracing::info!(%reason, "request not authenticated"),
            _ => tracing::debug!(error = %self, "request refused"),
        }
        let body = json!({"error": {"code": self.code(), "message": self.to_string()}});
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match self {
            // RFC 6750: no error code when the request carried no credentials at all.
            Self::Unauthenticated(Unauthenticated::MissingToken) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"ezshare\""),
                );
            }
            Self::Unauthenticated(_) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"ezshare\", error=\"invalid_token\""),
                );
            }
            Self::Unavailable(_) => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from_static(RETRY_AFTER_SECONDS),
                );
            }
            Self::TooManyAttempts { retry_after } => {
                headers.insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(retry_after.as_secs()),
                );
            }
            Self::Busy => {
                tracing::warn!("every password-hashing slot is taken: answered busy");
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use ezshare_filetype::SourceError;

    use super::*;

    #[tokio::test]
    async fn a_full_hashing_queue_is_503_busy_with_retry_after_one_second() {
        let response = ApiError::from(AuthError::Busy).into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "busy");
    }

    #[test]
    fn a_store_failure_while_reading_for_the_type_keeps_its_status() {
        let outage = PolicyError::Source(SourceError::new(StoreError::Unavailable("s3".into())));
        assert_eq!(
            ApiError::from(outage).status(),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let broken = PolicyError::Source(SourceError::new(StoreError::Internal("bug".into())));
        assert_eq!(
            ApiError::from(broken).status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let io = PolicyError::Source(SourceError::from(std::io::Error::other("disk")));
        assert_eq!(ApiError::from(io).code(), "internal_error");
        let rejected = PolicyError::Rejected {
            reason: "not a PDF".into(),
        };
        assert_eq!(ApiError::from(rejected).code(), "unsupported_file_type");
    }
}

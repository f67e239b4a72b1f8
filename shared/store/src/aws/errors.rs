//! The one place where AWS SDK errors become [`StoreError`]s.
//!
//! Operation-specific outcomes (a failed condition, a missing object) are matched by the
//! callers first; whatever is left comes here. SDK text only ever goes into `Unavailable` and
//! `Internal`, whose text is logged and never shown to API callers.

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::StoreError;

/// Error codes meaning "slow down and retry", across DynamoDB and S3.
const THROTTLING_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "SlowDown",
    "RequestThrottled",
    "TooManyRequestsException",
];

/// Maps what remains of an SDK error after the caller handled the outcomes it expects.
/// `op` names the operation for the log ("PutItem users").
pub(crate) fn store_error<E>(op: &str, err: SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let transient = is_transient(&err);
    let msg = format!("{op}: {}", DisplayErrorContext(&err));
    if transient {
        StoreError::Unavailable(msg)
    } else {
        StoreError::Internal(msg)
    }
}

/// A DynamoDB write whose `ConditionExpression` did not hold: the outcome the caller asked
/// the condition to decide, not a failure.
pub(crate) fn condition_failed<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == "ConditionalCheckFailedException")
}

/// The HTTP status of the response an error came with, if there was one.
pub(crate) fn status_of<E>(err: &SdkError<E, HttpResponse>) -> Option<u16> {
    err.raw_response().map(|r| r.status().as_u16())
}

fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::TimeoutError(_) => true,
        // No (complete) response: refused, reset or timed-out connections. A "user" dispatch
        // failure is a bad request of ours and will not get better by retrying.
        SdkError::DispatchFailure(f) => !f.is_user(),
        SdkError::ServiceError(e) => {
            e.raw().status().as_u16() == 503
                || e.err()
                    .code()
                    .is_some_and(|c| THROTTLING_CODES.contains(&c))
        }
        SdkError::ResponseError(e) => e.raw().status().as_u16() == 503,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::operation::get_item::GetItemError;
    use aws_smithy_runtime_api::client::result::ConnectorError;
    use aws_smithy_runtime_api::http::StatusCode;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;

    fn service(status: u16, code: &str) -> SdkError<GetItemError, HttpResponse> {
        let err = GetItemError::generic(ErrorMetadata::builder().code(code).build());
        let raw = HttpResponse::new(StatusCode::try_from(status).unwrap(), SdkBody::empty());
        SdkError::service_error(err, raw)
    }

    fn unavailable(err: SdkError<GetItemError, HttpResponse>) -> bool {
        matches!(store_error("op", err), StoreError::Unavailable(m) if m.starts_with("op: "))
    }

    #[test]
    fn throttling_outages_and_timeouts_are_unavailable() {
        for code in [
            "ProvisionedThroughputExceededException",
            "ThrottlingException",
        ] {
            assert!(unavailable(service(400, code)), "{code}");
        }
        assert!(unavailable(service(503, "SlowDown")));
        assert!(unavailable(service(503, "ServiceUnavailable")));
        assert!(unavailable(SdkError::timeout_error("slow")));
        let refused = ConnectorError::io("connection refused".into());
        assert!(unavailable(SdkError::dispatch_failure(refused)));
    }

    #[test]
    fn everything_else_is_internal() {
        let internal = |e| matches!(store_error("op", e), StoreError::Internal(_));
        assert!(internal(service(400, "ResourceNotFoundException")));
        assert!(internal(service(403, "AccessDeniedException")));
        assert!(internal(service(500, "InternalServerError")));
        assert!(internal(SdkError::construction_failure("bad input")));
        let ours = ConnectorError::user("bad request".into());
        assert!(internal(SdkError::dispatch_failure(ours)));
    }
}

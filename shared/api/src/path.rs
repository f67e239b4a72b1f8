use axum::extract::FromRequestParts;
use axum::extract::rejection::PathRejection;

use crate::ApiError;

/// axum's `Path` extractor, rejecting with the API's JSON 400 `invalid_path` (e.g. invalid
/// percent-encoding) instead of axum's plain-text answer.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request("invalid_path", rejection.body_text())
    }
}

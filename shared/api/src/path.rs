use axum::extract::rejection::PathRejection;

use crate::ApiError;

/// Maps axum's path rejection (e.g. invalid percent-encoding) into the API's JSON 400.
pub fn path_error(rejection: PathRejection) -> ApiError {
    ApiError::bad_request("invalid_path", rejection.body_text())
}

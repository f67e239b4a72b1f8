//! A JSON request body of a known shape, for the few endpoints whose input is more than flat
//! fields (lists of parts): refused with the API's own JSON errors, never axum's text ones.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::ApiError;

/// Largest body read; a hundred parts with digests is under 10 KiB.
const MAX_JSON_BODY: usize = 64 * 1024;

/// `T` from an `application/json` body: 415 for another type, 400 `invalid_body` (saying
/// what is wrong) for JSON that is malformed or not of `T`'s shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(ApiError::UnsupportedMediaType {
                code: "unsupported_media_type",
                message: "send the body as application/json".into(),
            });
        }
        let body = axum::body::to_bytes(req.into_body(), MAX_JSON_BODY)
            .await
            .map_err(|_| {
                ApiError::bad_request(
                    "invalid_body",
                    format!("the body must be at most {MAX_JSON_BODY} bytes"),
                )
            })?;
        serde_json::from_slice(&body)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request("invalid_body", format!("invalid JSON body: {e}")))
    }
}

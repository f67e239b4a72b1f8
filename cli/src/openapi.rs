//! `GET /openapi.json`: the API contract, `openapi.yaml` at the repository root, served by the
//! local server so tools that import a spec by URL (Postman, Insomnia, schemathesis) can. The
//! YAML is compiled in and converted to JSON once, when the server starts.

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use http::HeaderValue;
use http::header::CONTENT_TYPE;

use crate::CliError;

/// Where the local server serves the spec.
pub const PATH: &str = "/openapi.json";

/// The spec as written, in YAML.
pub const SPEC_YAML: &str = include_str!("../../openapi.yaml");

/// The spec as JSON.
pub fn spec_json() -> Result<Vec<u8>, CliError> {
    let spec: serde_json::Value = serde_norway::from_str(SPEC_YAML)
        .map_err(|e| CliError::Startup(format!("openapi.yaml does not parse: {e}")))?;
    serde_json::to_vec(&spec)
        .map_err(|e| CliError::Startup(format!("openapi.yaml is not JSON-compatible: {e}")))
}

/// The route serving the spec; converting it here, once, keeps requests to a copy of bytes.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Result<Router<S>, CliError> {
    let json = Bytes::from(spec_json()?);
    Ok(Router::new().route(
        PATH,
        get(move || {
            let json = json.clone();
            async move {
                (
                    [(CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                    json,
                )
            }
        }),
    ))
}

use axum::Router;
use http::header::X_CONTENT_TYPE_OPTIONS;
use http::{HeaderValue, Method, Uri};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;
use tracing::info_span;

use crate::{ApiError, AppState};

/// Turns an endpoint's routes into a servable app: JSON 404 and 405 fallbacks, `nosniff` on
/// every response and one log line per request. Lambda binaries and the local server both
/// call this, so the two serve identical responses.
pub fn finish(routes: axum::Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(SetResponseHeaderLayer::overriding(
            X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(
            TraceLayer::new_for_http()
                // The path only: query strings may carry download-link signatures.
                .make_span_with(|req: &http::Request<_>| {
                    info_span!("request", method = %req.method(), path = %req.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found("not_found", format!("no route for {}", uri.path()))
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed(format!("{method} is not allowed on {}", uri.path()))
}

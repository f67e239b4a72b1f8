//! A deadline for a whole request, for servers with no platform timeout of their own (the
//! local server; on Lambda the function's timeout and API Gateway's 30 s do this).

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::IntoResponse;

use crate::ApiError;

/// Every request through `router` that takes longer than `deadline` to answer, reading of
/// its body included, is answered 408 `request_timeout` instead (and its handler dropped).
pub fn with_request_timeout<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    deadline: Duration,
) -> Router<S> {
    router.layer(middleware::from_fn(
        move |request: Request, next: Next| async move {
            match tokio::time::timeout(deadline, next.run(request)).await {
                Ok(response) => response,
                Err(_) => ApiError::RequestTimeout { deadline }.into_response(),
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::routing::get;
    use http::StatusCode;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn a_request_past_its_deadline_is_408_json_and_one_within_it_is_answered() {
        let router: Router = Router::new()
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    "late"
                }),
            )
            .route("/fast", get(|| async { "on time" }));
        let router = with_request_timeout(router, Duration::from_millis(50));
        let slow = router
            .clone()
            .oneshot(http::Request::get("/slow").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(slow.status(), StatusCode::REQUEST_TIMEOUT);
        let body = axum::body::to_bytes(slow.into_body(), 1024).await.unwrap();
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["error"]["code"], "request_timeout");
        let fast = router
            .oneshot(http::Request::get("/fast").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(fast.status(), StatusCode::OK);
    }
}

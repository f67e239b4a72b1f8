use axum::Json;
use axum::extract::State;
use ezshare_api::{ApiError, AppState};
use ezshare_auth::extract::OpsCaller;
use serde_json::{Value, json};

/// `GET /ops/limits`: through the API up to `max_upload_bytes`; above it a direct upload, one
/// PUT up to `multipart_threshold_bytes`, in parts of at least `part_size` above it.
pub(crate) async fn limits(
    State(state): State<AppState>,
    OpsCaller(_): OpsCaller,
) -> Result<Json<Value>, ApiError> {
    let s = &state.settings;
    Ok(Json(json!({
        "max_upload_bytes": s.max_upload_bytes,
        "max_direct_upload_bytes": s.max_direct_upload_bytes,
        "multipart_threshold_bytes": s.multipart_threshold_bytes,
        "part_size": s.multipart_part_size,
    })))
}

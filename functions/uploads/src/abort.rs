use axum::extract::State;
use ezshare_api::{ApiError, AppState, Path};
use ezshare_auth::extract::OpsCaller;
use http::StatusCode;

use crate::find_multipart;

/// `DELETE /ops/uploads/{upload_id}`: abandons a multipart upload; storage frees its parts
/// and its part URLs take nothing more. 204.
pub(crate) async fn abort_upload(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    Path(raw): Path<String>,
) -> Result<StatusCode, ApiError> {
    let upload = find_multipart(&state, &caller, &raw).await?;
    state.stores.staging.abort_multipart(&upload).await?;
    Ok(StatusCode::NO_CONTENT)
}

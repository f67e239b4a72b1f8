use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use ezshare_api::{ApiError, AppState, Path, no_store};
use ezshare_auth::extract::OpsCaller;
use ezshare_store::MultipartState;
use serde_json::{Value, json};

use crate::find_multipart;
use crate::multipart::{expires_at, part_json, rfc};

/// `GET /ops/uploads/{upload_id}`: where a multipart upload stands. `receiving` with the
/// parts storage holds (send only the others), or `assembled` (a complete began: complete
/// again, e.g. with `?overwrite=true` after a `file_exists`).
pub(crate) async fn upload_status(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let upload = find_multipart(&state, &caller, &raw).await?;
    let (state_name, parts) = match state.stores.staging.multipart_state(&upload).await? {
        MultipartState::Receiving(parts) => ("receiving", parts.iter().map(part_json).collect()),
        MultipartState::Assembled(_) => ("assembled", Vec::<Value>::new()),
    };
    let i = &upload.intent;
    let body = json!({
        "upload_id": i.upload.id.as_str(),
        "multipart": true,
        "state": state_name,
        "name": i.upload.name.as_str(),
        "size": i.upload.size,
        "part_size": i.part_size,
        "part_count": i.part_count(),
        "expires_at": rfc(expires_at(&upload, state.settings.incomplete_upload_ttl)),
        "parts": parts,
    });
    Ok((no_store(), Json(body)).into_response())
}

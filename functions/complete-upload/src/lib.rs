//! `POST /ops/uploads/{upload_id}/complete`: check a direct upload's bytes where they landed
//! (size, then the file-type policy by ranged reads) and move them to their final place.

mod staged_source;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::post;
use axum::{Json, Router};
use ezshare_api::listing::file_json;
use ezshare_api::{ApiError, AppState, QueryParams, Route, path_error};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::{ContentType, UploadId, Username};
use ezshare_filetype::PolicyError;
use ezshare_store::{StagedUpload, StoreError};
use http::StatusCode;
use serde_json::Value;

use staged_source::StagedSource;

pub const ROUTES: &[Route] = &[("POST", "/ops/uploads/{upload_id}/complete")];

pub fn router() -> Router<AppState> {
    Router::new().route("/ops/uploads/{upload_id}/complete", post(complete_upload))
}

async fn complete_upload(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    upload_id: Result<Path<String>, PathRejection>,
    query: QueryParams,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let Path(raw) = upload_id.map_err(path_error)?;
    let mode = query.write_mode()?;
    let not_found = || {
        ApiError::not_found(
            "upload_not_found",
            "no finished upload with that id: send the bytes to the upload URL first",
        )
    };
    let id = UploadId::parse(&raw).map_err(|_| not_found())?;
    let owner = caller.username;
    let staged = state
        .stores
        .staging
        .find_staged(&owner, &id)
        .await?
        .ok_or_else(not_found)?;
    let content_type = match check(&state, &owner, &id, &staged).await {
        Ok(content_type) => content_type,
        Err(refused) => {
            // A refused file is not kept, not even in staging.
            state.stores.staging.discard_staged(&owner, &id).await?;
            return Err(refused);
        }
    };
    let stored = state
        .stores
        .staging
        .promote_staged(&owner, &id, &content_type, mode)
        .await
        .map_err(|e| match e {
            StoreError::AlreadyExists => ApiError::file_exists(&staged.name),
            e => e.into(),
        })?;
    Ok((StatusCode::CREATED, Json(file_json(&stored))))
}

/// Size first, then type; returns the media type to store. Errors other than a refusal (a
/// storage outage) are passed on without discarding the upload.
async fn check(
    state: &AppState,
    owner: &Username,
    id: &UploadId,
    staged: &StagedUpload,
) -> Result<ContentType, ApiError> {
    let limit = state.settings.max_direct_upload_bytes;
    if staged.size > limit {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    if staged.size != staged.declared_size {
        return Err(ApiError::bad_request(
            "size_mismatch",
            format!(
                "the upload carried {} bytes but announced {}",
                staged.size, staged.declared_size
            ),
        ));
    }
    let source = StagedSource::new(state.stores.staging.clone(), owner, id, staged.size);
    match state.settings.file_types.check(&staged.name, &source).await {
        Ok(Some(file_type)) => Ok(ContentType::parse(file_type.content_type())?),
        Ok(None) => Ok(staged.content_type.clone()),
        Err(PolicyError::Source(e)) => Err(source.take_store_error().map_or_else(
            || ApiError::Internal(format!("reading the staged upload: {e}")),
            ApiError::from,
        )),
        Err(rejected) => Err(rejected.into()),
    }
}

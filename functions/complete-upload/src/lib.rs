//! `POST /ops/uploads/{upload_id}/complete`: check a direct upload's bytes where they landed
//! (size, then the file-type policy by ranged reads) and move them to their final place. A
//! multipart upload is first assembled where its parts are; on S3 that is the file's final
//! object already, so nothing is copied, whatever the size.

mod staged_source;

use axum::extract::State;
use axum::{Json, Router};
use ezshare_api::activity::{Entry, record_after};
use ezshare_api::listing::file_json;
use ezshare_api::{
    ApiError, AppState, ClientInfo, Endpoint, Path, QueryParams, Route, RouterExt, Secrets,
};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::ActivityAction;
use ezshare_domain::{ContentType, UploadId, Username};
use ezshare_store::{MultipartState, PartsProblem, StagedUpload, StoreError};
use http::StatusCode;
use serde_json::Value;

use staged_source::StagedSource;

const COMPLETE_UPLOAD: Route = Route::post("/ops/uploads/{upload_id}/complete");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "complete-upload",
    package: env!("CARGO_PKG_NAME"),
    routes: &[COMPLETE_UPLOAD],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(COMPLETE_UPLOAD, complete_upload)
}

async fn complete_upload(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    info: ClientInfo,
    Path(raw): Path<String>,
    query: QueryParams,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mode = query.write_mode()?;
    let not_found = || {
        ApiError::not_found(
            "upload_not_found",
            "no finished upload with that id: send the bytes to the upload URL first",
        )
    };
    let id = UploadId::parse(&raw).map_err(|_| not_found())?;
    let owner = caller.username.clone();
    let staged = match state.stores.staging.find_staged(&owner, &id).await? {
        Some(staged) => staged,
        None => assemble(&state, &owner, &id).await?.ok_or_else(not_found)?,
    };
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
        .promote_staged(
            &owner,
            &id,
            &staged,
            &content_type,
            mode,
            state.settings.new_file_visibility,
        )
        .await;
    let stored = match stored {
        Ok(stored) => stored,
        // Bytes replaced after the check are never promoted, nor kept.
        Err(StoreError::Changed) => {
            state.stores.staging.discard_staged(&owner, &id).await?;
            return Err(StoreError::Changed.into());
        }
        Err(e) => return Err(ApiError::from_file_write(&staged.name, e)),
    };
    let entry = Entry {
        action: ActivityAction::Uploaded,
        owner: &owner,
        file: &stored.name,
        actor: &caller,
        client: None,
        info: &info,
    };
    record_after(&state, entry).await;
    Ok((StatusCode::CREATED, Json(file_json(&stored))))
}

/// A multipart upload of that id, assembled where its parts are (no bytes pass through
/// here, so this takes the same time for any size): `None` if there is none. Parts missing
/// or of the wrong size are a 400 that keeps the upload, so the client can send them.
async fn assemble(
    state: &AppState,
    owner: &Username,
    id: &UploadId,
) -> Result<Option<StagedUpload>, ApiError> {
    let staging = &state.stores.staging;
    let Some(upload) = staging.find_multipart(owner, id).await? else {
        return Ok(None);
    };
    let parts = match staging.multipart_state(&upload).await? {
        MultipartState::Assembled(staged) => return Ok(Some(staged)),
        MultipartState::Receiving(parts) => parts,
    };
    upload
        .intent
        .check(&parts)
        .map_err(|problem| match problem {
            PartsProblem::Missing(_) => ApiError::bad_request("missing_parts", problem.to_string()),
            PartsProblem::WrongSize { .. } => {
                ApiError::bad_request("size_mismatch", problem.to_string())
            }
        })?;
    Ok(Some(staging.assemble(&upload, &parts).await?))
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
    let source = StagedSource::new(state.stores.staging.clone(), owner, id, staged);
    match state
        .settings
        .file_types
        .check(&staged.name, &source)
        .await?
    {
        Some(file_type) => Ok(ContentType::parse(file_type.content_type())?),
        None => Ok(staged.content_type.clone()),
    }
}

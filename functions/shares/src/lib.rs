//! Sharing an OPS user's own files: who sees a file (`PATCH /ops/files/{file_name}`
//! visibility) and which clients it is shared with (`/ops/files/{file_name}/shares…`).

use axum::extract::State;
use axum::{Json, Router};
use ezshare_api::activity::{Entry, record_after};
use ezshare_api::listing::file_json;
use ezshare_api::{
    ApiError, AppState, ClientInfo, Endpoint, Fields, Path, Route, RouterExt, Secrets,
};
use ezshare_auth::Caller;
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::{
    ActivityAction, FileName, UserType, Username, ValidationError, Visibility, rfc3339,
};
use ezshare_store::{ShareRecord, StoredFile};
use http::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const SET_VISIBILITY: Route = Route::patch("/ops/files/{file_name}");
const LIST_SHARES: Route = Route::get("/ops/files/{file_name}/shares");
const PUT_SHARE: Route = Route::put("/ops/files/{file_name}/shares/{client_username}");
const DELETE_SHARE: Route = Route::delete("/ops/files/{file_name}/shares/{client_username}");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "shares",
    package: env!("CARGO_PKG_NAME"),
    routes: &[SET_VISIBILITY, LIST_SHARES, PUT_SHARE, DELETE_SHARE],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new()
        .serve(SET_VISIBILITY, set_visibility)
        .serve(LIST_SHARES, list_shares)
        .serve(PUT_SHARE, put_share)
        .serve(DELETE_SHARE, delete_share)
}

/// The most links one share may issue.
pub const MAX_DOWNLOADS: u32 = 1_000_000;

fn no_such_file(name: &FileName) -> ApiError {
    ApiError::not_found("file_not_found", format!("you have no file named {name}"))
}

/// The caller's own file, or 404 `file_not_found`.
async fn own_file(
    state: &AppState,
    owner: &Username,
    name: &FileName,
) -> Result<StoredFile, ApiError> {
    state
        .stores
        .files
        .head_file(owner, name)
        .await?
        .ok_or_else(|| no_such_file(name))
}

fn share_json(share: &ShareRecord) -> Value {
    json!({
        "client_username": share.client,
        "granted_at": rfc3339(share.granted_at),
        "expires_at": share.expires_at.map(rfc3339),
        "max_downloads": share.max_downloads,
        "downloads": share.downloads,
    })
}

/// Records what the caller did to their own file.
async fn record(
    state: &AppState,
    action: ActivityAction,
    caller: &Caller,
    file: &FileName,
    client: Option<&Username>,
    info: &ClientInfo,
) {
    let entry = Entry {
        action,
        owner: &caller.username,
        file,
        actor: caller,
        client,
        info,
    };
    record_after(state, entry).await;
}

async fn set_visibility(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    info: ClientInfo,
    Path(raw): Path<String>,
    fields: Fields,
) -> Result<Json<Value>, ApiError> {
    let name = FileName::parse(&raw)?;
    let visibility: Visibility = fields.required("visibility")?.trim().parse()?;
    let file = state
        .stores
        .files
        .set_visibility(&caller.username, &name, visibility)
        .await?
        .ok_or_else(|| no_such_file(&name))?;
    record(
        &state,
        ActivityAction::VisibilityChanged,
        &caller,
        &name,
        None,
        &info,
    )
    .await;
    Ok(Json(file_json(&file)))
}

async fn list_shares(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    Path(raw): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let name = FileName::parse(&raw)?;
    let file = own_file(&state, &caller.username, &name).await?;
    let shares = state
        .stores
        .shares
        .file_shares(&caller.username, &name)
        .await?;
    Ok(Json(json!({
        "name": file.name,
        "visibility": file.visibility,
        "shares": shares.iter().map(share_json).collect::<Vec<_>>(),
    })))
}

/// What a share asks for, parsed: an expiry in the future, a limit within bounds.
struct ShareTerms {
    expires_at: Option<OffsetDateTime>,
    max_downloads: Option<u32>,
}

impl ShareTerms {
    fn parse(fields: &Fields, now: OffsetDateTime) -> Result<Self, ApiError> {
        let expires_at = fields
            .optional("expires_at")?
            .map(|raw| {
                let at = OffsetDateTime::parse(raw.trim(), &Rfc3339).map_err(|_| {
                    ValidationError::new(
                        "expires_at",
                        "must be an RFC 3339 time, e.g. 2027-01-31T17:00:00Z",
                    )
                })?;
                if at <= now {
                    return Err(ValidationError::new("expires_at", "must be in the future"));
                }
                Ok(at)
            })
            .transpose()?;
        let max_downloads = fields
            .optional_number("max_downloads")?
            .map(|raw| {
                raw.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=MAX_DOWNLOADS).contains(n))
                    .ok_or_else(|| {
                        ValidationError::new(
                            "max_downloads",
                            format!("must be a whole number from 1 to {MAX_DOWNLOADS}"),
                        )
                    })
            })
            .transpose()?;
        Ok(Self {
            expires_at,
            max_downloads,
        })
    }
}

fn unknown_client(raw: &str) -> ApiError {
    ApiError::not_found("unknown_client_user", format!("no CLIENT user named {raw}"))
}

async fn put_share(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    info: ClientInfo,
    Path((raw_name, raw_client)): Path<(String, String)>,
    fields: Fields,
) -> Result<Json<Value>, ApiError> {
    let name = FileName::parse(&raw_name)?;
    let client = Username::parse(&raw_client).map_err(|_| unknown_client(&raw_client))?;
    let now = OffsetDateTime::now_utc();
    let terms = ShareTerms::parse(&fields, now)?;
    own_file(&state, &caller.username, &name).await?;
    if !state
        .stores
        .users
        .user_exists(UserType::Client, &client)
        .await?
    {
        return Err(unknown_client(&raw_client));
    }
    let share = ShareRecord {
        owner: caller.username.clone(),
        file: name,
        client,
        granted_at: now,
        expires_at: terms.expires_at,
        max_downloads: terms.max_downloads,
        downloads: 0,
    };
    state.stores.shares.put_share(&share).await?;
    let (file, client) = (&share.file, Some(&share.client));
    record(&state, ActivityAction::Shared, &caller, file, client, &info).await;
    Ok(Json(share_json(&share)))
}

async fn delete_share(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    info: ClientInfo,
    Path((raw_name, raw_client)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let not_shared = || {
        ApiError::not_found(
            "share_not_found",
            format!("{raw_name} is not shared with {raw_client}"),
        )
    };
    let name = FileName::parse(&raw_name)?;
    let client = Username::parse(&raw_client).map_err(|_| not_shared())?;
    if state
        .stores
        .shares
        .delete_share(&caller.username, &name, &client)
        .await?
    {
        record(
            &state,
            ActivityAction::Unshared,
            &caller,
            &name,
            Some(&client),
            &info,
        )
        .await;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(not_shared())
    }
}

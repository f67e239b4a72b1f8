//! `GET /client/files/{ops_username}/{file_name}`: a CLIENT gets a short-lived download link
//! to a file they may see, as a 302 redirect or, with `Accept: application/json`, as JSON.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use ezshare_api::ClientInfo;
use ezshare_api::activity::Entry;
use ezshare_api::visible::{file_for_download, record_link_receipt};
use ezshare_api::{
    ApiError, AppState, Endpoint, Path, Route, RouterExt, Secrets, ensure_ops_user, no_store,
    ops_username, wants_json,
};
use ezshare_auth::extract::ClientCaller;
use ezshare_domain::ActivityAction;
use ezshare_domain::{FileName, rfc3339};
use http::header::LOCATION;
use http::{HeaderMap, StatusCode};
use serde_json::json;

const DOWNLOAD: Route = Route::get("/client/files/{ops_username}/{file_name}");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "download",
    package: env!("CARGO_PKG_NAME"),
    routes: &[DOWNLOAD],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(DOWNLOAD, download)
}

async fn download(
    State(state): State<AppState>,
    ClientCaller(caller): ClientCaller,
    info: ClientInfo,
    Path((raw_owner, raw_name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let name = FileName::parse(&raw_name)?;
    let owner = ops_username(&raw_owner)?;
    // A private file the caller has no active share of is as missing as a missing one; a
    // link through a share is counted before it exists.
    let now = time::OffsetDateTime::now_utc();
    let found = file_for_download(&state, &owner, &name, &caller.username, now).await;
    let (file, share) = match found {
        Ok(found) => found,
        Err(e) if e.code() == "file_not_found" => {
            // Nothing found: say so about the user, if it is the user that is missing.
            ensure_ops_user(&state, &owner).await?;
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    // The receipt first: no link leaves without one.
    let receipt = Entry {
        action: ActivityAction::DownloadLinkIssued,
        owner: &owner,
        file: &name,
        actor: &caller,
        client: Some(&caller.username),
        info: &info,
    };
    record_link_receipt(&state, receipt, share.as_ref()).await?;
    let link = state
        .stores
        .files
        .presign_download(&owner, &file, state.settings.download_url_ttl)
        .await?;
    let response = if wants_json(&headers) {
        let mut body = json!({
            "download_link": link.url,
            "expires_at": rfc3339(link.expires_at),
            "message": "success",
        });
        // So the downloader can check what it received.
        if let Some(digest) = &file.sha256 {
            body["sha256"] = json!(digest.to_hex());
        }
        (no_store(), Json(body)).into_response()
    } else {
        (StatusCode::FOUND, no_store(), [(LOCATION, link.url)]).into_response()
    };
    Ok(response)
}

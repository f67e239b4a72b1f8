//! `GET /ops/activity[?file=&action=&limit=&cursor=]`: what happened to the caller's files,
//! newest first — uploads, deletions, visibility changes, shares and download links issued.

use axum::extract::State;
use axum::{Json, Router};
use ezshare_api::listing::paging;
use ezshare_api::{ApiError, AppState, Endpoint, QueryParams, Route, RouterExt, Secrets};
use ezshare_auth::extract::OpsCaller;
use ezshare_domain::{ActivityAction, FileName, rfc3339};
use ezshare_store::{ActivityEvent, ActivityFilter};
use serde_json::{Value, json};

const ACTIVITY: Route = Route::get("/ops/activity");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "activity",
    package: env!("CARGO_PKG_NAME"),
    routes: &[ACTIVITY],
    router,
    secrets: Secrets::JwtSecret,
};

fn router() -> Router<AppState> {
    Router::new().serve(ACTIVITY, activity)
}

fn event_json(e: &ActivityEvent) -> Value {
    json!({
        "id": e.id,
        "at": rfc3339(e.at),
        "action": e.action,
        "owner": e.owner,
        "file": e.file,
        "actor_type": e.actor_type,
        "actor": e.actor,
        "client": e.client,
        "source_ip": e.source_ip,
        "user_agent": e.user_agent,
    })
}

async fn activity(
    State(state): State<AppState>,
    OpsCaller(caller): OpsCaller,
    query: QueryParams,
) -> Result<Json<Value>, ApiError> {
    let (limit, cursor) = paging(&query)?;
    let filter = ActivityFilter {
        file: query.get("file").map(FileName::parse).transpose()?,
        action: query
            .get("action")
            .map(str::parse::<ActivityAction>)
            .transpose()?,
    };
    let page = state
        .stores
        .activity
        .list_activity(&caller.username, &filter, cursor.as_ref(), limit)
        .await?;
    Ok(Json(json!({
        "events": page.events.iter().map(event_json).collect::<Vec<_>>(),
        "next_cursor": page.next_cursor.as_ref().map(|c| c.as_str()),
    })))
}

//! The web client for people: `GET /` (the one page) and `GET /app/{asset}` (its styles, its
//! ES modules, an icon, and `config.json`: who may sign up how, which the login page needs
//! to know before anyone is logged in). Everything is embedded in the binary at compile time; there is no build step
//! and no third-party origin. The page calls the API on its own origin, with the token in
//! `sessionStorage` (see `assets/api.js`).
//!
//! Every answer carries the same security headers: a Content-Security-Policy that allows
//! only this origin (no inline script or style, no framing), `Referrer-Policy: no-referrer`
//! and `X-Content-Type-Options: nosniff`. The one other origin the page may talk to is where
//! direct uploads go (on AWS the files bucket, [`UPLOAD_ORIGIN`]), added to `connect-src`.
//!
//! This function reads no data and no secret ([`Secrets::None`]); its role has no
//! permission beyond its logs.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use ezshare_api::{
    ApiError, AppState, EmailVerification, Endpoint, Route, RouterExt, Secrets, SignupPolicy,
};
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, ETAG, IF_NONE_MATCH, REFERRER_POLICY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use http::{HeaderMap, HeaderValue, StatusCode};

/// The environment variable naming the origin direct uploads are sent to when it is not the
/// page's own (`https://<bucket>.s3.<region>.amazonaws.com` on AWS); unset or empty: none.
pub const UPLOAD_ORIGIN: &str = "UPLOAD_ORIGIN";

const INDEX: Route = Route::get("/");
/// One path segment: the assets are a flat folder, and API Gateway's `{asset}` and axum's
/// capture the same thing.
const ASSET: Route = Route::get("/app/{asset}");

pub const ENDPOINT: Endpoint = Endpoint {
    name: "web",
    package: env!("CARGO_PKG_NAME"),
    routes: &[INDEX, ASSET],
    router,
    secrets: Secrets::None,
};

/// The path of the page's settings (`GET /app/config.json`).
pub const CONFIG_PATH: &str = "/app/config.json";

/// An embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    etag: u64,
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!("../assets/", $name)),
            etag: fnv1a(include_bytes!(concat!("../assets/", $name))),
        }
    };
}

const PAGE: Asset = asset!("index.html", "text/html; charset=utf-8");

/// What `/app/{asset}` serves (besides `config.json`).
const ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("ui.js", "text/javascript; charset=utf-8"),
    asset!("upload.js", "text/javascript; charset=utf-8"),
    // Imported when a direct upload starts, not with the page.
    asset!("sha256.js", "text/javascript; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
];

/// The names `/app/{asset}` serves.
pub fn asset_names() -> impl Iterator<Item = &'static str> {
    ASSETS
        .iter()
        .map(|a| a.name)
        .chain(std::iter::once("config.json"))
}

/// FNV-1a, at compile time: the entity tag of an embedded file (it changes when the file
/// does; collisions only cost a stale copy until the next change, and need a hostile file).
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The Content-Security-Policy of every answer: this origin only, plus `upload_origin` for
/// `connect-src` when direct uploads go elsewhere.
pub fn content_security_policy(upload_origin: Option<&str>) -> String {
    let connect = match upload_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_owned(),
    };
    format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src {connect}; form-action 'self'; base-uri 'none'; object-src 'none'; \
         frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]`, nothing else (no path, no wildcard, nothing that could end the
/// directive): what may stand in `connect-src`.
pub fn parse_origin(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_end_matches('/');
    let rest = raw
        .strip_prefix("https://")
        .or_else(|| raw.strip_prefix("http://"))?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (host_ok && port_ok).then(|| raw.to_ascii_lowercase())
}

/// The router, its upload origin read from [`UPLOAD_ORIGIN`].
fn router() -> Router<AppState> {
    let raw = std::env::var(UPLOAD_ORIGIN).unwrap_or_default();
    let origin = if raw.trim().is_empty() {
        None
    } else {
        let parsed = parse_origin(&raw);
        if parsed.is_none() {
            // A router cannot fail; the page then works for everything but direct uploads
            // to that origin, which the browser refuses (and the log says why).
            tracing::error!(
                setting = UPLOAD_ORIGIN,
                value = %raw,
                "not an origin (https://host[:port]); ignored"
            );
        }
        parsed
    };
    router_with(origin.as_deref())
}

/// The router, with direct uploads allowed to `upload_origin` (besides this origin).
pub fn router_with(upload_origin: Option<&str>) -> Router<AppState> {
    let csp = HeaderValue::try_from(content_security_policy(upload_origin))
        .expect("an origin parse_origin accepted is a header value");
    let (page_csp, asset_csp) = (csp.clone(), csp);
    Router::new()
        .serve(INDEX, move |headers: HeaderMap| async move {
            serve(&PAGE, &headers, &page_csp)
        })
        .serve(
            ASSET,
            move |State(state): State<AppState>, Path(name): Path<String>, headers: HeaderMap| async move {
                asset(&state, &name, &headers, &asset_csp)
            },
        )
}

fn asset(state: &AppState, name: &str, headers: &HeaderMap, csp: &HeaderValue) -> Response {
    if name == "config.json" {
        return secured(config(state).into_response(), csp);
    }
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => serve(asset, headers, csp),
        None => secured(
            ApiError::not_found("not_found", format!("no route for /app/{name}")).into_response(),
            csp,
        ),
    }
}

/// An embedded file: revalidated on every use (`no-cache` with its entity tag), so a new
/// deployment is seen at once and an unchanged file costs a 304.
fn serve(asset: &Asset, headers: &HeaderMap, csp: &HeaderValue) -> Response {
    let etag = HeaderValue::try_from(format!("\"{:016x}\"", asset.etag))
        .expect("hex digits are a header value");
    let matches = headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| {
            let tag = tag.trim();
            tag == "*" || tag.trim_start_matches("W/") == etag.to_str().unwrap_or_default()
        });
    let common = [
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (ETAG, etag),
    ];
    let response = if matches {
        (StatusCode::NOT_MODIFIED, common).into_response()
    } else {
        (
            common,
            [(CONTENT_TYPE, HeaderValue::from_static(asset.content_type))],
            asset.body,
        )
            .into_response()
    };
    secured(response, csp)
}

/// What the login page adapts to before anyone is logged in: who may sign up how. (Upload
/// limits are the API's, `GET /ops/limits`, for OPS users.) Settings can change with a
/// deployment, so never cached.
fn config(state: &AppState) -> Response {
    let s = &state.settings;
    let policy = |p: SignupPolicy| match p {
        SignupPolicy::Open => "open",
        SignupPolicy::Invite => "invite",
    };
    let body = serde_json::json!({
        "ops_signup": policy(s.ops_signup),
        "client_signup": policy(s.client_signup),
        "client_email_required": s.email_verification == EmailVerification::Required,
    });
    (
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        axum::Json(body),
    )
        .into_response()
}

/// The security headers every answer of this function carries.
fn secured(mut response: Response, csp: &HeaderValue) -> Response {
    let headers = response.headers_mut();
    headers.insert(CONTENT_SECURITY_POLICY, csp.clone());
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // frame-ancestors, for browsers that predate it.
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for (raw, want) in [
            (
                "https://b.s3.eu-west-1.amazonaws.com",
                Some("https://b.s3.eu-west-1.amazonaws.com"),
            ),
            ("https://B.example.com/", Some("https://b.example.com")),
            ("http://127.0.0.1:5000", Some("http://127.0.0.1:5000")),
            ("https://example.com/path", None),
            ("https://*.example.com", None),
            ("https://a.com; script-src *", None),
            ("ftp://a.com", None),
            ("https://", None),
            ("https://a.com:", None),
            ("https://a.com:99999x", None),
        ] {
            assert_eq!(parse_origin(raw).as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn the_policy_adds_only_the_upload_origin_to_connect_src() {
        let plain = content_security_policy(None);
        assert!(plain.contains("connect-src 'self';"), "{plain}");
        let aws = content_security_policy(Some("https://b.s3.amazonaws.com"));
        assert!(
            aws.contains("connect-src 'self' https://b.s3.amazonaws.com;"),
            "{aws}"
        );
        assert_eq!(
            aws.matches("https://b.s3.amazonaws.com").count(),
            1,
            "{aws}"
        );
    }

    #[test]
    fn every_asset_has_a_distinct_name_and_tag() {
        let mut names: Vec<_> = asset_names().collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ASSETS.len() + 1);
        let mut tags: Vec<_> = ASSETS.iter().map(|a| a.etag).chain([PAGE.etag]).collect();
        tags.sort();
        tags.dedup();
        assert_eq!(tags.len(), ASSETS.len() + 1);
    }
}

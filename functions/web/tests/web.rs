//! The web client's routes through the production layers (`ezshare_api::finish`, as the
//! local server and the Lambda serve them): the page and its assets with their content
//! types, caching and security headers; unknown assets as the API's JSON 404.

use axum::body::Body;
use ezshare_testkit::{TestApp, TestResponse, get, send};
use http::Request;

async fn app_with(upload_origin: Option<&str>) -> (TestApp, axum::Router) {
    let t = TestApp::new().await;
    let r = t.router(ezshare_web::router_with(upload_origin));
    (t, r)
}

async fn fetch(path: &str) -> TestResponse {
    let (_t, r) = app_with(None).await;
    send(&r, get(path, None)).await
}

#[track_caller]
fn assert_secured(res: &TestResponse) {
    let csp = res.header("content-security-policy").expect("a CSP");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(res.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(res.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(res.header("x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn the_page_is_html_with_the_security_headers() {
    let res = fetch("/").await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    assert!(res.header("etag").is_some_and(|t| t.starts_with('"')));
    assert_secured(&res);
    let html = res.text();
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert_eq!(html.matches("<h1").count(), 1, "one h1");
    assert!(html.contains(r#"<script type="module" src="/app/app.js"></script>"#));
}

#[tokio::test]
async fn the_page_has_no_inline_script_or_style_and_no_other_origin() {
    let html = fetch("/").await.text();
    // Every <script> has a src; no style element or attribute; no event handler attribute.
    assert_eq!(
        html.matches("<script").count(),
        html.matches("<script type=\"module\" src=\"/app/").count()
    );
    for needle in [
        "<style",
        " style=",
        " onclick=",
        " onload=",
        "javascript:",
        "http://",
        "https://",
    ] {
        assert!(!html.contains(needle), "{needle} in the page");
    }
    for asset in ezshare_web::asset_names().filter(|n| n.ends_with(".js")) {
        let js = fetch(&format!("/app/{asset}")).await.text();
        for needle in [
            "eval(",
            "new Function",
            "innerHTML",
            "http://",
            "https://",
            "localStorage",
        ] {
            assert!(!js.contains(needle), "{needle} in {asset}");
        }
    }
}

#[tokio::test]
async fn every_asset_has_its_content_type() {
    for (asset, content_type) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("ui.js", "text/javascript; charset=utf-8"),
        ("upload.js", "text/javascript; charset=utf-8"),
        ("sha256.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
        ("icon.svg", "image/svg+xml"),
    ] {
        let res = fetch(&format!("/app/{asset}")).await;
        assert_eq!(res.status, 200, "{asset}");
        assert_eq!(res.header("content-type"), Some(content_type), "{asset}");
        assert_eq!(res.header("cache-control"), Some("no-cache"), "{asset}");
        assert!(!res.body.is_empty(), "{asset}");
        assert_secured(&res);
    }
}

#[tokio::test]
async fn the_modules_import_only_modules_that_are_served() {
    let served: Vec<&str> = ezshare_web::asset_names().collect();
    for asset in served.iter().filter(|n| n.ends_with(".js")) {
        let js = fetch(&format!("/app/{asset}")).await.text();
        for line in js.lines().filter(|l| l.starts_with("import ")) {
            let target = line
                .rsplit_once("from \"./")
                .and_then(|(_, rest)| rest.split_once('"'))
                .map(|(name, _)| name)
                .unwrap_or_else(|| panic!("{asset}: import without a relative path: {line}"));
            assert!(served.contains(&target), "{asset} imports {target}");
        }
        // Dynamic imports: import("./name.js").
        for (_, rest) in js
            .match_indices("import(\"./")
            .map(|(at, _)| js.split_at(at + 10))
        {
            let target = rest.split_once('"').map(|(name, _)| name).unwrap();
            assert!(served.contains(&target), "{asset} imports {target} later");
        }
    }
}

#[tokio::test]
async fn an_unchanged_asset_is_a_304() {
    let (_t, r) = app_with(None).await;
    let first = send(&r, get("/app/app.js", None)).await;
    let tag = first.header("etag").unwrap().to_owned();
    let again = Request::get("/app/app.js")
        .header("if-none-match", &tag)
        .body(Body::empty())
        .unwrap();
    let res = send(&r, again).await;
    assert_eq!(res.status, 304);
    assert!(res.body.is_empty());
    assert_eq!(res.header("etag"), Some(tag.as_str()));
    assert_secured(&res);
    let other = Request::get("/app/app.js")
        .header("if-none-match", "\"0000000000000000\"")
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&r, other).await.status, 200);
}

#[tokio::test]
async fn an_unknown_asset_is_the_apis_json_404() {
    for path in ["/app/nope.js", "/app/..%2Fsrc%2Flib.rs", "/app/index.html"] {
        let res = fetch(path).await;
        res.assert_error(404, "not_found");
        assert_secured(&res);
    }
    // Deeper paths are not routes of this function at all: the API's own fallback.
    fetch("/app/a/b.js").await.assert_error(404, "not_found");
}

#[tokio::test]
async fn other_methods_are_the_apis_405() {
    let (_t, r) = app_with(None).await;
    for path in ["/", "/app/app.js"] {
        let req = Request::post(path).body(Body::empty()).unwrap();
        send(&r, req).await.assert_error(405, "method_not_allowed");
    }
}

#[tokio::test]
async fn the_upload_origin_is_added_to_connect_src() {
    let (_t, r) = app_with(Some("https://files.s3.eu-west-1.amazonaws.com")).await;
    let res = send(&r, get("/", None)).await;
    let csp = res.header("content-security-policy").unwrap();
    assert!(
        csp.contains("connect-src 'self' https://files.s3.eu-west-1.amazonaws.com;"),
        "{csp}"
    );
    let local = fetch("/").await;
    assert!(
        local
            .header("content-security-policy")
            .unwrap()
            .contains("connect-src 'self';")
    );
}

#[tokio::test]
async fn the_config_tells_the_page_the_servers_settings() {
    let res = fetch(ezshare_web::CONFIG_PATH).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_secured(&res);
    let body = res.json();
    assert_eq!(body["ops_signup"], "invite");
    assert_eq!(body["client_signup"], "open");
    assert_eq!(body["client_email_required"], false);
    assert_eq!(body.as_object().unwrap().len(), 3, "{body}");

    let t = TestApp::with_settings(TestApp::open_signup()).await;
    let r = t.router(ezshare_web::ENDPOINT.router());
    let body = send(&r, get(ezshare_web::CONFIG_PATH, None)).await.json();
    assert_eq!(body["ops_signup"], "open");
}

#[tokio::test]
async fn the_first_page_is_small() {
    // What a first visit transfers (uncompressed): the page, its stylesheet and the modules
    // imported at start (all but sha256.js, imported when a direct upload starts), the icon
    // and the settings.
    let mut total = fetch("/").await.body.len();
    for asset in ezshare_web::asset_names().filter(|a| *a != "sha256.js") {
        total += fetch(&format!("/app/{asset}")).await.body.len();
    }
    assert!(total <= 50 * 1024, "{total} bytes");
}

#[tokio::test]
async fn the_endpoint_reads_no_secret() {
    assert_eq!(ezshare_web::ENDPOINT.secrets, ezshare_api::Secrets::None);
    let paths: Vec<&str> = ezshare_web::ENDPOINT
        .routes
        .iter()
        .map(|r| r.path)
        .collect();
    assert_eq!(paths, ["/", "/app/{asset}"]);
}

//! The `events/*.json` fixtures, and the Lambda request path without AWS: an API Gateway
//! HTTP API event goes through `lambda_http`'s own conversion into the very routers the
//! Lambda binaries serve, on an embedded backend. Fast, and needs neither moto nor cargo
//! lambda; `lambda_invoke.rs` runs the same fixtures through the real binaries.

use std::collections::BTreeMap;

use crate::support::events::{Event, functions, path_encode};
use axum::body::Body;
use ezshare_domain::UserType;
use ezshare_testkit::{TestApp, send};
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_http::request::RequestContext;
use lambda_http::{RequestExt, request::from_str as lambda_request};
use serde_json::Value;

/// The routes each function's binary serves, by binary name.
#[test]
fn every_fixture_is_an_http_api_v2_event() {
    for function in functions() {
        let event = Event::load(function);
        let parsed: ApiGatewayV2httpRequest = serde_json::from_value(event.json.clone())
            .unwrap_or_else(|e| panic!("{function}.json: {e}"));
        assert_eq!(parsed.version.as_deref(), Some("2.0"), "{function}");
        let route_key = parsed.route_key.clone().expect("routeKey");
        let context = &parsed.request_context;
        assert_eq!(context.route_key.as_deref(), Some(route_key.as_str()));
        assert_eq!(context.stage.as_deref(), Some("$default"), "{function}");
        let (method, _) = route_key.split_once(' ').unwrap();
        assert_eq!(context.http.method.as_str(), method, "{function}");
        assert_eq!(
            parsed.raw_path.as_deref(),
            Some(context.http.path.as_deref().unwrap()),
            "{function}: rawPath and requestContext.http.path agree"
        );
        assert!(context.http.source_ip.is_some(), "{function}: sourceIp");
        assert!(
            parsed.raw_query_string.is_some(),
            "{function}: rawQueryString"
        );
        // API Gateway lowercases header names; the JSON must too (HeaderMap would hide it).
        for name in event.json["headers"].as_object().unwrap().keys() {
            assert_eq!(
                name,
                &name.to_ascii_lowercase(),
                "{function}: header {name}"
            );
        }
        assert!(parsed.headers.contains_key("host"), "{function}");
        if let Some(length) = event.header("content-length") {
            assert_eq!(
                length.parse::<usize>().unwrap(),
                event.body_bytes().len(),
                "{function}: content-length is the decoded body's"
            );
        }
        // What the Lambda runtime does with it: lambda_http recognises an HTTP API event.
        let request = lambda_request(&event.text()).unwrap();
        assert!(
            matches!(
                request.request_context_ref(),
                Some(RequestContext::ApiGatewayV2(_))
            ),
            "{function}: lambda_http reads it as API Gateway v2"
        );
        assert_eq!(request.uri().path(), parsed.raw_path.as_deref().unwrap());
    }
}

#[test]
fn path_parameters_are_what_the_raw_path_holds() {
    for function in functions() {
        let event = Event::load(function);
        let route = event.route_key().split_once(' ').unwrap().1.to_owned();
        let names: Vec<&str> = route
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let params: BTreeMap<String, String> = match &event.json["pathParameters"] {
            Value::Null => BTreeMap::new(),
            v => serde_json::from_value(v.clone()).unwrap(),
        };
        let mut keys: Vec<&str> = params.keys().map(String::as_str).collect();
        keys.sort();
        let mut wanted = names.clone();
        wanted.sort();
        assert_eq!(keys, wanted, "{function}: pathParameters");
        let mut expected = route.clone();
        for (name, value) in &params {
            expected = expected.replace(&format!("{{{name}}}"), &path_encode(value));
        }
        assert_eq!(
            event.json["rawPath"], expected,
            "{function}: rawPath is the route with its (percent-encoded) parameters"
        );
    }
}

#[test]
fn the_upload_fixture_carries_a_binary_file_base64_encoded() {
    let event = Event::load("upload");
    assert_eq!(event.json["isBase64Encoded"], true);
    assert!(
        event
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    let (file_name, bytes) = event.upload_part();
    assert_eq!(file_name, "q3 report.pdf");
    assert!(bytes.starts_with(b"%PDF-"), "a (tiny) PDF");
    assert!(std::str::from_utf8(&bytes).is_err(), "not valid UTF-8");
    for needle in [&b"\x00"[..], b"\xff", b"\r\n", b"\r\r", b"\r\n--"] {
        assert!(
            bytes.windows(needle.len()).any(|w| w == needle),
            "contains {needle:?}"
        );
    }
    assert!(
        bytes.ends_with(b"%%EOF\r\n"),
        "ends with CR LF, inside the part"
    );
    // The direct-upload announcement declares the same file's size.
    let announced = serde_json::from_slice::<Value>(&Event::load("uploads").body_bytes()).unwrap();
    assert_eq!(announced["size"], bytes.len());
    // The fixtures that need a session say so instead of carrying a stale token (a browser
    // asks for the web client's page with none).
    for function in functions().filter(|f| !["signup", "login", "web"].contains(f)) {
        let auth = Event::load(function)
            .header("authorization")
            .unwrap()
            .to_owned();
        assert!(
            auth.starts_with("Bearer REPLACE-WITH-A-"),
            "{function}: {auth}"
        );
    }
}

/// Runs an event as the Lambda runtime would: `lambda_http` deserialises and converts it,
/// then the router answers it. Returns the response.
async fn handle(app: &TestApp, event: &Event) -> ezshare_testkit::TestResponse {
    let request = lambda_request(&event.text()).expect("lambda_http accepts the event");
    // As the Lambda entry point does: API Gateway's sourceIp onto the request.
    let request = ezshare_api::from_lambda_context(request);
    let router = app.router(ezshare::routes());
    send(&router, request.map(Body::new)).await
}

#[tokio::test]
async fn the_upload_event_stores_exactly_the_bytes_of_its_part() {
    let app = TestApp::new().await;
    let bearer = app.bearer(UserType::Ops, "opsuser").await;
    let event = Event::load("upload").with_bearer(&bearer);
    let (name, sent) = event.upload_part();

    let response = handle(&app, &event).await;
    assert_eq!(response.status, 201, "{}", response.text());
    let body = response.json();
    assert_eq!(body["name"], name.as_str());
    assert_eq!(body["size"], sent.len());
    assert_eq!(body["content_type"], "application/pdf");
    let stored = app.stored_bytes("opsuser", &name).await.expect("stored");
    assert_eq!(stored, sent, "stored bytes are the part's, byte for byte");
}

/// What the byte-identical checks guard against: a binary body that reaches the function as
/// text (`isBase64Encoded: false`, as when a gateway is not told the body is binary) has
/// already lost its non-UTF-8 bytes, and no parser downstream can get them back. API Gateway
/// HTTP APIs base64-encode such bodies; the fixture does the same.
#[tokio::test]
async fn a_binary_body_delivered_as_text_is_what_corrupts_uploads() {
    let app = TestApp::new().await;
    let bearer = app.bearer(UserType::Ops, "opsuser").await;
    let good = Event::load("upload").with_bearer(&bearer);
    let (name, sent) = good.upload_part();
    let lossy = String::from_utf8_lossy(&good.body_bytes()).into_owned();
    let content_type = good.header("content-type").unwrap().to_owned();
    let bad = good.with_body(&content_type, lossy.as_bytes(), true);

    let response = handle(&app, &bad).await;
    assert_eq!(response.status, 201, "{}", response.text());
    let stored = app.stored_bytes("opsuser", &name).await.unwrap();
    assert_ne!(stored, sent, "the corruption is detectable");
    assert!(
        stored.windows(3).any(|w| w == "\u{FFFD}".as_bytes()),
        "invalid bytes became U+FFFD"
    );
}

#[tokio::test]
async fn every_fixture_reaches_its_handler_in_process() {
    let app = TestApp::new().await;
    // The web client's page, to a browser without a token, with its security headers.
    let r = handle(&app, &Event::load("web")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert!(
        r.header("content-security-policy")
            .is_some_and(|csp| csp.contains("frame-ancestors 'none'")),
        "{:?}",
        r.headers
    );
    // OPS signup is by invitation: the fixture's placeholder code is refused, a real one
    // (as `ezshare invite` makes) creates the user; login as it is logs it in.
    let r = handle(&app, &Event::load("signup")).await;
    r.assert_error(403, "invalid_invite");
    let code = app.invite(UserType::Ops, None).await;
    let r = handle(&app, &Event::load("signup").with_invite(&code)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let r = handle(&app, &Event::load("login")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let ops_token = r.json()["token"].as_str().unwrap().to_owned();
    let r = handle(&app, &Event::load("invites").with_bearer(&ops_token)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["user_type"], "client");
    let r = handle(&app, &Event::load("upload").with_bearer(&ops_token)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let client = app.bearer(UserType::Client, "client1").await;
    // Private by default: the client sees nothing until the file is shared with them.
    let r = handle(&app, &Event::load("list-files").with_bearer(&client)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["files"], serde_json::json!([]));
    let r = handle(&app, &Event::load("shares").with_bearer(&ops_token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["client_username"], "client1");
    assert_eq!(r.json()["max_downloads"], 2);
    let r = handle(&app, &Event::load("list-files").with_bearer(&client)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["files"][0]["name"], "q3 report.pdf");
    assert_eq!(r.json()["files"][0]["downloads_left"], 2);
    let r = handle(&app, &Event::load("download").with_bearer(&client)).await;
    assert_eq!(r.status, 302, "{}", r.text());
    assert!(r.header("location").is_some());
    // The receipt, with API Gateway's sourceIp (the fixture's requestContext.http).
    let r = handle(&app, &Event::load("activity").with_bearer(&ops_token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let events = r.json()["events"].clone();
    assert_eq!(events.as_array().unwrap().len(), 1, "{events}");
    assert_eq!(events[0]["action"], "download_link_issued");
    assert_eq!(events[0]["client"], "client1");
    assert_eq!(events[0]["source_ip"], "203.0.113.42");
    assert_eq!(events[0]["user_agent"], "curl/8.5.0");
    let r = handle(&app, &Event::load("ops-files").with_bearer(&ops_token)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["files"][0]["name"], "q3 report.pdf");
    let r = handle(&app, &Event::load("delete-file").with_bearer(&ops_token)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(app.stored_bytes("opsuser", "q3 report.pdf").await, None);
    // Direct uploads: the announcement answers with a URL to send the bytes to; completing
    // an upload that never received them is a 404.
    let r = handle(&app, &Event::load("uploads").with_bearer(&ops_token)).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.json()["upload_url"].is_string());
    let r = handle(
        &app,
        &Event::load("complete-upload").with_bearer(&ops_token),
    )
    .await;
    r.assert_error(404, "upload_not_found");
    let r = handle(&app, &Event::load("logout").with_bearer(&client)).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = handle(&app, &Event::load("list-files").with_bearer(&client)).await;
    r.assert_error(401, "unauthorized");
    // Unchanged, a fixture's placeholder token is refused, not mistaken for a session.
    let r = handle(&app, &Event::load("upload")).await;
    r.assert_error(401, "unauthorized");
}

//! Handler-level faults on the AWS backend: the real routers (`ezshare::routes()` finished
//! with `ezshare_api::finish`, as every Lambda binary and `serve` do) on an `AwsBackend`
//! over moto, driven in-process with `tower::ServiceExt::oneshot`.
//!
//! Two kinds of fault:
//! - moto itself stopped and restarted (a whole-backend outage; moto comes back empty);
//! - faults injected into one chosen AWS call by wrapping the SDK's HTTP client, while moto
//!   keeps its data. These fail a request *between* its steps (e.g. a login whose user
//!   lookup succeeded but whose session write failed) and let the test look afterwards at
//!   what the failed request left behind, which a restarted (empty) moto cannot show.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crate::support::aws::{AwsStack, JWT_SECRET};
use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode as SmithyStatus;
use aws_smithy_types::body::SdkBody;
use axum::Router;
use axum::body::Body;
use ezshare_api::AppState;
use ezshare_auth::JwtSecret;
use ezshare_store::aws::AwsBackend;
use ezshare_testkit::{FilePart, TestResponse, get, json_request, multipart_body, post_json, send};
use http::Request;
use serde_json::json;

// ---------------------------------------------------------------------------------------
// Fault injection: an HTTP client around the SDK's own that fails the calls a rule picks.

/// What the injected fault looks like to the SDK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Injected {
    /// No response at all, as from a refused connection.
    Refuse,
    /// The service's "slow down": DynamoDB's ProvisionedThroughputExceededException, S3's
    /// 503 SlowDown.
    Throttle,
    /// DynamoDB AccessDeniedException: a permission problem, not an outage.
    Deny,
    /// S3's 412 PreconditionFailed: an `If-Match` that no longer holds (the object was
    /// replaced).
    PreconditionFailed,
}

/// Which calls fail.
#[derive(Debug, Clone)]
enum Target {
    /// A DynamoDB operation on one table (`PutItem`, `GetItem`, `DeleteItem`, …).
    Dynamo { op: &'static str, table: String },
    /// An S3 call by HTTP method (`PUT` is PutObject; `GET` lists and reads).
    S3 { method: &'static str },
}

#[derive(Debug, Default)]
struct Faults {
    rule: Mutex<Option<(Target, Injected)>>,
    /// Every call that went through, `dynamodb GetItem <table>` / `s3 PUT <path>`, with
    /// `!` in front of those that were failed.
    calls: Mutex<Vec<String>>,
    /// The `x-amz-copy-source-if-match` of every S3 copy request (`None`: unconditional).
    copy_conditions: Mutex<Vec<Option<String>>>,
    injected: AtomicUsize,
}

impl Faults {
    fn fail(&self, target: Target, injected: Injected) {
        *self.rule.lock().unwrap() = Some((target, injected));
        self.calls.lock().unwrap().clear();
        self.injected.store(0, Ordering::SeqCst);
    }

    fn heal(&self) -> usize {
        *self.rule.lock().unwrap() = None;
        self.injected.load(Ordering::SeqCst)
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    /// The fault to inject into this call, if any; records the call either way.
    fn check(&self, request: &HttpRequest) -> Option<(bool, Injected)> {
        let (label, dynamo) = describe(request);
        if request.headers().get("x-amz-copy-source").is_some() {
            let condition = request.headers().get("x-amz-copy-source-if-match");
            self.copy_conditions
                .lock()
                .unwrap()
                .push(condition.map(str::to_owned));
        }
        let rule = self.rule.lock().unwrap().clone();
        let hit = rule.and_then(|(target, injected)| {
            let matches = match (&target, &dynamo) {
                (Target::Dynamo { op, table }, Some((o, t))) => op == o && table == t,
                (Target::S3 { method }, None) => request.method() == *method,
                _ => false,
            };
            matches.then_some((dynamo.is_some(), injected))
        });
        let mark = if hit.is_some() { "!" } else { "" };
        self.calls.lock().unwrap().push(format!("{mark}{label}"));
        if hit.is_some() {
            self.injected.fetch_add(1, Ordering::SeqCst);
        }
        hit
    }
}

/// `("dynamodb <Op> <table>", Some((op, table)))` or `("s3 <METHOD> <path>", None)`.
fn describe(request: &HttpRequest) -> (String, Option<(String, String)>) {
    if let Some(op) = request
        .headers()
        .get("x-amz-target")
        .and_then(|t| t.strip_prefix("DynamoDB_20120810."))
    {
        let table = request
            .body()
            .bytes()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(b).ok())
            .and_then(|v| v["TableName"].as_str().map(str::to_owned))
            .unwrap_or_default();
        return (
            format!("dynamodb {op} {table}"),
            Some((op.to_owned(), table)),
        );
    }
    let path = request.uri().split('?').next().unwrap_or_default();
    let path = path.splitn(4, '/').nth(3).map_or(path, |p| p);
    (format!("s3 {} /{path}", request.method()), None)
}

fn response(dynamo: bool, injected: Injected) -> Result<HttpResponse, ConnectorError> {
    let (status, content_type, body) = match (injected, dynamo) {
        (Injected::Refuse, _) => {
            return Err(ConnectorError::io(
                "injected fault: connection refused".into(),
            ));
        }
        (Injected::Throttle, true) => (
            400,
            "application/x-amz-json-1.0",
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"injected throttling"}"#,
        ),
        (Injected::Throttle, false) => (
            503,
            "application/xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>injected</Message></Error>"#,
        ),
        (Injected::PreconditionFailed, _) => (
            412,
            "application/xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>injected</Message></Error>"#,
        ),
        (Injected::Deny, _) => (
            400,
            "application/x-amz-json-1.0",
            r#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"injected: not authorized to perform dynamodb:GetItem"}"#,
        ),
    };
    let mut response =
        HttpResponse::new(SmithyStatus::try_from(status).unwrap(), SdkBody::from(body));
    response.headers_mut().insert("content-type", content_type);
    Ok(response)
}

#[derive(Debug, Clone)]
struct FaultyClient {
    inner: SharedHttpClient,
    faults: Arc<Faults>,
}

impl HttpClient for FaultyClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(FaultyConnector {
            inner: self.inner.http_connector(settings, components),
            faults: self.faults.clone(),
        })
    }
}

#[derive(Debug)]
struct FaultyConnector {
    inner: SharedHttpConnector,
    faults: Arc<Faults>,
}

impl HttpConnector for FaultyConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        match self.faults.check(&request) {
            Some((dynamo, injected)) => HttpConnectorFuture::ready(response(dynamo, injected)),
            None => self.inner.call(request),
        }
    }
}

/// The emulator's SDK config, with every call going through `faults`.
async fn faulty_sdk(stack: &AwsStack, faults: Arc<Faults>) -> SdkConfig {
    let inner = ezshare_store::aws::sdk::https_client();
    stack
        .sdk()
        .await
        .into_builder()
        .http_client(FaultyClient { inner, faults })
        .build()
}

// ---------------------------------------------------------------------------------------
// The app under test.

struct Rig {
    stack: AwsStack,
    faults: Arc<Faults>,
    /// Built once: the outage tests prove the same state and clients recover.
    router: Router,
}

impl Rig {
    async fn start() -> Rig {
        let stack = AwsStack::start();
        bootstrap(&stack).await;
        let faults = Arc::new(Faults::default());
        let sdk = faulty_sdk(&stack, faults.clone()).await;
        let backend = AwsBackend::new(&sdk, stack.names.clone());
        let secret = JwtSecret::parse(JWT_SECRET.as_bytes(), "JWT_SECRET").unwrap();
        // The original open behaviour: these tests are about storage failing, not sharing.
        let settings = ezshare_testkit::TestApp::original_behaviour();
        let state = AppState::new(backend.stores(), &secret, settings);
        Rig {
            router: ezshare_api::finish(ezshare::routes(), state),
            stack,
            faults,
        }
    }

    async fn send(&self, request: Request<Body>) -> TestResponse {
        send(&self.router, request).await
    }

    async fn signup(&self, kind: &str, username: &str) -> TestResponse {
        self.send(post_json(
            &format!("/{kind}/signup"),
            json!({"username": username, "password": PASSWORD}),
        ))
        .await
    }

    async fn login(&self, kind: &str, username: &str) -> TestResponse {
        let mut request = post_json(
            &format!("/{kind}/login"),
            json!({"username": username, "password": PASSWORD}),
        );
        request
            .headers_mut()
            .insert("accept", "application/json".parse().unwrap());
        self.send(request).await
    }

    /// Signs up and logs in; `Bearer …`.
    async fn user(&self, kind: &str, username: &str) -> String {
        let r = self.signup(kind, username).await;
        assert_eq!(r.status, 201, "{}", r.text());
        let r = self.login(kind, username).await;
        assert_eq!(r.status, 200, "{}", r.text());
        format!("Bearer {}", r.json()["token"].as_str().unwrap())
    }

    async fn upload(&self, bearer: &str, name: &str, bytes: &[u8]) -> TestResponse {
        let (content_type, body) = multipart_body(&[FilePart {
            field: "request_file",
            file_name: Some(name),
            content_type: Some("application/pdf"),
            bytes,
        }]);
        let request = Request::post("/ops/upload")
            .header("authorization", bearer)
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    async fn list(&self, bearer: &str, owner: &str) -> TestResponse {
        self.send(get(&format!("/client/files/{owner}"), Some(bearer)))
            .await
    }

    async fn download(&self, bearer: &str, owner: &str, name: &str) -> TestResponse {
        let name = name.replace(' ', "%20");
        self.send(get(&format!("/client/files/{owner}/{name}"), Some(bearer)))
            .await
    }

    async fn logout(&self, bearer: &str) -> TestResponse {
        let request = Request::post("/logout")
            .header("authorization", bearer)
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    /// Announces a direct upload and PUTs its bytes straight to moto, as a client does:
    /// (upload id, the staged object's ETag).
    async fn stage_direct(&self, bearer: &str, name: &str, bytes: &[u8]) -> (String, String) {
        let announce =
            json!({"name": name, "size": bytes.len(), "content_type": "application/pdf"});
        let r = self
            .send(json_request(
                "POST",
                "/ops/uploads",
                Some(bearer),
                Some(announce),
            ))
            .await;
        assert_eq!(r.status, 201, "{}", r.text());
        let created = r.json();
        let mut put = crate::support::client()
            .put(created["upload_url"].as_str().unwrap())
            .body(bytes.to_vec());
        for (name, value) in created["headers"].as_object().unwrap() {
            if !name.eq_ignore_ascii_case("content-length") {
                put = put.header(name, value.as_str().unwrap());
            }
        }
        let sent = put.send().await.unwrap();
        assert!(sent.status().is_success(), "{}", sent.status());
        let etag = sent.headers()["etag"].to_str().unwrap().to_owned();
        (created["upload_id"].as_str().unwrap().to_owned(), etag)
    }

    async fn complete(&self, bearer: &str, upload_id: &str) -> TestResponse {
        let uri = format!("/ops/uploads/{upload_id}/complete");
        self.send(json_request("POST", &uri, Some(bearer), None))
            .await
    }

    fn users_table(&self) -> String {
        self.stack.names.users_table.clone()
    }

    fn sessions_table(&self) -> String {
        self.stack.names.sessions_table.clone()
    }
}

const PASSWORD: &str = "a-long-enough-password";
const PDF: &[u8] = b"%PDF-1.4\r\n%\xe2\xe3\xcf\xd3\r\n\x00\xff binary \r\n--\x00 %%EOF\r\n";

async fn bootstrap(stack: &AwsStack) {
    ezshare_store::aws::bootstrap(&stack.sdk().await, &stack.names)
        .await
        .expect("bootstrap");
}

/// 503, the JSON error contract, and a Retry-After.
#[track_caller]
fn assert_unavailable(r: &TestResponse, what: &str) {
    assert_eq!(r.status, 503, "{what}: {}", r.text());
    r.assert_error(503, "service_unavailable");
    assert_eq!(r.header("retry-after"), Some("2"), "{what}");
    let message = r.json()["error"]["message"].as_str().unwrap().to_owned();
    assert!(
        !message.contains("dispatch") && !message.contains("127.0.0.1"),
        "{what}: no internals in the message: {message}"
    );
}

// ---------------------------------------------------------------------------------------
// A whole-backend outage: moto stopped, then restarted empty.

#[tokio::test]
async fn a_moto_outage_is_503_everywhere_and_the_same_state_recovers_after_restart() {
    let rig = Rig::start().await;
    let ops = rig.user("ops", "opsa").await;
    let client = rig.user("client", "clia").await;
    assert_eq!(rig.upload(&ops, "a.pdf", PDF).await.status, 201);

    rig.stack.moto.stop();
    let during = [
        ("ops signup", rig.signup("ops", "opsb").await),
        ("client signup", rig.signup("client", "clib").await),
        ("ops login", rig.login("ops", "opsa").await),
        ("client login", rig.login("client", "clia").await),
        ("upload", rig.upload(&ops, "b.pdf", PDF).await),
        ("list", rig.list(&client, "opsa").await),
        ("download", rig.download(&client, "opsa", "a.pdf").await),
        ("logout", rig.logout(&client).await),
    ];
    for (what, r) in &during {
        assert_unavailable(r, what);
    }

    rig.stack.moto.restart();
    // moto lost everything: recreate the tables and bucket. The app's state, stores and SDK
    // clients are the ones built before the outage.
    bootstrap(&rig.stack).await;
    // The next request succeeds.
    let r = rig.signup("ops", "opsa").await;
    assert_eq!(r.status, 201, "{}", r.text());
    // Nothing the failed requests attempted exists (moto is empty anyway; the injected
    // fault tests below check this against a backend that kept its data).
    rig.login("ops", "opsb")
        .await
        .assert_error(401, "invalid_credentials");
    assert_eq!(rig.stack.item_count(&rig.sessions_table()).await, 0);
    let r = rig.login("ops", "opsa").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let ops = format!("Bearer {}", r.json()["token"].as_str().unwrap());
    let client = rig.user("client", "clia").await;
    let r = rig.list(&client, "opsa").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["files"], json!([]), "no b.pdf");
    assert_eq!(rig.upload(&ops, "b.pdf", PDF).await.status, 201);
    let r = rig.download(&client, "opsa", "b.pdf").await;
    assert_eq!(r.status, 302, "{}", r.text());
    assert_eq!(rig.logout(&client).await.status, 204);
    rig.list(&client, "opsa")
        .await
        .assert_error(401, "unauthorized");
}

// ---------------------------------------------------------------------------------------
// One call failed, the rest of the backend (and its data) intact.

#[tokio::test]
async fn a_signup_whose_write_fails_leaves_no_user() {
    let rig = Rig::start().await;
    let table = rig.users_table();
    rig.faults.fail(
        Target::Dynamo {
            op: "PutItem",
            table: table.clone(),
        },
        Injected::Refuse,
    );
    assert_unavailable(&rig.signup("ops", "opsx").await, "signup");
    assert!(rig.faults.heal() > 0, "the fault was hit");

    assert_eq!(rig.stack.item_count(&table).await, 0);
    rig.login("ops", "opsx")
        .await
        .assert_error(401, "invalid_credentials");
    // The name is free: no half-created user holds it.
    let r = rig.signup("ops", "opsx").await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(rig.stack.item_count(&table).await, 1);
}

#[tokio::test]
async fn a_login_whose_session_write_fails_leaves_no_session() {
    let rig = Rig::start().await;
    assert_eq!(rig.signup("ops", "opsx").await.status, 201);
    let sessions = rig.sessions_table();
    rig.faults.fail(
        Target::Dynamo {
            op: "PutItem",
            table: sessions.clone(),
        },
        Injected::Refuse,
    );
    assert_unavailable(&rig.login("ops", "opsx").await, "login");
    let calls = rig.faults.calls();
    assert!(rig.faults.heal() > 0, "the fault was hit");
    // Between steps: the user was found and the password checked before the write failed
    // (beside it only the throttle's counters, which the right password resets).
    let users_read = format!("dynamodb GetItem {}", rig.users_table());
    let failed = calls.iter().position(|c| c.starts_with('!')).unwrap();
    assert!(calls[..failed].contains(&users_read), "{calls:?}");
    let attempts = rig.stack.names.attempts_table.clone();
    assert!(
        calls[failed..]
            .iter()
            .all(|c| c.starts_with('!') || c.ends_with(&attempts)),
        "{calls:?}"
    );

    assert_eq!(rig.stack.item_count(&sessions).await, 0);
    let r = rig.login("ops", "opsx").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(rig.stack.item_count(&sessions).await, 1);
}

#[tokio::test]
async fn an_upload_whose_store_fails_leaves_no_file() {
    let rig = Rig::start().await;
    let ops = rig.user("ops", "opsx").await;
    let client = rig.user("client", "clix").await;
    rig.faults
        .fail(Target::S3 { method: "PUT" }, Injected::Refuse);
    assert_unavailable(&rig.upload(&ops, "q3 report.pdf", PDF).await, "upload");
    let calls = rig.faults.calls();
    assert!(rig.faults.heal() > 0, "the fault was hit");
    // Between steps: the caller's session was checked before the write failed.
    let session_read = format!("dynamodb GetItem {}", rig.sessions_table());
    assert_eq!(calls.first(), Some(&session_read), "{calls:?}");

    let r = rig.list(&client, "opsx").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["files"], json!([]));
    rig.download(&client, "opsx", "q3 report.pdf")
        .await
        .assert_error(404, "file_not_found");
    assert_eq!(rig.stack.object_key("opsx", "q3 report.pdf").await, None);
    // No phantom blocks the name: the same upload, without ?overwrite, is created.
    let r = rig.upload(&ops, "q3 report.pdf", PDF).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let stored = rig.stack.file_bytes("opsx", "q3 report.pdf").await;
    assert!(
        stored.as_deref() == Some(PDF),
        "the retry's bytes are stored"
    );
}

#[tokio::test]
async fn a_logout_whose_delete_fails_keeps_the_session_for_a_retry() {
    let rig = Rig::start().await;
    assert_eq!(rig.signup("ops", "opsx").await.status, 201);
    let client = rig.user("client", "clix").await;
    rig.faults.fail(
        Target::Dynamo {
            op: "DeleteItem",
            table: rig.sessions_table(),
        },
        Injected::Refuse,
    );
    assert_unavailable(&rig.logout(&client).await, "logout");
    assert!(rig.faults.heal() > 0, "the fault was hit");
    // Still logged in, and the retry works.
    assert_eq!(rig.list(&client, "opsx").await.status, 200);
    assert_eq!(rig.logout(&client).await.status, 204);
    rig.list(&client, "opsx")
        .await
        .assert_error(401, "unauthorized");
}

#[tokio::test]
async fn throttling_is_503_with_retry_after_and_a_denial_is_an_opaque_500() {
    let rig = Rig::start().await;
    let client = rig.user("client", "clix").await;
    assert_eq!(rig.signup("ops", "opsx").await.status, 201);

    rig.faults.fail(
        Target::Dynamo {
            op: "GetItem",
            table: rig.users_table(),
        },
        Injected::Throttle,
    );
    assert_unavailable(&rig.login("ops", "opsx").await, "throttled login");
    assert!(rig.faults.heal() > 0);

    rig.faults.fail(
        Target::Dynamo {
            op: "Query",
            table: rig.stack.names.files_table.clone(),
        },
        Injected::Throttle,
    );
    assert_unavailable(&rig.list(&client, "opsx").await, "throttled listing");
    assert!(rig.faults.heal() > 0);

    // Not an outage: a permission problem is a 500 that says nothing about the cause.
    rig.faults.fail(
        Target::Dynamo {
            op: "GetItem",
            table: rig.users_table(),
        },
        Injected::Deny,
    );
    let r = rig.login("ops", "opsx").await;
    assert!(rig.faults.heal() > 0);
    r.assert_error(500, "internal_error");
    assert_eq!(r.header("retry-after"), None);
    assert_eq!(r.json()["error"]["message"], "internal error");

    let r = rig.login("ops", "opsx").await;
    assert_eq!(r.status, 200, "healed: {}", r.text());
}

// ---------------------------------------------------------------------------------------
// complete-upload pins the staged bytes it checked.

/// The server-side copy that promotes a direct upload is conditional on the ETag of the
/// bytes that were checked (S3 refuses it with 412 if they were replaced; moto ignores the
/// condition, so the request is what is checked here).
#[tokio::test]
async fn the_promoting_copy_is_conditional_on_the_checked_version() {
    let rig = Rig::start().await;
    let ops = rig.user("ops", "opsx").await;
    let (id, etag) = rig.stage_direct(&ops, "pinned.pdf", PDF).await;
    rig.faults.copy_conditions.lock().unwrap().clear();
    let r = rig.complete(&ops, &id).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(*rig.faults.copy_conditions.lock().unwrap(), [Some(etag)]);
}

/// Bytes replaced between the check's first look and its reads (S3's 412 on a pinned
/// GET) are refused with 409 `upload_changed`, and the staged upload is not kept.
#[tokio::test]
async fn bytes_replaced_during_the_check_are_409_and_discarded() {
    let rig = Rig::start().await;
    let ops = rig.user("ops", "opsx").await;
    let (id, _) = rig.stage_direct(&ops, "swapped.pdf", PDF).await;
    rig.faults
        .fail(Target::S3 { method: "GET" }, Injected::PreconditionFailed);
    let r = rig.complete(&ops, &id).await;
    assert!(rig.faults.heal() > 0, "the fault was hit");
    r.assert_error(409, "upload_changed");
    let again = rig.complete(&ops, &id).await;
    again.assert_error(404, "upload_not_found");
    let own = rig.send(get("/ops/files", Some(&ops))).await;
    assert_eq!(own.json()["files"], json!([]), "nothing promoted");
}

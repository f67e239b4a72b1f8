use axum::body::Body;
use ezshare_domain::UserType;
use ezshare_testkit::{PASSWORD, TestApp, get, post_json, send};
use http::Request;
use serde_json::json;

async fn app() -> (TestApp, axum::Router) {
    let t = TestApp::new().await;
    let r = t.router(ezshare_login::ENDPOINT.router());
    (t, r)
}

fn creds(user: &str, pw: &str) -> serde_json::Value {
    json!({"username": user, "password": pw})
}

#[tokio::test]
async fn login_returns_the_jwt_as_plain_text() {
    let (t, r) = app().await;
    t.create_user(UserType::Ops, "alice").await;
    let res = send(&r, post_json("/ops/login", creds("alice", PASSWORD))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(
        res.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let token = res.text();
    assert_eq!(token.split('.').count(), 3);
    // The token works.
    let caller = t
        .state
        .auth
        .authenticate(Some(&format!("Bearer {token}")))
        .await
        .unwrap();
    assert_eq!(caller.username.as_str(), "alice");
    assert_eq!(caller.user_type, UserType::Ops);
}

#[tokio::test]
async fn login_answers_json_when_asked() {
    let (t, r) = app().await;
    t.create_user(UserType::Client, "bob").await;
    let mut req = post_json("/client/login", creds("BOB", PASSWORD));
    req.headers_mut()
        .insert("accept", "application/json".parse().unwrap());
    let res = send(&r, req).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["token"].as_str().unwrap().contains('.'));
    let expires = body["expires_at"].as_str().unwrap();
    let parsed =
        time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc3339)
            .unwrap();
    let days = (parsed - time::OffsetDateTime::now_utc()).whole_days();
    assert!((364..=365).contains(&days), "{expires}");
    assert!(expires.ends_with('Z'));
}

#[tokio::test]
async fn login_from_a_form() {
    let (t, r) = app().await;
    t.create_user(UserType::Ops, "carol").await;
    let req = Request::post("/ops/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username=carol&password={}",
            PASSWORD.replace(' ', "+")
        )))
        .unwrap();
    assert_eq!(send(&r, req).await.status, 200);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_identical() {
    let (t, r) = app().await;
    t.create_user(UserType::Ops, "dave").await;
    let wrong = send(
        &r,
        post_json("/ops/login", creds("dave", "not-the-password")),
    )
    .await;
    let unknown = send(&r, post_json("/ops/login", creds("nobody", PASSWORD))).await;
    let impossible = send(&r, post_json("/ops/login", creds("!!", PASSWORD))).await;
    for res in [&wrong, &unknown, &impossible] {
        res.assert_error(401, "invalid_credentials");
    }
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.body, impossible.body);
}

#[tokio::test]
async fn user_types_are_separate_accounts() {
    let (t, r) = app().await;
    t.create_user(UserType::Ops, "erin").await;
    send(&r, post_json("/client/login", creds("erin", PASSWORD)))
        .await
        .assert_error(401, "invalid_credentials");
}

#[tokio::test]
async fn missing_fields_are_400() {
    let (_t, r) = app().await;
    send(&r, post_json("/ops/login", json!({"username": "x"})))
        .await
        .assert_error(400, "missing_field");
    send(&r, post_json("/ops/login", json!({"password": "x"})))
        .await
        .assert_error(400, "missing_field");
    let empty = Request::post("/ops/login").body(Body::empty()).unwrap();
    send(&r, empty).await.assert_error(400, "missing_field");
}

#[tokio::test]
async fn each_login_is_its_own_session() {
    let (t, r) = app().await;
    t.create_user(UserType::Ops, "frank").await;
    let a = send(&r, post_json("/ops/login", creds("frank", PASSWORD)))
        .await
        .text();
    let b = send(&r, post_json("/ops/login", creds("frank", PASSWORD)))
        .await
        .text();
    assert_ne!(a, b);
}

#[tokio::test]
async fn get_is_405() {
    let (_t, r) = app().await;
    send(&r, get("/ops/login", None))
        .await
        .assert_error(405, "method_not_allowed");
}

/// Logins share the process's hashing slots: with one slot and no wait, of two logins at
/// once one is answered and the other is 503 `busy` with `Retry-After: 1` — whatever the
/// order they got there in.
#[tokio::test]
async fn a_login_finding_every_hashing_slot_taken_is_503_busy() {
    let mut t = TestApp::new().await;
    t.create_user(UserType::Client, "bob").await;
    let one_slot = ezshare_auth::password::Hasher::new(std::num::NonZeroUsize::MIN)
        .with_wait(std::time::Duration::ZERO);
    t.state = t.state.clone().with_hasher(one_slot);
    let r = t.router(ezshare_login::ENDPOINT.router());
    let (a, b) = tokio::join!(
        send(&r, post_json("/client/login", creds("bob", PASSWORD))),
        send(&r, post_json("/client/login", creds("bob", PASSWORD))),
    );
    let (ok, busy) = if a.status == 200 { (a, b) } else { (b, a) };
    assert_eq!(ok.status, 200, "{}", ok.text());
    assert_eq!(busy.status, 503, "{}", busy.text());
    assert_eq!(busy.header("retry-after"), Some("1"));
    assert_eq!(busy.json()["error"]["code"], "busy");
    // The slot free again, the same login goes through.
    let again = send(&r, post_json("/client/login", creds("bob", PASSWORD))).await;
    assert_eq!(again.status, 200);
}

/// Every log line of this test binary, as text: a global subscriber, because tracing caches
/// each call site's interest process-wide, so a thread-local one can miss lines while other
/// tests run in parallel. Tests pick their own lines by a name no other test uses.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn global() -> &'static Captured {
        static CAPTURED: std::sync::OnceLock<Captured> = std::sync::OnceLock::new();
        CAPTURED.get_or_init(|| {
            let captured = Captured::default();
            let writer = captured.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(move || writer.clone())
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
            captured
        })
    }
    fn lines_with(&self, needle: &str) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .filter(|l| l.contains(needle))
            .map(str::to_owned)
            .collect()
    }
}

/// A failed and a successful login each leave one info line with the user type, the name
/// and the source address — never the password or the token.
#[tokio::test]
async fn logins_are_logged_without_secrets() {
    let logs = Captured::global();
    let (t, r) = app().await;
    t.create_user(UserType::Client, "logged_bob").await;
    let wrong = send(
        &r,
        post_json("/client/login", creds("logged_bob", "not-the-password")),
    )
    .await;
    assert_eq!(wrong.status, 401);
    let ok = send(
        &r,
        post_json("/client/login", creds("logged_bob", PASSWORD)),
    )
    .await;
    assert_eq!(ok.status, 200);
    let lines = logs.lines_with("logged_bob");
    let failed: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("login_failed"))
        .collect();
    let succeeded: Vec<&String> = lines.iter().filter(|l| l.contains("login_ok")).collect();
    assert_eq!(failed.len(), 1, "{lines:?}");
    assert_eq!(succeeded.len(), 1, "{lines:?}");
    for line in [failed[0], succeeded[0]] {
        assert!(line.contains(" INFO "), "{line}");
        assert!(line.contains("user_type=client"), "{line}");
        assert!(line.contains("source_ip="), "{line}");
    }
    let all = logs.lines_with("").join("\n");
    assert!(
        !all.contains("not-the-password") && !all.contains(PASSWORD),
        "{all}"
    );
    assert!(
        !all.contains(ok.text().as_str()),
        "the token is never logged"
    );
}

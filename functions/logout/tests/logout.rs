use axum::body::Body;
use ezshare_domain::UserType;
use ezshare_testkit::{TestApp, get, send};
use http::Request;

async fn app() -> (TestApp, axum::Router) {
    let t = TestApp::new().await;
    let r = t.router(ezshare_logout::ENDPOINT.router());
    (t, r)
}

fn post(bearer: Option<&str>) -> Request<Body> {
    let mut req = Request::post("/logout");
    if let Some(b) = bearer {
        req = req.header("authorization", b);
    }
    req.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn logout_ends_the_session_for_good() {
    let (t, r) = app().await;
    let bearer = t.bearer(UserType::Ops, "alice").await;
    let res = send(&r, post(Some(&bearer))).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert!(res.body.is_empty());
    assert!(t.state.auth.authenticate(Some(&bearer)).await.is_err());
    // The same token is now refused, here too.
    let again = send(&r, post(Some(&bearer))).await;
    again.assert_error(401, "unauthorized");
    assert!(
        again
            .header("www-authenticate")
            .unwrap()
            .starts_with("Bearer")
    );
}

#[tokio::test]
async fn get_logout_works_as_in_the_original_server() {
    let (t, r) = app().await;
    let bearer = t.bearer(UserType::Client, "bob").await;
    assert_eq!(send(&r, get("/logout", Some(&bearer))).await.status, 204);
    assert!(t.state.auth.authenticate(Some(&bearer)).await.is_err());
}

#[tokio::test]
async fn logout_ends_only_the_callers_session() {
    let (t, r) = app().await;
    let one = t.bearer(UserType::Ops, "carol").await;
    let username = ezshare_domain::Username::parse("carol").unwrap();
    let two = t.bearer_for(UserType::Ops, &username).await;
    assert_eq!(send(&r, post(Some(&one))).await.status, 204);
    assert!(t.state.auth.authenticate(Some(&two)).await.is_ok());
}

#[tokio::test]
async fn logout_without_a_valid_token_is_401() {
    let (_t, r) = app().await;
    let res = send(&r, post(None)).await;
    res.assert_error(401, "unauthorized");
    assert_eq!(
        res.header("www-authenticate"),
        Some("Bearer realm=\"ezshare\"")
    );
    for bad in ["Bearer nope", "Bearer a.b.c", "Basic dXNlcjpwdw=="] {
        let res = send(&r, post(Some(bad))).await;
        res.assert_error(401, "unauthorized");
        assert!(
            res.header("www-authenticate")
                .unwrap()
                .contains("invalid_token")
        );
    }
}

#[tokio::test]
async fn other_methods_are_405() {
    let (_t, r) = app().await;
    let req = Request::delete("/logout").body(Body::empty()).unwrap();
    send(&r, req).await.assert_error(405, "method_not_allowed");
}

fn post_to(uri: &str, bearer: &str) -> Request<Body> {
    Request::post(uri)
        .header("authorization", bearer)
        .body(Body::empty())
        .unwrap()
}

/// `?all=true` ends every session of the account, the caller's own included; another
/// account's (even of the same name and the other type) stays.
#[tokio::test]
async fn logout_all_ends_every_session_of_the_account() {
    let (t, r) = app().await;
    let alice = t.create_user(UserType::Ops, "alice").await;
    let sessions = [
        t.bearer_for(UserType::Ops, &alice).await,
        t.bearer_for(UserType::Ops, &alice).await,
        t.bearer_for(UserType::Ops, &alice).await,
    ];
    let client_alice = t.bearer(UserType::Client, "alice").await;
    let bob = t.bearer(UserType::Ops, "bob").await;
    let res = send(&r, post_to("/logout?all=true", &sessions[1])).await;
    assert_eq!(res.status, 204, "{}", res.text());
    for s in &sessions {
        assert!(t.state.auth.authenticate(Some(s)).await.is_err());
    }
    for other in [&client_alice, &bob] {
        assert!(t.state.auth.authenticate(Some(other)).await.is_ok());
    }
}

#[tokio::test]
async fn logout_all_false_or_a_bad_value() {
    let (t, r) = app().await;
    let alice = t.create_user(UserType::Ops, "alice").await;
    let (a, b) = (
        t.bearer_for(UserType::Ops, &alice).await,
        t.bearer_for(UserType::Ops, &alice).await,
    );
    send(&r, post_to("/logout?all=everything", &a))
        .await
        .assert_error(400, "invalid_field");
    assert!(
        t.state.auth.authenticate(Some(&a)).await.is_ok(),
        "unchanged"
    );
    assert_eq!(send(&r, post_to("/logout?all=false", &a)).await.status, 204);
    assert!(t.state.auth.authenticate(Some(&a)).await.is_err());
    assert!(
        t.state.auth.authenticate(Some(&b)).await.is_ok(),
        "only one"
    );
}

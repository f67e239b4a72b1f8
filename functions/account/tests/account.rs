use ezshare_api::SourceIp;
use ezshare_domain::UserType;
use ezshare_testkit::{PASSWORD, TestApp, TestResponse, post_json, send};
use serde_json::json;

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn app() -> (TestApp, axum::Router) {
    let t = TestApp::new().await;
    let routes = ezshare_account::ENDPOINT
        .router()
        .merge(ezshare_login::ENDPOINT.router());
    let r = t.router(routes);
    (t, r)
}

async fn change(r: &axum::Router, bearer: &str, current: &str, new: &str) -> TestResponse {
    let mut req = post_json(
        "/account/password",
        json!({"current_password": current, "new_password": new}),
    );
    req.headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    req.extensions_mut()
        .insert(SourceIp("203.0.113.9".parse().unwrap()));
    send(r, req).await
}

async fn login(r: &axum::Router, password: &str) -> u16 {
    let req = post_json(
        "/client/login",
        json!({"username": "carol", "password": password}),
    );
    send(r, req).await.status.as_u16()
}

#[tokio::test]
async fn a_password_change_keeps_this_session_and_ends_the_others() {
    let (t, r) = app().await;
    let carol = t.create_user(UserType::Client, "carol").await;
    let this = t.bearer_for(UserType::Client, &carol).await;
    let stolen = t.bearer_for(UserType::Client, &carol).await;
    let res = change(&r, &this, PASSWORD, NEW_PASSWORD).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert!(t.state.auth.authenticate(Some(&this)).await.is_ok());
    assert!(t.state.auth.authenticate(Some(&stolen)).await.is_err());
    assert_eq!(login(&r, PASSWORD).await, 401);
    assert_eq!(login(&r, NEW_PASSWORD).await, 200);
}

#[tokio::test]
async fn a_wrong_current_password_changes_nothing_and_is_throttled() {
    let (t, r) = app().await;
    let carol = t.create_user(UserType::Client, "carol").await;
    let bearer = t.bearer_for(UserType::Client, &carol).await;
    let other = t.bearer_for(UserType::Client, &carol).await;
    for _ in 0..5 {
        change(&r, &bearer, "not the password", NEW_PASSWORD)
            .await
            .assert_error(403, "wrong_password");
    }
    // Guesses with a stolen token count like failed logins from that address.
    let locked = change(&r, &bearer, PASSWORD, NEW_PASSWORD).await;
    locked.assert_error(429, "too_many_attempts");
    assert_eq!(locked.header("retry-after"), Some("60"));
    assert!(t.state.auth.authenticate(Some(&other)).await.is_ok());
    assert_eq!(login(&r, PASSWORD).await, 200, "the password is unchanged");
}

#[tokio::test]
async fn bad_requests_say_what_is_wrong() {
    let (t, r) = app().await;
    let bearer = t.bearer(UserType::Ops, "olga").await;
    change(&r, &bearer, PASSWORD, "short")
        .await
        .assert_error(400, "invalid_field");
    change(&r, &bearer, PASSWORD, PASSWORD)
        .await
        .assert_error(400, "same_password");
    let mut missing = post_json("/account/password", json!({"new_password": NEW_PASSWORD}));
    missing
        .headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    send(&r, missing).await.assert_error(400, "missing_field");
    let anonymous = post_json(
        "/account/password",
        json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD}),
    );
    send(&r, anonymous).await.assert_error(401, "unauthorized");
}

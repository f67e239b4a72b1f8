//! Email verification and password reset, through the real routers, with mail read back
//! from the test's outbox.

use ezshare_api::{EmailVerification, Settings, SourceIp};
use ezshare_domain::{AccountToken, Email, UserType, Username};
use ezshare_store::{TokenPurpose, TokenRecord};
use ezshare_testkit::{TestApp, TestResponse, get, post_json, send};
use serde_json::json;

const PASSWORD: &str = "carols-password-1";

async fn app_with(settings: Settings) -> (TestApp, axum::Router) {
    let t = TestApp::with_settings(settings).await;
    let routes = ezshare_account::ENDPOINT
        .router()
        .merge(ezshare_signup::ENDPOINT.router())
        .merge(ezshare_login::ENDPOINT.router());
    let r = t.router(routes);
    (t, r)
}

fn verifying() -> Settings {
    Settings {
        email_verification: EmailVerification::Required,
        ..TestApp::open_signup()
    }
}

async fn signup_carol(r: &axum::Router) -> TestResponse {
    let body = json!({"username": "carol", "password": PASSWORD, "email": "carol@example.com"});
    send(r, post_json("/client/signup", body)).await
}

async fn login(r: &axum::Router, password: &str) -> TestResponse {
    let body = json!({"username": "carol", "password": password});
    send(r, post_json("/client/login", body)).await
}

fn with_accept(
    mut req: http::Request<axum::body::Body>,
    accept: &str,
) -> http::Request<axum::body::Body> {
    req.headers_mut().insert("accept", accept.parse().unwrap());
    req
}

async fn token_state(r: &axum::Router, token: &str) -> String {
    let req = with_accept(
        get(&format!("/client/verify-email?token={token}"), None),
        "application/json",
    );
    let res = send(r, req).await;
    res.json()["state"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_client_verifies_the_mailed_link_before_logging_in() {
    let (t, r) = app_with(verifying()).await;
    let res = signup_carol(&r).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["verification"], "sent");
    let mail = t.outbox();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("To: carol@example.com\r\n"), "{}", mail[0]);
    assert!(
        mail[0].contains("http://localhost/client/verify-email?token="),
        "{}",
        mail[0]
    );
    login(&r, PASSWORD)
        .await
        .assert_error(403, "email_not_verified");
    // A wrong password learns nothing about the verification.
    login(&r, "not-the-password")
        .await
        .assert_error(401, "invalid_credentials");

    // The link: a page whose button posts the token; opening it uses nothing up.
    let token = t.last_mailed_token();
    let page = send(
        &r,
        with_accept(
            get(&format!("/client/verify-email?token={token}"), None),
            "text/html",
        ),
    )
    .await;
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(
        page.header("content-type")
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        page.text()
            .contains("<button type=\"submit\">Verify</button>")
    );
    assert!(page.text().contains(&format!("value=\"{token}\"")));
    assert!(!page.text().contains("<script"));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("default-src 'none'")
    );
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(token_state(&r, &token).await, "valid");

    // The button: a form post, answered with a page.
    let form = http::Request::post("/client/verify-email")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "text/html,application/xhtml+xml")
        .body(axum::body::Body::from(format!("token={token}")))
        .unwrap();
    let done = send(&r, form).await;
    assert_eq!(done.status, 200, "{}", done.text());
    assert!(done.text().contains("verified"));
    assert_eq!(login(&r, PASSWORD).await.status, 200);
    // Single use.
    send(
        &r,
        post_json("/client/verify-email", json!({"token": token})),
    )
    .await
    .assert_error(400, "invalid_token");
    assert_eq!(token_state(&r, &token).await, "invalid");
}

#[tokio::test]
async fn verification_needs_an_email_and_leaves_ops_alone() {
    let (t, r) = app_with(verifying()).await;
    let body = json!({"username": "carol", "password": PASSWORD});
    send(&r, post_json("/client/signup", body.clone()))
        .await
        .assert_error(400, "missing_field");
    let res = send(&r, post_json("/ops/signup", body)).await;
    assert_eq!(res.status, 201);
    assert_eq!(res.json().get("verification"), None);
    assert!(t.outbox().is_empty());
}

#[tokio::test]
async fn a_new_link_for_whoever_knows_the_password() {
    let (t, r) = app_with(verifying()).await;
    signup_carol(&r).await;
    let resend = |password: &str| {
        let body = json!({"username": "carol", "password": password});
        send(&r, post_json("/client/verify-email/resend", body))
    };
    resend("wrong-password-x")
        .await
        .assert_error(401, "invalid_credentials");
    let res = resend(PASSWORD).await;
    assert_eq!(res.status, 202, "{}", res.text());
    assert_eq!(t.outbox().len(), 2);
    let token = t.last_mailed_token();
    let verified = send(
        &r,
        post_json("/client/verify-email", json!({"token": token})),
    )
    .await;
    assert_eq!(verified.status, 200, "{}", verified.text());
    assert_eq!(verified.json()["username"], "carol");
    let res = resend(PASSWORD).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["verification"], "already_verified");
    // A malformed token is the same 400 as a used one.
    send(
        &r,
        post_json("/client/verify-email", json!({"token": "nope"})),
    )
    .await
    .assert_error(400, "invalid_token");
}

#[tokio::test]
async fn links_point_at_the_public_base_url() {
    let settings = Settings {
        public_base_url: Some("https://files.example.com".into()),
        ..verifying()
    };
    let (t, r) = app_with(settings).await;
    signup_carol(&r).await;
    assert!(t.outbox()[0].contains("https://files.example.com/client/verify-email?token="));
}

/// Without PUBLIC_BASE_URL the platform's own host (API Gateway's domainName, the local
/// server's URL) is the base; a Host header sent by the caller never is.
#[tokio::test]
async fn without_a_base_url_the_platforms_host_is_used_not_the_callers() {
    let (t, r) = app_with(verifying()).await;
    let mut req = post_json(
        "/client/signup",
        json!({"username": "carol", "password": PASSWORD, "email": "carol@example.com"}),
    );
    req.headers_mut()
        .insert("host", "evil.example".parse().unwrap());
    req.extensions_mut().insert(ezshare_api::PublicBase(
        "https://abc.execute-api.us-east-1.amazonaws.com".into(),
    ));
    assert_eq!(send(&r, req).await.status, 201);
    let mail = &t.outbox()[0];
    assert!(mail.contains("https://abc.execute-api.us-east-1.amazonaws.com/client/verify-email"));
    assert!(!mail.contains("evil.example"));
}

/// An account with a verified address, and two sessions.
async fn verified_carol(t: &TestApp) -> (String, String) {
    let carol = t.create_user(UserType::Client, "carol").await;
    let email = Email::parse("carol@example.com").unwrap();
    // create_user stores no email: give it one, verified by a token as the flow would.
    let users = &t.stores().users;
    let mut record = users
        .find_user(UserType::Client, &carol)
        .await
        .unwrap()
        .unwrap();
    record.username = Username::parse("carol2").unwrap();
    record.email = Some(email.clone());
    users.create_user(&record).await.unwrap();
    assert!(
        users
            .mark_email_verified(UserType::Client, &record.username, &email)
            .await
            .unwrap()
    );
    (
        t.bearer_for(UserType::Client, &record.username).await,
        t.bearer_for(UserType::Client, &record.username).await,
    )
}

#[tokio::test]
async fn a_reset_token_sets_a_new_password_and_ends_every_session() {
    let (t, r) = app_with(TestApp::open_signup()).await;
    let (a, b) = verified_carol(&t).await;
    let ask = |user: &str| {
        send(
            &r,
            post_json(
                "/account/password-reset",
                json!({"user_type": "client", "username": user}),
            ),
        )
    };
    // Unknown names and accounts without a verified address get the same answer, no mail.
    for user in ["nobody", "carol", "!!"] {
        let res = ask(user).await;
        assert_eq!(res.status, 202, "{user}: {}", res.text());
    }
    assert!(t.outbox().is_empty());
    let res = ask("carol2").await;
    assert_eq!(res.status, 202);
    let mail = t.outbox();
    assert_eq!(mail.len(), 1);
    assert!(mail[0].contains("Subject: Reset your ezshare password"));
    let token = t.last_mailed_token();
    let confirm = |token: &str, password: &str| {
        send(
            &r,
            post_json(
                "/account/password-reset/confirm",
                json!({"token": token, "new_password": password}),
            ),
        )
    };
    confirm(&token, "short")
        .await
        .assert_error(400, "invalid_field");
    let res = confirm(&token, "a brand new passphrase").await;
    assert_eq!(res.status, 204, "{}", res.text());
    for bearer in [&a, &b] {
        assert!(
            t.state.auth.authenticate(Some(bearer)).await.is_err(),
            "sessions ended"
        );
    }
    let body = json!({"username": "carol2", "password": "a brand new passphrase"});
    assert_eq!(send(&r, post_json("/client/login", body)).await.status, 200);
    confirm(&token, "another new passphrase")
        .await
        .assert_error(400, "invalid_token");
    send(
        &r,
        post_json(
            "/account/password-reset",
            json!({"user_type": "admin", "username": "x"}),
        ),
    )
    .await
    .assert_error(400, "invalid_field");
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let (t, r) = app_with(verifying()).await;
    let now = time::OffsetDateTime::now_utc();
    let token = AccountToken::generate();
    let record = TokenRecord {
        purpose: TokenPurpose::ResetPassword,
        user_type: UserType::Client,
        username: Username::parse("carol").unwrap(),
        email: Email::parse("carol@example.com").unwrap(),
        created_at: now - time::Duration::hours(2),
        expires_at: now - time::Duration::hours(1),
    };
    t.stores().tokens.put_token(&token, &record).await.unwrap();
    let body = json!({"token": token.as_str(), "new_password": "a brand new passphrase"});
    send(&r, post_json("/account/password-reset/confirm", body))
        .await
        .assert_error(400, "invalid_token");
    // A reset token is no verification link either.
    assert_eq!(token_state(&r, token.as_str()).await, "invalid");
    let verify = TokenRecord {
        purpose: TokenPurpose::VerifyEmail,
        ..record
    };
    let old_link = AccountToken::generate();
    t.stores()
        .tokens
        .put_token(&old_link, &verify)
        .await
        .unwrap();
    assert_eq!(token_state(&r, old_link.as_str()).await, "expired");
}

#[tokio::test]
async fn reset_requests_are_throttled_like_signups() {
    let mut settings = TestApp::open_signup();
    settings.throttle.signup_max_per_ip = 1;
    let (_t, r) = app_with(settings).await;
    let ask = || {
        let mut req = post_json(
            "/account/password-reset",
            json!({"user_type": "ops", "username": "x"}),
        );
        req.extensions_mut()
            .insert(SourceIp("203.0.113.9".parse().unwrap()));
        send(&r, req)
    };
    assert_eq!(ask().await.status, 202);
    ask().await.assert_error(429, "too_many_attempts");
}

use axum::body::Body;
use ezshare_domain::{InviteCode, UserType};
use ezshare_testkit::{TestApp, send};
use http::Request;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

fn create(bearer: Option<&str>, body: Value) -> Request<Body> {
    let mut req = Request::post("/ops/invites").header("content-type", "application/json");
    if let Some(b) = bearer {
        req = req.header("authorization", b);
    }
    req.body(Body::from(body.to_string())).unwrap()
}

async fn app() -> (TestApp, axum::Router) {
    let t = TestApp::new().await;
    let r = t.router(ezshare_invites::ENDPOINT.router());
    (t, r)
}

#[tokio::test]
async fn an_ops_user_creates_an_invite_that_is_stored_unused() {
    let (t, r) = app().await;
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    let before = OffsetDateTime::now_utc();
    let res = send(
        &r,
        create(
            Some(&bearer),
            json!({"user_type": "client", "email": "c@example.com"}),
        ),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    assert_eq!(body["user_type"], "client");
    assert_eq!(body["email"], "c@example.com");
    let code = InviteCode::parse(body["invite_code"].as_str().unwrap()).unwrap();
    let expires = OffsetDateTime::parse(body["expires_at"].as_str().unwrap(), &Rfc3339).unwrap();
    let lifetime = expires - before;
    assert!(
        (lifetime - time::Duration::hours(72)).abs() < time::Duration::seconds(5),
        "{lifetime}"
    );
    let stored = t
        .stores()
        .invites
        .find_invite(&code)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.user_type, UserType::Client);
    assert_eq!(stored.created_by.unwrap().as_str(), "opsy");
    assert_eq!(stored.email.unwrap().as_str(), "c@example.com");
    assert!(stored.used_by.is_none());
}

#[tokio::test]
async fn each_invite_has_its_own_code_and_the_lifetime_asked_for() {
    let (t, r) = app().await;
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    let mut codes = std::collections::HashSet::new();
    for hours in [1, 720] {
        let res = send(
            &r,
            create(
                Some(&bearer),
                json!({"user_type": "ops", "expires_in_hours": hours}),
            ),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.text());
        let body = res.json();
        let expires =
            OffsetDateTime::parse(body["expires_at"].as_str().unwrap(), &Rfc3339).unwrap();
        let lifetime = expires - OffsetDateTime::now_utc();
        assert!((lifetime - time::Duration::hours(hours)).abs() < time::Duration::seconds(5));
        assert_eq!(body["email"], Value::Null);
        codes.insert(body["invite_code"].as_str().unwrap().to_owned());
    }
    assert_eq!(codes.len(), 2);
}

#[tokio::test]
async fn bad_fields_are_400_naming_the_field() {
    let (t, r) = app().await;
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    send(&r, create(Some(&bearer), json!({})))
        .await
        .assert_error(400, "missing_field");
    for (body, field) in [
        (json!({"user_type": "admin"}), "user_type"),
        (
            json!({"user_type": "ops", "expires_in_hours": 0}),
            "expires_in_hours",
        ),
        (
            json!({"user_type": "ops", "expires_in_hours": 721}),
            "expires_in_hours",
        ),
        (
            json!({"user_type": "ops", "expires_in_hours": "soon"}),
            "expires_in_hours",
        ),
        (
            json!({"user_type": "ops", "email": "not an email"}),
            "email",
        ),
    ] {
        let res = send(&r, create(Some(&bearer), body.clone())).await;
        res.assert_error(400, "invalid_field");
        assert!(res.text().contains(field), "{body}: {}", res.text());
    }
}

#[tokio::test]
async fn only_ops_users_invite() {
    let (t, r) = app().await;
    let client = t.bearer(UserType::Client, "cli").await;
    send(&r, create(Some(&client), json!({"user_type": "client"})))
        .await
        .assert_error(403, "forbidden");
    send(&r, create(None, json!({"user_type": "client"})))
        .await
        .assert_error(401, "unauthorized");
}

use axum::body::Body;
use ezshare_domain::{UserType, Username};
use ezshare_testkit::{FilePart, TestApp, multipart_body, post_json, send};
use http::Request;
use serde_json::json;

/// Signup open to both types, as the original server: these tests are about the account.
async fn app() -> (TestApp, axum::Router) {
    app_with(TestApp::open_signup()).await
}

async fn app_with(settings: ezshare_api::Settings) -> (TestApp, axum::Router) {
    let t = TestApp::with_settings(settings).await;
    let r = t.router(ezshare_signup::ENDPOINT.router());
    (t, r)
}

#[tokio::test]
async fn ops_signup_creates_the_user_lowercased() {
    let (t, r) = app().await;
    let res = send(
        &r,
        post_json(
            "/ops/signup",
            json!({"username": "Alice", "password": "s3cret-pass", "email": "a@b.co", "name": "Alice A"}),
        ),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json(), json!({"username": "alice", "user_type": "ops"}));
    let stored = t
        .stores()
        .users
        .find_user(UserType::Ops, &Username::parse("alice").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.password_hash.starts_with("$argon2id$"));
    assert_eq!(stored.email.unwrap().as_str(), "a@b.co");
    assert!(
        !stored.email_verified,
        "a self-declared email is not verified"
    );
    assert_eq!(stored.name.unwrap().as_str(), "Alice A");
}

#[tokio::test]
async fn client_signup_from_a_urlencoded_form() {
    let (_t, r) = app().await;
    let req = Request::post("/client/signup")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("username=bob&password=s3cret-pass&email="))
        .unwrap();
    let res = send(&r, req).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["user_type"], "client");
}

#[tokio::test]
async fn signup_from_a_multipart_form() {
    let (_t, r) = app().await;
    let (ct, body) = multipart_body(&[
        FilePart {
            field: "username",
            file_name: None,
            content_type: None,
            bytes: b"carol",
        },
        FilePart {
            field: "password",
            file_name: None,
            content_type: None,
            bytes: b"s3cret-pass",
        },
    ]);
    let req = Request::post("/ops/signup")
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    let res = send(&r, req).await;
    assert_eq!(res.status, 201, "{}", res.text());
}

#[tokio::test]
async fn multipart_signup_refuses_file_parts() {
    let (_t, r) = app().await;
    let (ct, body) = multipart_body(&[
        FilePart {
            field: "username",
            file_name: None,
            content_type: None,
            bytes: b"carol",
        },
        FilePart {
            field: "password",
            file_name: Some("pw.txt"),
            content_type: None,
            bytes: b"s3cret-pass",
        },
    ]);
    let req = Request::post("/ops/signup")
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    send(&r, req).await.assert_error(400, "unexpected_file");
}

#[tokio::test]
async fn taken_name_is_409_per_user_type() {
    let (_t, r) = app().await;
    let body = json!({"username": "dave", "password": "s3cret-pass"});
    assert_eq!(
        send(&r, post_json("/ops/signup", body.clone()))
            .await
            .status,
        201
    );
    send(
        &r,
        post_json(
            "/ops/signup",
            json!({"username": "DAVE", "password": "other-pass"}),
        ),
    )
    .await
    .assert_error(409, "username_taken");
    // The same name as a CLIENT is another account.
    assert_eq!(
        send(&r, post_json("/client/signup", body)).await.status,
        201
    );
}

#[tokio::test]
async fn missing_fields_are_400() {
    let (_t, r) = app().await;
    for body in [
        json!({"password": "s3cret-pass"}),
        json!({"username": "erin"}),
        json!({"username": "", "password": "s3cret-pass"}),
        json!({}),
    ] {
        send(&r, post_json("/ops/signup", body))
            .await
            .assert_error(400, "missing_field");
    }
}

#[tokio::test]
async fn invalid_fields_are_400_naming_the_field() {
    let (_t, r) = app().await;
    for (body, field) in [
        (
            json!({"username": "ab", "password": "s3cret-pass"}),
            "username",
        ),
        (
            json!({"username": "_abc", "password": "s3cret-pass"}),
            "username",
        ),
        (json!({"username": "erin", "password": "short"}), "password"),
        (
            json!({"username": "erin", "password": "x".repeat(257)}),
            "password",
        ),
        (
            json!({"username": "erin", "password": "s3cret-pass", "email": "nope"}),
            "email",
        ),
        (
            json!({"username": "erin", "password": "s3cret-pass", "name": "a\u{7}b"}),
            "name",
        ),
    ] {
        let res = send(&r, post_json("/ops/signup", body)).await;
        res.assert_error(400, "invalid_field");
        assert!(
            res.json()["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with(field)
        );
    }
}

/// Found by schemathesis (scripts/contract): JSON booleans and numbers were read as their text,
/// so `{"username": false}` created the account "false".
#[tokio::test]
async fn json_booleans_and_numbers_are_not_text_fields() {
    let (t, r) = app().await;
    for body in [
        json!({"username": false, "password": "s3cret-pass"}),
        json!({"username": 12345, "password": "s3cret-pass"}),
        json!({"username": "carol", "password": 123456789}),
        json!({"username": "carol", "password": "s3cret-pass", "name": 5}),
    ] {
        let res = send(&r, post_json("/client/signup", body.clone())).await;
        assert_eq!(res.status, 400, "{body}: {}", res.text());
        assert_eq!(res.json()["error"]["code"], "invalid_field", "{body}");
    }
    for name in ["false", "12345", "carol"] {
        assert!(!exists(&t, UserType::Client, name).await, "{name}");
    }
}

#[tokio::test]
async fn malformed_or_unsupported_bodies_are_4xx() {
    let (_t, r) = app().await;
    let bad_json = Request::post("/ops/signup")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    send(&r, bad_json).await.assert_error(400, "invalid_body");
    let xml = Request::post("/ops/signup")
        .header("content-type", "application/xml")
        .body(Body::from("<a/>"))
        .unwrap();
    send(&r, xml)
        .await
        .assert_error(415, "unsupported_media_type");
}

#[tokio::test]
async fn wrong_method_and_unknown_route_are_json() {
    let (_t, r) = app().await;
    let res = send(&r, Request::get("/ops/signup").body(Body::empty()).unwrap()).await;
    res.assert_error(405, "method_not_allowed");
    let res = send(&r, Request::get("/nope").body(Body::empty()).unwrap()).await;
    res.assert_error(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_signups_of_one_name_have_one_winner() {
    let (_t, r) = app().await;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let r = r.clone();
            tokio::spawn(async move {
                let body = json!({"username": "racer", "password": format!("password-{i}")});
                send(&r, post_json("/client/signup", body))
                    .await
                    .status
                    .as_u16()
            })
        })
        .collect();
    let mut statuses = vec![];
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        49,
        "{statuses:?}"
    );
}

// ---- invitations: the default for OPS, a setting for CLIENT ----

fn account(name: &str, code: &str) -> serde_json::Value {
    json!({"username": name, "password": "s3cret-pass", "invite_code": code})
}

async fn exists(t: &TestApp, user_type: UserType, name: &str) -> bool {
    t.stores()
        .users
        .user_exists(user_type, &Username::parse(name).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn by_default_ops_signup_needs_an_invite_and_client_signup_does_not() {
    let (t, r) = app_with(ezshare_api::Settings::default()).await;
    let body = json!({"username": "first", "password": "s3cret-pass"});
    send(&r, post_json("/ops/signup", body.clone()))
        .await
        .assert_error(403, "invite_required");
    assert!(!exists(&t, UserType::Ops, "first").await);
    let res = send(&r, post_json("/client/signup", body)).await;
    assert_eq!(res.status, 201, "{}", res.text());
}

#[tokio::test]
async fn an_invite_creates_one_account_and_is_then_used_up() {
    let (t, r) = app_with(ezshare_api::Settings::default()).await;
    let code = t.invite(UserType::Ops, None).await;
    let res = send(&r, post_json("/ops/signup", account("first", &code))).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json(), json!({"username": "first", "user_type": "ops"}));
    send(&r, post_json("/ops/signup", account("second", &code)))
        .await
        .assert_error(403, "invalid_invite");
    assert!(!exists(&t, UserType::Ops, "second").await);
    let found = t
        .stores()
        .invites
        .find_invite(&ezshare_domain::InviteCode::parse(&code).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.used_by.unwrap().as_str(), "first");
}

#[tokio::test]
async fn unknown_malformed_other_type_and_expired_codes_are_invalid() {
    let (t, r) = app_with(ezshare_api::Settings::default()).await;
    let client_code = t.invite(UserType::Client, None).await;
    let now = time::OffsetDateTime::now_utc();
    let expired = ezshare_store::InviteRecord {
        code: ezshare_domain::InviteCode::generate(),
        user_type: UserType::Ops,
        email: None,
        created_by: None,
        created_at: now - time::Duration::hours(2),
        expires_at: now - time::Duration::seconds(1),
    };
    t.stores().invites.create_invite(&expired).await.unwrap();
    let unknown = ezshare_domain::InviteCode::generate().to_string();
    // An empty field is no field: the code is missing, not wrong.
    send(&r, post_json("/ops/signup", account("hopeful", "")))
        .await
        .assert_error(403, "invite_required");
    for code in [
        "not-a-code",
        unknown.as_str(),
        client_code.as_str(),
        expired.code.as_str(),
    ] {
        send(&r, post_json("/ops/signup", account("hopeful", code)))
            .await
            .assert_error(403, "invalid_invite");
    }
    assert!(!exists(&t, UserType::Ops, "hopeful").await);
    // The client code was refused for OPS, not spent: it still makes a CLIENT account.
    let res = send(
        &r,
        post_json("/client/signup", account("hopeful", &client_code)),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
}

#[tokio::test]
async fn a_failed_signup_does_not_spend_the_invite() {
    let (t, r) = app_with(ezshare_api::Settings::default()).await;
    t.create_user(UserType::Ops, "taken").await;
    let code = t.invite(UserType::Ops, None).await;
    send(&r, post_json("/ops/signup", account("taken", &code)))
        .await
        .assert_error(409, "username_taken");
    let short_password = json!({"username": "fresh", "password": "x", "invite_code": code});
    let res = send(&r, post_json("/ops/signup", short_password)).await;
    assert_eq!(res.status, 400, "{}", res.text());
    let res = send(&r, post_json("/ops/signup", account("fresh", &code))).await;
    assert_eq!(res.status, 201, "{}", res.text());
}

#[tokio::test]
async fn the_account_gets_the_email_the_invite_names() {
    let (t, r) = app_with(ezshare_api::Settings::default()).await;
    let code = t.invite(UserType::Ops, Some("named@example.com")).await;
    let mut body = account("named", &code);
    body["email"] = json!("other@example.com");
    let res = send(&r, post_json("/ops/signup", body)).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let stored = t
        .stores()
        .users
        .find_user(UserType::Ops, &Username::parse("named").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.email.unwrap().as_str(), "named@example.com");
    assert!(stored.email_verified, "the inviter vouched for it");
}

#[tokio::test]
async fn client_signup_can_be_invite_only_too() {
    let settings = ezshare_api::Settings {
        client_signup: ezshare_api::SignupPolicy::Invite,
        ..ezshare_api::Settings::default()
    };
    let (t, r) = app_with(settings).await;
    let body = json!({"username": "walkin", "password": "s3cret-pass"});
    send(&r, post_json("/client/signup", body))
        .await
        .assert_error(403, "invite_required");
    let ops_code = t.invite(UserType::Ops, None).await;
    send(
        &r,
        post_json("/client/signup", account("walkin", &ops_code)),
    )
    .await
    .assert_error(403, "invalid_invite");
    let code = t.invite(UserType::Client, None).await;
    let res = send(&r, post_json("/client/signup", account("walkin", &code))).await;
    assert_eq!(res.status, 201, "{}", res.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_twenty_signups_racing_on_one_code_exactly_one_succeeds() {
    let (t, r) = app_with(ezshare_api::Settings::default()).await;
    let code = t.invite(UserType::Ops, None).await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (r, code) = (r.clone(), code.clone());
            tokio::spawn(async move {
                let res = send(
                    &r,
                    post_json("/ops/signup", account(&format!("racer{i}"), &code)),
                );
                res.await.status.as_u16()
            })
        })
        .collect();
    let mut statuses = vec![];
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 403).count(),
        19,
        "{statuses:?}"
    );
    let mut created = 0;
    for i in 0..20 {
        created += usize::from(exists(&t, UserType::Ops, &format!("racer{i}")).await);
    }
    assert_eq!(created, 1);
}

/// Signups per source address: past the limit, 429 with when to come back, whatever the
/// outcome of the ones before (taken names count too); other addresses are not affected.
#[tokio::test]
async fn signups_from_one_address_are_limited() {
    let mut settings = TestApp::open_signup();
    settings.throttle.signup_max_per_ip = 2;
    let (_t, r) = app_with(settings).await;
    let signup_from = |ip: &str, name: &str| {
        let mut req = post_json(
            "/client/signup",
            json!({"username": name, "password": "s3cret-pass"}),
        );
        req.extensions_mut()
            .insert(ezshare_api::SourceIp(ip.parse().unwrap()));
        send(&r, req)
    };
    assert_eq!(signup_from("203.0.113.9", "first").await.status, 201);
    signup_from("203.0.113.9", "first")
        .await
        .assert_error(409, "username_taken");
    let third = signup_from("203.0.113.9", "third").await;
    third.assert_error(429, "too_many_attempts");
    let wait: u64 = third.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    assert_eq!(signup_from("198.51.100.1", "third").await.status, 201);
    // Without a known address (as here, through the router alone) nothing is counted.
    for i in 0..3 {
        let res = send(
            &r,
            post_json(
                "/client/signup",
                json!({"username": format!("noip{i}"), "password": "s3cret-pass"}),
            ),
        )
        .await;
        assert_eq!(res.status, 201);
    }
}

use axum::body::Body;
use ezshare_domain::{UserType, Username};
use ezshare_testkit::{FilePart, TestApp, multipart_body, post_json, send};
use http::Request;
use serde_json::json;

async fn app() -> (TestApp, axum::Router) {
    let t = TestApp::new().await;
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

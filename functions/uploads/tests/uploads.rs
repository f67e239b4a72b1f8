use ezshare_api::Settings;
use ezshare_domain::UserType;
use ezshare_testkit::{TestApp, send};
use http::Request;
use serde_json::{Value, json};

async fn app_with(settings: Settings) -> (TestApp, axum::Router, String) {
    let t = TestApp::with_settings(settings).await;
    let r = t.router(ezshare_uploads::ENDPOINT.router());
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    (t, r, bearer)
}

fn create(bearer: &str, body: Value) -> Request<axum::body::Body> {
    let mut req = ezshare_testkit::post_json("/ops/uploads", body);
    req.headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    req
}

#[tokio::test]
async fn announces_an_upload_and_gets_a_signed_put() {
    let (t, r, bearer) = app_with(Settings::default()).await;
    let res = send(
        &r,
        create(
            &bearer,
            json!({"name": "big.pdf", "size": 50_000_000, "content_type": "application/pdf"}),
        ),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["method"], "PUT");
    assert_eq!(body["upload_id"].as_str().unwrap().len(), 43);
    assert!(
        body["upload_url"]
            .as_str()
            .unwrap()
            .contains("/_local/upload/opsy/")
    );
    assert_eq!(body["headers"]["Content-Length"], "50000000");
    assert_eq!(body["headers"]["Content-Type"], "application/pdf");
    let expires = time::OffsetDateTime::parse(
        body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let secs = (expires - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((3590..=3600).contains(&secs), "{secs}");
    // The URL takes exactly the announced bytes, nothing else.
    assert!(
        t.deliver(&body, "application/pdf", vec![b'x'; 10])
            .await
            .is_err()
    );
}

#[tokio::test]
async fn size_limit_is_checked_first_and_inclusive() {
    let (_t, r, bearer) = app_with(Settings {
        max_direct_upload_bytes: 1000,
        ..Settings::default()
    })
    .await;
    let ok = send(&r, create(&bearer, json!({"name": "a.pdf", "size": 1000}))).await;
    assert_eq!(ok.status, 201, "{}", ok.text());
    send(&r, create(&bearer, json!({"name": "..", "size": 1001})))
        .await
        .assert_error(413, "payload_too_large");
}

#[tokio::test]
async fn an_announced_sha256_is_signed_in_and_other_bytes_are_refused() {
    let (t, r, bearer) = app_with(Settings::default()).await;
    let bytes = b"%PDF-1.7 the real bytes".to_vec();
    let digest = ezshare_domain::Sha256Digest::of(&bytes);
    let announce = |size: usize| {
        json!({"name": "big.pdf", "size": size, "content_type": "application/pdf",
               "sha256": digest.to_hex()})
    };
    let res = send(&r, create(&bearer, announce(bytes.len()))).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let created = res.json();
    assert_eq!(
        created["headers"]["x-amz-checksum-sha256"],
        ezshare_store::checksum_base64(&digest),
        "the client sends the checksum the URL is signed with"
    );
    let mut other = bytes.clone();
    other[10] ^= 1;
    let refused = t
        .deliver(&created, "application/pdf", other)
        .await
        .unwrap_err();
    refused.assert_error(400, "checksum_mismatch");
    let created = send(&r, create(&bearer, announce(bytes.len())))
        .await
        .json();
    assert!(t.deliver(&created, "application/pdf", bytes).await.is_ok());

    let bad = json!({"name": "a.pdf", "size": 10, "sha256": "abc"});
    send(&r, create(&bearer, bad))
        .await
        .assert_error(400, "invalid_field");
}

#[tokio::test]
async fn bad_announcements_are_4xx() {
    let (_t, r, bearer) = app_with(Settings::default()).await;
    for (body, status, code) in [
        (json!({"size": 10}), 400, "missing_field"),
        (json!({"name": "a.pdf"}), 400, "missing_field"),
        (json!({"name": "a.pdf", "size": 0}), 400, "invalid_field"),
        (json!({"name": "a.pdf", "size": -3}), 400, "invalid_field"),
        (
            json!({"name": "a.pdf", "size": "lots"}),
            400,
            "invalid_field",
        ),
        (json!({"name": "a/b.pdf", "size": 10}), 400, "invalid_field"),
        (
            json!({"name": "a.pdf", "size": 10, "content_type": "nonsense"}),
            400,
            "invalid_field",
        ),
        (
            json!({"name": "a.exe", "size": 10}),
            415,
            "unsupported_file_type",
        ),
        (
            json!({"name": "noext", "size": 10}),
            415,
            "unsupported_file_type",
        ),
    ] {
        send(&r, create(&bearer, body.clone()))
            .await
            .assert_error(status, code);
    }
}

#[tokio::test]
async fn only_ops_users() {
    let (t, r, _bearer) = app_with(Settings::default()).await;
    let client = t.bearer(UserType::Client, "cli").await;
    send(&r, create(&client, json!({"name": "a.pdf", "size": 10})))
        .await
        .assert_error(403, "forbidden");
    send(
        &r,
        ezshare_testkit::post_json("/ops/uploads", json!({"name": "a.pdf", "size": 10})),
    )
    .await
    .assert_error(401, "unauthorized");
}

#[path = "complete_upload/multipart.rs"]
mod multipart;

use ezshare_api::Settings;
use ezshare_domain::UserType;
use ezshare_testkit::{TestApp, send};
use http::Request;
use serde_json::{Value, json};

/// An app serving both halves of a direct upload.
async fn app() -> (TestApp, axum::Router, String) {
    let t = TestApp::with_settings(Settings::default()).await;
    let routes = ezshare_uploads::ENDPOINT
        .router()
        .merge(ezshare_complete_upload::ENDPOINT.router());
    let r = t.router(routes);
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    (t, r, bearer)
}

fn post(uri: &str, bearer: &str, body: Value) -> Request<axum::body::Body> {
    let mut req = ezshare_testkit::post_json(uri, body);
    req.headers_mut()
        .insert("authorization", bearer.parse().unwrap());
    req
}

fn pdf(len: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.7\n".to_vec();
    b.resize(len, b'.');
    b
}

/// Announces and delivers a file; returns the upload id.
async fn staged(t: &TestApp, r: &axum::Router, bearer: &str, name: &str, bytes: Vec<u8>) -> String {
    let created = send(
        r,
        post(
            "/ops/uploads",
            bearer,
            json!({"name": name, "size": bytes.len(), "content_type": "application/pdf"}),
        ),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    t.deliver(&body, "application/pdf", bytes).await.unwrap();
    body["upload_id"].as_str().unwrap().to_owned()
}

fn complete_uri(id: &str) -> String {
    format!("/ops/uploads/{id}/complete")
}

#[tokio::test]
async fn an_announced_digest_is_the_files_and_none_is_announced_otherwise() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(1000);
    let digest = ezshare_domain::Sha256Digest::of(&bytes).to_hex();
    let created = send(
        &r,
        post(
            "/ops/uploads",
            &bearer,
            json!({"name": "signed.pdf", "size": bytes.len(), "content_type": "application/pdf",
                   "sha256": digest}),
        ),
    )
    .await
    .json();
    t.deliver(&created, "application/pdf", bytes.clone())
        .await
        .unwrap();
    let id = created["upload_id"].as_str().unwrap();
    let res = send(&r, post(&complete_uri(id), &bearer, json!({}))).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["sha256"], digest.as_str());

    let id = staged(&t, &r, &bearer, "unsigned.pdf", bytes).await;
    let res = send(&r, post(&complete_uri(&id), &bearer, json!({}))).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert!(res.json().get("sha256").is_none(), "nothing established it");
}

#[tokio::test]
async fn completes_into_a_file_with_the_same_bytes() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(200_000);
    let id = staged(&t, &r, &bearer, "big.pdf", bytes.clone()).await;
    let res = send(&r, post(&complete_uri(&id), &bearer, json!({}))).await;
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    assert_eq!(body["name"], "big.pdf");
    assert_eq!(body["size"], 200_000);
    assert_eq!(body["content_type"], "application/pdf");
    assert_eq!(t.stored_bytes("opsy", "big.pdf").await.unwrap(), bytes);
    // Completed once: the id is spent.
    send(&r, post(&complete_uri(&id), &bearer, json!({})))
        .await
        .assert_error(404, "upload_not_found");
}

#[tokio::test]
async fn a_rejected_file_is_deleted_and_415() {
    let (t, r, bearer) = app().await;
    let id = staged(&t, &r, &bearer, "fake.pdf", b"this is not a pdf".to_vec()).await;
    let res = send(&r, post(&complete_uri(&id), &bearer, json!({}))).await;
    res.assert_error(415, "unsupported_file_type");
    assert!(res.text().contains("docx, xlsx, pptx, pdf"));
    assert!(t.stored_bytes("opsy", "fake.pdf").await.is_none());
    // Deleted, not kept for another try.
    send(&r, post(&complete_uri(&id), &bearer, json!({})))
        .await
        .assert_error(404, "upload_not_found");
}

#[tokio::test]
async fn existing_name_is_409_unless_overwrite() {
    let (t, r, bearer) = app().await;
    let first = staged(&t, &r, &bearer, "same.pdf", pdf(100)).await;
    assert_eq!(
        send(&r, post(&complete_uri(&first), &bearer, json!({})))
            .await
            .status,
        201
    );
    let second = staged(&t, &r, &bearer, "same.pdf", pdf(300)).await;
    send(&r, post(&complete_uri(&second), &bearer, json!({})))
        .await
        .assert_error(409, "file_exists");
    assert_eq!(t.stored_bytes("opsy", "same.pdf").await.unwrap().len(), 100);
    // The staged bytes were kept: a retry with overwrite works.
    let res = send(
        &r,
        post(
            &format!("{}?overwrite=true", complete_uri(&second)),
            &bearer,
            json!({}),
        ),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(t.stored_bytes("opsy", "same.pdf").await.unwrap().len(), 300);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completes_of_one_name_have_one_winner() {
    let (t, r, bearer) = app().await;
    let mut ids = vec![];
    for n in 0..5 {
        ids.push(staged(&t, &r, &bearer, "race.pdf", pdf(100 + n)).await);
    }
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|id| {
            let (r, bearer) = (r.clone(), bearer.clone());
            tokio::spawn(async move {
                send(&r, post(&complete_uri(&id), &bearer, json!({})))
                    .await
                    .status
                    .as_u16()
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
        statuses.iter().filter(|s| **s == 409).count(),
        4,
        "{statuses:?}"
    );
}

#[tokio::test]
async fn missing_foreign_and_unfinished_uploads_are_404() {
    let (t, r, bearer) = app().await;
    send(&r, post(&complete_uri("not-an-id"), &bearer, json!({})))
        .await
        .assert_error(404, "upload_not_found");
    send(&r, post(&complete_uri(&"A".repeat(43)), &bearer, json!({})))
        .await
        .assert_error(404, "upload_not_found");
    let id = staged(&t, &r, &bearer, "mine.pdf", pdf(50)).await;
    let other = t.bearer(UserType::Ops, "other").await;
    send(&r, post(&complete_uri(&id), &other, json!({})))
        .await
        .assert_error(404, "upload_not_found");
    // Announced but never sent.
    let created = send(
        &r,
        post(
            "/ops/uploads",
            &bearer,
            json!({"name": "later.pdf", "size": 10}),
        ),
    )
    .await
    .json();
    let pending = created["upload_id"].as_str().unwrap();
    send(&r, post(&complete_uri(pending), &bearer, json!({})))
        .await
        .assert_error(404, "upload_not_found");
}

#[tokio::test]
async fn only_ops_users() {
    let (t, r, bearer) = app().await;
    let id = staged(&t, &r, &bearer, "a.pdf", pdf(50)).await;
    let client = t.bearer(UserType::Client, "cli").await;
    send(&r, post(&complete_uri(&id), &client, json!({})))
        .await
        .assert_error(403, "forbidden");
}

/// Locally, a second PUT to an upload that already has its bytes is refused (409): the
/// bytes complete-upload checks are the bytes it promotes.
#[tokio::test]
async fn a_second_put_to_a_received_upload_is_409_and_changes_nothing() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(1000);
    let created = send(
        &r,
        post(
            "/ops/uploads",
            &bearer,
            json!({"name": "once.pdf", "size": 1000, "content_type": "application/pdf"}),
        ),
    )
    .await;
    let body = created.json();
    t.deliver(&body, "application/pdf", bytes.clone())
        .await
        .unwrap();
    let mut evil = b"MZ".to_vec();
    evil.resize(1000, 0);
    let refused = t.deliver(&body, "application/pdf", evil).await.unwrap_err();
    refused.assert_error(409, "already_uploaded");
    let id = body["upload_id"].as_str().unwrap();
    let res = send(&r, post(&complete_uri(id), &bearer, json!({}))).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(t.stored_bytes("opsy", "once.pdf").await.unwrap(), bytes);
}

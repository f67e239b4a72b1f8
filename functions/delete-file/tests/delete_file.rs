use axum::body::Body;
use ezshare_domain::UserType;
use ezshare_testkit::{TestApp, send};
use http::Request;

fn delete(uri: &str, bearer: Option<&str>) -> Request<Body> {
    let mut req = Request::delete(uri);
    if let Some(b) = bearer {
        req = req.header("authorization", b);
    }
    req.body(Body::empty()).unwrap()
}

#[tokio::test]
async fn deletes_the_callers_file_then_404() {
    let t = TestApp::new().await;
    let r = t.router(ezshare_delete_file::ENDPOINT.router());
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    t.put_file("opsy", "old report.pdf", b"%PDF-1.7".to_vec())
        .await;
    let res = send(&r, delete("/ops/files/old%20report.pdf", Some(&bearer))).await;
    assert_eq!(res.status, 204, "{}", res.text());
    assert!(t.stored_bytes("opsy", "old report.pdf").await.is_none());
    send(&r, delete("/ops/files/old%20report.pdf", Some(&bearer)))
        .await
        .assert_error(404, "file_not_found");
}

#[tokio::test]
async fn cannot_touch_another_users_file() {
    let t = TestApp::new().await;
    let r = t.router(ezshare_delete_file::ENDPOINT.router());
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    t.put_file("victim", "keep.pdf", b"%PDF-1.7".to_vec()).await;
    send(&r, delete("/ops/files/keep.pdf", Some(&bearer)))
        .await
        .assert_error(404, "file_not_found");
    assert!(t.stored_bytes("victim", "keep.pdf").await.is_some());
}

#[tokio::test]
async fn invalid_names_are_400_and_wrong_callers_refused() {
    let t = TestApp::new().await;
    let r = t.router(ezshare_delete_file::ENDPOINT.router());
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    send(&r, delete("/ops/files/..", Some(&bearer)))
        .await
        .assert_error(400, "invalid_field");
    let client = t.bearer(UserType::Client, "cli").await;
    send(&r, delete("/ops/files/a.pdf", Some(&client)))
        .await
        .assert_error(403, "forbidden");
    send(&r, delete("/ops/files/a.pdf", None))
        .await
        .assert_error(401, "unauthorized");
}

use ezshare_domain::UserType;
use ezshare_testkit::{TestApp, get, send};

#[tokio::test]
async fn lists_only_the_callers_files_with_paging() {
    let t = TestApp::new().await;
    let r = t.router(ezshare_ops_files::ENDPOINT.router());
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    for n in ["c.pdf", "a.pdf", "b.pdf"] {
        t.put_file("opsy", n, b"%PDF-1.7".to_vec()).await;
    }
    t.put_file("other", "theirs.pdf", b"%PDF-1.7".to_vec())
        .await;
    let first = send(&r, get("/ops/files?limit=2", Some(&bearer))).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let body = first.json();
    assert_eq!(body["ops_username"], "opsy");
    let names: Vec<_> = body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["a.pdf", "b.pdf"]);
    let cursor = body["next_cursor"].as_str().unwrap();
    let second = send(
        &r,
        get(
            &format!("/ops/files?limit=2&cursor={cursor}"),
            Some(&bearer),
        ),
    )
    .await
    .json();
    assert_eq!(second["files"][0]["name"], "c.pdf");
    assert_eq!(second["files"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
    assert_eq!(second["files"][0]["size"], 8);
}

#[tokio::test]
async fn empty_for_a_new_user_and_bad_paging_is_400() {
    let t = TestApp::new().await;
    let r = t.router(ezshare_ops_files::ENDPOINT.router());
    let bearer = t.bearer(UserType::Ops, "fresh").await;
    assert_eq!(
        send(&r, get("/ops/files", Some(&bearer))).await.json()["files"],
        serde_json::json!([])
    );
    send(&r, get("/ops/files?limit=0", Some(&bearer)))
        .await
        .assert_error(400, "invalid_field");
}

#[tokio::test]
async fn client_token_is_403_and_no_token_401() {
    let t = TestApp::new().await;
    let r = t.router(ezshare_ops_files::ENDPOINT.router());
    let client = t.bearer(UserType::Client, "cli").await;
    send(&r, get("/ops/files", Some(&client)))
        .await
        .assert_error(403, "forbidden");
    send(&r, get("/ops/files", None))
        .await
        .assert_error(401, "unauthorized");
}

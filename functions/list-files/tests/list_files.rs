use ezshare_domain::{UserType, Username};
use ezshare_testkit::{TestApp, get, send};

async fn app() -> (TestApp, axum::Router, String) {
    let t = TestApp::new().await;
    let r = t.router(ezshare_list_files::ENDPOINT.router());
    t.create_user(UserType::Ops, "opsy").await;
    let bearer = t.bearer(UserType::Client, "cli").await;
    (t, r, bearer)
}

#[tokio::test]
async fn lists_files_sorted_by_name_bytes() {
    let (t, r, bearer) = app().await;
    for (n, size) in [("b.pdf", 2), ("é.pdf", 3), ("A.pdf", 1)] {
        t.put_file("opsy", n, vec![1u8; size]).await;
    }
    let res = send(&r, get("/client/files/opsy", Some(&bearer))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["ops_username"], "opsy");
    assert_eq!(body["next_cursor"], serde_json::Value::Null);
    let files = body["files"].as_array().unwrap();
    let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["A.pdf", "b.pdf", "é.pdf"]);
    assert_eq!(files[2]["size"], 3);
    assert!(files[0]["uploaded_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn username_in_path_is_case_insensitive() {
    let (t, r, bearer) = app().await;
    t.put_file("opsy", "a.pdf", vec![1u8; 1]).await;
    let res = send(&r, get("/client/files/OPSY", Some(&bearer))).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.json()["files"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn pages_through_with_limit_and_cursor() {
    let (t, r, bearer) = app().await;
    for i in 0..5 {
        t.put_file("opsy", &format!("f{i}.pdf"), vec![1u8; 1]).await;
    }
    let mut names = vec![];
    let mut uri = "/client/files/opsy?limit=2".to_owned();
    for _ in 0..3 {
        let body = send(&r, get(&uri, Some(&bearer))).await.json();
        let page = body["files"].as_array().unwrap();
        assert!(page.len() <= 2);
        names.extend(page.iter().map(|f| f["name"].as_str().unwrap().to_owned()));
        match body["next_cursor"].as_str() {
            Some(c) => uri = format!("/client/files/opsy?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(names, ["f0.pdf", "f1.pdf", "f2.pdf", "f3.pdf", "f4.pdf"]);
}

#[tokio::test]
async fn ops_user_without_files_gets_an_empty_list() {
    let (_t, r, bearer) = app().await;
    let body = send(&r, get("/client/files/opsy", Some(&bearer)))
        .await
        .json();
    assert_eq!(body["files"], serde_json::json!([]));
}

#[tokio::test]
async fn unknown_ops_user_is_404() {
    let (t, r, bearer) = app().await;
    send(&r, get("/client/files/ghost", Some(&bearer)))
        .await
        .assert_error(404, "unknown_ops_user");
    // A CLIENT is not an OPS user, even with files under that name elsewhere.
    t.create_user(UserType::Client, "justclient").await;
    send(&r, get("/client/files/justclient", Some(&bearer)))
        .await
        .assert_error(404, "unknown_ops_user");
    send(&r, get("/client/files/!!", Some(&bearer)))
        .await
        .assert_error(404, "unknown_ops_user");
}

#[tokio::test]
async fn bad_paging_is_400() {
    let (_t, r, bearer) = app().await;
    for q in ["limit=0", "limit=1001", "limit=x"] {
        send(&r, get(&format!("/client/files/opsy?{q}"), Some(&bearer)))
            .await
            .assert_error(400, "invalid_field");
    }
    send(
        &r,
        get("/client/files/opsy?cursor=bm90LWEtbmFtZS8", Some(&bearer)),
    )
    .await
    .assert_error(400, "invalid_cursor");
}

#[tokio::test]
async fn ops_token_is_403_and_no_token_401() {
    let (t, r, _bearer) = app().await;
    let ops = t
        .bearer_for(UserType::Ops, &Username::parse("opsy").unwrap())
        .await;
    send(&r, get("/client/files/opsy", Some(&ops)))
        .await
        .assert_error(403, "forbidden");
    send(&r, get("/client/files/opsy", None))
        .await
        .assert_error(401, "unauthorized");
}

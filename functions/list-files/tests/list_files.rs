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

// ---- who sees what ----

use ezshare_domain::{FileName, Visibility};
use ezshare_store::ShareRecord;
use time::OffsetDateTime;

fn share(owner: &str, file: &str, client: &str) -> ShareRecord {
    ShareRecord {
        owner: Username::parse(owner).unwrap(),
        file: FileName::parse(file).unwrap(),
        client: Username::parse(client).unwrap(),
        granted_at: OffsetDateTime::now_utc(),
        expires_at: None,
        max_downloads: None,
        downloads: 0,
    }
}

fn names(body: &serde_json::Value) -> Vec<String> {
    body["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let owner = f["ops_username"]
                .as_str()
                .map(|o| format!("{o}/"))
                .unwrap_or_default();
            format!("{owner}{}", f["name"].as_str().unwrap())
        })
        .collect()
}

#[tokio::test]
async fn a_client_sees_all_clients_files_and_active_shares_only() {
    let (t, r, bearer) = app().await;
    t.put_file("opsy", "public.pdf", vec![1]).await;
    for name in [
        "shared.pdf",
        "expired.pdf",
        "used up.pdf",
        "others.pdf",
        "private.pdf",
    ] {
        t.put_file_as("opsy", name, vec![2], Visibility::Private)
            .await;
    }
    let now = OffsetDateTime::now_utc();
    let mut limited = share("opsy", "shared.pdf", "cli");
    limited.max_downloads = Some(3);
    limited.expires_at = Some(now + time::Duration::days(1));
    let mut expired = share("opsy", "expired.pdf", "cli");
    expired.expires_at = Some(now - time::Duration::seconds(1));
    let mut used = share("opsy", "used up.pdf", "cli");
    used.max_downloads = Some(1);
    used.downloads = 1;
    for s in [
        &limited,
        &expired,
        &used,
        &share("opsy", "others.pdf", "someone"),
    ] {
        t.stores().shares.put_share(s).await.unwrap();
    }
    let res = send(&r, get("/client/files/opsy", Some(&bearer))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(names(&body), ["public.pdf", "shared.pdf"]);
    let shared = &body["files"][1];
    assert_eq!(shared["visibility"], "private");
    assert_eq!(shared["downloads_left"], 3);
    assert!(shared["expires_at"].as_str().unwrap().ends_with('Z'));
    assert!(
        body["files"][0].get("downloads_left").is_none(),
        "no share, no share fields"
    );
    // Another client sees only the public file.
    let other = t.bearer(UserType::Client, "stranger").await;
    let res = send(&r, get("/client/files/opsy", Some(&other))).await;
    assert_eq!(names(&res.json()), ["public.pdf"]);
}

#[tokio::test]
async fn a_client_listing_pages_over_the_files_it_sees() {
    let (t, r, bearer) = app().await;
    for i in 0..7 {
        let name = format!("f{i}.pdf");
        t.put_file_as("opsy", &name, vec![1], Visibility::Private)
            .await;
        if i % 2 == 0 {
            t.stores()
                .shares
                .put_share(&share("opsy", &name, "cli"))
                .await
                .unwrap();
        }
    }
    let mut seen = vec![];
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let uri = match &cursor {
            Some(c) => format!("/client/files/opsy?limit=2&cursor={c}"),
            None => "/client/files/opsy?limit=2".to_owned(),
        };
        let body = send(&r, get(&uri, Some(&bearer))).await.json();
        seen.extend(names(&body));
        cursor = body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, ["f0.pdf", "f2.pdf", "f4.pdf", "f6.pdf"]);
}

#[tokio::test]
async fn shared_with_me_lists_every_visible_file_across_owners() {
    let (t, r, bearer) = app().await;
    t.create_user(UserType::Ops, "ops-b").await;
    t.put_file("opsy", "open.pdf", vec![1]).await;
    t.put_file_as("opsy", "mine.pdf", vec![1, 2], Visibility::Private)
        .await;
    t.put_file_as("ops-b", "also mine.pdf", vec![1], Visibility::Private)
        .await;
    t.put_file_as("ops-b", "not mine.pdf", vec![1], Visibility::Private)
        .await;
    t.stores()
        .shares
        .put_share(&share("opsy", "mine.pdf", "cli"))
        .await
        .unwrap();
    t.stores()
        .shares
        .put_share(&share("ops-b", "also mine.pdf", "cli"))
        .await
        .unwrap();
    let res = send(&r, get("/client/files", Some(&bearer))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["ops_username"], serde_json::Value::Null);
    assert_eq!(
        names(&body),
        ["ops-b/also mine.pdf", "opsy/mine.pdf", "opsy/open.pdf"],
        "sorted by (ops_username, name)"
    );
    assert_eq!(body["files"][1]["size"], 2);
    // One at a time, through the cursors.
    let mut seen = vec![];
    let mut uri = "/client/files?limit=1".to_owned();
    for _ in 0..10 {
        let body = send(&r, get(&uri, Some(&bearer))).await.json();
        seen.extend(names(&body));
        match body["next_cursor"].as_str() {
            Some(c) => uri = format!("/client/files?limit=1&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, names(&body));
    send(&r, get("/client/files?cursor=bogus-cursor", Some(&bearer)))
        .await
        .assert_error(400, "invalid_cursor");
    let ops = t.bearer(UserType::Ops, "opsz").await;
    send(&r, get("/client/files", Some(&ops)))
        .await
        .assert_error(403, "forbidden");
}

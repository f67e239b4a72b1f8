use ezshare_domain::{FileName, UserType, Username, Visibility};
use ezshare_testkit::{TestApp, json_request, send};
use serde_json::{Value, json};
use time::OffsetDateTime;

struct App {
    t: TestApp,
    r: axum::Router,
    ops: String,
}

async fn app() -> App {
    let t = TestApp::new().await;
    let r = t.router(ezshare_shares::ENDPOINT.router());
    let ops = t.bearer(UserType::Ops, "opsy").await;
    t.put_file_as(
        "opsy",
        "q3 report.pdf",
        b"%PDF-1.7".to_vec(),
        Visibility::Private,
    )
    .await;
    for client in ["bob", "alice"] {
        t.create_user(UserType::Client, client).await;
    }
    App { t, r, ops }
}

impl App {
    async fn call(
        &self,
        method: &str,
        uri: &str,
        body: Option<Value>,
    ) -> ezshare_testkit::TestResponse {
        send(&self.r, json_request(method, uri, Some(&self.ops), body)).await
    }
}

const FILE: &str = "/ops/files/q3%20report.pdf";
const BOB: &str = "/ops/files/q3%20report.pdf/shares/bob";

#[tokio::test]
async fn visibility_is_set_and_answered_with_the_file() {
    let a = app().await;
    let res = a
        .call("PATCH", FILE, Some(json!({"visibility": "all_clients"})))
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["name"], "q3 report.pdf");
    assert_eq!(body["visibility"], "all_clients");
    assert_eq!(body["size"], 8);
    let stored =
        a.t.stores()
            .files
            .head_file(
                &Username::parse("opsy").unwrap(),
                &FileName::parse("q3 report.pdf").unwrap(),
            )
            .await
            .unwrap()
            .unwrap();
    assert_eq!(stored.visibility, Visibility::AllClients);
    a.call("PATCH", FILE, Some(json!({"visibility": "public"})))
        .await
        .assert_error(400, "invalid_field");
    a.call("PATCH", FILE, Some(json!({})))
        .await
        .assert_error(400, "missing_field");
    a.call(
        "PATCH",
        "/ops/files/nothing.pdf",
        Some(json!({"visibility": "private"})),
    )
    .await
    .assert_error(404, "file_not_found");
}

#[tokio::test]
async fn a_share_is_created_replaced_listed_and_revoked() {
    let a = app().await;
    let before = OffsetDateTime::now_utc();
    let res = a
        .call(
            "PUT",
            BOB,
            Some(json!({"max_downloads": 2, "expires_at": "2030-01-31T17:00:00Z"})),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["client_username"], "bob");
    assert_eq!(body["max_downloads"], 2);
    assert_eq!(body["downloads"], 0);
    assert_eq!(body["expires_at"], "2030-01-31T17:00:00Z");
    let granted = OffsetDateTime::parse(
        body["granted_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(granted >= before - time::Duration::seconds(1));
    // No body at all: an unlimited share that never expires.
    let res = a
        .call("PUT", "/ops/files/q3%20report.pdf/shares/alice", None)
        .await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["max_downloads"], Value::Null);
    assert_eq!(res.json()["expires_at"], Value::Null);

    // A download counted, then the share replaced: its count restarts.
    let (opsy, file, bob) = (
        Username::parse("opsy").unwrap(),
        FileName::parse("q3 report.pdf").unwrap(),
        Username::parse("bob").unwrap(),
    );
    let shares = &a.t.stores().shares;
    shares
        .count_download(&opsy, &file, &bob, OffsetDateTime::now_utc())
        .await
        .unwrap();
    let listed = a
        .call("GET", "/ops/files/q3%20report.pdf/shares", None)
        .await;
    assert_eq!(listed.status, 200);
    let listed = listed.json();
    assert_eq!(listed["name"], "q3 report.pdf");
    assert_eq!(listed["visibility"], "private");
    let clients: Vec<&str> = listed["shares"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["client_username"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["alice", "bob"], "sorted by client");
    assert_eq!(listed["shares"][1]["downloads"], 1);
    a.call("PUT", BOB, Some(json!({"max_downloads": 2}))).await;
    let again = a
        .call("GET", "/ops/files/q3%20report.pdf/shares", None)
        .await
        .json();
    assert_eq!(again["shares"][1]["downloads"], 0);

    let res = a.call("DELETE", BOB, None).await;
    assert_eq!(res.status, 204, "{}", res.text());
    a.call("DELETE", BOB, None)
        .await
        .assert_error(404, "share_not_found");
    let left = a
        .call("GET", "/ops/files/q3%20report.pdf/shares", None)
        .await
        .json();
    assert_eq!(left["shares"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bad_terms_are_400_naming_the_field() {
    let a = app().await;
    for (body, field) in [
        (json!({"expires_at": "2020-01-01T00:00:00Z"}), "expires_at"),
        (json!({"expires_at": "tomorrow"}), "expires_at"),
        (json!({"max_downloads": 0}), "max_downloads"),
        (json!({"max_downloads": 1_000_001}), "max_downloads"),
        (json!({"max_downloads": "many"}), "max_downloads"),
    ] {
        let res = a.call("PUT", BOB, Some(body.clone())).await;
        res.assert_error(400, "invalid_field");
        assert!(res.text().contains(field), "{body}: {}", res.text());
    }
    let ok = a
        .call("PUT", BOB, Some(json!({"max_downloads": 1_000_000})))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
}

#[tokio::test]
async fn only_own_files_and_existing_clients() {
    let a = app().await;
    a.t.put_file_as("other", "theirs.pdf", b"%PDF".to_vec(), Visibility::Private)
        .await;
    a.call("PUT", "/ops/files/theirs.pdf/shares/bob", None)
        .await
        .assert_error(404, "file_not_found");
    a.call("GET", "/ops/files/theirs.pdf/shares", None)
        .await
        .assert_error(404, "file_not_found");
    a.call(
        "PATCH",
        "/ops/files/theirs.pdf",
        Some(json!({"visibility": "all_clients"})),
    )
    .await
    .assert_error(404, "file_not_found");
    // An OPS user of that name is not a client; nor is a name that cannot exist.
    a.t.create_user(UserType::Ops, "opsonly").await;
    for who in ["nobody", "opsonly", "x"] {
        a.call(
            "PUT",
            &format!("/ops/files/q3%20report.pdf/shares/{who}"),
            None,
        )
        .await
        .assert_error(404, "unknown_client_user");
    }
    a.call("PUT", "/ops/files/a%2Fb/shares/bob", None)
        .await
        .assert_error(400, "invalid_field");
}

#[tokio::test]
async fn clients_and_strangers_are_refused() {
    let a = app().await;
    let client = a.t.bearer(UserType::Client, "carol").await;
    for (method, uri) in [
        ("PUT", BOB),
        ("GET", "/ops/files/q3%20report.pdf/shares"),
        ("DELETE", BOB),
        ("PATCH", FILE),
    ] {
        send(
            &a.r,
            json_request(
                method,
                uri,
                Some(&client),
                Some(json!({"visibility": "private"})),
            ),
        )
        .await
        .assert_error(403, "forbidden");
        send(&a.r, json_request(method, uri, None, None))
            .await
            .assert_error(401, "unauthorized");
    }
}

#[tokio::test]
async fn every_change_is_in_the_owners_activity_log() {
    let a = app().await;
    a.call("PATCH", FILE, Some(json!({"visibility": "all_clients"})))
        .await;
    a.call("PUT", BOB, None).await;
    a.call("DELETE", BOB, None).await;
    // Refused changes record nothing.
    a.call("DELETE", BOB, None).await;
    a.call("PUT", "/ops/files/q3%20report.pdf/shares/nobody", None)
        .await;
    let page =
        a.t.stores()
            .activity
            .list_activity(
                &Username::parse("opsy").unwrap(),
                &ezshare_store::ActivityFilter::default(),
                None,
                ezshare_domain::PageLimit::DEFAULT,
            )
            .await
            .unwrap();
    let seen: Vec<(String, Option<String>)> = page
        .events
        .iter()
        .map(|e| {
            (
                e.action.to_string(),
                e.client.as_ref().map(|c| c.to_string()),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("unshared".into(), Some("bob".into())),
            ("shared".into(), Some("bob".into())),
            ("visibility_changed".into(), None),
        ]
    );
    assert!(
        page.events
            .iter()
            .all(|e| e.actor.as_str() == "opsy" && e.actor_type == UserType::Ops)
    );
}

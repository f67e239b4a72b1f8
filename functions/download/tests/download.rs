use bytes::Bytes;
use ezshare_api::Settings;
use ezshare_domain::{ContentType, FileName, UserType, Username};
use ezshare_store::WriteMode;
use ezshare_testkit::{TestApp, get, send};
use std::time::Duration;

async fn app() -> (TestApp, axum::Router, String) {
    let t = TestApp::with_settings(Settings {
        download_url_ttl: Duration::from_secs(120),
        ..Settings::default()
    })
    .await;
    let r = t.router(ezshare_download::ENDPOINT.router());
    t.create_user(UserType::Ops, "opsy").await;
    t.stores()
        .files
        .put_file(
            &Username::parse("opsy").unwrap(),
            &FileName::parse("résumé 1.pdf").unwrap(),
            &ContentType::parse("application/pdf").unwrap(),
            Bytes::from_static(b"%PDF-1.7"),
            WriteMode::CreateNew,
            ezshare_domain::Visibility::AllClients,
        )
        .await
        .unwrap();
    let bearer = t.bearer(UserType::Client, "cli").await;
    (t, r, bearer)
}

const PATH: &str = "/client/files/opsy/r%C3%A9sum%C3%A9%201.pdf";

#[tokio::test]
async fn redirects_to_a_signed_link() {
    let (_t, r, bearer) = app().await;
    let res = send(&r, get(PATH, Some(&bearer))).await;
    assert_eq!(res.status, 302, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let location = res.header("location").unwrap();
    assert!(
        location.starts_with("http://127.0.0.1:9/_local/download/opsy/"),
        "{location}"
    );
    assert!(location.contains("sig="));
}

#[tokio::test]
async fn json_when_asked_with_the_configured_expiry() {
    let (_t, r, bearer) = app().await;
    let mut req = get(PATH, Some(&bearer));
    req.headers_mut()
        .insert("accept", "application/json".parse().unwrap());
    let res = send(&r, req).await;
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let body = res.json();
    assert_eq!(body["message"], "success");
    assert_eq!(
        body["sha256"],
        ezshare_domain::Sha256Digest::of(b"%PDF-1.7").to_hex(),
        "the stored file's digest, for the downloader to check"
    );
    assert!(
        body["download_link"]
            .as_str()
            .unwrap()
            .contains("/_local/download/")
    );
    let expires = time::OffsetDateTime::parse(
        body["expires_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    let secs = (expires - time::OffsetDateTime::now_utc()).whole_seconds();
    assert!((115..=120).contains(&secs), "{secs}");
}

#[tokio::test]
async fn missing_file_and_unknown_user_are_404() {
    let (_t, r, bearer) = app().await;
    send(&r, get("/client/files/opsy/nope.pdf", Some(&bearer)))
        .await
        .assert_error(404, "file_not_found");
    send(&r, get("/client/files/ghost/a.pdf", Some(&bearer)))
        .await
        .assert_error(404, "unknown_ops_user");
}

#[tokio::test]
async fn names_that_are_paths_are_400() {
    let (_t, r, bearer) = app().await;
    for p in [
        "/client/files/opsy/..",
        "/client/files/opsy/a%2Fb",
        "/client/files/opsy/a%5Cb",
    ] {
        send(&r, get(p, Some(&bearer)))
            .await
            .assert_error(400, "invalid_field");
    }
    send(&r, get("/client/files/opsy/%FF", Some(&bearer)))
        .await
        .assert_error(400, "invalid_path");
}

#[tokio::test]
async fn ops_token_is_403_and_no_token_401() {
    let (t, r, _bearer) = app().await;
    let ops = t
        .bearer_for(UserType::Ops, &Username::parse("opsy").unwrap())
        .await;
    send(&r, get(PATH, Some(&ops)))
        .await
        .assert_error(403, "forbidden");
    send(&r, get(PATH, None))
        .await
        .assert_error(401, "unauthorized");
}

// ---- who may download ----

fn private_share(max: Option<u32>) -> ezshare_store::ShareRecord {
    ezshare_store::ShareRecord {
        owner: Username::parse("opsy").unwrap(),
        file: FileName::parse("secret.pdf").unwrap(),
        client: Username::parse("cli").unwrap(),
        granted_at: time::OffsetDateTime::now_utc(),
        expires_at: None,
        max_downloads: max,
        downloads: 0,
    }
}

const SECRET: &str = "/client/files/opsy/secret.pdf";

#[tokio::test]
async fn a_private_file_is_404_until_shared_and_again_once_revoked() {
    let (t, r, bearer) = app().await;
    t.put_file_as(
        "opsy",
        "secret.pdf",
        b"%PDF".to_vec(),
        ezshare_domain::Visibility::Private,
    )
    .await;
    send(&r, get(SECRET, Some(&bearer)))
        .await
        .assert_error(404, "file_not_found");
    t.stores()
        .shares
        .put_share(&private_share(None))
        .await
        .unwrap();
    assert_eq!(send(&r, get(SECRET, Some(&bearer))).await.status, 302);
    let other = t.bearer(UserType::Client, "other").await;
    send(&r, get(SECRET, Some(&other)))
        .await
        .assert_error(404, "file_not_found");
    let share = private_share(None);
    t.stores()
        .shares
        .delete_share(&share.owner, &share.file, &share.client)
        .await
        .unwrap();
    send(&r, get(SECRET, Some(&bearer)))
        .await
        .assert_error(404, "file_not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_limited_share_issues_exactly_its_links_under_concurrency() {
    let (t, r, bearer) = app().await;
    t.put_file_as(
        "opsy",
        "secret.pdf",
        b"%PDF".to_vec(),
        ezshare_domain::Visibility::Private,
    )
    .await;
    t.stores()
        .shares
        .put_share(&private_share(Some(3)))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..12)
        .map(|_| {
            let (r, bearer) = (r.clone(), bearer.clone());
            tokio::spawn(async move { send(&r, get(SECRET, Some(&bearer))).await.status.as_u16() })
        })
        .collect();
    let mut statuses = vec![];
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 302).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 404).count(),
        9,
        "{statuses:?}"
    );
    let counted = t
        .stores()
        .shares
        .file_shares(
            &Username::parse("opsy").unwrap(),
            &FileName::parse("secret.pdf").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(counted[0].downloads, 3);
}

// ---- receipts ----

#[tokio::test]
async fn each_link_is_recorded_before_it_is_handed_out() {
    let (t, r, bearer) = app().await;
    t.put_file_as(
        "opsy",
        "secret.pdf",
        b"%PDF".to_vec(),
        ezshare_domain::Visibility::Private,
    )
    .await;
    t.stores()
        .shares
        .put_share(&private_share(Some(5)))
        .await
        .unwrap();
    assert_eq!(send(&r, get(SECRET, Some(&bearer))).await.status, 302);
    let page = t
        .stores()
        .activity
        .list_activity(
            &Username::parse("opsy").unwrap(),
            &ezshare_store::ActivityFilter::default(),
            None,
            ezshare_domain::PageLimit::DEFAULT,
        )
        .await
        .unwrap();
    assert_eq!(page.events.len(), 1);
    let e = &page.events[0];
    assert_eq!(e.action, ezshare_domain::ActivityAction::DownloadLinkIssued);
    assert_eq!((e.file.as_str(), e.actor.as_str()), ("secret.pdf", "cli"));
    assert_eq!(e.client.as_ref().map(|c| c.as_str()), Some("cli"));
    assert_eq!(e.actor_type, UserType::Client);
}

/// An activity log that is down: every write fails as an outage would.
struct DownLog;

#[async_trait::async_trait]
impl ezshare_store::ActivityStore for DownLog {
    async fn record(
        &self,
        _: &ezshare_store::ActivityEvent,
        _: time::OffsetDateTime,
    ) -> Result<(), ezshare_store::StoreError> {
        Err(ezshare_store::StoreError::Unavailable(
            "activity table down".into(),
        ))
    }

    async fn list_activity(
        &self,
        _: &Username,
        _: &ezshare_store::ActivityFilter,
        _: Option<&ezshare_domain::Cursor>,
        _: ezshare_domain::PageLimit,
    ) -> Result<ezshare_store::ActivityPage, ezshare_store::StoreError> {
        Err(ezshare_store::StoreError::Unavailable(
            "activity table down".into(),
        ))
    }
}

#[tokio::test]
async fn no_receipt_no_link_and_the_share_keeps_its_count() {
    let (t, _r, bearer) = app().await;
    t.put_file_as(
        "opsy",
        "secret.pdf",
        b"%PDF".to_vec(),
        ezshare_domain::Visibility::Private,
    )
    .await;
    t.stores()
        .shares
        .put_share(&private_share(Some(1)))
        .await
        .unwrap();
    let mut stores = t.stores().clone();
    stores.activity = std::sync::Arc::new(DownLog);
    let secret = ezshare_auth::JwtSecret::parse(ezshare_testkit::SECRET, "test").unwrap();
    let state = ezshare_api::AppState::new(stores, &secret, Settings::default());
    let down = ezshare_api::finish(ezshare_download::ENDPOINT.router(), state);
    let res = send(&down, get(SECRET, Some(&bearer))).await;
    res.assert_error(503, "service_unavailable");
    assert_eq!(res.header("location"), None);
    assert!(
        !res.text().contains("_local/download"),
        "no link in the body"
    );
    // The one link the share allows was given back: with the log back, it is issued.
    let r = t.router(ezshare_download::ENDPOINT.router());
    assert_eq!(send(&r, get(SECRET, Some(&bearer))).await.status, 302);
    send(&r, get(SECRET, Some(&bearer)))
        .await
        .assert_error(404, "file_not_found");
}

use ezshare_domain::{ActivityAction, FileName, UserType, Username};
use ezshare_store::ActivityEvent;
use ezshare_testkit::{TestApp, get, send};
use serde_json::Value;
use time::OffsetDateTime;

async fn app() -> (TestApp, axum::Router, String) {
    let t = TestApp::new().await;
    let r = t.router(ezshare_activity::ENDPOINT.router());
    let ops = t.bearer(UserType::Ops, "opsy").await;
    (t, r, ops)
}

async fn seed(t: &TestApp, owner: &str, file: &str, action: ActivityAction, second: i64) {
    let at = OffsetDateTime::from_unix_timestamp(1_800_000_000 + second).unwrap();
    let event = ActivityEvent {
        id: ActivityEvent::new_id(at),
        at,
        action,
        owner: Username::parse(owner).unwrap(),
        file: FileName::parse(file).unwrap(),
        actor_type: UserType::Client,
        actor: Username::parse("bob").unwrap(),
        client: Some(Username::parse("bob").unwrap()),
        source_ip: Some("203.0.113.42".into()),
        user_agent: None,
    };
    let keep = OffsetDateTime::now_utc() + time::Duration::days(1);
    t.stores().activity.record(&event, keep).await.unwrap();
}

fn actions(body: &Value) -> Vec<(String, String)> {
    body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let file = e["file"].as_str().unwrap().to_owned();
            (file, e["action"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_callers_own_events_newest_first() {
    let (t, r, ops) = app().await;
    seed(&t, "opsy", "a.pdf", ActivityAction::Uploaded, 1).await;
    seed(&t, "opsy", "a.pdf", ActivityAction::DownloadLinkIssued, 2).await;
    seed(&t, "someone-else", "a.pdf", ActivityAction::Uploaded, 3).await;
    let res = send(&r, get("/ops/activity", Some(&ops))).await;
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(
        actions(&body),
        [
            ("a.pdf".into(), "download_link_issued".into()),
            ("a.pdf".into(), "uploaded".into())
        ]
    );
    let first = &body["events"][0];
    assert_eq!(first["at"], "2027-01-15T08:00:02Z");
    assert_eq!(first["owner"], "opsy");
    assert_eq!(first["actor_type"], "client");
    assert_eq!(first["actor"], "bob");
    assert_eq!(first["client"], "bob");
    assert_eq!(first["source_ip"], "203.0.113.42");
    assert_eq!(first["user_agent"], Value::Null);
    assert_eq!(first["id"].as_str().unwrap().len(), 36);
    assert_eq!(body["next_cursor"], Value::Null);
}

#[tokio::test]
async fn filters_and_pages() {
    let (t, r, ops) = app().await;
    for i in 0..5 {
        let action = if i % 2 == 0 {
            ActivityAction::Shared
        } else {
            ActivityAction::DownloadLinkIssued
        };
        seed(
            &t,
            "opsy",
            if i < 3 { "a.pdf" } else { "b b.pdf" },
            action,
            i,
        )
        .await;
    }
    let body = send(&r, get("/ops/activity?file=b%20b.pdf", Some(&ops)))
        .await
        .json();
    assert_eq!(actions(&body).len(), 2);
    let body = send(&r, get("/ops/activity?action=shared", Some(&ops)))
        .await
        .json();
    assert!(actions(&body).iter().all(|(_, a)| a == "shared"));
    assert_eq!(actions(&body).len(), 3);
    let mut seen = 0;
    let mut uri = "/ops/activity?limit=2".to_owned();
    for _ in 0..10 {
        let body = send(&r, get(&uri, Some(&ops))).await.json();
        seen += actions(&body).len();
        match body["next_cursor"].as_str() {
            Some(c) => uri = format!("/ops/activity?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, 5);
}

#[tokio::test]
async fn bad_parameters_and_callers_are_refused() {
    let (t, r, ops) = app().await;
    for (uri, code) in [
        ("/ops/activity?action=downloaded", "invalid_field"),
        ("/ops/activity?file=a%2Fb", "invalid_field"),
        ("/ops/activity?limit=0", "invalid_field"),
        ("/ops/activity?cursor=1.YS5wZGY", "invalid_cursor"),
    ] {
        send(&r, get(uri, Some(&ops))).await.assert_error(400, code);
    }
    let client = t.bearer(UserType::Client, "cli").await;
    send(&r, get("/ops/activity", Some(&client)))
        .await
        .assert_error(403, "forbidden");
    send(&r, get("/ops/activity", None))
        .await
        .assert_error(401, "unauthorized");
}

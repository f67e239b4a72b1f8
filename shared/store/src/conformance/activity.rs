//! The activity log: per owner, newest first, paged, filtered by file and action.

use ezshare_domain::{ActivityAction, Cursor, PageLimit, UserType};
use time::OffsetDateTime;

use super::{Harness, fname, uname};
use crate::{ActivityEvent, ActivityFilter, StoreError};

fn event(owner: &str, file: &str, action: ActivityAction, second: i64) -> ActivityEvent {
    let at = OffsetDateTime::from_unix_timestamp(1_800_000_000 + second).unwrap();
    ActivityEvent {
        id: ActivityEvent::new_id(at),
        at,
        action,
        owner: uname(owner),
        file: fname(file),
        actor_type: UserType::Client,
        actor: uname("bob"),
        client: Some(uname("bob")),
        source_ip: Some("203.0.113.7".into()),
        user_agent: Some("curl/8".into()),
    }
}

fn far_future() -> OffsetDateTime {
    OffsetDateTime::now_utc() + time::Duration::days(400)
}

/// Every event of `owner` matching `filter`, following cursors `limit` at a time.
async fn all_pages(h: &Harness, owner: &str, filter: &ActivityFilter, limit: &str) -> Vec<String> {
    let mut ids = vec![];
    let mut cursor: Option<Cursor> = None;
    for _ in 0..50 {
        let page = h
            .stores
            .activity
            .list_activity(
                &uname(owner),
                filter,
                cursor.as_ref(),
                PageLimit::parse(limit).unwrap(),
            )
            .await
            .unwrap();
        ids.extend(page.events.into_iter().map(|e| e.id));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return ids,
        }
    }
    panic!("the listing did not end");
}

pub async fn activity_is_per_owner_newest_first_and_round_trips(h: &Harness) {
    let a = &h.stores.activity;
    let first = event("opsy", "a.pdf", ActivityAction::Uploaded, 1);
    let mut second = event("opsy", "a.pdf", ActivityAction::Shared, 2);
    second.source_ip = None;
    second.user_agent = None;
    let third = event("opsy", "b.pdf", ActivityAction::DownloadLinkIssued, 3);
    let elsewhere = event("other", "a.pdf", ActivityAction::Deleted, 4);
    for e in [&second, &first, &elsewhere, &third] {
        a.record(e, far_future()).await.unwrap();
    }
    let page = a
        .list_activity(
            &uname("opsy"),
            &ActivityFilter::default(),
            None,
            PageLimit::DEFAULT,
        )
        .await
        .unwrap();
    assert_eq!(page.events, vec![third, second, first]);
    assert_eq!(page.next_cursor, None);
}

pub async fn activity_pages_and_filters(h: &Harness) {
    let a = &h.stores.activity;
    let mut expected = vec![];
    for i in 0..10 {
        let (file, action) = match i % 3 {
            0 => ("a.pdf", ActivityAction::Uploaded),
            1 => ("b.pdf", ActivityAction::DownloadLinkIssued),
            _ => ("a.pdf", ActivityAction::DownloadLinkIssued),
        };
        let e = event("opsy", file, action, i);
        a.record(&e, far_future()).await.unwrap();
        expected.push(e);
    }
    expected.reverse();
    let ids = |keep: &dyn Fn(&ActivityEvent) -> bool| -> Vec<String> {
        expected
            .iter()
            .filter(|e| keep(e))
            .map(|e| e.id.clone())
            .collect()
    };
    assert_eq!(
        all_pages(h, "opsy", &ActivityFilter::default(), "3").await,
        ids(&|_| true)
    );
    let of_a = ActivityFilter {
        file: Some(fname("a.pdf")),
        action: None,
    };
    assert_eq!(
        all_pages(h, "opsy", &of_a, "2").await,
        ids(&|e| e.file.as_str() == "a.pdf")
    );
    let links_of_a = ActivityFilter {
        file: Some(fname("a.pdf")),
        action: Some(ActivityAction::DownloadLinkIssued),
    };
    assert_eq!(
        all_pages(h, "opsy", &links_of_a, "2").await,
        ids(&|e| e.file.as_str() == "a.pdf" && e.action == ActivityAction::DownloadLinkIssued)
    );
    let bad = Cursor::parse("1.YS5wZGY").unwrap();
    let got = a
        .list_activity(
            &uname("opsy"),
            &ActivityFilter::default(),
            Some(&bad),
            PageLimit::DEFAULT,
        )
        .await;
    assert!(matches!(got, Err(StoreError::InvalidCursor)), "{got:?}");
}

/// Many events at once (download links under load): every one is stored, each exactly once.
pub async fn activity_concurrent_records_are_all_kept(h: &Harness) {
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let activity = h.stores.activity.clone();
            tokio::spawn(async move {
                let e = event("opsy", "hot.pdf", ActivityAction::DownloadLinkIssued, i);
                activity.record(&e, far_future()).await.map(|()| e.id)
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap().unwrap());
    }
    let listed = all_pages(h, "opsy", &ActivityFilter::default(), "1000").await;
    assert_eq!(listed.len(), 100);
    assert_eq!(
        listed
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>(),
        ids
    );
}

//! Attempt counts and lockouts: counts per key and window that stay exact under
//! concurrency, and lockouts that are forgotten on time.

use std::collections::BTreeSet;

use time::{Duration, OffsetDateTime};

use super::Harness;
use crate::{Lockout, Window};

fn this_window() -> Window {
    Window::containing(OffsetDateTime::now_utc(), 900)
}

/// Every hour starts a quarter hour too: the two windows' counts stay apart.
pub async fn attempts_windows_that_start_together_count_apart(h: &Harness) {
    let a = &h.stores.attempts;
    let start = OffsetDateTime::from_unix_timestamp(
        OffsetDateTime::now_utc().unix_timestamp() / 3600 * 3600 + 3600,
    )
    .unwrap();
    let quarter = Window::containing(start, 900);
    let hour = Window::containing(start, 3600);
    assert_eq!(quarter.start, hour.start);
    assert_eq!(a.add_attempts("k", quarter, 1).await.unwrap(), 1);
    assert_eq!(a.add_attempts("k", hour, 1).await.unwrap(), 1);
    assert_eq!(a.add_attempts("k", quarter, 1).await.unwrap(), 2);
}

pub async fn attempts_count_per_key_and_window(h: &Harness) {
    let a = &h.stores.attempts;
    let w = this_window();
    let next = Window::containing(w.end(), 900);
    assert_eq!(a.add_attempts("login#alice", w, 1).await.unwrap(), 1);
    assert_eq!(a.add_attempts("login#alice", w, 1).await.unwrap(), 2);
    assert_eq!(a.add_attempts("login#bob", w, 1).await.unwrap(), 1);
    assert_eq!(a.add_attempts("login#alice", next, 1).await.unwrap(), 1);
    let hour = Window::containing(OffsetDateTime::now_utc(), 3600);
    assert_eq!(a.add_attempts("login#alice", hour, 1).await.unwrap(), 1);
    // Giving one back, and clearing.
    assert_eq!(a.add_attempts("login#alice", w, -1).await.unwrap(), 1);
    a.clear_attempts("login#alice", w).await.unwrap();
    a.clear_attempts("login#nobody", w).await.unwrap();
    assert_eq!(a.add_attempts("login#alice", w, 1).await.unwrap(), 1);
    assert_eq!(a.add_attempts("login#bob", w, 1).await.unwrap(), 2, "kept");
}

/// 100 attempts at once on one key: each is told a different count, 1 to 100.
pub async fn attempts_racing_adds_each_see_their_own_count(h: &Harness) {
    let w = this_window();
    let tasks: Vec<_> = (0..100)
        .map(|_| {
            let attempts = h.stores.attempts.clone();
            tokio::spawn(async move { attempts.add_attempts("login#racy", w, 1).await })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for t in tasks {
        seen.insert(t.await.unwrap().unwrap());
    }
    assert_eq!(seen, (1..=100).collect::<BTreeSet<i64>>());
}

pub async fn lockout_round_trip_replace_and_forget(h: &Harness) {
    let a = &h.stores.attempts;
    let now =
        OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap();
    assert_eq!(a.find_lockout("login#alice#ip", now).await.unwrap(), None);
    let first = Lockout {
        level: 1,
        until: now + Duration::seconds(60),
        forget_at: now + Duration::hours(24),
    };
    a.put_lockout("login#alice#ip", &first).await.unwrap();
    assert_eq!(
        a.find_lockout("login#alice#ip", now).await.unwrap(),
        Some(first)
    );
    assert_eq!(a.find_lockout("login#bob#ip", now).await.unwrap(), None);
    let second = Lockout {
        level: 2,
        until: now + Duration::seconds(120),
        ..first
    };
    a.put_lockout("login#alice#ip", &second).await.unwrap();
    assert_eq!(
        a.find_lockout("login#alice#ip", now).await.unwrap(),
        Some(second)
    );
    // Past `forget_at` it is gone, whether or not the backend has deleted it yet.
    assert_eq!(
        a.find_lockout("login#alice#ip", second.forget_at)
            .await
            .unwrap(),
        None
    );
    a.clear_lockout("login#alice#ip").await.unwrap();
    a.clear_lockout("login#alice#ip").await.unwrap();
    assert_eq!(a.find_lockout("login#alice#ip", now).await.unwrap(), None);
}

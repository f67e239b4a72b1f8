//! Login throttling through the real router: lockouts per account and address, the
//! ceilings per account and per address, and concurrent guesses that cannot slip past.

use ezshare_api::{Settings, SourceIp, ThrottleSettings};
use ezshare_domain::UserType;
use ezshare_testkit::{PASSWORD, TestApp, TestResponse, post_json, send};
use serde_json::json;

async fn app_with(throttle: ThrottleSettings) -> (TestApp, axum::Router) {
    let t = TestApp::with_settings(Settings {
        throttle,
        ..Settings::default()
    })
    .await;
    let r = t.router(ezshare_login::ENDPOINT.router());
    (t, r)
}

/// A login as the platform in front would pass it on: from `ip`.
async fn login_from(r: &axum::Router, ip: &str, user: &str, password: &str) -> TestResponse {
    let mut req = post_json(
        "/ops/login",
        json!({"username": user, "password": password}),
    );
    if !ip.is_empty() {
        req.extensions_mut().insert(SourceIp(ip.parse().unwrap()));
    }
    send(r, req).await
}

fn assert_too_many(res: &TestResponse, retry_after: &str) {
    res.assert_error(429, "too_many_attempts");
    assert_eq!(
        res.header("retry-after"),
        Some(retry_after),
        "{}",
        res.text()
    );
}

#[tokio::test]
async fn five_failures_lock_the_account_for_that_address_only() {
    let (t, r) = app_with(ThrottleSettings::default()).await;
    t.create_user(UserType::Ops, "alice").await;
    for _ in 0..5 {
        login_from(&r, "203.0.113.9", "alice", "wrong-password")
            .await
            .assert_error(401, "invalid_credentials");
    }
    // Even the right password is refused now, with when to come back.
    let locked = login_from(&r, "203.0.113.9", "alice", PASSWORD).await;
    assert_too_many(&locked, "60");
    assert!(locked.text().contains("retry in 60 s"), "{}", locked.text());
    // The real user elsewhere is not locked out by the attacker.
    assert_eq!(
        login_from(&r, "198.51.100.7", "alice", PASSWORD)
            .await
            .status,
        200
    );
    // Nor is another account from the attacker's address.
    t.create_user(UserType::Ops, "bob").await;
    assert_eq!(
        login_from(&r, "203.0.113.9", "bob", PASSWORD).await.status,
        200
    );
}

#[tokio::test]
async fn names_that_do_not_exist_lock_out_the_same_way() {
    let (_t, r) = app_with(ThrottleSettings::default()).await;
    let mut answers = vec![];
    for _ in 0..6 {
        let res = login_from(&r, "203.0.113.9", "nobody", "wrong-password").await;
        answers.push(res.status.as_u16());
    }
    assert_eq!(answers, [401, 401, 401, 401, 401, 429]);
}

#[tokio::test]
async fn a_successful_login_resets_the_count() {
    let (t, r) = app_with(ThrottleSettings::default()).await;
    t.create_user(UserType::Ops, "carol").await;
    for _ in 0..4 {
        login_from(&r, "203.0.113.9", "carol", "wrong-password").await;
    }
    assert_eq!(
        login_from(&r, "203.0.113.9", "carol", PASSWORD)
            .await
            .status,
        200
    );
    for _ in 0..5 {
        login_from(&r, "203.0.113.9", "carol", "wrong-password")
            .await
            .assert_error(401, "invalid_credentials");
    }
    assert_too_many(
        &login_from(&r, "203.0.113.9", "carol", PASSWORD).await,
        "60",
    );
}

/// 100 wrong passwords at once: exactly 5 reach a password check, the rest are 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_cannot_slip_past_the_limit() {
    // The per-address ceiling (50) could refuse some of the first five while all race.
    let (t, r) = app_with(ThrottleSettings {
        login_max_failures_per_ip: 1000,
        ..ThrottleSettings::default()
    })
    .await;
    t.create_user(UserType::Ops, "dave").await;
    let guesses: Vec<_> = (0..100)
        .map(|i| {
            let r = r.clone();
            tokio::spawn(async move {
                login_from(&r, "203.0.113.9", "dave", &format!("guess-number-{i}"))
                    .await
                    .status
                    .as_u16()
            })
        })
        .collect();
    let mut checked = 0;
    let mut refused = 0;
    for g in guesses {
        match g.await.unwrap() {
            401 => checked += 1,
            429 => refused += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((checked, refused), (5, 95));
}

#[tokio::test]
async fn guesses_spread_over_addresses_meet_the_accounts_ceiling() {
    let (t, r) = app_with(ThrottleSettings {
        login_max_failures_per_account: 3,
        ..ThrottleSettings::default()
    })
    .await;
    t.create_user(UserType::Ops, "erin").await;
    for i in 1..=3 {
        login_from(&r, &format!("198.51.100.{i}"), "erin", "wrong-password")
            .await
            .assert_error(401, "invalid_credentials");
    }
    let res = login_from(&r, "198.51.100.4", "erin", "wrong-password").await;
    res.assert_error(429, "too_many_attempts");
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=3600).contains(&wait), "until the hour's end: {wait}");
}

#[tokio::test]
async fn one_address_guessing_many_accounts_meets_the_addresses_ceiling() {
    let (_t, r) = app_with(ThrottleSettings {
        login_max_failures_per_ip: 3,
        ..ThrottleSettings::default()
    })
    .await;
    for name in ["acct1", "acct2", "acct3"] {
        login_from(&r, "2001:db8:5:6::1", name, "wrong-password")
            .await
            .assert_error(401, "invalid_credentials");
    }
    // Another address in the same /64 is the same caller.
    login_from(&r, "2001:db8:5:6:ffff::2", "acct4", "wrong-password")
        .await
        .assert_error(429, "too_many_attempts");
    login_from(&r, "2001:db8:5:7::1", "acct4", "wrong-password")
        .await
        .assert_error(401, "invalid_credentials");
}

/// A request with no known source address (a router test) is limited per account only.
#[tokio::test]
async fn without_a_source_address_only_the_account_ceiling_applies() {
    let (_t, r) = app_with(ThrottleSettings::default()).await;
    for _ in 0..10 {
        login_from(&r, "", "frank", "wrong-password")
            .await
            .assert_error(401, "invalid_credentials");
    }
}

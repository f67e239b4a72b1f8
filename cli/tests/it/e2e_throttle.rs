//! Attack tests against the `ezshare serve` process: password guessing over real HTTP, from
//! the peer address, and behind a proxy that the server trusts.

use crate::support::{Server, client, form};

async fn login(
    server: &Server,
    user: &str,
    password: &str,
    xff: Option<&str>,
) -> reqwest::Response {
    let mut req = client()
        .post(server.url("/client/login"))
        .form(&form(&[("username", user), ("password", password)]));
    if let Some(hop) = xff {
        req = req.header("x-forwarded-for", hop);
    }
    req.send().await.unwrap()
}

async fn signup(server: &Server, user: &str) {
    let r = client()
        .post(server.url("/client/signup"))
        .form(&form(&[
            ("username", user),
            ("password", "the-right-password"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
}

/// 100 wrong passwords at once over real connections: 5 reach a password check, 95 are
/// 429; then the right password from the same address waits too, with `Retry-After`.
#[tokio::test]
async fn a_guessing_flood_gets_five_guesses_then_waits() {
    let dir = tempfile::tempdir().unwrap();
    // The per-address ceiling (50) would refuse some of the first five while all 100 race:
    // this test is about the account's own limit.
    let server = Server::start(dir.path(), &[], &[("LOGIN_MAX_FAILURES_PER_IP", "1000")]);
    signup(&server, "victim").await;
    let base = server.url("");
    let mut guesses = tokio::task::JoinSet::new();
    for i in 0..100 {
        let url = format!("{base}/client/login");
        guesses.spawn(async move {
            let password = format!("guess-{i}");
            let sent = client()
                .post(url)
                .form(&form(&[("username", "victim"), ("password", &password)]))
                .send()
                .await;
            sent.unwrap().status().as_u16()
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 95), "{statuses:?}");
    let r = login(&server, "victim", "the-right-password", None).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_attempts");
}

/// Behind a trusted proxy, each client address has its own lockout: the attacker's does not
/// lock the real user out.
#[tokio::test]
async fn behind_a_trusted_proxy_addresses_are_told_apart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[("TRUST_PROXY_HEADERS", "true")]);
    signup(&server, "victim").await;
    let attacker = Some("198.51.100.66");
    for _ in 0..5 {
        let r = login(&server, "victim", "wrong-password", attacker).await;
        assert_eq!(r.status(), 401);
    }
    assert_eq!(
        login(&server, "victim", "wrong-password", attacker)
            .await
            .status(),
        429
    );
    let real_user = Some("203.0.113.5");
    let r = login(&server, "victim", "the-right-password", real_user).await;
    assert_eq!(r.status(), 200);
}

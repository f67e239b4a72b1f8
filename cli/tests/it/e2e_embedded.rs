//! End to end: the `ezshare serve` process on the embedded backend, over real HTTP.

use crate::support::{
    Server, client, form, invite_with_cli, walk_email_verification, walk_the_invitations,
    walk_the_original_story, walk_the_sharing_story,
};

/// A PDF header (the default type policy checks it) followed by every byte value.
fn sample_bytes(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..len - bytes.len()).map(|i| (i * 7 % 256) as u8));
    bytes
}

#[tokio::test]
async fn the_original_story_works_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    // The original server's open behaviour, two settings away.
    let server = Server::start(dir.path(), &[], crate::support::ORIGINAL);
    walk_the_original_story(&server, &sample_bytes(300_000)).await;
    assert!(server.interrupt(), "Ctrl-C stops the server cleanly");
}

/// The defaults, end to end: OPS signup is by invitation (the first code from `ezshare
/// invite`, run beside the serving process on its data dir; the next from the first OPS
/// user), and files are private until shared.
#[tokio::test]
async fn invitations_and_private_sharing_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[]);
    walk_the_invitations(&server, || invite_with_cli(dir.path(), "ops")).await;
    walk_the_sharing_story(&server, &sample_bytes(20_000)).await;
}

#[tokio::test]
async fn tampered_and_expired_links_are_403() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[],
        &[
            ("DOWNLOAD_URL_TTL_SECONDS", "1"),
            ("OPS_SIGNUP", "open"),
            ("NEW_FILE_VISIBILITY", "all_clients"),
        ],
    );
    let http = client();
    let reg = |path: &'static str, user: &'static str| {
        http.post(server.url(path))
            .form(&form(&[("username", user), ("password", "password-123")]))
            .send()
    };
    reg("/ops/signup", "opsa").await.unwrap();
    let ops = reg("/ops/login", "opsa")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("a.pdf");
    let r = http
        .post(server.url("/ops/upload"))
        .bearer_auth(&ops)
        .multipart(reqwest::multipart::Form::new().part("request_file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    reg("/client/signup", "clia").await.unwrap();
    let cli = reg("/client/login", "clia")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let r = http
        .get(server.url("/client/files/opsa/a.pdf"))
        .bearer_auth(&cli)
        .send()
        .await
        .unwrap();
    let link = r.headers()["location"].to_str().unwrap().to_owned();

    let tampered = link.replace("/opsa/a.pdf", "/opsa/b.pdf");
    let r = http.get(&tampered).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "forbidden"
    );
    let (base, sig) = link.rsplit_once("sig=").unwrap();
    let flipped = format!(
        "{base}sig={}{}",
        if sig.starts_with('0') { "1" } else { "0" },
        &sig[1..]
    );
    assert_eq!(http.get(&flipped).send().await.unwrap().status(), 403);

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = http.get(&link).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
}

#[tokio::test]
async fn data_and_sessions_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = Server::start(dir.path(), &[], crate::support::ORIGINAL);
    let http = client();
    let creds = form(&[("username", "keeper"), ("password", "password-123")]);
    assert_eq!(
        http.post(first.url("/ops/signup"))
            .form(&creds)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let token = http
        .post(first.url("/ops/login"))
        .form(&creds)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.interrupt());

    let second = Server::start(dir.path(), &[], crate::support::ORIGINAL);
    // Same secret, same session store: the old token still works.
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("kept.pdf");
    let r = http
        .post(second.url("/ops/upload"))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("request_file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    assert_eq!(
        http.post(second.url("/ops/signup"))
            .form(&creds)
            .send()
            .await
            .unwrap()
            .status(),
        409
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[]);
    let r = client().get(server.url("/nowhere")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["error"]["code"],
        "not_found"
    );
    let r = client()
        .delete(server.url("/ops/upload"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[test]
fn a_short_secret_fails_startup_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ezshare"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("EZSHARE_JWT_SECRET", "too-short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("EZSHARE_JWT_SECRET"));
}

#[test]
fn an_invalid_setting_fails_startup_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ezshare"))
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env("MAX_UPLOAD_BYTES", "lots")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("MAX_UPLOAD_BYTES"));
}

#[test]
fn an_invalid_hashing_bound_fails_startup_naming_it() {
    for bad in ["0", "1025", "many"] {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_ezshare"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path())
            .env("MAX_CONCURRENT_HASHES", bad)
            .output()
            .unwrap();
        assert!(!out.status.success(), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("MAX_CONCURRENT_HASHES"),
            "{bad}"
        );
    }
}

/// A data dir belongs to one server at a time: a second process cannot open its database
/// (and says why), while `ezshare invite` still reaches the running server through the
/// invite spool — the minted code signs an OPS user up at once.
#[tokio::test]
async fn a_running_server_owns_its_data_dir_and_invites_still_reach_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[]);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ezshare"))
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("in use by another process"), "{stderr}");

    let code = crate::support::invite_with_cli(dir.path(), "ops");
    let creds = [
        ("username", "spooled"),
        ("password", "password-123"),
        ("invite_code", code.as_str()),
    ];
    let r = client()
        .post(server.url("/ops/signup"))
        .form(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let spool = dir.path().join("invite-spool");
    assert_eq!(std::fs::read_dir(&spool).unwrap().count(), 0, "taken in");
    assert!(server.interrupt());
    // Stopped, the data dir opens again.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ezshare"))
        .args(["migrate", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// 200 connections that never send a byte do not keep a normal request waiting; and the
/// server closes a silent connection once the header deadline (10 s) has passed.
#[tokio::test]
async fn silent_connections_neither_block_others_nor_stay_open() {
    use tokio::io::AsyncReadExt;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[]);
    let addr = server.url("").trim_start_matches("http://").to_owned();
    let mut silent = Vec::new();
    for _ in 0..200 {
        silent.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    let r = client()
        .get(server.url("/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "answered beside 200 silent connections");

    let started = std::time::Instant::now();
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), silent[0].read(&mut buf))
        .await
        .expect("closed before 20 s");
    // Closed (EOF, or a reset) with at most a 408 written first.
    match read {
        Ok(0) | Err(_) => {}
        Ok(n) => assert!(
            String::from_utf8_lossy(&buf[..n]).contains("408"),
            "{n} bytes"
        ),
    }
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(5),
        "not before the deadline: {:?}",
        started.elapsed()
    );
}

/// With `MAX_CONNECTIONS=2`, a third connection waits until one of two closes, then is
/// served.
#[tokio::test]
async fn connections_beyond_the_cap_wait_their_turn() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[("MAX_CONNECTIONS", "2")]);
    let addr = server.url("").trim_start_matches("http://").to_owned();
    let first = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let _second = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut third = tokio::net::TcpStream::connect(&addr).await.unwrap();
    third
        .write_all(b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let early = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        third.read_to_end(&mut answer),
    )
    .await;
    assert!(early.is_err(), "served while two connections held the cap");
    drop(first);
    tokio::time::timeout(
        std::time::Duration::from_secs(5),
        third.read_to_end(&mut answer),
    )
    .await
    .expect("served once a slot freed")
    .unwrap();
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 404"));
}

/// A transfer that stalls frees its connection after the idle timeout: here an upload to a
/// signed URL (a route with no request deadline) whose client stops sending mid-body.
#[tokio::test]
async fn a_stalled_upload_is_cut_off_after_the_idle_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let env = [("IDLE_TIMEOUT_SECONDS", "2"), ("OPS_SIGNUP", "open")];
    let server = Server::start(dir.path(), &[], &env);
    let http = client();
    let signup = form(&[("username", "stall"), ("password", "stall-password-1")]);
    let r = http
        .post(server.url("/ops/signup"))
        .form(&signup)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .post(server.url("/ops/login"))
        .form(&signup)
        .send()
        .await
        .unwrap();
    let token = r.text().await.unwrap();
    let announce =
        serde_json::json!({"name": "slow.pdf", "size": 1000, "content_type": "application/pdf"});
    let created: serde_json::Value = http
        .post(server.url("/ops/uploads"))
        .bearer_auth(&token)
        .json(&announce)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = created["upload_url"].as_str().unwrap();
    let path = &url[url.find("/_local/").unwrap()..];
    let addr = server.url("").trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/pdf\r\n\
         Content-Length: 1000\r\n\r\n%PDF-1.7\n"
    );
    conn.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = Vec::new();
    // Closed (EOF or a reset: either way the read ends) well before the 20 s here; without
    // the idle timeout the upload route would wait for the rest of the body for ever.
    let _closed = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        conn.read_to_end(&mut buf),
    )
    .await
    .expect("the server closed the stalled connection");
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(2),
        "not before the idle timeout: {waited:?}"
    );
    // Nothing was kept: the upload still has no bytes, and a complete says so.
    let id = created["upload_id"].as_str().unwrap();
    let r = http
        .post(server.url(&format!("/ops/uploads/{id}/complete")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// Email verification on the local server: the message is a file in the data dir's outbox,
/// its link points at the server itself, and following it lets the account log in.
#[tokio::test]
async fn email_verification_through_the_outbox() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[], &[("EMAIL_VERIFICATION", "required")]);
    let outbox = dir.path().join("outbox");
    let mail = walk_email_verification(&server, &server.url(""), || async {
        let files: Vec<_> = std::fs::read_dir(&outbox)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        std::fs::read_to_string(&files[0]).unwrap()
    })
    .await;
    assert!(
        mail.contains("From: ezshare@localhost.localdomain\r\n"),
        "{mail}"
    );
}

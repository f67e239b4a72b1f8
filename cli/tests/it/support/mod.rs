//! Runs the real `ezshare` binary as a child process, as a user would.

#[cfg(feature = "aws")]
pub mod aws;
pub mod events;
#[cfg(feature = "aws")]
pub mod invoke;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The original server's open behaviour, two settings away: anyone may sign up as OPS, and
/// every file is visible to every client. For tests about something other than who sees what.
pub const ORIGINAL: &[(&str, &str)] = &[
    ("OPS_SIGNUP", "open"),
    ("NEW_FILE_VISIBILITY", "all_clients"),
];

pub struct Server {
    child: Child,
    pub base_url: String,
}

impl Server {
    /// Starts `ezshare serve --addr 127.0.0.1:0 <extra>` and waits for its address line.
    pub fn start(data_dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
        cmd.args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .envs(env.iter().copied())
            .env_remove("EZSHARE_JWT_SECRET");
        Server::spawn(cmd)
    }

    /// Starts a prepared `ezshare serve …` command (it must listen on one address and print
    /// it) and waits for its address line.
    pub fn spawn(mut cmd: Command) -> Server {
        cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("ezshare starts");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let base_url = line
            .trim()
            .strip_prefix("ezshare listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        Server { child, base_url }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Sends SIGINT (Ctrl-C) and returns whether the server exited successfully.
    pub fn interrupt(mut self) -> bool {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("server did not stop within 5 s of SIGINT");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `ezshare invite --user-type <user_type> --data-dir <data_dir>`, as an administrator
/// would beside a running server; returns the code it printed.
pub fn invite_with_cli(data_dir: &Path, user_type: &str) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
    cmd.args(["invite", "--user-type", user_type, "--data-dir"])
        .arg(data_dir);
    invite_code_from(cmd)
}

/// Runs a prepared `ezshare invite …`: stdout is the code alone.
pub fn invite_code_from(mut cmd: Command) -> String {
    let out = cmd.output().expect("ezshare invite runs");
    assert!(
        out.status.success(),
        "ezshare invite failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let code = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(code.len(), 43, "one code on stdout: {code:?}");
    code
}

/// An HTTP client that does not follow redirects, so a 302 can be looked at. Tests build
/// every client here: reqwest, as the workspace builds it (TLS without a bundled provider,
/// for the ezshare client), needs the process-wide rustls provider installed first.
pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The original server's story over HTTP: OPS signup, login, upload; CLIENT signup, login, list,
/// download through the link (bytes identical), logout, token refused.
pub async fn walk_the_original_story(server: &Server, file_bytes: &[u8]) {
    let http = client();
    let ok =
        |r: &reqwest::Response, status: u16| assert_eq!(r.status().as_u16(), status, "{}", r.url());

    let r = http
        .post(server.url("/ops/signup"))
        .form(&form(&[
            ("username", "opsuser"),
            ("password", "ops-password-1"),
        ]))
        .send()
        .await
        .unwrap();
    ok(&r, 201);
    let r = http
        .post(server.url("/ops/login"))
        .form(&form(&[
            ("username", "opsuser"),
            ("password", "ops-password-1"),
        ]))
        .send()
        .await
        .unwrap();
    ok(&r, 200);
    let ops_token = r.text().await.unwrap();

    let part = reqwest::multipart::Part::bytes(file_bytes.to_vec())
        .file_name("quarterly report.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let r = http
        .post(server.url("/ops/upload"))
        .bearer_auth(&ops_token)
        .multipart(reqwest::multipart::Form::new().part("request_file", part))
        .send()
        .await
        .unwrap();
    ok(&r, 201);
    let uploaded: serde_json::Value = r.json().await.unwrap();
    assert_eq!(uploaded["size"], file_bytes.len());

    let r = http
        .post(server.url("/client/signup"))
        .json(&serde_json::json!({"username": "client1", "password": "client-password"}))
        .send()
        .await
        .unwrap();
    ok(&r, 201);
    let r = http
        .post(server.url("/client/login"))
        .header("accept", "application/json")
        .json(&serde_json::json!({"username": "client1", "password": "client-password"}))
        .send()
        .await
        .unwrap();
    ok(&r, 200);
    let client_token = r.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let r = http
        .get(server.url("/client/files/opsuser"))
        .bearer_auth(&client_token)
        .send()
        .await
        .unwrap();
    ok(&r, 200);
    let listing: serde_json::Value = r.json().await.unwrap();
    assert_eq!(listing["files"][0]["name"], "quarterly report.pdf");

    let r = http
        .get(server.url("/client/files/opsuser/quarterly%20report.pdf"))
        .bearer_auth(&client_token)
        .send()
        .await
        .unwrap();
    ok(&r, 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let r = http.get(&location).send().await.unwrap();
    ok(&r, 200);
    let disposition = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert_eq!(
        r.bytes().await.unwrap().as_ref(),
        file_bytes,
        "downloaded bytes are identical"
    );

    let r = http
        .post(server.url("/logout"))
        .bearer_auth(&client_token)
        .send()
        .await
        .unwrap();
    ok(&r, 204);
    let r = http
        .get(server.url("/client/files/opsuser"))
        .bearer_auth(&client_token)
        .send()
        .await
        .unwrap();
    ok(&r, 401);
}

/// Invitation-only OPS signup over HTTP: without a code 403 `invite_required`; with the
/// administrator's code (`mint`, i.e. `ezshare invite`) 201; that OPS user invites a second
/// through `POST /ops/invites`, whose signup is 201; a used code is 403 `invalid_invite`.
pub async fn walk_the_invitations(server: &Server, mint: impl FnOnce() -> String) {
    let http = client();
    let signup = |name: &str, code: Option<&str>| {
        let mut body = serde_json::json!({"username": name, "password": "ops-password-1"});
        if let Some(code) = code {
            body["invite_code"] = code.into();
        }
        http.post(server.url("/ops/signup")).json(&body).send()
    };
    let error_code = |body: serde_json::Value| body["error"]["code"].as_str().unwrap().to_owned();

    let r = signup("founder", None).await.unwrap();
    assert_eq!(r.status(), 403);
    assert_eq!(error_code(r.json().await.unwrap()), "invite_required");

    let first_code = mint();
    let r = signup("founder", Some(&first_code)).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let token = login(server, "ops", "founder", "ops-password-1").await;

    let r = http
        .post(server.url("/ops/invites"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"user_type": "ops", "expires_in_hours": 24}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let invite: serde_json::Value = r.json().await.unwrap();
    assert_eq!(invite["user_type"], "ops");
    let second_code = invite["invite_code"].as_str().unwrap();
    let r = signup("colleague", Some(second_code)).await.unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    for (name, used) in [("intruder", first_code.as_str()), ("intruder", second_code)] {
        let r = signup(name, Some(used)).await.unwrap();
        assert_eq!(r.status(), 403);
        assert_eq!(error_code(r.json().await.unwrap()), "invalid_invite");
    }
}

/// Logs in over HTTP; returns the bearer token.
pub async fn login(server: &Server, kind: &str, username: &str, password: &str) -> String {
    let r = client()
        .post(server.url(&format!("/{kind}/login")))
        .form(&form(&[("username", username), ("password", password)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{kind} login of {username}");
    r.text().await.unwrap()
}

/// Private-by-default sharing over HTTP, after [`walk_the_invitations`] made the OPS user
/// `founder`: a private upload is invisible to a client (listing and download 404); shared
/// with `max_downloads: 2` it gives two links and then 404; another client still sees
/// nothing; `GET /client/files` lists exactly the shared file; `/ops/activity` shows the
/// upload, the share and both links with the client's name and source IP.
pub async fn walk_the_sharing_story(server: &Server, file_bytes: &[u8]) {
    let http = client();
    let json_of = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let body: serde_json::Value = r.json().await.unwrap();
        (status, body)
    };
    let ops = login(server, "ops", "founder", "ops-password-1").await;
    for name in ["client1", "client2"] {
        let r = http
            .post(server.url("/client/signup"))
            .json(&serde_json::json!({"username": name, "password": "client-password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let client1 = login(server, "client", "client1", "client-password").await;
    let client2 = login(server, "client", "client2", "client-password").await;

    let part = reqwest::multipart::Part::bytes(file_bytes.to_vec())
        .file_name("contract.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let r = http
        .post(server.url("/ops/upload"))
        .bearer_auth(&ops)
        .multipart(reqwest::multipart::Form::new().part("request_file", part))
        .send()
        .await
        .unwrap();
    let (status, uploaded) = json_of(r).await;
    assert_eq!((status, &uploaded["visibility"]), (201, &"private".into()));

    let list = |token: &str, path: &str| {
        http.get(server.url(path))
            .bearer_auth(token.to_owned())
            .send()
    };
    let link = |token: &str| {
        http.get(server.url("/client/files/founder/contract.pdf"))
            .bearer_auth(token.to_owned())
            .header("accept", "application/json")
            .send()
    };
    let (status, listed) = json_of(list(&client1, "/client/files/founder").await.unwrap()).await;
    assert_eq!(
        (status, listed["files"].clone()),
        (200, serde_json::json!([]))
    );
    assert_eq!(
        link(&client1).await.unwrap().status(),
        404,
        "invisible before sharing"
    );

    let r = http
        .put(server.url("/ops/files/contract.pdf/shares/client1"))
        .bearer_auth(&ops)
        .json(&serde_json::json!({"max_downloads": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    let (_, mine) = json_of(list(&client1, "/client/files").await.unwrap()).await;
    let names: Vec<(&str, &str)> = mine["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["ops_username"].as_str().unwrap(),
                f["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [("founder", "contract.pdf")],
        "exactly the shared file"
    );
    assert_eq!(mine["files"][0]["downloads_left"], 2);
    for token in [&client2] {
        let (_, theirs) = json_of(list(token, "/client/files").await.unwrap()).await;
        assert_eq!(
            theirs["files"],
            serde_json::json!([]),
            "another client sees nothing"
        );
        let (_, theirs) = json_of(list(token, "/client/files/founder").await.unwrap()).await;
        assert_eq!(theirs["files"], serde_json::json!([]));
        assert_eq!(link(token).await.unwrap().status(), 404);
    }

    for _ in 0..2 {
        let (status, body) = json_of(link(&client1).await.unwrap()).await;
        assert_eq!(status, 200, "{body}");
        let bytes = http
            .get(body["download_link"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert!(bytes == file_bytes, "the link serves the upload's bytes");
    }
    assert_eq!(
        link(&client1).await.unwrap().status(),
        404,
        "the third is refused"
    );

    let r = http
        .get(server.url("/ops/activity"))
        .bearer_auth(&ops)
        .send()
        .await
        .unwrap();
    let (status, log) = json_of(r).await;
    assert_eq!(status, 200);
    let events: Vec<(String, String, String)> = log["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let text = |k: &str| e[k].as_str().unwrap_or("-").to_owned();
            (text("action"), text("client"), text("source_ip"))
        })
        .collect();
    let local = "127.0.0.1".to_owned();
    assert_eq!(
        events,
        [
            (
                "download_link_issued".into(),
                "client1".into(),
                local.clone()
            ),
            (
                "download_link_issued".into(),
                "client1".into(),
                local.clone()
            ),
            ("shared".into(), "client1".into(), local.clone()),
            ("uploaded".into(), "-".into(), local),
        ],
        "newest first"
    );
}

/// Email verification over HTTP with `EMAIL_VERIFICATION=required`: a CLIENT signs up with
/// an address, is refused login until verified, follows the link `read_mail` finds (the mail's
/// text, read wherever the backend sends it; the link must start with `link_base`), and
/// then logs in. Returns the mail's text for further checks.
pub async fn walk_email_verification<F>(
    server: &Server,
    link_base: &str,
    read_mail: impl FnOnce() -> F,
) -> String
where
    F: std::future::Future<Output = String>,
{
    let http = client();
    let signup = form(&[
        ("username", "vera"),
        ("password", "veras-password-1"),
        ("email", "vera@example.com"),
    ]);
    let r = http
        .post(server.url("/client/signup"))
        .form(&signup)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["verification"], "sent");
    let login = form(&[("username", "vera"), ("password", "veras-password-1")]);
    let r = http
        .post(server.url("/client/login"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let mail = read_mail().await;
    let prefix = format!("{link_base}/client/verify-email?token=");
    let token: String = mail
        .split(&prefix)
        .nth(1)
        .unwrap_or_else(|| panic!("no {prefix}… link in {mail}"))
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
        .collect();
    // The link itself only shows the page; the page's button posts the token.
    let page = http.get(format!("{}{token}", server.url(&prefix[link_base.len()..])));
    let page = page.send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Verify"), "{page}");
    let r = http
        .post(server.url("/client/verify-email"))
        .form(&form(&[("token", &token)]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http
        .post(server.url("/client/login"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    mail
}

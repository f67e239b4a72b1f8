//! The Lambda binaries themselves, as the Lambda service runs them: `cargo lambda watch`
//! builds and starts each function binary on its first event and plays the Lambda runtime
//! API; every `events/*.json` fixture is delivered with `cargo lambda invoke --data-file`,
//! against DynamoDB and S3 on moto.
//!
//! Needs `scripts/install-tools` (cargo-lambda and moto in `.venv`). The first event of each
//! function waits for its build (the shared `target/`, so it is quick once built).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::aws::AwsStack;
use crate::support::events::{Event, functions};
use crate::support::invoke::LambdaResponse;
use serde_json::{Value, json};

/// Building every function binary, including any wait for the shared `target/` lock held by
/// another cargo. Generous, but bounded.
const BUILD_TIMEOUT: Duration = Duration::from_secs(1200);
/// One invoke, including the function's start (and a rebuild, should a source have changed
/// since [`build_functions`]).
const INVOKE_TIMEOUT: Duration = Duration::from_secs(600);
const WATCH_READY_TIMEOUT: Duration = Duration::from_secs(60);

fn venv_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin")
}

fn cargo_lambda() -> PathBuf {
    let path = venv_bin().join("cargo-lambda");
    assert!(
        path.is_file(),
        "{} is missing: run scripts/install-tools",
        path.display()
    );
    path
}

/// `PATH` with the venv first: cargo-lambda finds zig (and our cargo) through it.
fn path_with_venv() -> std::ffi::OsString {
    let mut paths = vec![venv_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap()
}

/// Removes what cargo sets for a test process (`CARGO_PKG_NAME`, `CARGO_MANIFEST_DIR`, …)
/// from a nested cargo's environment. Build scripts such as ring's rerun when these change,
/// so a nested build that inherited them would rebuild ring and the whole AWS SDK above it,
/// and so would the next ordinary build after it.
fn without_test_env(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        let set_by_cargo_test = key.starts_with("CARGO_PKG_")
            || key.starts_with("CARGO_BIN_EXE_")
            || [
                "CARGO_MANIFEST_DIR",
                "CARGO_MANIFEST_PATH",
                "CARGO_CRATE_NAME",
                "CARGO_BIN_NAME",
                "CARGO_PRIMARY_PACKAGE",
                "CARGO_TARGET_TMPDIR",
                "CARGO_RUSTC_CURRENT_DIR",
                "OUT_DIR",
            ]
            .contains(&key.as_ref());
        if set_by_cargo_test {
            cmd.env_remove(key.as_ref());
        }
    }
    cmd
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs `"$0" "$@"` and exits with its status; when this process's pipe to it closes (on
/// drop, or when the test process dies however it dies) it SIGTERMs its process group, so
/// the command and everything it started (cargo's rustc jobs) go too. Spawned with
/// `process_group(0)`, the group is the command's alone.
const GROUP_SUPERVISOR: &str = r#"exec 3<&0
"$0" "$@" </dev/null & pid=$!
{ cat <&3 >/dev/null; kill -TERM 0; } >/dev/null 2>&1 &
exec 3<&-
wait "$pid""#;

/// Builds every function binary in one cargo run, as `cargo lambda watch` would one at a
/// time (`cargo run --bin <function>`, same profile and features): the crates they share
/// compile once, and each function's first event then starts a fresh binary instead of
/// waiting for its own build.
fn build_functions() {
    let started = Instant::now();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(GROUP_SUPERVISOR)
        .arg(cargo)
        .arg("build")
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("PATH", path_with_venv())
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for function in functions().chain(ezshare::JOBS.iter().copied()) {
        cmd.args(["--bin", function]);
    }
    let mut child = without_test_env(&mut cmd)
        .spawn()
        .expect("start cargo build");
    let (out, err) = drain(&mut child);
    let status = wait_bounded(&mut child, BUILD_TIMEOUT, "building the functions");
    assert!(
        status.success(),
        "building the functions failed:\n{}{}",
        join(out),
        join(err)
    );
    eprintln!(
        "cargo build of {} function binaries: {:.1?}",
        ezshare::ENDPOINTS.len(),
        started.elapsed()
    );
}

type Pipe = std::thread::JoinHandle<String>;

/// Reads both pipes on threads, so a chatty child never blocks on a full pipe.
fn drain(child: &mut Child) -> (Pipe, Pipe) {
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    (out, err)
}

fn join(pipe: Pipe) -> String {
    pipe.join().unwrap()
}

/// Waits for the child, killing it (and failing the test) after `timeout`.
fn wait_bounded(child: &mut Child, timeout: Duration, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            // A supervised child stops its whole group when its stdin closes.
            drop(child.stdin.take());
            std::thread::sleep(Duration::from_secs(2));
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} took over {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `cargo lambda watch` on 127.0.0.1:<free port>, with the stack's environment.
///
/// It runs under a small `sh` supervisor holding a pipe from this process: when the pipe
/// closes (on drop, or when the test process dies however it dies) the supervisor stops
/// watch with SIGTERM, which stops the function processes it started; whatever is still
/// there 10 s later is killed. So no watch and no function outlives the test.
struct LambdaWatch {
    supervisor: Option<Child>,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

const SUPERVISOR: &str = r#""$0" lambda watch "$@" & pid=$!
cat >/dev/null
kill -TERM "$pid" 2>/dev/null
i=0
while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill -KILL "$child" 2>/dev/null; done
  kill -KILL "$pid" 2>/dev/null
fi
wait "$pid""#;

impl LambdaWatch {
    fn start(stack: &AwsStack) -> LambdaWatch {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("watch.log");
        let port = free_port();
        let log_file = std::fs::File::create(&log).unwrap();
        let mut cmd = Command::new("/bin/sh");
        cmd.arg("-c")
            .arg(SUPERVISOR)
            .arg(cargo_lambda())
            .args(["--invoke-address", "127.0.0.1", "--invoke-port"])
            .arg(port.to_string())
            // Other people edit the workspace while this runs: build once, never reload.
            .arg("--ignore-changes")
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .env("PATH", path_with_venv())
            .stdin(Stdio::piped())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file);
        stack.configure(&mut cmd);
        // Its `cargo run --bin <function>` must match `build_functions`.
        let supervisor = without_test_env(&mut cmd)
            .spawn()
            .expect("start cargo lambda watch");
        let mut watch = LambdaWatch {
            supervisor: Some(supervisor),
            port,
            log,
            _dir: dir,
        };
        let deadline = Instant::now() + WATCH_READY_TIMEOUT;
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            if let Some(status) = watch.supervisor.as_mut().unwrap().try_wait().unwrap() {
                panic!(
                    "cargo lambda watch exited ({status}):\n{}",
                    watch.log_tail()
                );
            }
            assert!(
                Instant::now() < deadline,
                "cargo lambda watch did not listen within {WATCH_READY_TIMEOUT:?}:\n{}",
                watch.log_tail()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        watch
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }

    /// `cargo lambda invoke <function> --data-file <event>`; the function's response.
    fn invoke(&self, function: &str, event: &Event) -> LambdaResponse {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let started = Instant::now();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let file = event.write_to(self._dir.path(), &n.to_string());
        let mut child = Command::new(cargo_lambda())
            .args(["lambda", "invoke", "--invoke-address", "127.0.0.1"])
            .args(["--invoke-port", &self.port.to_string()])
            .args(["--output-format", "json", "--data-file"])
            .arg(&file)
            .arg(function)
            .env("PATH", path_with_venv())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start cargo lambda invoke");
        let (out, err) = drain(&mut child);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > INVOKE_TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "invoking {function} took over {INVOKE_TIMEOUT:?}; watch log:\n{}",
                    self.log_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = join(out);
        let stderr = join(err);
        eprintln!(
            "cargo lambda invoke {function} ({}): {} in {:.1?}",
            event.json["routeKey"].as_str().unwrap_or("scheduled event"),
            status,
            started.elapsed()
        );
        assert!(
            status.success(),
            "cargo lambda invoke {function} failed ({status}):\n{stdout}\n{stderr}\nwatch log:\n{}",
            self.log_tail()
        );
        LambdaResponse(serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!("invoke {function} printed no JSON ({e}): {stdout}\n{stderr}")
        }))
    }
}

impl Drop for LambdaWatch {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "cargo lambda watch log (the functions' output):\n{}",
                self.log_tail()
            );
        }
        let Some(mut supervisor) = self.supervisor.take() else {
            return;
        };
        drop(supervisor.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(20);
        while matches!(supervisor.try_wait(), Ok(None)) {
            if Instant::now() > deadline {
                let _ = supervisor.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = supervisor.wait();
    }
}

/// Sends a bare HTTP/1.0 request (to a presigned URL: no client library between the bytes
/// and the assertion). Returns (status, head, body).
fn http(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, String, Vec<u8>) {
    let rest = url.strip_prefix("http://").expect("an http:// URL");
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let mut request =
        format!("{method} {path} HTTP/1.0\r\nHost: {authority}\r\nConnection: close\r\n");
    for (name, value) in headers {
        if !name.eq_ignore_ascii_case("host") {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    if !headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        && !body.is_empty()
    {
        request.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    let mut stream = TcpStream::connect(authority).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let mut response = vec![];
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, response[split + 4..].to_vec())
}

/// The `X-Amz-SignedHeaders` of a presigned URL.
fn signed_headers(url: &str) -> Option<&str> {
    url.split(['?', '&'])
        .find_map(|p| p.strip_prefix("X-Amz-SignedHeaders="))
}

#[test]
fn every_fixture_through_the_lambda_binaries_on_moto() {
    let started = Instant::now();
    build_functions();
    let stack = AwsStack::start();
    stack.bootstrap_with_cli();
    let watch = LambdaWatch::start(&stack);
    let rt = tokio::runtime::Runtime::new().unwrap();

    // web: a cold start without the JWT secret or any data call, the page and its CSP.
    let r = watch.invoke("web", &Event::load("web"));
    r.assert_status(200);
    assert!(
        r.header("content-security-policy")
            .is_some_and(|csp| csp.starts_with("default-src 'self'")),
        "the page's CSP"
    );
    assert!(r.body_bytes().starts_with(b"<!doctype html>"));

    // signup: the fixture's placeholder invite is refused; a code from `ezshare invite
    // --backend aws` (the deployed way to make the first OPS user) creates the user.
    let r = watch.invoke("signup", &Event::load("signup"));
    r.assert_status(403);
    assert_eq!(r.json()["error"]["code"], "invalid_invite");
    let code = stack.invite_with_cli("ops");
    let r = watch.invoke("signup", &Event::load("signup").with_invite(&code));
    r.assert_status(201);
    assert_eq!(r.json(), json!({"username": "opsuser", "user_type": "ops"}));

    // login: a base64 urlencoded form asking for JSON.
    let r = watch.invoke("login", &Event::load("login"));
    r.assert_status(200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let ops_token = r.json()["token"].as_str().expect("a token").to_owned();

    // The upload fixture unchanged: its placeholder token is refused.
    let upload = Event::load("upload");
    let r = watch.invoke("upload", &upload);
    r.assert_status(401);
    assert_eq!(r.json()["error"]["code"], "unauthorized");

    // upload: the binary part arrives byte for byte in the bucket.
    let upload = upload.with_bearer(&ops_token);
    let (name, sent) = upload.upload_part();
    let r = watch.invoke("upload", &upload);
    r.assert_status(201);
    let body = r.json();
    assert_eq!(body["name"], name.as_str());
    assert_eq!(body["size"], sent.len());
    let stored = rt
        .block_on(stack.file_bytes("opsuser", &name))
        .expect("the object exists");
    assert_eq!(
        stored, sent,
        "the object in S3 is the fixture's part, byte for byte"
    );

    // A CLIENT, through the same two functions on their other routes.
    let client_signup = Event::load("signup")
        .with_route("POST", "/client/signup", "/client/signup")
        .with_json_body(json!({"username": "client1", "password": "client-password"}));
    watch.invoke("signup", &client_signup).assert_status(201);
    let client_login = Event::load("login")
        .with_route("POST", "/client/login", "/client/login")
        .with_form_body(&[("username", "client1"), ("password", "client-password")]);
    let r = watch.invoke("login", &client_login);
    r.assert_status(200);
    let client_token = r.json()["token"].as_str().unwrap().to_owned();

    // account: the fixture changes client1's password; this session stays.
    let r = watch.invoke(
        "account",
        &Event::load("account").with_bearer(&client_token),
    );
    r.assert_status(204);
    watch.invoke("login", &client_login).assert_status(401);

    // list-files: private by default, the file is invisible until shared.
    let list = Event::load("list-files").with_bearer(&client_token);
    let r = watch.invoke("list-files", &list);
    r.assert_status(200);
    assert_eq!(r.json()["files"], json!([]));
    let download = Event::load("download").with_bearer(&client_token);
    watch.invoke("download", &download).assert_status(404);

    // shares: the fixture shares it with client1, for two download links.
    let r = watch.invoke("shares", &Event::load("shares").with_bearer(&ops_token));
    r.assert_status(200);
    assert_eq!(r.json()["downloads"], 0);
    let mut listing = json!(null);
    // The index by client follows the table within a moment.
    for _ in 0..50 {
        let r = watch.invoke("list-files", &list);
        r.assert_status(200);
        listing = r.json();
        if listing["files"].as_array().is_some_and(|f| !f.is_empty()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(listing["files"][0]["downloads_left"], 2);
    assert_eq!(listing["ops_username"], "opsuser");
    assert_eq!(listing["files"][0]["name"], name.as_str());
    assert_eq!(listing["files"][0]["size"], sent.len());

    // download: a 302 to a presigned S3 URL that serves the same bytes.
    let r = watch.invoke("download", &download);
    r.assert_status(302);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // Its receipt, with the sourceIp of the event's API Gateway request context.
    let log = watch.invoke("activity", &Event::load("activity").with_bearer(&ops_token));
    log.assert_status(200);
    assert_eq!(log.json()["events"][0]["action"], "download_link_issued");
    assert_eq!(log.json()["events"][0]["source_ip"], "203.0.113.42");
    let location = r.header("location").expect("a Location").to_owned();
    assert!(
        location.starts_with(&format!("{}/", stack.moto.endpoint()))
            && location.contains("X-Amz-Signature="),
        "{location}"
    );
    // moto does not check signatures, so check what was signed: the host alone (inside
    // Lambda the SDK adds an unsigned X-Amzn-Trace-Id to the request it presigns; a URL
    // that needed it would not work in a browser).
    assert_eq!(signed_headers(&location), Some("host"), "{location}");
    let (status, head, downloaded) = http("GET", &location, &[], &[]);
    assert_eq!(status, 200, "{head}");
    assert_eq!(downloaded, sent, "the presigned link serves the same bytes");

    // logout, then the same token is refused.
    let r = watch.invoke("logout", &Event::load("logout").with_bearer(&client_token));
    r.assert_status(204);
    assert!(r.body_bytes().is_empty());
    let r = watch.invoke("list-files", &list);
    r.assert_status(401);
    assert_eq!(r.json()["error"]["code"], "unauthorized");

    // ops-files and delete-file: the OPS user's own listing, then the file deleted.
    let own = Event::load("ops-files").with_bearer(&ops_token);
    let r = watch.invoke("ops-files", &own);
    r.assert_status(200);
    assert_eq!(r.json()["files"][0]["name"], name.as_str());
    let key = rt
        .block_on(stack.object_key("opsuser", &name))
        .expect("indexed");
    let r = watch.invoke(
        "delete-file",
        &Event::load("delete-file").with_bearer(&ops_token),
    );
    r.assert_status(204);
    assert_eq!(rt.block_on(stack.object_key("opsuser", &name)), None);
    assert_eq!(
        rt.block_on(stack.object_bytes(&key)),
        None,
        "bytes deleted too"
    );
    let r = watch.invoke("ops-files", &own);
    r.assert_status(200);
    assert_eq!(r.json()["files"], json!([]));

    // uploads, the bytes straight to S3 with the presigned PUT, complete-upload.
    let announce = Event::load("uploads").with_bearer(&ops_token);
    let r = watch.invoke("uploads", &announce);
    r.assert_status(201);
    let created = r.json();
    let upload_id = created["upload_id"].as_str().unwrap();
    let upload_url = created["upload_url"].as_str().unwrap();
    assert_eq!(created["method"], "PUT");
    let signed = signed_headers(upload_url).unwrap_or_default();
    assert!(!signed.contains("x-amzn-trace-id"), "{upload_url}");
    let headers: Vec<(String, String)> = created["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let (status, head, _) = http("PUT", upload_url, &headers, &sent);
    assert_eq!(status, 200, "{head}");
    let complete = Event::load("complete-upload")
        .with_bearer(&ops_token)
        .with_path_parameter("upload_id", upload_id);
    let r = watch.invoke("complete-upload", &complete);
    r.assert_status(201);
    assert_eq!(r.json()["name"], "q4 report.pdf");
    assert_eq!(r.json()["size"], sent.len());
    let direct = rt
        .block_on(stack.file_bytes("opsuser", "q4 report.pdf"))
        .expect("the completed upload is in place");
    assert_eq!(direct, sent, "the direct upload is byte for byte");
    // Completing twice: the staged upload is gone.
    watch
        .invoke("complete-upload", &complete)
        .assert_status(404);

    // The same bytes as a multipart upload: the uploads function announces it, signs its
    // part and reports its status; the part goes straight to S3 (at the file's own object);
    // complete-upload assembles it there, with no copy.
    let fields = json!({
        "name": "parts.pdf", "size": sent.len(), "content_type": "application/pdf",
        "multipart": true,
    });
    let route = |method: &str, route: &str, body: Option<&Value>| {
        let event = Event::load("uploads")
            .with_bearer(&ops_token)
            .with_route(method, route, route);
        match body {
            Some(body) => event.with_body("application/json", body.to_string().as_bytes(), true),
            None => event,
        }
    };
    let r = watch.invoke("uploads", &route("POST", "/ops/uploads", Some(&fields)));
    r.assert_status(201);
    let announced = r.json();
    assert_eq!(
        (
            announced["multipart"].clone(),
            announced["part_count"].clone()
        ),
        (json!(true), json!(1))
    );
    let id = announced["upload_id"].as_str().unwrap();
    let parts = route(
        "POST",
        "/ops/uploads/{upload_id}/parts",
        Some(&json!({"part_numbers": [1]})),
    )
    .with_path_parameter("upload_id", id);
    let r = watch.invoke("uploads", &parts);
    r.assert_status(200);
    let part = r.json()["parts"][0].clone();
    let url = part["url"].as_str().unwrap();
    assert!(url.contains(&format!("/files/opsuser/m-{id}?")), "{url}");
    let headers: Vec<(String, String)> = part["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    let (status, head, _) = http("PUT", url, &headers, &sent);
    assert_eq!(status, 200, "{head}");
    let status =
        route("GET", "/ops/uploads/{upload_id}", None).with_path_parameter("upload_id", id);
    let r = watch.invoke("uploads", &status);
    r.assert_status(200);
    assert_eq!(r.json()["state"], "receiving");
    assert_eq!(r.json()["parts"][0]["size"], sent.len());
    let complete = Event::load("complete-upload")
        .with_bearer(&ops_token)
        .with_path_parameter("upload_id", id);
    let r = watch.invoke("complete-upload", &complete);
    r.assert_status(201);
    assert_eq!(r.json()["name"], "parts.pdf");
    let assembled = rt
        .block_on(stack.file_bytes("opsuser", "parts.pdf"))
        .expect("the assembled upload is in place");
    assert_eq!(assembled, sent);
    watch.invoke("uploads", &status).assert_status(404);

    // The reconcile job on its scheduled event: the story left no orphan (and nothing is
    // older than the grace period), so it reports nothing done.
    let r = watch.invoke("reconcile", &Event::load("reconcile"));
    assert_eq!(
        r.0,
        json!({"orphans_deleted": [], "dangling_entries_removed": []})
    );

    drop(watch);
    eprintln!("whole Lambda story: {:.1?}", started.elapsed());
}

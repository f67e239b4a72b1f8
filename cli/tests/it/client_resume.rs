//! A 200 MB file through `ezshare upload` in parts, interrupted and resumed, on both backends:
//! the client is killed mid-upload, run again, and sends only the parts the server lacks;
//! the file then downloads byte-identical and digest-checked.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::client::{Person, pdf, sign_up};
use crate::support::{Server, client, invite_with_cli};

const SIZE: usize = 200 * 1024 * 1024;
/// S3's smallest part: 40 parts of the 200 MB.
const PART: usize = 5 * 1024 * 1024;
const PARTS: usize = SIZE.div_ceil(PART);

/// The server's settings: multipart above 8 MiB, in 5 MiB parts.
const MULTIPART: &[(&str, &str)] = &[
    ("MULTIPART_THRESHOLD_BYTES", "8388608"),
    ("MULTIPART_PART_SIZE_BYTES", "5242880"),
];

#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_upload_resumes_on_the_embedded_backend() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), &[], MULTIPART);
    let invite = invite_with_cli(data.path(), "ops");
    resume_story(&server, &invite).await;
}

#[cfg(feature = "aws")]
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_upload_resumes_on_dynamodb_and_s3() {
    let stack = crate::support::aws::AwsStack::start();
    stack.bootstrap_with_cli();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ezshare"));
    cmd.args(["serve", "--backend", "aws", "--addr", "127.0.0.1:0"]);
    stack.configure(&mut cmd);
    cmd.envs(MULTIPART.iter().copied()).env("RUST_LOG", "warn");
    let server = Server::spawn(cmd);
    let invite = stack.invite_with_cli("ops");
    resume_story(&server, &invite).await;
}

async fn resume_story(server: &Server, invite: &str) {
    sign_up(server, "ops", "alice", Some(invite)).await;
    sign_up(server, "client", "bob", None).await;
    let files = tempfile::tempdir().unwrap();
    let big = files.path().join("big.pdf");
    let bytes = pdf(&big, SIZE);
    let big_arg = big.to_str().unwrap();
    let password = Some("correct-horse-9\n");
    let alice = Person::new();
    alice.ok(&Person::login_args(server, "--ops", "alice"), password);

    // Killed once some parts are stored.
    let mut upload = alice.command(&["upload", big_arg, "--parallel", "2"]);
    let mut child = upload
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let token = token_of(&alice);
    let id = wait_for_parts(&alice, server, &token, &mut child, 2).await;
    child.kill().unwrap();
    child.wait().unwrap();
    let held = settled_parts(server, &token, &id).await;
    assert!(
        (2..PARTS).contains(&held),
        "interrupted mid-upload: {held} of {PARTS} parts"
    );

    // Run again: only the others are sent.
    let out = alice.run(&["upload", big_arg], None);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{said}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "big.pdf\n");
    let missing = PARTS - held;
    assert!(
        said.contains(&format!(
            "resuming upload {id}: {held} of {PARTS} parts already stored, sending {missing}"
        )),
        "{said}"
    );
    assert!(
        said.contains(&format!("sent {missing} parts of 5.00 MiB")),
        "{said}"
    );
    assert!(
        std::fs::read_dir(alice.config.path().join("ezshare/uploads"))
            .unwrap()
            .next()
            .is_none(),
        "the resume state goes once the file is stored"
    );
    let table = alice.ok(&["ls"], None);
    assert!(table.contains("big.pdf  200.00 MiB"), "{table}");

    alice.ok(&["share", "big.pdf", "bob"], None);
    let bob = Person::new();
    bob.ok(&Person::login_args(server, "--client", "bob"), password);
    let copy = files.path().join("copy.pdf");
    let out = bob.run(
        &["get", "alice", "big.pdf", "-o", copy.to_str().unwrap()],
        None,
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert!(std::fs::read(&copy).unwrap() == bytes, "byte-identical");
    assert!(said.contains("SHA-256 verified"), "{said}");
    bob.ok(&["logout"], None);
    alice.ok(&["logout"], None);
    assert!(!alice.credentials().exists());
}

fn token_of(person: &Person) -> String {
    let saved: Value =
        serde_json::from_slice(&std::fs::read(person.credentials()).unwrap()).unwrap();
    saved["token"].as_str().unwrap().to_owned()
}

/// The upload's id (from the client's resume state) once the server holds `at_least` parts.
async fn wait_for_parts(
    person: &Person,
    server: &Server,
    token: &str,
    child: &mut std::process::Child,
    at_least: usize,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upload ended before it could be interrupted"
        );
        assert!(Instant::now() < deadline, "no parts arrived");
        if let Some(id) = upload_id(&person.config.path().join("ezshare/uploads"))
            && parts(server, token, &id).await >= at_least
        {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn upload_id(dir: &Path) -> Option<String> {
    let entry = std::fs::read_dir(dir).ok()?.next()?.ok()?;
    let state: Value = serde_json::from_slice(&std::fs::read(entry.path()).ok()?).ok()?;
    state["upload_id"].as_str().map(str::to_owned)
}

async fn parts(server: &Server, token: &str, id: &str) -> usize {
    let status: Value = client()
        .get(server.url(&format!("/ops/uploads/{id}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    status["parts"].as_array().map_or(0, Vec::len)
}

/// The parts held once no request of the killed client is still landing.
async fn settled_parts(server: &Server, token: &str, id: &str) -> usize {
    let mut last = parts(server, token, id).await;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = parts(server, token, id).await;
        if now == last {
            return now;
        }
        last = now;
    }
}

//! The `ezshare` client commands, run as a person would (the binary, a config dir of its own,
//! the password on stdin) against `ezshare serve`, embedded and on DynamoDB and S3 (moto):
//! login, upload through the API and by the direct path, ls, share, get byte-identical and
//! digest-checked, rm, logout, and the exit code of each kind of failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::support::{Server, client, form, invite_with_cli};

/// One person's terminal: the binary with its own config dir.
pub(crate) struct Person {
    pub(crate) config: tempfile::TempDir,
}

impl Person {
    pub(crate) fn new() -> Self {
        Self {
            config: tempfile::tempdir().unwrap(),
        }
    }

    /// The command, set up as this person's, not started.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
        cmd.args(args)
            .env("XDG_CONFIG_HOME", self.config.path())
            .env_remove("EZSHARE_SERVER")
            .env_remove("EZSHARE_TOKEN");
        cmd
    }

    pub(crate) fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
        cmd.args(args)
            .env("XDG_CONFIG_HOME", self.config.path())
            .env_remove("EZSHARE_SERVER")
            .env_remove("EZSHARE_TOKEN")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("ezshare runs");
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    pub(crate) fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "ezshare {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs and expects exit `code`; returns stderr.
    pub(crate) fn fails(&self, args: &[&str], stdin: Option<&str>, code: i32) -> String {
        let out = self.run(args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "ezshare {args:?}: {stderr}");
        stderr
    }

    /// `ezshare login --server URL --<user_type> USERNAME --password-stdin`.
    pub(crate) fn login_args<'a>(
        server: &'a Server,
        user_type: &'a str,
        username: &'a str,
    ) -> Vec<&'a str> {
        vec![
            "login",
            "--server",
            &server.base_url,
            user_type,
            username,
            "--password-stdin",
        ]
    }

    pub(crate) fn credentials(&self) -> PathBuf {
        self.config.path().join("ezshare/credentials")
    }
}

pub(crate) async fn sign_up(
    server: &Server,
    user_type: &str,
    username: &str,
    invite: Option<&str>,
) {
    let mut fields = vec![("username", username), ("password", "correct-horse-9")];
    fields.extend(invite.map(|code| ("invite_code", code)));
    let response = client()
        .post(server.url(&format!("/{user_type}/signup")))
        .form(&form(&fields))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{user_type} signup of {username}");
}

pub(crate) fn pdf(path: &Path, size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n% ezshare client test\n".to_vec();
    bytes.extend((0..size - bytes.len() - 6).map(|i| b'a' + (i % 26) as u8));
    bytes.extend(b"\n%%EOF");
    std::fs::write(path, &bytes).unwrap();
    bytes
}

/// Where a backend keeps a file's bytes, to change them at rest.
enum Storage<'a> {
    DataDir(&'a Path),
    #[cfg(feature = "aws")]
    Bucket(&'a crate::support::aws::AwsStack),
}

impl Storage<'_> {
    /// Replaces the stored bytes of alice's `name` (whose bytes are `old`) with `new`.
    async fn replace(&self, name: &str, old: &[u8], new: &[u8]) {
        match self {
            Self::DataDir(dir) => {
                // Blobs are named by id, not by file: found by their bytes.
                let _ = name;
                let blob = find_file_with(dir, old).expect("the stored blob");
                std::fs::write(blob, new).unwrap();
            }
            #[cfg(feature = "aws")]
            Self::Bucket(stack) => {
                let key = stack
                    .object_key("alice", name)
                    .await
                    .expect("the file's object");
                crate::support::aws::s3_client(&stack.sdk().await)
                    .put_object()
                    .bucket(&stack.names.bucket)
                    .key(key)
                    .body(new.to_vec().into())
                    .send()
                    .await
                    .unwrap();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_uses_the_client_on_the_embedded_backend() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(data.path(), &[], &[]);
    let invite = invite_with_cli(data.path(), "ops");
    the_story(server, &invite, Storage::DataDir(data.path())).await;
}

#[cfg(feature = "aws")]
#[tokio::test(flavor = "multi_thread")]
async fn a_person_uses_the_client_on_dynamodb_and_s3() {
    let stack = crate::support::aws::AwsStack::start();
    stack.bootstrap_with_cli();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
    cmd.args(["serve", "--backend", "aws", "--addr", "127.0.0.1:0"]);
    stack.configure(&mut cmd);
    cmd.env("RUST_LOG", "warn");
    let server = Server::spawn(cmd);
    let invite = stack.invite_with_cli("ops");
    the_story(server, &invite, Storage::Bucket(&stack)).await;
}

/// Login, both upload paths, ls, share, get (identical, digest-checked, a damaged copy
/// refused), rm, logout, and each kind of failure's exit code.
async fn the_story(server: Server, invite: &str, storage: Storage<'_>) {
    sign_up(&server, "ops", "alice", Some(invite)).await;
    sign_up(&server, "client", "bob", None).await;
    let files = tempfile::tempdir().unwrap();
    let small = pdf(&files.path().join("small.pdf"), 10_000);
    // Over the 4 MiB of `POST /ops/upload`: announced, then sent straight to storage.
    let large = pdf(&files.path().join("large.pdf"), 5 * 1024 * 1024 + 17);
    let path = |name: &str| files.path().join(name).to_str().unwrap().to_owned();

    let alice = Person::new();
    let password = Some("correct-horse-9\n");
    alice.fails(&["ls"], None, 3);
    alice.fails(
        &["login", "--server", &server.base_url, "alice"],
        password,
        2,
    );
    let refused = alice.fails(
        &Person::login_args(&server, "--ops", "alice"),
        Some("wrong-password-1\n"),
        3,
    );
    assert!(refused.contains("invalid_credentials"), "{refused}");
    alice.ok(&Person::login_args(&server, "--ops", "alice"), password);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(alice.credentials())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o600,
            "the token is readable by its owner only"
        );
    }

    let out = alice.run(&["upload", &path("small.pdf"), &path("large.pdf")], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "small.pdf\nlarge.pdf\n"
    );
    let progress = String::from_utf8(out.stderr).unwrap();
    assert!(
        progress.contains("upload large.pdf: 50%")
            && progress.contains("upload large.pdf: uploaded"),
        "plain progress lines when stderr is not a terminal: {progress}"
    );
    let again = alice.fails(&["upload", &path("small.pdf")], None, 1);
    assert!(again.contains("file_exists"), "{again}");
    alice.ok(&["upload", "--overwrite", &path("small.pdf")], None);

    let table = alice.ok(&["ls"], None);
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains("large.pdf  5.00 MiB"), "{table}");
    assert!(table.contains("small.pdf  9.77 KiB"), "{table}");
    let listing: serde_json::Value =
        serde_json::from_str(&alice.ok(&["ls", "--json"], None)).unwrap();
    assert_eq!(listing["files"].as_array().unwrap().len(), 2, "{listing}");

    alice.ok(&["share", "large.pdf", "bob", "--max-downloads", "2"], None);
    alice.ok(&["share", "small.pdf", "bob"], None);
    let unknown = alice.fails(&["share", "small.pdf", "nobody"], None, 1);
    assert!(unknown.contains("unknown_client_user"), "{unknown}");

    let bob = Person::new();
    bob.ok(&Person::login_args(&server, "--client", "bob"), password);
    let shared = bob.ok(&["ls"], None);
    assert!(shared.starts_with("OWNER  NAME"), "{shared}");
    assert!(shared.contains("alice  large.pdf"), "{shared}");
    assert!(bob.ok(&["ls", "alice"], None).contains("small.pdf"));

    let downloads = tempfile::tempdir().unwrap();
    let target = downloads.path().join("copy.pdf");
    let target_arg = target.to_str().unwrap();
    let out = bob.run(&["get", "alice", "large.pdf", "-o", target_arg], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&target).unwrap() == large,
        "the bytes are identical"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("SHA-256 verified"),
        "a direct upload announced its digest, which storage checked: {said}"
    );
    let out = bob.run(&["get", "alice", "small.pdf", "-o", target_arg], None);
    assert!(out.status.success());
    assert!(std::fs::read(&target).unwrap() == small);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("SHA-256 verified"),
        "uploaded through the API: {said}"
    );
    // Bytes changed at rest (same length): the digest catches it, and nothing is written.
    let mut damaged = small.clone();
    damaged[20] ^= 0x01;
    storage.replace("small.pdf", &small, &damaged).await;
    std::fs::remove_file(&target).unwrap();
    let refused = bob.fails(&["get", "alice", "small.pdf", "-o", target_arg], None, 4);
    assert!(refused.contains("SHA-256"), "{refused}");
    assert!(!target.exists(), "a damaged download is not kept");
    storage.replace("small.pdf", &damaged, &small).await;
    bob.ok(&["get", "alice", "small.pdf", "-o", target_arg], None);
    assert!(std::fs::read(&target).unwrap() == small);
    let entries: Vec<_> = std::fs::read_dir(downloads.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no partial file is left behind");
    let missing = bob.fails(&["get", "alice", "nothing.pdf", "-o", target_arg], None, 1);
    assert!(missing.contains("file_not_found"), "{missing}");
    let forbidden = bob.fails(&["rm", "small.pdf"], None, 3);
    assert!(forbidden.contains("forbidden"), "{forbidden}");

    alice.ok(&["unshare", "small.pdf", "bob"], None);
    alice.ok(&["rm", "large.pdf"], None);
    bob.fails(&["get", "alice", "large.pdf", "-o", target_arg], None, 1);
    bob.fails(&["get", "alice", "small.pdf", "-o", target_arg], None, 1);

    bob.ok(&["logout"], None);
    assert!(!bob.credentials().exists(), "logout forgets the login");
    bob.fails(&["ls"], None, 3);
    alice.ok(&["logout", "--all"], None);

    drop(server);
    let gone = Person::new();
    gone.fails(
        &[
            "login",
            "--server",
            &server_url_gone(),
            "--ops",
            "alice",
            "--password-stdin",
        ],
        password,
        4,
    );
    gone.fails(&["upload", &path("small.pdf")], None, 3);
}

/// The file under `dir` whose bytes are `bytes`.
fn find_file_with(dir: &Path, bytes: &[u8]) -> Option<PathBuf> {
    for entry in std::fs::read_dir(dir).ok()? {
        let path = entry.ok()?.path();
        if path.is_dir() {
            if let Some(found) = find_file_with(&path, bytes) {
                return Some(found);
            }
        } else if std::fs::read(&path).is_ok_and(|b| b == bytes) {
            return Some(path);
        }
    }
    None
}

/// A loopback address nothing listens on.
fn server_url_gone() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

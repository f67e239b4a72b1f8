//! The README's curl walk-through works as printed: the README embeds
//! `examples/walkthrough.sh` verbatim, and this test runs that script against a real server.

use std::path::PathBuf;
use std::process::Command;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

#[test]
fn readme_embeds_the_walkthrough_verbatim() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let script = std::fs::read_to_string(repo_root().join("examples/walkthrough.sh")).unwrap();
    assert!(
        readme.contains(&format!("```bash\n{script}```")),
        "README.md must contain examples/walkthrough.sh verbatim in a ```bash block"
    );
}

#[test]
fn the_walkthrough_runs_against_a_fresh_server() {
    let data = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let server = crate::support::Server::start(data.path(), &[], &[]);
    let out = Command::new("bash")
        .arg("-euo")
        .arg("pipefail")
        .arg(repo_root().join("examples/walkthrough.sh"))
        .current_dir(work.path())
        .env("BASE", &server.base_url)
        .env("EZSHARE", env!("CARGO_BIN_EXE_ezshare"))
        .env("DATA_DIR", data.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(r#"{"user_type":"ops","username":"alice"}"#),
        "{stdout}"
    );
    assert!(stdout.contains(r#""name":"report.pdf""#), "{stdout}");
    assert!(
        stdout.contains("downloaded bytes are identical"),
        "{stdout}"
    );
    assert!(stdout.contains("logged out"), "{stdout}");
    assert!(stdout.trim_end().ends_with(r#"{"error":{"code":"unauthorized","message":"authentication required: send a valid bearer token"}}"#), "{stdout}");
}

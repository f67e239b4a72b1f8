//! What only the embedded backend has: a data dir, its two database files, and the invite
//! spool through which `ezshare invite` reaches a running server.

use ezshare_domain::{ActivityAction, Email, FileName, InviteCode, PageLimit, UserType, Username};
use ezshare_store::embedded::{EmbeddedBackend, InviteSpool, UrlSigner};
use ezshare_store::{
    ActivityFilter, ActivityStore, InviteRecord, InviteStore, StoredInvite, UserRecord,
};
use time::OffsetDateTime;

async fn open(dir: &std::path::Path) -> EmbeddedBackend {
    EmbeddedBackend::open(
        dir,
        "http://127.0.0.1:9",
        UrlSigner::derive_from(b"data-dir"),
    )
    .await
    .unwrap()
}

fn uname(s: &str) -> Username {
    Username::parse(s).unwrap()
}

fn invite(user_type: UserType) -> InviteRecord {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    InviteRecord {
        code: InviteCode::generate(),
        user_type,
        email: Some(Email::parse("spooled@example.com").unwrap()),
        created_by: None,
        created_at: now,
        expires_at: now + time::Duration::hours(1),
    }
}

fn user(user_type: UserType, name: &str) -> UserRecord {
    UserRecord {
        user_type,
        username: uname(name),
        password_hash: "$argon2id$stub".into(),
        email: None,
        name: None,
        created_at: OffsetDateTime::now_utc().replace_nanosecond(0).unwrap(),
        email_verified: false,
    }
}

fn spool_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.join("invite-spool"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An invite spooled beside an open backend is found and redeemed through it, and leaves
/// the spool once taken. The spool holds the code's hash, never the code.
#[tokio::test]
async fn a_spooled_invite_reaches_an_open_backend() {
    let dir = tempfile::tempdir().unwrap();
    let backend = open(dir.path()).await;
    let i = invite(UserType::Ops);
    InviteSpool::new(dir.path()).submit(&i).unwrap();
    let spooled = spool_files(dir.path());
    assert_eq!(spooled.len(), 1);
    let body = std::fs::read_to_string(dir.path().join("invite-spool").join(&spooled[0])).unwrap();
    assert!(
        !body.contains(i.code.as_str()),
        "the code itself is not spooled"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.path().join("invite-spool").join(&spooled[0]);
        let mode = std::fs::metadata(path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let found = backend.invites.find_invite(&i.code).await.unwrap();
    assert_eq!(
        found,
        Some(StoredInvite {
            user_type: UserType::Ops,
            email: i.email.clone(),
            created_by: None,
            expires_at: i.expires_at,
            used_by: None,
        })
    );
    assert!(spool_files(dir.path()).is_empty());
    let now = OffsetDateTime::now_utc();
    let opsy = user(UserType::Ops, "opsy");
    backend
        .invites
        .redeem_invite(&i.code, &opsy, now)
        .await
        .unwrap();
    let again = backend
        .invites
        .redeem_invite(&i.code, &user(UserType::Ops, "other"), now)
        .await;
    assert!(again.is_err(), "single use, spooled or not");
}

/// A redeem without a look-up first takes the spool in too; a file that is not an invite
/// is set aside as `*.rejected` without keeping the others out.
#[tokio::test]
async fn a_bad_spool_file_is_set_aside_and_the_rest_go_in() {
    let dir = tempfile::tempdir().unwrap();
    let backend = open(dir.path()).await;
    let spool = InviteSpool::new(dir.path());
    let good = invite(UserType::Client);
    spool.submit(&good).unwrap();
    let bad = dir.path().join("invite-spool").join("forged.json");
    std::fs::write(&bad, br#"{"code_hash":"../../x","user_type":"ops"}"#).unwrap();
    let forged_type = dir.path().join("invite-spool").join("admin.json");
    std::fs::write(
        &forged_type,
        format!(
            r#"{{"code_hash":"{}","user_type":"admin","email":null,"created_by":null,"created_at":1,"expires_at":4000000000}}"#,
            "a".repeat(64)
        ),
    )
    .unwrap();
    backend
        .invites
        .redeem_invite(
            &good.code,
            &user(UserType::Client, "clara"),
            OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    assert_eq!(
        spool_files(dir.path()),
        ["admin.rejected", "forged.rejected"]
    );
}

/// Invites spooled while no server runs are there when one opens the data dir.
#[tokio::test]
async fn invites_spooled_while_closed_are_found_after_opening() {
    let dir = tempfile::tempdir().unwrap();
    let i = invite(UserType::Ops);
    InviteSpool::new(dir.path()).submit(&i).unwrap();
    let backend = open(dir.path()).await;
    let found = backend.invites.find_invite(&i.code).await.unwrap().unwrap();
    assert!(found.admits(UserType::Ops, OffsetDateTime::now_utc()));
}

/// A data dir from before the activity log had its own file: its events move from
/// `ezshare.sqlite3` into `activity.sqlite3` when it opens, once, and the old table goes.
#[tokio::test]
async fn the_activity_log_moves_out_of_the_main_database_once() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("ezshare.sqlite3");
    {
        let conn = rusqlite::Connection::open(&main).unwrap();
        conn.execute_batch(
            "CREATE TABLE activity (
                owner TEXT NOT NULL, id TEXT NOT NULL, at INTEGER NOT NULL, action TEXT NOT NULL,
                file TEXT NOT NULL, actor_type TEXT NOT NULL, actor TEXT NOT NULL, client TEXT,
                source_ip TEXT, user_agent TEXT, expires_at INTEGER NOT NULL,
                PRIMARY KEY (owner, id)) WITHOUT ROWID;
             CREATE INDEX activity_by_expiry ON activity (expires_at);
             INSERT INTO activity VALUES
                ('opsy', '1800000001000000000-0000000000000001', 1800000001, 'uploaded',
                 'a.pdf', 'ops', 'opsy', NULL, '203.0.113.7', 'curl/8', 4000000000),
                ('opsy', '1800000002000000000-0000000000000002', 1800000002,
                 'download_link_issued', 'a.pdf', 'client', 'bob', 'bob', NULL, NULL,
                 4000000000);",
        )
        .unwrap();
    }
    let list = |backend: &EmbeddedBackend| {
        let activity = backend.activity.clone();
        async move {
            activity
                .list_activity(
                    &uname("opsy"),
                    &ActivityFilter::default(),
                    None,
                    PageLimit::parse("50").unwrap(),
                )
                .await
                .unwrap()
                .events
        }
    };
    let backend = open(dir.path()).await;
    let events = list(&backend).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].action, ActivityAction::DownloadLinkIssued);
    assert_eq!(events[0].client, Some(uname("bob")));
    assert_eq!(events[1].source_ip.as_deref(), Some("203.0.113.7"));
    assert_eq!(events[1].file, FileName::parse("a.pdf").unwrap());
    drop(backend);

    let backend = open(dir.path()).await;
    assert_eq!(list(&backend).await.len(), 2, "moved once, not twice");
    let conn = rusqlite::Connection::open(&main).unwrap();
    let left: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'activity%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        left, 0,
        "the main database has no activity table or index left"
    );
}

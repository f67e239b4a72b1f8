//! The store conformance suite: one set of behaviours every adapter must show, written once.
//!
//! An adapter's test file instantiates it with [`conformance_tests!`](crate::conformance_tests),
//! passing an async function that builds a fresh, empty [`Harness`]:
//!
//! ```ignore
//! async fn fresh() -> ezshare_store::conformance::Harness { /* … */ }
//! ezshare_store::conformance_tests!(fresh);
//! ```

mod activity;
mod attempts;
mod digests;
mod invites;
mod multipart;
mod shares;
mod tokens;
mod visibility;

pub use activity::*;
pub use attempts::*;
pub use digests::*;
pub use invites::*;
pub use multipart::*;
pub use shares::*;
pub use tokens::*;
pub use visibility::*;

use std::any::Any;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ezshare_domain::{
    ContentType, Cursor, FileName, PageLimit, SessionId, UploadId, UserType, Username, Visibility,
};
use time::OffsetDateTime;

use crate::{
    PresignedUpload, SessionRecord, StoreError, Stores, UploadIntent, UserRecord, WriteMode,
};

/// Promotes a staged upload as the API does: find it, then promote what was found.
async fn promote(
    staging: &dyn crate::UploadStaging,
    i: &UploadIntent,
    content_type: &ContentType,
    mode: WriteMode,
) -> Result<crate::StoredFile, StoreError> {
    let staged = staging
        .find_staged(&i.owner, &i.id)
        .await?
        .expect("the upload is staged");
    staging
        .promote_staged(
            &i.owner,
            &i.id,
            &staged,
            content_type,
            mode,
            Visibility::Private,
        )
        .await
}

/// Fresh, empty stores plus whatever must live as long as they do (a temp dir, a table name).
pub struct Harness {
    pub stores: Stores,
    pub guard: Box<dyn Any + Send>,
    /// Delivers bytes to a presigned upload URL as a client would.
    pub uploader: Arc<dyn Uploader>,
}

/// Sends bytes to a [`PresignedUpload`] the way a client does (an HTTP PUT with the listed
/// headers, or the embedded server's receiving code). `true` when storage took them.
#[async_trait::async_trait]
pub trait Uploader: Send + Sync {
    async fn upload(&self, upload: &PresignedUpload, body: Bytes) -> bool;
}

/// Generates one `#[tokio::test]` per conformance case, each on a fresh harness.
#[macro_export]
macro_rules! conformance_tests {
    ($fresh:path) => {
        $crate::conformance_tests!(@cases $fresh;
            user_create_then_find,
            user_names_are_unique_per_type,
            user_missing_is_none,
            user_exists_knows_stored_names_only,
            user_racing_creates_have_one_winner,
            user_password_hash_is_replaced_only_from_the_current_one,
            user_email_is_verified_only_for_the_address_it_has,
            session_round_trip_and_delete,
            session_expired_is_still_returned_with_its_expiry,
            session_delete_user_sessions_keeps_the_named_one_and_others,
            file_put_then_head,
            file_digest_belongs_to_the_version_it_was_taken_of,
            staging_keeps_the_digest_announced_and_signed,
            file_create_new_refuses_existing_and_keeps_it,
            file_overwrite_replaces,
            file_racing_creates_have_one_winner,
            file_names_round_trip_unchanged,
            file_list_sorts_by_utf8_bytes_and_pages,
            file_list_is_per_owner_and_empty_for_none,
            file_list_rejects_foreign_cursor,
            file_delete,
            file_presign_expires_after_ttl,
            staging_round_trip,
            staging_is_invisible_before_upload_and_to_others,
            staging_promote_respects_existing_files,
            staging_racing_promotes_have_one_winner,
            staging_discard_removes_it,
            staging_reads_ranges,
            staging_pins_the_version_it_found,
            multipart_parts_in_any_order_assemble_in_order,
            multipart_part_sent_again_replaces_it,
            multipart_missing_and_wrong_sized_parts_never_assemble,
            multipart_is_per_owner,
            multipart_abort_frees_it,
            multipart_assembled_waits_for_an_overwrite_or_is_discarded,
            file_visibility_is_set_on_create_and_kept_on_overwrite,
            file_set_visibility_of_a_missing_file_is_none,
            staging_promote_over_a_file_keeps_its_visibility,
            share_put_replace_list_and_delete,
            share_client_shares_sort_by_owner_then_name_and_page,
            share_count_download_honours_limit_and_expiry,
            share_racing_downloads_count_exactly_the_limit,
            file_list_all_clients_files_across_owners_in_order,
            activity_is_per_owner_newest_first_and_round_trips,
            activity_pages_and_filters,
            activity_concurrent_records_are_all_kept,
            invite_create_then_find,
            invite_redeem_creates_the_user_and_uses_it_up,
            invite_redeem_refuses_unknown_expired_and_other_type,
            invite_redeem_with_a_taken_name_leaves_it_unused,
            invite_racing_redeems_of_one_code_have_one_winner,
            invite_first_ops_bootstrap_race_has_one_winner,
            attempts_count_per_key_and_window,
            attempts_windows_that_start_together_count_apart,
            attempts_racing_adds_each_see_their_own_count,
            lockout_round_trip_replace_and_forget,
            token_round_trip_and_single_use,
            token_expired_cannot_be_used,
            token_racing_uses_have_one_winner,
        );
    };
    (@cases $fresh:path; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let harness = $fresh().await;
                $crate::conformance::$case(&harness).await;
                drop(harness);
            }
        )*
    };
}

fn user(t: UserType, name: &str) -> UserRecord {
    UserRecord {
        user_type: t,
        username: Username::parse(name).unwrap(),
        password_hash: format!("hash-of-{name}"),
        email: Some(ezshare_domain::Email::parse("a@example.com").unwrap()),
        email_verified: name.starts_with('a'),
        name: Some(ezshare_domain::DisplayName::parse("Ada").unwrap()),
        created_at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap(),
    }
}

fn uname(s: &str) -> Username {
    Username::parse(s).unwrap()
}

fn fname(s: &str) -> FileName {
    FileName::parse(s).unwrap()
}

fn pdf() -> ContentType {
    ContentType::parse("application/pdf").unwrap()
}

pub async fn user_create_then_find(h: &Harness) {
    let s = &h.stores;
    let u = user(UserType::Ops, "alice");
    s.users.create_user(&u).await.unwrap();
    let found = s.users.find_user(UserType::Ops, &u.username).await.unwrap();
    assert_eq!(found, Some(u));
}

pub async fn user_names_are_unique_per_type(h: &Harness) {
    let s = &h.stores;
    s.users
        .create_user(&user(UserType::Ops, "bob"))
        .await
        .unwrap();
    let mut again = user(UserType::Ops, "bob");
    again.password_hash = "other".into();
    assert!(matches!(
        s.users.create_user(&again).await,
        Err(StoreError::AlreadyExists)
    ));
    // The first record is untouched.
    let kept = s
        .users
        .find_user(UserType::Ops, &uname("bob"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.password_hash, "hash-of-bob");
    // The same name as the other type is a different user.
    s.users
        .create_user(&user(UserType::Client, "bob"))
        .await
        .unwrap();
}

pub async fn user_missing_is_none(h: &Harness) {
    let s = &h.stores;
    s.users
        .create_user(&user(UserType::Client, "carol"))
        .await
        .unwrap();
    assert_eq!(
        s.users
            .find_user(UserType::Ops, &uname("carol"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.users
            .find_user(UserType::Client, &uname("nobody"))
            .await
            .unwrap(),
        None
    );
}

pub async fn user_exists_knows_stored_names_only(h: &Harness) {
    let s = &h.stores;
    s.users
        .create_user(&user(UserType::Ops, "dave"))
        .await
        .unwrap();
    let exists =
        |t, n: &'static str| async move { s.users.user_exists(t, &uname(n)).await.unwrap() };
    assert!(exists(UserType::Ops, "dave").await);
    assert!(!exists(UserType::Client, "dave").await, "per user type");
    assert!(!exists(UserType::Ops, "davey").await);
}

pub async fn user_password_hash_is_replaced_only_from_the_current_one(h: &Harness) {
    let u = &h.stores.users;
    let ada = user(UserType::Ops, "ada");
    u.create_user(&ada).await.unwrap();
    let name = &ada.username;
    assert!(
        u.replace_password_hash(UserType::Ops, name, &ada.password_hash, "new-1")
            .await
            .unwrap()
    );
    // The old hash no longer matches: a racing change loses.
    assert!(
        !u.replace_password_hash(UserType::Ops, name, &ada.password_hash, "new-2")
            .await
            .unwrap()
    );
    let stored = u.find_user(UserType::Ops, name).await.unwrap().unwrap();
    assert_eq!(stored.password_hash, "new-1");
    assert_eq!(stored.email, ada.email, "nothing else changes");
    assert!(
        !u.replace_password_hash(UserType::Client, name, "new-1", "x")
            .await
            .unwrap(),
        "no such user"
    );
}

pub async fn user_email_is_verified_only_for_the_address_it_has(h: &Harness) {
    let u = &h.stores.users;
    let mut bob = user(UserType::Client, "bob");
    bob.email_verified = false;
    u.create_user(&bob).await.unwrap();
    let other = ezshare_domain::Email::parse("someone-else@example.com").unwrap();
    assert!(
        !u.mark_email_verified(UserType::Client, &bob.username, &other)
            .await
            .unwrap()
    );
    let found = u
        .find_user(UserType::Client, &bob.username)
        .await
        .unwrap()
        .unwrap();
    assert!(!found.email_verified);
    let email = bob.email.clone().unwrap();
    assert!(
        u.mark_email_verified(UserType::Client, &bob.username, &email)
            .await
            .unwrap()
    );
    let found = u
        .find_user(UserType::Client, &bob.username)
        .await
        .unwrap()
        .unwrap();
    assert!(found.email_verified);
    assert_eq!(
        found.password_hash, bob.password_hash,
        "nothing else changes"
    );
    assert!(
        !u.mark_email_verified(UserType::Ops, &bob.username, &email)
            .await
            .unwrap()
    );
}

pub async fn user_racing_creates_have_one_winner(h: &Harness) {
    let s = &h.stores;
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let users = s.users.clone();
            tokio::spawn(async move {
                let mut u = user(UserType::Ops, "racer");
                u.password_hash = format!("hash-{i}");
                users.create_user(&u).await
            })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => wins += 1,
            Err(StoreError::AlreadyExists) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(wins, 1);
}

fn session(expires_in: time::Duration) -> SessionRecord {
    let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
    SessionRecord {
        id: SessionId::generate(),
        user_type: UserType::Client,
        username: uname("dave"),
        created_at: now,
        expires_at: now + expires_in,
    }
}

pub async fn session_round_trip_and_delete(h: &Harness) {
    let s = &h.stores;
    let sess = session(time::Duration::days(365));
    s.sessions.create_session(&sess).await.unwrap();
    assert!(matches!(
        s.sessions.create_session(&sess).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        s.sessions.find_session(&sess.id).await.unwrap(),
        Some(sess.clone())
    );
    s.sessions.delete_session(&sess.id).await.unwrap();
    // Consistent read: gone at once.
    assert_eq!(s.sessions.find_session(&sess.id).await.unwrap(), None);
    // Deleting again is fine.
    s.sessions.delete_session(&sess.id).await.unwrap();
    assert_eq!(
        s.sessions
            .find_session(&SessionId::generate())
            .await
            .unwrap(),
        None
    );
}

/// "Log out everywhere": one user's sessions go, but for the one kept; other users' and the
/// same name's of the other type stay.
pub async fn session_delete_user_sessions_keeps_the_named_one_and_others(h: &Harness) {
    let s = &h.stores.sessions;
    let of = |t, name: &str| SessionRecord {
        user_type: t,
        username: uname(name),
        ..session(time::Duration::days(1))
    };
    let mine: Vec<_> = (0..3).map(|_| of(UserType::Ops, "alice")).collect();
    let same_name_client = of(UserType::Client, "alice");
    let other = of(UserType::Ops, "bob");
    for sess in mine.iter().chain([&same_name_client, &other]) {
        s.create_session(sess).await.unwrap();
    }
    let alice = uname("alice");
    let n = s
        .delete_user_sessions(UserType::Ops, &alice, Some(&mine[0].id))
        .await
        .unwrap();
    assert_eq!(n, 2);
    let alive = |sess: &SessionRecord| {
        let id = sess.id.clone();
        async move { s.find_session(&id).await.unwrap().is_some() }
    };
    assert!(alive(&mine[0]).await, "the kept one");
    assert!(!alive(&mine[1]).await && !alive(&mine[2]).await);
    assert!(alive(&same_name_client).await && alive(&other).await);
    assert_eq!(
        s.delete_user_sessions(UserType::Ops, &alice, None)
            .await
            .unwrap(),
        1
    );
    assert!(!alive(&mine[0]).await);
    assert_eq!(
        s.delete_user_sessions(UserType::Ops, &alice, None)
            .await
            .unwrap(),
        0
    );
}

pub async fn session_expired_is_still_returned_with_its_expiry(h: &Harness) {
    let s = &h.stores;
    let sess = session(time::Duration::seconds(-10));
    s.sessions.create_session(&sess).await.unwrap();
    let found = s.sessions.find_session(&sess.id).await.unwrap();
    // Either the store dropped it or it returns it marked expired: never as live.
    if let Some(found) = found {
        assert!(found.is_expired_at(OffsetDateTime::now_utc()));
        assert_eq!(found.expires_at, sess.expires_at);
    }
}

async fn put(
    s: &Stores,
    owner: &str,
    name: &str,
    body: &'static [u8],
    mode: WriteMode,
) -> Result<crate::StoredFile, StoreError> {
    s.files
        .put_file(
            &uname(owner),
            &fname(name),
            &pdf(),
            Bytes::from_static(body),
            mode,
            Visibility::Private,
        )
        .await
}

pub async fn file_put_then_head(h: &Harness) {
    let s = &h.stores;
    let before = OffsetDateTime::now_utc() - Duration::from_secs(2);
    let stored = put(
        s,
        "opsy",
        "report.pdf",
        b"%PDF-1.7 hello",
        WriteMode::CreateNew,
    )
    .await
    .unwrap();
    assert_eq!(stored.size, 14);
    let head = s
        .files
        .head_file(&uname("opsy"), &fname("report.pdf"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.name, fname("report.pdf"));
    assert_eq!(head.size, 14);
    assert_eq!(head.content_type, pdf());
    assert!(
        head.uploaded_at >= before
            && head.uploaded_at <= OffsetDateTime::now_utc() + Duration::from_secs(2)
    );
    assert_eq!(
        s.files
            .head_file(&uname("opsy"), &fname("other.pdf"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.files
            .head_file(&uname("other"), &fname("report.pdf"))
            .await
            .unwrap(),
        None
    );
}

pub async fn file_create_new_refuses_existing_and_keeps_it(h: &Harness) {
    let s = &h.stores;
    put(s, "opsy", "a.pdf", b"first", WriteMode::CreateNew)
        .await
        .unwrap();
    assert!(matches!(
        put(s, "opsy", "a.pdf", b"second!", WriteMode::CreateNew).await,
        Err(StoreError::AlreadyExists)
    ));
    let head = s
        .files
        .head_file(&uname("opsy"), &fname("a.pdf"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.size, 5);
}

pub async fn file_overwrite_replaces(h: &Harness) {
    let s = &h.stores;
    put(s, "opsy", "a.pdf", b"first", WriteMode::CreateNew)
        .await
        .unwrap();
    let stored = put(s, "opsy", "a.pdf", b"second!", WriteMode::Overwrite)
        .await
        .unwrap();
    assert_eq!(stored.size, 7);
    let head = s
        .files
        .head_file(&uname("opsy"), &fname("a.pdf"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.size, 7);
    let page = s
        .files
        .list_files(&uname("opsy"), None, PageLimit::DEFAULT)
        .await
        .unwrap();
    assert_eq!(page.files.len(), 1);
}

pub async fn file_racing_creates_have_one_winner(h: &Harness) {
    let s = &h.stores;
    let tasks: Vec<_> = (1..=20usize)
        .map(|i| {
            let files = s.files.clone();
            tokio::spawn(async move {
                let body = Bytes::from(vec![b'x'; i]);
                let r = files
                    .put_file(
                        &uname("opsy"),
                        &fname("race.pdf"),
                        &pdf(),
                        body,
                        WriteMode::CreateNew,
                        Visibility::Private,
                    )
                    .await;
                (i, r)
            })
        })
        .collect();
    let mut winners = vec![];
    for t in tasks {
        match t.await.unwrap() {
            (i, Ok(_)) => winners.push(i),
            (_, Err(StoreError::AlreadyExists)) => {}
            (_, Err(e)) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let head = s
        .files
        .head_file(&uname("opsy"), &fname("race.pdf"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        head.size as usize, winners[0],
        "the stored file is the winner's"
    );
}

pub async fn file_names_round_trip_unchanged(h: &Harness) {
    let s = &h.stores;
    let names = [
        "résumé 2026.pdf",
        "名前.pdf",
        "..a",
        "a%2Fb.pdf",
        "a+b&c=d?.pdf",
        "  spaced  ",
    ];
    for n in names {
        put(s, "opsy", n, b"x", WriteMode::CreateNew).await.unwrap();
        assert!(
            s.files
                .head_file(&uname("opsy"), &fname(n))
                .await
                .unwrap()
                .is_some(),
            "{n}"
        );
    }
    let page = s
        .files
        .list_files(&uname("opsy"), None, PageLimit::DEFAULT)
        .await
        .unwrap();
    let mut listed: Vec<&str> = page.files.iter().map(|f| f.name.as_str()).collect();
    let mut expected = names.to_vec();
    expected.sort();
    listed.sort();
    assert_eq!(listed, expected);
}

pub async fn file_list_sorts_by_utf8_bytes_and_pages(h: &Harness) {
    let s = &h.stores;
    // Byte order: uppercase < lowercase < non-ASCII.
    for n in ["b.pdf", "é.pdf", "A.pdf", "a.pdf", "B.pdf"] {
        put(s, "opsy", n, b"12", WriteMode::CreateNew)
            .await
            .unwrap();
    }
    let limit = PageLimit::parse("2").unwrap();
    let mut seen = vec![];
    let mut cursor: Option<Cursor> = None;
    let mut pages = 0;
    loop {
        let page = s
            .files
            .list_files(&uname("opsy"), cursor.as_ref(), limit)
            .await
            .unwrap();
        pages += 1;
        assert!(page.files.len() <= 2);
        seen.extend(page.files.iter().map(|f| (f.name.to_string(), f.size)));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
        assert!(pages < 10, "paging does not terminate");
    }
    let names: Vec<&str> = seen.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["A.pdf", "B.pdf", "a.pdf", "b.pdf", "é.pdf"]);
    assert!(seen.iter().all(|(_, size)| *size == 2));
    assert_eq!(pages, 3);
}

pub async fn file_list_is_per_owner_and_empty_for_none(h: &Harness) {
    let s = &h.stores;
    put(s, "opsy", "mine.pdf", b"1", WriteMode::CreateNew)
        .await
        .unwrap();
    // A user whose name is a prefix of another's must not see the other's files.
    put(s, "opsy2", "theirs.pdf", b"1", WriteMode::CreateNew)
        .await
        .unwrap();
    let page = s
        .files
        .list_files(&uname("opsy"), None, PageLimit::DEFAULT)
        .await
        .unwrap();
    let names: Vec<_> = page.files.iter().map(|f| f.name.to_string()).collect();
    assert_eq!(names, ["mine.pdf"]);
    assert_eq!(page.next_cursor, None);
    let empty = s
        .files
        .list_files(&uname("nofiles"), None, PageLimit::DEFAULT)
        .await
        .unwrap();
    assert!(empty.files.is_empty());
    assert_eq!(empty.next_cursor, None);
}

pub async fn file_list_rejects_foreign_cursor(h: &Harness) {
    let s = &h.stores;
    put(s, "opsy", "a.pdf", b"1", WriteMode::CreateNew)
        .await
        .unwrap();
    let bogus = Cursor::parse("not-a-cursor-this-store-issued!").unwrap();
    assert!(matches!(
        s.files
            .list_files(&uname("opsy"), Some(&bogus), PageLimit::DEFAULT)
            .await,
        Err(StoreError::InvalidCursor)
    ));
}

pub async fn file_delete(h: &Harness) {
    let s = &h.stores;
    put(s, "opsy", "gone.pdf", b"1", WriteMode::CreateNew)
        .await
        .unwrap();
    assert!(
        s.files
            .delete_file(&uname("opsy"), &fname("gone.pdf"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.files
            .head_file(&uname("opsy"), &fname("gone.pdf"))
            .await
            .unwrap(),
        None
    );
    assert!(
        !s.files
            .delete_file(&uname("opsy"), &fname("gone.pdf"))
            .await
            .unwrap()
    );
    // The name is free again.
    put(s, "opsy", "gone.pdf", b"22", WriteMode::CreateNew)
        .await
        .unwrap();
}

pub async fn file_presign_expires_after_ttl(h: &Harness) {
    let s = &h.stores;
    let file = put(s, "opsy", "a.pdf", b"1", WriteMode::CreateNew)
        .await
        .unwrap();
    let ttl = Duration::from_secs(300);
    let before = OffsetDateTime::now_utc();
    let link = s
        .files
        .presign_download(&uname("opsy"), &file, ttl)
        .await
        .unwrap();
    assert!(link.url.starts_with("http"));
    let delta = (link.expires_at - before).whole_seconds();
    assert!((298..=301).contains(&delta), "expires in {delta}s");
}

fn intent(owner: &str, name: &str, size: u64) -> UploadIntent {
    UploadIntent {
        sha256: None,
        id: UploadId::generate(),
        owner: uname(owner),
        name: fname(name),
        size,
        content_type: pdf(),
    }
}

/// Presigns and delivers `body` for a new intent; returns the intent.
async fn stage(h: &Harness, owner: &str, name: &str, body: &'static [u8]) -> UploadIntent {
    let i = intent(owner, name, body.len() as u64);
    let link = h
        .stores
        .staging
        .presign_upload(&i, Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(link.method, "PUT");
    assert!(
        h.uploader.upload(&link, Bytes::from_static(body)).await,
        "storage took the bytes"
    );
    i
}

pub async fn staging_round_trip(h: &Harness) {
    let s = &h.stores;
    let before = OffsetDateTime::now_utc();
    let i = intent("opsy", "big report.pdf", 12);
    let link = s
        .staging
        .presign_upload(&i, Duration::from_secs(600))
        .await
        .unwrap();
    assert!(link.url.starts_with("http"));
    let delta = (link.expires_at - before).whole_seconds();
    assert!((598..=601).contains(&delta), "expires in {delta}s");
    assert!(
        h.uploader
            .upload(&link, Bytes::from_static(b"%PDF-1.7 abc"))
            .await
    );
    let staged = s
        .staging
        .find_staged(&i.owner, &i.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(staged.name, fname("big report.pdf"));
    assert_eq!((staged.size, staged.declared_size), (12, 12));
    assert_eq!(staged.content_type, pdf());
    // Not a file until promoted.
    assert_eq!(s.files.head_file(&i.owner, &i.name).await.unwrap(), None);
    // The type the caller decided on (e.g. from the content) is what the file gets.
    let checked = ContentType::parse("application/x-checked").unwrap();
    let stored = promote(&*s.staging, &i, &checked, WriteMode::CreateNew)
        .await
        .unwrap();
    assert_eq!((stored.name.as_str(), stored.size), ("big report.pdf", 12));
    let head = s.files.head_file(&i.owner, &i.name).await.unwrap().unwrap();
    assert_eq!(head.size, 12);
    assert_eq!(head.content_type, checked);
    assert_eq!(
        s.staging.find_staged(&i.owner, &i.id).await.unwrap(),
        None,
        "staging is emptied"
    );
}

pub async fn staging_is_invisible_before_upload_and_to_others(h: &Harness) {
    let s = &h.stores;
    let i = intent("opsy", "a.pdf", 5);
    s.staging
        .presign_upload(&i, Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(
        s.staging.find_staged(&i.owner, &i.id).await.unwrap(),
        None,
        "nothing arrived yet"
    );
    let done = stage(h, "opsy", "b.pdf", b"%PDF-").await;
    assert_eq!(
        s.staging
            .find_staged(&uname("mallory"), &done.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.staging
            .find_staged(&done.owner, &UploadId::generate())
            .await
            .unwrap(),
        None
    );
}

pub async fn staging_promote_respects_existing_files(h: &Harness) {
    let s = &h.stores;
    put(s, "opsy", "taken.pdf", b"original", WriteMode::CreateNew)
        .await
        .unwrap();
    let i = stage(h, "opsy", "taken.pdf", b"%PDF-newer").await;
    assert!(matches!(
        promote(&*s.staging, &i, &pdf(), WriteMode::CreateNew).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(
        s.files
            .head_file(&i.owner, &i.name)
            .await
            .unwrap()
            .unwrap()
            .size,
        8,
        "original kept"
    );
    assert!(
        s.staging
            .find_staged(&i.owner, &i.id)
            .await
            .unwrap()
            .is_some(),
        "staged kept for a retry"
    );
    let stored = promote(&*s.staging, &i, &pdf(), WriteMode::Overwrite)
        .await
        .unwrap();
    assert_eq!(stored.size, 10);
    assert_eq!(
        s.files
            .head_file(&i.owner, &i.name)
            .await
            .unwrap()
            .unwrap()
            .size,
        10
    );
}

pub async fn staging_racing_promotes_have_one_winner(h: &Harness) {
    let bodies: [&'static [u8]; 6] = [
        b"%PDF-1",
        b"%PDF-12",
        b"%PDF-123",
        b"%PDF-1234",
        b"%PDF-12345",
        b"%PDF-123456",
    ];
    let mut intents = vec![];
    for body in bodies {
        intents.push(stage(h, "opsy", "race.pdf", body).await);
    }
    let tasks: Vec<_> = intents
        .into_iter()
        .map(|i| {
            let staging = h.stores.staging.clone();
            tokio::spawn(async move {
                let r = promote(&*staging, &i, &pdf(), WriteMode::CreateNew).await;
                (i.size, r)
            })
        })
        .collect();
    let mut winners = vec![];
    for t in tasks {
        match t.await.unwrap() {
            (size, Ok(_)) => winners.push(size),
            (_, Err(StoreError::AlreadyExists)) => {}
            (_, Err(e)) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let head = h
        .stores
        .files
        .head_file(&uname("opsy"), &fname("race.pdf"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.size, winners[0]);
}

pub async fn staging_discard_removes_it(h: &Harness) {
    let s = &h.stores;
    let i = stage(h, "opsy", "bad.pdf", b"not a pdf").await;
    s.staging.discard_staged(&i.owner, &i.id).await.unwrap();
    assert_eq!(s.staging.find_staged(&i.owner, &i.id).await.unwrap(), None);
    s.staging.discard_staged(&i.owner, &i.id).await.unwrap();
    assert_eq!(s.files.head_file(&i.owner, &i.name).await.unwrap(), None);
}

/// Bytes sent again to an upload after they were found are never what gets checked and
/// promoted: either storage refuses the second upload (embedded), or reads and the promotion
/// pinned to the version found answer `Changed` (S3, where a presigned PUT may be repeated).
pub async fn staging_pins_the_version_it_found(h: &Harness) {
    let s = &h.stores;
    let i = intent("opsy", "pinned.pdf", 10);
    let link = s
        .staging
        .presign_upload(&i, Duration::from_secs(600))
        .await
        .unwrap();
    assert!(
        h.uploader
            .upload(&link, Bytes::from_static(b"%PDF-1.7 A"))
            .await
    );
    let found = s
        .staging
        .find_staged(&i.owner, &i.id)
        .await
        .unwrap()
        .unwrap();
    let replaced = h
        .uploader
        .upload(&link, Bytes::from_static(b"MZ-evil-99"))
        .await;
    let read = s.staging.read_staged(&i.owner, &i.id, &found, 0, 10).await;
    if replaced {
        assert!(
            found.etag.is_some(),
            "a store that takes a second upload pins"
        );
        assert!(matches!(read, Err(StoreError::Changed)), "{read:?}");
        // The promotion's copy carries the same condition: S3 honours it, moto ignores it,
        // so the request itself is checked (cli/tests/it/faults.rs).
    } else {
        assert_eq!(read.unwrap().as_ref(), b"%PDF-1.7 A");
        let promoted = s
            .staging
            .promote_staged(
                &i.owner,
                &i.id,
                &found,
                &pdf(),
                WriteMode::CreateNew,
                Visibility::Private,
            )
            .await
            .unwrap();
        assert_eq!(promoted.size, 10);
    }
}

pub async fn staging_reads_ranges(h: &Harness) {
    let s = &h.stores;
    let i = stage(h, "opsy", "r.pdf", b"0123456789").await;
    let found = s
        .staging
        .find_staged(&i.owner, &i.id)
        .await
        .unwrap()
        .unwrap();
    let read = |offset, len| s.staging.read_staged(&i.owner, &i.id, &found, offset, len);
    assert_eq!(read(0, 4).await.unwrap().as_ref(), b"0123");
    assert_eq!(read(6, 4).await.unwrap().as_ref(), b"6789");
    assert_eq!(
        read(8, 100).await.unwrap().as_ref(),
        b"89",
        "short only at the end"
    );
}

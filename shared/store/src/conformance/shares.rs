//! Shares: per-client grants of private files, with expiry and a download limit that holds
//! under concurrency.

use bytes::Bytes;
use ezshare_domain::{FileName, Username, Visibility};
use time::OffsetDateTime;

use super::{Harness, fname, pdf, uname};
use crate::{ShareRecord, WriteMode};

fn share(owner: &str, file: &str, client: &str) -> ShareRecord {
    ShareRecord {
        owner: uname(owner),
        file: fname(file),
        client: uname(client),
        granted_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
        expires_at: None,
        max_downloads: None,
        downloads: 0,
    }
}

fn keys(shares: &[ShareRecord]) -> Vec<(String, String, String)> {
    shares
        .iter()
        .map(|s| {
            (
                s.owner.to_string(),
                s.file.to_string(),
                s.client.to_string(),
            )
        })
        .collect()
}

pub async fn share_put_replace_list_and_delete(h: &Harness) {
    let s = &h.stores.shares;
    let mut limited = share("opsy", "a.pdf", "bob");
    limited.max_downloads = Some(5);
    limited.expires_at = Some(OffsetDateTime::from_unix_timestamp(1_900_000_000).unwrap());
    s.put_share(&limited).await.unwrap();
    s.put_share(&share("opsy", "a.pdf", "alice")).await.unwrap();
    s.put_share(&share("opsy", "b.pdf", "carol")).await.unwrap();
    let listed = s
        .file_shares(&uname("opsy"), &fname("a.pdf"))
        .await
        .unwrap();
    assert_eq!(
        listed,
        vec![share("opsy", "a.pdf", "alice"), limited.clone()]
    );
    // Counting then replacing: the count restarts.
    let now = OffsetDateTime::from_unix_timestamp(1_850_000_000).unwrap();
    let counted = s
        .count_download(&uname("opsy"), &fname("a.pdf"), &uname("bob"), now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((counted.downloads, counted.downloads_left()), (1, Some(4)));
    s.put_share(&limited).await.unwrap();
    let again = s
        .file_shares(&uname("opsy"), &fname("a.pdf"))
        .await
        .unwrap();
    assert_eq!(again[1].downloads, 0);
    assert!(
        s.delete_share(&uname("opsy"), &fname("a.pdf"), &uname("bob"))
            .await
            .unwrap()
    );
    assert!(
        !s.delete_share(&uname("opsy"), &fname("a.pdf"), &uname("bob"))
            .await
            .unwrap()
    );
    let left = s
        .file_shares(&uname("opsy"), &fname("a.pdf"))
        .await
        .unwrap();
    assert_eq!(
        keys(&left),
        [("opsy".into(), "a.pdf".into(), "alice".into())]
    );
    s.delete_file_shares(&uname("opsy"), &fname("a.pdf"))
        .await
        .unwrap();
    assert!(
        s.file_shares(&uname("opsy"), &fname("a.pdf"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.file_shares(&uname("opsy"), &fname("b.pdf"))
            .await
            .unwrap()
            .len(),
        1
    );
}

/// The index by client may lag its table by a moment (DynamoDB): poll briefly.
async fn client_shares(
    h: &Harness,
    client: &str,
    owner: Option<&str>,
    after: Option<(&str, &str)>,
    limit: usize,
    expect: usize,
) -> Vec<ShareRecord> {
    let owner = owner.map(uname);
    let after: Option<(Username, FileName)> = after.map(|(o, f)| (uname(o), fname(f)));
    let mut got = vec![];
    for _ in 0..50 {
        got = h
            .stores
            .shares
            .client_shares(
                &uname(client),
                owner.as_ref(),
                after.as_ref().map(|(o, f)| (o, f)),
                limit,
            )
            .await
            .unwrap();
        if got.len() >= expect {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    got
}

pub async fn share_client_shares_sort_by_owner_then_name_and_page(h: &Harness) {
    let s = &h.stores.shares;
    // Byte order of the pair: "ops" before "ops-x" before "opsb", whatever the file names.
    for (owner, file) in [
        ("opsb", "a.pdf"),
        ("ops-x", "z.pdf"),
        ("ops", "b.pdf"),
        ("ops", "a b.pdf"),
    ] {
        s.put_share(&share(owner, file, "bob")).await.unwrap();
    }
    s.put_share(&share("ops", "a.pdf", "other")).await.unwrap();
    let all = client_shares(h, "bob", None, None, 10, 4).await;
    assert_eq!(
        keys(&all),
        [
            ("ops".into(), "a b.pdf".into(), "bob".into()),
            ("ops".into(), "b.pdf".into(), "bob".into()),
            ("ops-x".into(), "z.pdf".into(), "bob".into()),
            ("opsb".into(), "a.pdf".into(), "bob".into()),
        ]
    );
    let page = client_shares(h, "bob", None, Some(("ops", "b.pdf")), 1, 1).await;
    assert_eq!(
        keys(&page),
        [("ops-x".into(), "z.pdf".into(), "bob".into())]
    );
    let of_ops = client_shares(h, "bob", Some("ops"), None, 10, 2).await;
    assert_eq!(of_ops.len(), 2);
    assert!(of_ops.iter().all(|s| s.owner.as_str() == "ops"));
    let of_ops_after = client_shares(h, "bob", Some("ops"), Some(("ops", "a b.pdf")), 10, 1).await;
    assert_eq!(
        keys(&of_ops_after),
        [("ops".into(), "b.pdf".into(), "bob".into())]
    );
}

pub async fn share_count_download_honours_limit_and_expiry(h: &Harness) {
    let s = &h.stores.shares;
    let now = OffsetDateTime::now_utc();
    let mut two = share("opsy", "two.pdf", "bob");
    two.max_downloads = Some(2);
    let mut expired = share("opsy", "old.pdf", "bob");
    expired.expires_at = Some(now - time::Duration::seconds(1));
    for sh in [&two, &expired] {
        s.put_share(sh).await.unwrap();
    }
    let count = |file: &'static str, client: &'static str| {
        let shares = s.clone();
        async move {
            shares
                .count_download(&uname("opsy"), &fname(file), &uname(client), now)
                .await
        }
    };
    assert_eq!(count("two.pdf", "bob").await.unwrap().unwrap().downloads, 1);
    assert_eq!(
        count("two.pdf", "bob")
            .await
            .unwrap()
            .unwrap()
            .downloads_left(),
        Some(0)
    );
    assert_eq!(count("two.pdf", "bob").await.unwrap(), None, "used up");
    assert_eq!(count("old.pdf", "bob").await.unwrap(), None, "expired");
    assert_eq!(
        count("two.pdf", "eve").await.unwrap(),
        None,
        "not shared with eve"
    );
    let stored = s
        .file_shares(&uname("opsy"), &fname("two.pdf"))
        .await
        .unwrap();
    assert_eq!(stored[0].downloads, 2, "refused attempts count nothing");
    assert!(!stored[0].is_active(now));
}

/// k links left and N > k requests at once: exactly k are counted.
pub async fn share_racing_downloads_count_exactly_the_limit(h: &Harness) {
    let s = &h.stores.shares;
    let mut three = share("opsy", "hot.pdf", "bob");
    three.max_downloads = Some(3);
    s.put_share(&three).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let shares = s.clone();
            tokio::spawn(async move {
                shares
                    .count_download(&uname("opsy"), &fname("hot.pdf"), &uname("bob"), now)
                    .await
            })
        })
        .collect();
    let mut granted = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(Some(_)) => granted += 1,
            Ok(None) => {}
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    assert_eq!(granted, 3);
}

pub async fn file_list_all_clients_files_across_owners_in_order(h: &Harness) {
    let f = &h.stores.files;
    for (owner, name, v) in [
        ("opsb", "a.pdf", Visibility::AllClients),
        ("ops", "z.pdf", Visibility::AllClients),
        ("ops", "hidden.pdf", Visibility::Private),
        ("ops-x", "m.pdf", Visibility::AllClients),
    ] {
        f.put_file(
            &uname(owner),
            &fname(name),
            &pdf(),
            Bytes::from_static(b"x"),
            WriteMode::CreateNew,
            v,
        )
        .await
        .unwrap();
    }
    let mut got = vec![];
    for _ in 0..50 {
        got = f.list_all_clients_files(None, 10).await.unwrap();
        if got.len() >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let pairs: Vec<(&str, &str)> = got
        .iter()
        .map(|(o, f)| (o.as_str(), f.name.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("ops", "z.pdf"), ("ops-x", "m.pdf"), ("opsb", "a.pdf")]
    );
    let after = f
        .list_all_clients_files(Some((&uname("ops"), &fname("z.pdf"))), 1)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(
        (after[0].0.as_str(), after[0].1.name.as_str()),
        ("ops-x", "m.pdf")
    );
    // Made private, it leaves the listing.
    f.set_visibility(&uname("ops-x"), &fname("m.pdf"), Visibility::Private)
        .await
        .unwrap();
    let mut now_listed = got.len();
    for _ in 0..50 {
        now_listed = f.list_all_clients_files(None, 10).await.unwrap().len();
        if now_listed == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(now_listed, 2);
}

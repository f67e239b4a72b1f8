//! Visibility: a new file gets the one asked for; a new version keeps the file's.

use bytes::Bytes;
use ezshare_domain::{PageLimit, Visibility};

use super::{Harness, fname, pdf, stage, uname};
use crate::WriteMode;

async fn put(h: &Harness, body: &'static [u8], mode: WriteMode, visibility: Visibility) {
    h.stores
        .files
        .put_file(
            &uname("opsy"),
            &fname("doc.pdf"),
            &pdf(),
            Bytes::from_static(body),
            mode,
            visibility,
        )
        .await
        .unwrap();
}

async fn visibility_now(h: &Harness) -> Visibility {
    let s = &h.stores;
    let head = s.files.head_file(&uname("opsy"), &fname("doc.pdf")).await;
    let listed = s
        .files
        .list_files(&uname("opsy"), None, PageLimit::DEFAULT)
        .await
        .unwrap();
    let head = head.unwrap().unwrap().visibility;
    assert_eq!(listed.files[0].visibility, head, "listing and head agree");
    head
}

pub async fn file_visibility_is_set_on_create_and_kept_on_overwrite(h: &Harness) {
    let s = &h.stores;
    put(h, b"v1", WriteMode::CreateNew, Visibility::AllClients).await;
    assert_eq!(visibility_now(h).await, Visibility::AllClients);
    let changed = s
        .files
        .set_visibility(&uname("opsy"), &fname("doc.pdf"), Visibility::Private)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((changed.visibility, changed.size), (Visibility::Private, 2));
    assert_eq!(visibility_now(h).await, Visibility::Private);
    // A new version of the same document keeps the file's visibility, whatever a new file
    // would have got.
    put(
        h,
        b"v2 longer",
        WriteMode::Overwrite,
        Visibility::AllClients,
    )
    .await;
    assert_eq!(visibility_now(h).await, Visibility::Private);
    let head = s
        .files
        .head_file(&uname("opsy"), &fname("doc.pdf"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.size, 9, "the new version's bytes");
}

pub async fn file_set_visibility_of_a_missing_file_is_none(h: &Harness) {
    let s = &h.stores;
    let got = s
        .files
        .set_visibility(
            &uname("opsy"),
            &fname("nothing.pdf"),
            Visibility::AllClients,
        )
        .await
        .unwrap();
    assert_eq!(got, None);
    assert_eq!(
        s.files
            .head_file(&uname("opsy"), &fname("nothing.pdf"))
            .await
            .unwrap(),
        None,
        "setting visibility creates nothing"
    );
}

pub async fn staging_promote_over_a_file_keeps_its_visibility(h: &Harness) {
    let s = &h.stores;
    put(h, b"v1", WriteMode::CreateNew, Visibility::AllClients).await;
    let i = stage(h, "opsy", "doc.pdf", b"%PDF-1.7 v2").await;
    let staged = s
        .staging
        .find_staged(&i.owner, &i.id)
        .await
        .unwrap()
        .unwrap();
    let stored = s
        .staging
        .promote_staged(
            &i.owner,
            &i.id,
            &staged,
            &pdf(),
            WriteMode::Overwrite,
            Visibility::Private,
        )
        .await
        .unwrap();
    assert_eq!(stored.visibility, Visibility::AllClients);
    assert_eq!(visibility_now(h).await, Visibility::AllClients);
}

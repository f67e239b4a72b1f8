//! Digests: a version's SHA-256 travels with it, and only with it.

use ezshare_domain::Sha256Digest;

use super::{Harness, fname, pdf, put, stage, uname};
use crate::WriteMode;

async fn digest_now(h: &Harness, name: &str) -> Option<Sha256Digest> {
    h.stores
        .files
        .head_file(&uname("opsy"), &fname(name))
        .await
        .unwrap()
        .expect("the file exists")
        .sha256
}

/// The staged upload of `i` as found, and the file its promotion stored.
async fn find_and_promote(
    h: &Harness,
    i: &crate::UploadIntent,
    mode: WriteMode,
) -> (crate::StagedUpload, crate::StoredFile) {
    let staging = &h.stores.staging;
    let staged = staging.find_staged(&i.owner, &i.id).await.unwrap().unwrap();
    let visibility = ezshare_domain::Visibility::Private;
    let stored = staging
        .promote_staged(&i.owner, &i.id, &staged, &pdf(), mode, visibility)
        .await
        .unwrap();
    (staged, stored)
}

pub async fn file_digest_belongs_to_the_version_it_was_taken_of(h: &Harness) {
    let s = &h.stores;
    let v1 = put(s, "opsy", "doc.pdf", b"%PDF-1.7 one", WriteMode::CreateNew)
        .await
        .unwrap();
    let want = Sha256Digest::of(b"%PDF-1.7 one");
    assert_eq!(
        v1.sha256,
        Some(want),
        "put_file knows the bytes: it digests them"
    );
    assert_eq!(digest_now(h, "doc.pdf").await, Some(want));

    let v2 = put(s, "opsy", "doc.pdf", b"%PDF-1.7 two", WriteMode::Overwrite)
        .await
        .unwrap();
    let want = Sha256Digest::of(b"%PDF-1.7 two");
    assert_eq!(v2.sha256, Some(want));
    assert_eq!(
        digest_now(h, "doc.pdf").await,
        Some(want),
        "a new version, its digest"
    );

    // A direct upload's bytes never pass the store: the new version has no digest, and the
    // old version's is not left behind to describe it.
    let i = stage(h, "opsy", "doc.pdf", b"%PDF-1.7 three").await;
    let (staged, v3) = find_and_promote(h, &i, WriteMode::Overwrite).await;
    assert_eq!((staged.sha256, v3.sha256), (None, None));
    assert_eq!(digest_now(h, "doc.pdf").await, None);
}

pub async fn staging_keeps_the_digest_announced_and_signed(h: &Harness) {
    let s = &h.stores;
    let body: &'static [u8] = b"%PDF-1.7 announced";
    let mut i = super::intent("opsy", "signed.pdf", body.len() as u64);
    let digest = Sha256Digest::of(body);
    i.sha256 = Some(digest);
    let link = s
        .staging
        .presign_upload(&i, std::time::Duration::from_secs(600))
        .await
        .unwrap();
    let header = link
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(crate::staging::CHECKSUM_SHA256_HEADER))
        .map(|(_, value)| value.clone());
    assert_eq!(
        header,
        Some(crate::staging::checksum_base64(&digest)),
        "the uploader is told to send the checksum storage verifies"
    );
    assert!(
        h.uploader
            .upload(&link, bytes::Bytes::from_static(body))
            .await
    );
    let (staged, stored) = find_and_promote(h, &i, WriteMode::CreateNew).await;
    assert_eq!(staged.sha256, Some(digest));
    assert_eq!(stored.sha256, Some(digest));
    assert_eq!(digest_now(h, "signed.pdf").await, Some(digest));
}

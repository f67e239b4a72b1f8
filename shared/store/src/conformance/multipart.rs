//! Multipart uploads: parts in any order and re-sent, assembled in place, with the missing
//! and the wrong-sized ones told apart, and abort.

use std::time::Duration;

use bytes::Bytes;
use ezshare_domain::{PartNumber, Visibility};

use super::{Harness, intent, pdf, uname};
use crate::{
    MultipartIntent, MultipartState, MultipartUpload, PartsProblem, StagedUpload, StoreError,
    UploadedPart, WriteMode,
};

/// 25 bytes in parts of 10: 10 + 10 + 5 (above moto's lowered minimum part size).
const BODY: &[u8; 25] = b"%PDF-1.7 part one|two|end";
const PART_SIZE: u64 = 10;

async fn start(h: &Harness, owner: &str, name: &str) -> MultipartUpload {
    let plan = MultipartIntent {
        upload: intent(owner, name, BODY.len() as u64),
        part_size: PART_SIZE,
    };
    let started = h.stores.staging.start_multipart(&plan).await.unwrap();
    assert_eq!(started.intent, plan);
    started
}

fn n(part: u32) -> PartNumber {
    PartNumber::new(part).unwrap()
}

fn bytes_of(part: u32) -> Bytes {
    let from = (part as usize - 1) * PART_SIZE as usize;
    let to = (from + PART_SIZE as usize).min(BODY.len());
    Bytes::copy_from_slice(&BODY[from..to])
}

/// Sends `body` as part `part`; whether storage took it.
async fn send(h: &Harness, up: &MultipartUpload, part: u32, body: Bytes) -> bool {
    let link = h
        .stores
        .staging
        .presign_part(up, n(part), None, Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(link.method, "PUT");
    h.uploader.upload(&link, body).await
}

/// Sends every part, in order, each taken.
async fn send_all(h: &Harness, up: &MultipartUpload) {
    for part in 1..=up.intent.part_count() {
        assert!(send(h, up, part, bytes_of(part)).await, "part {part} taken");
    }
}

async fn parts(h: &Harness, up: &MultipartUpload) -> Vec<UploadedPart> {
    match h.stores.staging.multipart_state(up).await.unwrap() {
        MultipartState::Receiving(parts) => parts,
        other => panic!("still receiving, not {other:?}"),
    }
}

async fn assemble(h: &Harness, up: &MultipartUpload) -> StagedUpload {
    let parts = parts(h, up).await;
    up.intent
        .check(&parts)
        .expect("every part, each of its size");
    h.stores.staging.assemble(up, &parts).await.unwrap()
}

async fn read_all(h: &Harness, up: &MultipartUpload, staged: &StagedUpload) -> Bytes {
    let i = &up.intent.upload;
    h.stores
        .staging
        .read_staged(&i.owner, &i.id, staged, 0, 1000)
        .await
        .unwrap()
}

async fn promote(
    h: &Harness,
    up: &MultipartUpload,
    staged: &StagedUpload,
    mode: WriteMode,
) -> Result<crate::StoredFile, StoreError> {
    let i = &up.intent.upload;
    h.stores
        .staging
        .promote_staged(&i.owner, &i.id, staged, &pdf(), mode, Visibility::Private)
        .await
}

pub async fn multipart_parts_in_any_order_assemble_in_order(h: &Harness) {
    let up = start(h, "opsy", "big.pdf").await;
    let i = up.intent.upload.clone();
    let found = h
        .stores
        .staging
        .find_multipart(&i.owner, &i.id)
        .await
        .unwrap();
    assert_eq!(found.map(|f| f.intent), Some(up.intent.clone()));
    assert_eq!(parts(h, &up).await, vec![], "nothing yet");
    for part in [3, 1, 2] {
        assert!(
            send(h, &up, part, bytes_of(part)).await,
            "part {part} taken"
        );
    }
    let listed = parts(h, &up).await;
    let numbers: Vec<(u32, u64)> = listed.iter().map(|p| (p.number.get(), p.size)).collect();
    assert_eq!(
        numbers,
        vec![(1, 10), (2, 10), (3, 5)],
        "sorted, with sizes"
    );
    assert!(listed.iter().all(|p| !p.etag.is_empty()));
    let staged = assemble(h, &up).await;
    assert_eq!((staged.size, staged.declared_size), (25, 25));
    assert_eq!(staged.name, i.name);
    assert_eq!(read_all(h, &up, &staged).await.as_ref(), BODY);
    // Not a file until promoted; then one, and the upload is gone.
    assert_eq!(
        h.stores.files.head_file(&i.owner, &i.name).await.unwrap(),
        None
    );
    let stored = promote(h, &up, &staged, WriteMode::CreateNew)
        .await
        .unwrap();
    assert_eq!(stored.size, 25);
    let head = h
        .stores
        .files
        .head_file(&i.owner, &i.name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.size, 25);
    let link = h
        .stores
        .files
        .presign_download(&i.owner, &head, Duration::from_secs(60))
        .await
        .unwrap();
    assert!(link.url.starts_with("http"));
    assert_eq!(
        h.stores
            .staging
            .find_multipart(&i.owner, &i.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        h.stores.staging.find_staged(&i.owner, &i.id).await.unwrap(),
        None
    );
}

pub async fn multipart_part_sent_again_replaces_it(h: &Harness) {
    let up = start(h, "opsy", "again.pdf").await;
    assert!(send(h, &up, 1, Bytes::from_static(b"XXXXXXXXXX")).await);
    send_all(h, &up).await;
    let listed = parts(h, &up).await;
    assert_eq!(listed.len(), 3, "one entry per part: {listed:?}");
    let staged = assemble(h, &up).await;
    assert_eq!(
        read_all(h, &up, &staged).await.as_ref(),
        BODY,
        "the last one sent"
    );
}

pub async fn multipart_missing_and_wrong_sized_parts_never_assemble(h: &Harness) {
    let up = start(h, "opsy", "holes.pdf").await;
    assert!(send(h, &up, 1, bytes_of(1)).await);
    assert!(send(h, &up, 3, bytes_of(3)).await);
    assert_eq!(
        up.intent.check(&parts(h, &up).await),
        Err(PartsProblem::Missing(vec![2]))
    );
    // One byte short of its size: storage refuses it (the length is signed), or an
    // emulator that does not check takes it and the plan's check refuses it.
    let short = Bytes::copy_from_slice(&bytes_of(2)[..9]);
    if send(h, &up, 2, short).await {
        let problem = up.intent.check(&parts(h, &up).await).unwrap_err();
        assert!(
            matches!(
                problem,
                PartsProblem::WrongSize {
                    size: 9,
                    expected: Some(10),
                    ..
                }
            ),
            "{problem:?}"
        );
    } else {
        assert_eq!(
            up.intent.check(&parts(h, &up).await),
            Err(PartsProblem::Missing(vec![2]))
        );
    }
}

pub async fn multipart_is_per_owner(h: &Harness) {
    let up = start(h, "opsy", "mine.pdf").await;
    let id = &up.intent.upload.id;
    assert_eq!(
        h.stores
            .staging
            .find_multipart(&uname("other"), id)
            .await
            .unwrap(),
        None
    );
    // Nor is it a single-PUT staged upload.
    assert_eq!(
        h.stores
            .staging
            .find_staged(&uname("opsy"), id)
            .await
            .unwrap(),
        None
    );
}

pub async fn multipart_abort_frees_it(h: &Harness) {
    let up = start(h, "opsy", "abort.pdf").await;
    assert!(send(h, &up, 1, bytes_of(1)).await);
    let link = h
        .stores
        .staging
        .presign_part(&up, n(2), None, Duration::from_secs(600))
        .await
        .unwrap();
    h.stores.staging.abort_multipart(&up).await.unwrap();
    let i = &up.intent.upload;
    assert_eq!(
        h.stores
            .staging
            .find_multipart(&i.owner, &i.id)
            .await
            .unwrap(),
        None
    );
    assert!(
        !h.uploader.upload(&link, bytes_of(2)).await,
        "its URLs take nothing more"
    );
    assert_eq!(
        h.stores.files.head_file(&i.owner, &i.name).await.unwrap(),
        None
    );
}

pub async fn multipart_assembled_waits_for_an_overwrite_or_is_discarded(h: &Harness) {
    let first = start(h, "opsy", "taken.pdf").await;
    send_all(h, &first).await;
    let staged = assemble(h, &first).await;
    promote(h, &first, &staged, WriteMode::CreateNew)
        .await
        .unwrap();
    // A second upload of the same name: refused without overwrite, and kept assembled.
    let second = start(h, "opsy", "taken.pdf").await;
    send_all(h, &second).await;
    let staged = assemble(h, &second).await;
    let refused = promote(h, &second, &staged, WriteMode::CreateNew).await;
    assert!(
        matches!(refused, Err(StoreError::AlreadyExists)),
        "{refused:?}"
    );
    let state = h.stores.staging.multipart_state(&second).await.unwrap();
    let MultipartState::Assembled(again) = state else {
        panic!("assembled, not {state:?}");
    };
    assert_eq!(again.size, 25);
    promote(h, &second, &again, WriteMode::Overwrite)
        .await
        .unwrap();
    let i = &second.intent.upload;
    let head = h
        .stores
        .files
        .head_file(&i.owner, &i.name)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.size, 25);
    // A third, refused by the caller's checks: discarding removes it whole.
    let third = start(h, "opsy", "refused.pdf").await;
    send_all(h, &third).await;
    assemble(h, &third).await;
    let i = &third.intent.upload;
    h.stores
        .staging
        .discard_staged(&i.owner, &i.id)
        .await
        .unwrap();
    assert_eq!(
        h.stores
            .staging
            .find_multipart(&i.owner, &i.id)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        h.stores.staging.find_staged(&i.owner, &i.id).await.unwrap(),
        None
    );
    assert_eq!(
        h.stores.files.head_file(&i.owner, &i.name).await.unwrap(),
        None
    );
}

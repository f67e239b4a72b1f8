//! Who sees what: a CLIENT sees a file when it is `all_clients`, or shared with them by an
//! active share (not expired, downloads left). Every client-facing listing and download goes
//! through here, so the rule is applied in one place ([`ShareRecord::is_active`]).

use std::collections::{BTreeMap, HashMap};

use ezshare_domain::{Cursor, FileName, PageLimit, Username, Visibility, rfc3339};
use ezshare_store::{FileSummary, ShareRecord, StoredFile, cursor};
use futures_util::future::try_join_all;
use serde::Serialize;
use time::OffsetDateTime;

use crate::{ApiError, AppState};

/// How many pages of an owner's files one client listing may read to fill its page; past
/// that it answers a short page with a cursor (a client seeing few of many files).
const MAX_PAGES_READ: usize = 5;

/// The most shares of one owner's files a client listing considers at once.
const MAX_SHARES_PER_OWNER: usize = 1000;

/// One file as a client sees it.
#[derive(Debug, Serialize)]
pub struct VisibleFile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ops_username: Option<Username>,
    pub name: FileName,
    pub size: u64,
    pub uploaded_at: String,
    pub visibility: Visibility,
    /// From the share the client sees the file through, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downloads_left: Option<u32>,
}

impl VisibleFile {
    fn new(owner: Option<&Username>, f: &FileSummary, share: Option<&ShareRecord>) -> Self {
        Self {
            ops_username: owner.cloned(),
            name: f.name.clone(),
            size: f.size,
            uploaded_at: rfc3339(f.uploaded_at),
            visibility: f.visibility,
            expires_at: share.and_then(|s| s.expires_at).map(rfc3339),
            downloads_left: share.and_then(ShareRecord::downloads_left),
        }
    }
}

/// `{"ops_username"?,"files":[…],"next_cursor"}`.
#[derive(Debug, Serialize)]
pub struct VisiblePage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ops_username: Option<Username>,
    pub files: Vec<VisibleFile>,
    pub next_cursor: Option<String>,
}

/// The 404 for a file the caller cannot see: the same as for a file that does not exist.
pub fn not_found(owner: &Username, name: &FileName) -> ApiError {
    ApiError::not_found(
        "file_not_found",
        format!("{owner} has no file named {name}"),
    )
}

/// The file, if `client` may have a download link for it now. A link through a share counts
/// against it (atomically, before the link exists); an `all_clients` file counts nothing.
pub async fn file_for_download(
    state: &AppState,
    owner: &Username,
    name: &FileName,
    client: &Username,
    now: OffsetDateTime,
) -> Result<(StoredFile, Option<ShareRecord>), ApiError> {
    let file = state
        .stores
        .files
        .head_file(owner, name)
        .await?
        .ok_or_else(|| not_found(owner, name))?;
    if file.visibility == Visibility::AllClients {
        return Ok((file, None));
    }
    let share = state
        .stores
        .shares
        .count_download(owner, name, client, now)
        .await?
        .ok_or_else(|| not_found(owner, name))?;
    Ok((file, Some(share)))
}

/// Stores the receipt of a download link before the link is handed out. If it cannot be
/// stored the request fails (503, no link) and the share's count, if one was taken, is given
/// back.
pub async fn record_link_receipt(
    state: &AppState,
    receipt: crate::activity::Entry<'_>,
    counted: Option<&ShareRecord>,
) -> Result<(), ApiError> {
    let (owner, file, client) = (receipt.owner, receipt.file, receipt.actor.username.clone());
    let Err(e) = crate::activity::record_or_fail(state, receipt).await else {
        return Ok(());
    };
    if counted.is_some() {
        let shares = &state.stores.shares;
        if let Err(give_back) = shares.return_download(owner, file, &client).await {
            tracing::warn!(error = %give_back, "a share's download count was not given back");
        }
    }
    Err(e)
}

/// A page of `owner`'s files that `client` sees, in name order.
pub async fn owner_page(
    state: &AppState,
    owner: &Username,
    client: &Username,
    now: OffsetDateTime,
    mut cursor: Option<Cursor>,
    limit: PageLimit,
) -> Result<VisiblePage, ApiError> {
    let shares: HashMap<FileName, ShareRecord> = state
        .stores
        .shares
        .client_shares(client, Some(owner), None, MAX_SHARES_PER_OWNER)
        .await?
        .into_iter()
        .filter(|s| s.is_active(now))
        .map(|s| (s.file.clone(), s))
        .collect();
    let want = limit.get() as usize;
    let mut files = vec![];
    for _ in 0..MAX_PAGES_READ {
        let page = state
            .stores
            .files
            .list_files(owner, cursor.as_ref(), limit)
            .await?;
        cursor = page.next_cursor;
        for f in &page.files {
            let share = shares.get(&f.name);
            if f.visibility == Visibility::AllClients || share.is_some() {
                files.push(VisibleFile::new(None, f, share));
            }
            if files.len() == want {
                // Resume right after the last file shown, even mid-page.
                let more = cursor.is_some() || page.files.last().map(|l| &l.name) != Some(&f.name);
                cursor = more.then(|| cursor::encode(&f.name));
                return Ok(page_of(Some(owner), files, cursor));
            }
        }
        if cursor.is_none() {
            break;
        }
    }
    Ok(page_of(Some(owner), files, cursor))
}

fn page_of(owner: Option<&Username>, files: Vec<VisibleFile>, c: Option<Cursor>) -> VisiblePage {
    VisiblePage {
        ops_username: owner.cloned(),
        files,
        next_cursor: c.map(|c| c.as_str().to_owned()),
    }
}

/// Every file `client` sees, across all OPS users, in (owner, name) order: the
/// `all_clients` files merged with the client's active shares.
pub async fn everything_visible(
    state: &AppState,
    client: &Username,
    now: OffsetDateTime,
    cursor: Option<&Cursor>,
    limit: PageLimit,
) -> Result<VisiblePage, ApiError> {
    let after = cursor.map(cursor::decode_pair).transpose()?;
    let after = after.as_ref().map(|(o, n)| (o, n));
    let want = limit.get() as usize;
    let public = state
        .stores
        .files
        .list_all_clients_files(after, want + 1)
        .await?;
    let shares = state
        .stores
        .shares
        .client_shares(client, None, after, want + 1)
        .await?;
    // Each source is complete only up to its last entry when it has more: merge within both.
    let last = |more: bool, key: Option<(Username, FileName)>| more.then_some(key).flatten();
    let bound = [
        last(
            public.len() > want,
            public.last().map(|(o, f)| (o.clone(), f.name.clone())),
        ),
        last(
            shares.len() > want,
            shares.last().map(|s| (s.owner.clone(), s.file.clone())),
        ),
    ]
    .into_iter()
    .flatten()
    .min();
    let active: Vec<&ShareRecord> = shares.iter().filter(|s| s.is_active(now)).collect();
    let shared_files = try_join_all(
        active
            .iter()
            .map(|s| state.stores.files.head_file(&s.owner, &s.file)),
    )
    .await?;
    let mut merged: BTreeMap<(Username, FileName), VisibleFile> = BTreeMap::new();
    for (owner, f) in &public {
        merged.insert(
            (owner.clone(), f.name.clone()),
            VisibleFile::new(Some(owner), f, None),
        );
    }
    for (share, file) in active.iter().zip(shared_files) {
        // A share whose file was deleted since shows nothing.
        let Some(file) = file else { continue };
        let summary = FileSummary {
            name: file.name,
            size: file.size,
            uploaded_at: file.uploaded_at,
            visibility: file.visibility,
        };
        merged.insert(
            (share.owner.clone(), share.file.clone()),
            VisibleFile::new(Some(&share.owner), &summary, Some(share)),
        );
    }
    let in_bound: Vec<_> = merged
        .into_iter()
        .filter(|(key, _)| bound.as_ref().is_none_or(|b| key <= b))
        .collect();
    let more = bound.is_some() || in_bound.len() > want;
    let mut files = vec![];
    let mut last_key = None;
    for (key, file) in in_bound.into_iter().take(want) {
        files.push(file);
        last_key = Some(key);
    }
    let next = more
        .then(|| last_key.or(bound))
        .flatten()
        .map(|(o, n)| cursor::encode_pair(&o, &n));
    Ok(page_of(None, files, next))
}

//! The JSON of files and listings, and the listing's paging parameters, shared by every
//! endpoint that shows files.

use ezshare_domain::{Cursor, FileName, PageLimit, Username, Visibility, rfc3339};
use ezshare_store::{FilePage, StoredFile};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{ApiError, QueryParams};

/// `?limit=` (default 100, max 1000) and `?cursor=`.
pub fn paging(query: &QueryParams) -> Result<(PageLimit, Option<Cursor>), ApiError> {
    let limit = query
        .get("limit")
        .map(PageLimit::parse)
        .transpose()?
        .unwrap_or_default();
    let cursor = query.get("cursor").map(Cursor::parse).transpose()?;
    Ok((limit, cursor))
}

/// `{"ops_username","files":[{"name","size","uploaded_at","visibility"}],"next_cursor"}`: serialised
/// straight from the page (a listing is the hottest response; no intermediate `Value`).
#[derive(Debug, Serialize)]
pub struct PageJson {
    ops_username: Username,
    files: Vec<EntryJson>,
    next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
struct EntryJson {
    name: FileName,
    size: u64,
    uploaded_at: String,
    visibility: Visibility,
}

pub fn page_json(owner: Username, page: FilePage) -> PageJson {
    PageJson {
        ops_username: owner,
        files: page
            .files
            .into_iter()
            .map(|f| EntryJson {
                name: f.name,
                size: f.size,
                uploaded_at: rfc3339(f.uploaded_at),
                visibility: f.visibility,
            })
            .collect(),
        next_cursor: page
            .next_cursor
            .as_ref()
            .map(|c| Cursor::as_str(c).to_owned()),
    }
}

/// `{"name","size","content_type","uploaded_at","visibility","sha256"?}`: one file; the
/// SHA-256 (hex) where the upload established it.
pub fn file_json(file: &StoredFile) -> Value {
    let mut body = json!({
        "name": file.name,
        "size": file.size,
        "content_type": file.content_type,
        "uploaded_at": rfc3339(file.uploaded_at),
        "visibility": file.visibility,
    });
    if let Some(digest) = &file.sha256 {
        body["sha256"] = json!(digest.to_hex());
    }
    body
}

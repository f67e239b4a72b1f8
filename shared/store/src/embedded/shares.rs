use async_trait::async_trait;
use ezshare_domain::{FileName, Username};
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;

use super::db::{Db, from_unix, parse_stored, to_unix};
use crate::{ShareRecord, ShareStore, StoreError};

pub struct EmbeddedShares {
    db: Db,
}

impl EmbeddedShares {
    pub(crate) fn new(db: Db) -> Self {
        Self { db }
    }
}

const COLUMNS: &str = "owner, name, client, granted_at, expires_at, max_downloads, downloads";

/// A client's shares after (owner, name), in that order (row values compare as tuples, in
/// BINARY, i.e. UTF-8 byte, order). `?2` (the owner) is unused here: both shapes bind alike.
const CLIENT_SHARES: &str =
    "SELECT owner, name, client, granted_at, expires_at, max_downloads, downloads
     FROM shares WHERE client = ?1 AND (owner, name) > (?3, ?4)
     ORDER BY owner, name LIMIT ?5";

/// The same, of one owner's files.
const CLIENT_SHARES_OF_OWNER: &str =
    "SELECT owner, name, client, granted_at, expires_at, max_downloads, downloads
     FROM shares WHERE client = ?1 AND owner = ?2 AND (owner, name) > (?3, ?4)
     ORDER BY owner, name LIMIT ?5";

type Row = (String, String, String, i64, Option<i64>, Option<i64>, i64);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn parse(
    (owner, name, client, granted, expires, max, downloads): Row,
) -> Result<ShareRecord, StoreError> {
    Ok(ShareRecord {
        owner: parse_stored(&owner, Username::parse)?,
        file: parse_stored(&name, FileName::parse)?,
        client: parse_stored(&client, Username::parse)?,
        granted_at: from_unix(granted)?,
        expires_at: expires.map(from_unix).transpose()?,
        max_downloads: max.map(|m| m as u32),
        downloads: downloads as u32,
    })
}

fn collect(
    rows: impl Iterator<Item = rusqlite::Result<Row>>,
) -> Result<Vec<ShareRecord>, StoreError> {
    rows.map(|r| r.map_err(StoreError::internal).and_then(parse))
        .collect()
}

#[async_trait]
impl ShareStore for EmbeddedShares {
    async fn put_share(&self, share: &ShareRecord) -> Result<(), StoreError> {
        let share = share.clone();
        self.db
            .write(move |conn| {
                conn.prepare_cached(&format!(
                    "INSERT OR REPLACE INTO shares ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                ))
                .map_err(StoreError::internal)?
                .execute(params![
                    share.owner.as_str(),
                    share.file.as_str(),
                    share.client.as_str(),
                    to_unix(share.granted_at),
                    share.expires_at.map(to_unix),
                    share.max_downloads,
                    share.downloads,
                ])
                .map(|_| ())
                .map_err(StoreError::internal)
            })
            .await
    }

    async fn delete_share(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
    ) -> Result<bool, StoreError> {
        let keys = (owner.to_string(), file.to_string(), client.to_string());
        self.db
            .write(move |conn| {
                conn.execute(
                    "DELETE FROM shares WHERE owner = ?1 AND name = ?2 AND client = ?3",
                    params![keys.0, keys.1, keys.2],
                )
                .map(|n| n > 0)
                .map_err(StoreError::internal)
            })
            .await
    }

    async fn file_shares(
        &self,
        owner: &Username,
        file: &FileName,
    ) -> Result<Vec<ShareRecord>, StoreError> {
        self.db.read(|conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "SELECT {COLUMNS} FROM shares WHERE owner = ?1 AND name = ?2 ORDER BY client"
                ))
                .map_err(StoreError::internal)?;
            let rows = stmt
                .query_map(params![owner.as_str(), file.as_str()], row)
                .map_err(StoreError::internal)?;
            collect(rows)
        })
    }

    async fn client_shares(
        &self,
        client: &Username,
        owner: Option<&Username>,
        after: Option<(&Username, &FileName)>,
        limit: usize,
    ) -> Result<Vec<ShareRecord>, StoreError> {
        let (after_owner, after_name) = after
            .map(|(o, n)| (o.as_str(), n.as_str()))
            .unwrap_or(("", ""));
        // One statement per shape, not `(?2 IS NULL OR owner = ?2)`: SQLite re-prepares a
        // statement whose plan depends on a bound value, on every run.
        let (sql, owner) = match owner {
            Some(owner) => (CLIENT_SHARES_OF_OWNER, owner.as_str()),
            None => (CLIENT_SHARES, ""),
        };
        self.db.read(|conn| {
            let mut stmt = conn.prepare_cached(sql).map_err(StoreError::internal)?;
            let rows = stmt
                .query_map(
                    params![
                        client.as_str(),
                        owner,
                        after_owner,
                        after_name,
                        limit as i64
                    ],
                    row,
                )
                .map_err(StoreError::internal)?;
            collect(rows)
        })
    }

    async fn count_download(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
        now: OffsetDateTime,
    ) -> Result<Option<ShareRecord>, StoreError> {
        let keys = (owner.to_string(), file.to_string(), client.to_string());
        self.db
            .write(move |conn| {
                // One statement on the one writer: the check and the count are atomic.
                let counted = conn
                    .prepare_cached(&format!(
                        "UPDATE shares SET downloads = downloads + 1
                         WHERE owner = ?1 AND name = ?2 AND client = ?3
                           AND (expires_at IS NULL OR expires_at > ?4)
                           AND (max_downloads IS NULL OR downloads < max_downloads)
                         RETURNING {COLUMNS}"
                    ))
                    .map_err(StoreError::internal)?
                    .query_row(params![keys.0, keys.1, keys.2, to_unix(now)], row)
                    .optional()
                    .map_err(StoreError::internal)?;
                counted.map(parse).transpose()
            })
            .await
    }

    async fn return_download(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
    ) -> Result<(), StoreError> {
        let keys = (owner.to_string(), file.to_string(), client.to_string());
        self.db
            .write(move |conn| {
                conn.execute(
                    "UPDATE shares SET downloads = downloads - 1
                     WHERE owner = ?1 AND name = ?2 AND client = ?3 AND downloads > 0",
                    params![keys.0, keys.1, keys.2],
                )
                .map(|_| ())
                .map_err(StoreError::internal)
            })
            .await
    }

    async fn delete_file_shares(
        &self,
        owner: &Username,
        file: &FileName,
    ) -> Result<(), StoreError> {
        let keys = (owner.to_string(), file.to_string());
        self.db
            .write(move |conn| {
                conn.execute(
                    "DELETE FROM shares WHERE owner = ?1 AND name = ?2",
                    params![keys.0, keys.1],
                )
                .map(|_| ())
                .map_err(StoreError::internal)
            })
            .await
    }
}

//! Keeping the files table and the bucket consistent: removing objects nothing points at
//! (left by a write whose commit failed, or a version whose deletion failed), and indexing
//! objects stored before the files table existed.

use std::collections::HashSet;

use aws_config::SdkConfig;
use aws_sdk_s3::types::Object;
use ezshare_domain::{ContentType, FileName, Username, Visibility};
use time::OffsetDateTime;

use super::errors::store_error;
use super::file_index::FileIndex;
use super::item::{Item, get_s};
use super::schema::bucket::FILES_PREFIX;
use super::schema::files as attr;
use super::{AwsNames, dynamodb_client, s3_client};
use crate::{StoreError, StoredFile, WriteMode};

/// What a reconciliation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Objects under `files/` that no entry pointed at, older than the grace period: deleted.
    pub orphans_deleted: Vec<String>,
    /// Entries whose object was missing: removed, so nothing is listed that cannot be
    /// downloaded.
    pub dangling_entries_removed: Vec<(Username, FileName)>,
}

/// What a migration did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Migrated {
    /// `files/{owner}/{name}` objects of the first versions of ezshare, now indexed in place.
    pub indexed: Vec<(Username, FileName)>,
    /// Keys that name no valid (owner, file name) and were left alone.
    pub skipped: Vec<String>,
}

/// Every object key the files table points at, and its entries: one Scan.
async fn index_entries(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<Vec<Item>, StoreError> {
    let mut items = vec![];
    let mut start = None;
    loop {
        let out = dynamodb
            .scan()
            .table_name(table)
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .map_err(|e| store_error("Scan files", e))?;
        items.extend(out.items.unwrap_or_default());
        match out.last_evaluated_key {
            Some(k) if !k.is_empty() => start = Some(k),
            _ => return Ok(items),
        }
    }
}

/// Every object under `files/`.
async fn file_objects(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<Vec<Object>, StoreError> {
    let mut objects = vec![];
    let mut token = None;
    loop {
        let out = s3
            .list_objects_v2()
            .bucket(bucket)
            .prefix(FILES_PREFIX)
            .set_continuation_token(token.take())
            .send()
            .await
            .map_err(|e| store_error("ListObjectsV2 files", e))?;
        objects.extend(out.contents.unwrap_or_default());
        match out.next_continuation_token {
            Some(t) if out.is_truncated == Some(true) => token = Some(t),
            _ => return Ok(objects),
        }
    }
}

fn modified(o: &Object) -> Option<OffsetDateTime> {
    o.last_modified
        .as_ref()
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t.secs()).ok())
}

/// A key the files table gives new versions (`files/{owner}/v-{43 base64url}`, or `m-` for
/// an assembled multipart upload).
fn is_version_key(key: &str) -> bool {
    key.rsplit('/').next().is_some_and(|last| {
        let id = last.strip_prefix("v-").or_else(|| last.strip_prefix("m-"));
        id.is_some_and(|id| {
            id.len() == 43
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
    })
}

/// Deletes objects under `files/` no entry points at and last modified before
/// `now - grace` (younger ones may belong to a write about to commit), and removes entries
/// whose object is gone. Safe to run at any time, and again.
pub async fn reconcile(
    config: &SdkConfig,
    names: &AwsNames,
    now: OffsetDateTime,
    grace: time::Duration,
) -> Result<Reconciled, StoreError> {
    let (dynamodb, s3) = (dynamodb_client(config), s3_client(config));
    let entries = index_entries(&dynamodb, &names.files_table).await?;
    let objects = file_objects(&s3, &names.bucket).await?;
    let referenced: HashSet<&str> = entries
        .iter()
        .filter_map(|i| get_s(i, attr::OBJECT_KEY).ok())
        .collect();
    let present: HashSet<&str> = objects.iter().filter_map(|o| o.key()).collect();
    let mut done = Reconciled::default();
    for o in &objects {
        let Some(key) = o.key() else { continue };
        let old_enough = modified(o).is_some_and(|at| at < now - grace);
        // Only what the files table would have made: an unindexed legacy object is data
        // from before the table, for `ezshare migrate`, not an orphan.
        if !referenced.contains(key) && old_enough && is_version_key(key) {
            s3.delete_object()
                .bucket(&names.bucket)
                .key(key)
                .send()
                .await
                .map_err(|e| store_error("DeleteObject orphan", e))?;
            done.orphans_deleted.push(key.to_owned());
        }
    }
    let index = FileIndex::new(dynamodb, names.files_table.clone());
    for i in &entries {
        let Ok(key) = get_s(i, attr::OBJECT_KEY) else {
            continue;
        };
        if present.contains(key) {
            continue;
        }
        let owner = super::item::parse(i, attr::PARTITION_KEY, Username::parse)?;
        let name = super::item::parse(i, attr::SORT_KEY, FileName::parse)?;
        // Re-read: a write may have pointed the entry at a new object since the scan.
        if index
            .get(&owner, &name)
            .await?
            .is_some_and(|f| f.object == key)
        {
            index.delete(&owner, &name).await?;
            done.dangling_entries_removed.push((owner, name));
        }
    }
    Ok(done)
}

/// Indexes, where they are, the objects of the first versions of ezshare
/// (`files/{owner}/{name}`, no entry): each becomes a file visible to all clients (as it was),
/// unless an entry of that name exists. Safe to run again.
pub async fn index_legacy_objects(
    config: &SdkConfig,
    names: &AwsNames,
) -> Result<Migrated, StoreError> {
    let (dynamodb, s3) = (dynamodb_client(config), s3_client(config));
    let entries = index_entries(&dynamodb, &names.files_table).await?;
    let referenced: HashSet<&str> = entries
        .iter()
        .filter_map(|i| get_s(i, attr::OBJECT_KEY).ok())
        .collect();
    let index = FileIndex::new(dynamodb.clone(), names.files_table.clone());
    let mut done = Migrated::default();
    for o in file_objects(&s3, &names.bucket).await? {
        let Some(key) = o.key() else { continue };
        if referenced.contains(key) || is_version_key(key) {
            continue;
        }
        let parsed = key
            .strip_prefix(FILES_PREFIX)
            .and_then(|rest| rest.split_once('/'))
            .and_then(|(owner, name)| {
                Some((Username::parse(owner).ok()?, FileName::parse(name).ok()?))
            });
        let Some((owner, name)) = parsed else {
            done.skipped.push(key.to_owned());
            continue;
        };
        let head = s3
            .head_object()
            .bucket(&names.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| store_error("HeadObject legacy", e))?;
        let file = StoredFile {
            name: name.clone(),
            size: o.size.and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
            content_type: ContentType::parse_or_default(head.content_type()),
            uploaded_at: modified(&o).unwrap_or_else(OffsetDateTime::now_utc),
            visibility: Visibility::AllClients,
            object: key.to_owned(),
            sha256: None,
        };
        match index.commit(&owner, &file, WriteMode::CreateNew).await {
            Ok(_) => done.indexed.push((owner, name)),
            // A newer file of that name exists: it wins; the old object stays for a person.
            Err(StoreError::AlreadyExists) => done.skipped.push(key.to_owned()),
            Err(e) => return Err(e),
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_keys_are_told_from_legacy_names() {
        let owner = Username::parse("opsy").unwrap();
        assert!(is_version_key(
            &super::super::schema::bucket::new_object_key(&owner)
        ));
        assert!(!is_version_key("files/opsy/report.pdf"));
        assert!(!is_version_key("files/opsy/v-short"));
        let id = ezshare_domain::UploadId::generate();
        assert!(is_version_key(
            &super::super::schema::bucket::multipart_object_key(&owner, &id)
        ));
    }
}

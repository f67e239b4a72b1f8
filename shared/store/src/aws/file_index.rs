//! The files table: which object holds each file's current bytes, and the file's metadata.
//! Shared by the file store (uploads through the API) and staging (direct uploads).

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use ezshare_domain::{
    ContentType, Cursor, FileName, PageLimit, Sha256Digest, Username, Visibility,
};

use super::errors::{condition_failed, store_error};
use super::item::{Item, get_s, get_unix, parse, s, unix};
use super::schema::{files as attr, owner_name};
use crate::{FilePage, FileSummary, StoreError, StoredFile, WriteMode, cursor};

#[derive(Clone)]
pub(crate) struct FileIndex {
    client: Client,
    table: String,
}

/// What a commit replaced, so the caller can delete its bytes.
pub(crate) struct Committed {
    pub file: StoredFile,
    pub replaced_object: Option<String>,
}

impl FileIndex {
    pub(crate) fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// Points (owner, file.name) at `file.object`, atomically honouring `mode` (of racing
    /// creates of one name exactly one wins; [`StoreError::AlreadyExists`] for the others).
    /// An existing file keeps its visibility; `file.visibility` is a new file's.
    pub(crate) async fn commit(
        &self,
        owner: &Username,
        file: &StoredFile,
        mode: WriteMode,
    ) -> Result<Committed, StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(owner.as_str()))
            .key(attr::SORT_KEY, s(file.name.as_str()))
            // A version without a digest removes the one of the version it replaces.
            .update_expression(if file.sha256.is_some() {
                "SET #size = :size, #ct = :ct, #up = :up, #obj = :obj, #on = :on, \
                 #vis = if_not_exists(#vis, :vis), #sha = :sha"
            } else {
                "SET #size = :size, #ct = :ct, #up = :up, #obj = :obj, #on = :on, \
                 #vis = if_not_exists(#vis, :vis) REMOVE #sha"
            })
            .expression_attribute_names("#sha", attr::SHA256)
            .expression_attribute_names("#on", attr::OWNER_NAME)
            .expression_attribute_values(":on", s(&owner_name(owner, &file.name)))
            .expression_attribute_names("#size", attr::SIZE)
            .expression_attribute_names("#ct", attr::CONTENT_TYPE)
            .expression_attribute_names("#up", attr::UPLOADED_AT)
            .expression_attribute_names("#obj", attr::OBJECT_KEY)
            .expression_attribute_names("#vis", attr::VISIBILITY)
            .expression_attribute_values(":size", AttributeValue::N(file.size.to_string()))
            .expression_attribute_values(":ct", s(file.content_type.as_str()))
            .expression_attribute_values(":up", unix(file.uploaded_at))
            .expression_attribute_values(":obj", s(&file.object))
            .expression_attribute_values(":vis", s(file.visibility.as_str()))
            .return_values(ReturnValue::AllOld);
        if let Some(digest) = &file.sha256 {
            update = update.expression_attribute_values(":sha", s(&digest.to_hex()));
        }
        if mode == WriteMode::CreateNew {
            update = update
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", attr::PARTITION_KEY);
        }
        let out = match update.send().await {
            Ok(out) => out,
            Err(e) if condition_failed(&e) => {
                return Err(StoreError::AlreadyExists);
            }
            Err(e) => return Err(store_error("UpdateItem files", e)),
        };
        let mut file = file.clone();
        let replaced_object = match out.attributes {
            Some(old) if !old.is_empty() => {
                file.visibility = parse(&old, attr::VISIBILITY, str::parse::<Visibility>)?;
                Some(get_s(&old, attr::OBJECT_KEY)?.to_owned())
            }
            _ => None,
        };
        Ok(Committed {
            file,
            replaced_object,
        })
    }

    /// A strongly consistent read: a file just uploaded can be downloaded at once.
    pub(crate) async fn get(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<StoredFile>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(owner.as_str()))
            .key(attr::SORT_KEY, s(name.as_str()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem files", e))?;
        out.item.map(|i| to_file(name.clone(), &i)).transpose()
    }

    pub(crate) async fn set_visibility(
        &self,
        owner: &Username,
        name: &FileName,
        visibility: Visibility,
    ) -> Result<Option<StoredFile>, StoreError> {
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(owner.as_str()))
            .key(attr::SORT_KEY, s(name.as_str()))
            .update_expression("SET #vis = :vis")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#vis", attr::VISIBILITY)
            .expression_attribute_names("#pk", attr::PARTITION_KEY)
            .expression_attribute_values(":vis", s(visibility.as_str()))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match sent {
            Ok(out) => out
                .attributes
                .map(|i| to_file(name.clone(), &i))
                .transpose(),
            Err(e) if condition_failed(&e) => Ok(None),
            Err(e) => Err(store_error("UpdateItem files visibility", e)),
        }
    }

    /// A page of the owner's files: one Query, in sort-key (UTF-8 byte) order. One item more
    /// than the page is asked for, so the last page says so.
    pub(crate) async fn list(
        &self,
        owner: &Username,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<FilePage, StoreError> {
        let limit = limit.get() as usize;
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :owner")
            .expression_attribute_names("#pk", attr::PARTITION_KEY)
            .expression_attribute_values(":owner", s(owner.as_str()))
            .consistent_read(true)
            .limit(limit as i32 + 1);
        if let Some(c) = cursor {
            let after = cursor::decode(c)?;
            query = query
                .exclusive_start_key(attr::PARTITION_KEY, s(owner.as_str()))
                .exclusive_start_key(attr::SORT_KEY, s(after.as_str()));
        }
        let out = query
            .send()
            .await
            .map_err(|e| store_error("Query files", e))?;
        let mut files = out
            .items
            .unwrap_or_default()
            .iter()
            .map(|i| {
                let file = to_file(parse(i, attr::SORT_KEY, FileName::parse)?, i)?;
                Ok(FileSummary {
                    name: file.name,
                    size: file.size,
                    uploaded_at: file.uploaded_at,
                    visibility: file.visibility,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let more = files.len() > limit;
        files.truncate(limit);
        let next_cursor = more
            .then(|| files.last())
            .flatten()
            .map(|last| cursor::encode(&last.name));
        Ok(FilePage { files, next_cursor })
    }

    /// Every owner's `all_clients` files after `after`, in (owner, name) order: one Query of
    /// the visibility index (which follows writes within a moment, not at once).
    pub(crate) async fn list_all_clients(
        &self,
        after: Option<(&Username, &FileName)>,
        limit: usize,
    ) -> Result<Vec<(Username, FileSummary)>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(attr::BY_VISIBILITY)
            .key_condition_expression("#vis = :vis")
            .expression_attribute_names("#vis", attr::VISIBILITY)
            .expression_attribute_values(":vis", s(Visibility::AllClients.as_str()))
            .limit(limit as i32);
        if let Some((owner, name)) = after {
            query = query
                .exclusive_start_key(attr::VISIBILITY, s(Visibility::AllClients.as_str()))
                .exclusive_start_key(attr::OWNER_NAME, s(&owner_name(owner, name)))
                .exclusive_start_key(attr::PARTITION_KEY, s(owner.as_str()))
                .exclusive_start_key(attr::SORT_KEY, s(name.as_str()));
        }
        let out = query
            .send()
            .await
            .map_err(|e| store_error("Query files by visibility", e))?;
        out.items
            .unwrap_or_default()
            .iter()
            .map(|i| {
                let owner = parse(i, attr::PARTITION_KEY, Username::parse)?;
                let file = to_file(parse(i, attr::SORT_KEY, FileName::parse)?, i)?;
                let summary = FileSummary {
                    name: file.name,
                    size: file.size,
                    uploaded_at: file.uploaded_at,
                    visibility: file.visibility,
                };
                Ok((owner, summary))
            })
            .collect()
    }

    /// Removes the file's entry; returns the object that held its bytes, `None` if there was
    /// no such file.
    pub(crate) async fn delete(
        &self,
        owner: &Username,
        name: &FileName,
    ) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(owner.as_str()))
            .key(attr::SORT_KEY, s(name.as_str()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| store_error("DeleteItem files", e))?;
        match out.attributes {
            Some(old) if !old.is_empty() => Ok(Some(get_s(&old, attr::OBJECT_KEY)?.to_owned())),
            _ => Ok(None),
        }
    }
}

fn to_file(name: FileName, i: &Item) -> Result<StoredFile, StoreError> {
    let size = match i.get(attr::SIZE) {
        Some(AttributeValue::N(n)) => n.parse::<u64>().ok(),
        _ => None,
    }
    .ok_or_else(|| StoreError::Internal(format!("corrupt file item: size of {name}")))?;
    let sha256 =
        match i.get(attr::SHA256) {
            Some(AttributeValue::S(hex)) => Some(Sha256Digest::parse_hex(hex).map_err(|_| {
                StoreError::Internal(format!("corrupt file item: sha256 of {name}"))
            })?),
            _ => None,
        };
    Ok(StoredFile {
        name,
        size,
        content_type: ContentType::parse_or_default(Some(get_s(i, attr::CONTENT_TYPE)?)),
        uploaded_at: get_unix(i, attr::UPLOADED_AT)?,
        visibility: parse(i, attr::VISIBILITY, str::parse::<Visibility>)?,
        object: get_s(i, attr::OBJECT_KEY)?.to_owned(),
        sha256,
    })
}

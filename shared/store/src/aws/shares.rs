use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use ezshare_domain::{FileName, Username};
use time::OffsetDateTime;

use super::errors::{condition_failed, store_error};
use super::item::{Item, get_unix, parse, s, unix};
use super::schema::{owner_name, shares as attr};
use crate::{ShareRecord, ShareStore, StoreError};

/// Shares in a DynamoDB table keyed by (`{owner}#{file}`, client), with an index by client.
pub struct DynamoShares {
    client: Client,
    table: String,
}

impl DynamoShares {
    pub(crate) fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }
}

/// The key of one share.
fn key(owner: &Username, file: &FileName, client: &Username) -> Item {
    [
        (attr::PARTITION_KEY.to_owned(), s(&owner_name(owner, file))),
        (attr::SORT_KEY.to_owned(), s(client.as_str())),
    ]
    .into()
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number(i: &Item, name: &str) -> Result<Option<u32>, StoreError> {
    match i.get(name) {
        None => Ok(None),
        Some(AttributeValue::N(v)) => v
            .parse()
            .map(Some)
            .map_err(|_| StoreError::Internal(format!("corrupt share: {name} {v:?}"))),
        Some(_) => Err(StoreError::Internal(format!("corrupt share: {name}"))),
    }
}

fn to_share(i: &Item) -> Result<ShareRecord, StoreError> {
    Ok(ShareRecord {
        owner: parse(i, attr::OWNER, Username::parse)?,
        file: parse(i, attr::NAME, FileName::parse)?,
        client: parse(i, attr::SORT_KEY, Username::parse)?,
        granted_at: get_unix(i, attr::GRANTED_AT)?,
        expires_at: i
            .contains_key(attr::EXPIRES_AT)
            .then(|| get_unix(i, attr::EXPIRES_AT))
            .transpose()?,
        max_downloads: number(i, attr::MAX_DOWNLOADS)?,
        downloads: number(i, attr::DOWNLOADS)?.unwrap_or(0),
    })
}

#[async_trait]
impl ShareStore for DynamoShares {
    async fn put_share(&self, share: &ShareRecord) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(
                attr::PARTITION_KEY,
                s(&owner_name(&share.owner, &share.file)),
            )
            .item(attr::SORT_KEY, s(share.client.as_str()))
            .item(attr::OWNER, s(share.owner.as_str()))
            .item(attr::NAME, s(share.file.as_str()))
            .item(attr::GRANTED_AT, unix(share.granted_at))
            .item(attr::DOWNLOADS, n(share.downloads));
        if let Some(at) = share.expires_at {
            put = put.item(attr::EXPIRES_AT, unix(at));
        }
        if let Some(max) = share.max_downloads {
            put = put.item(attr::MAX_DOWNLOADS, n(max));
        }
        put.send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("PutItem shares", e))
    }

    async fn delete_share(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
    ) -> Result<bool, StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(owner, file, client)))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| store_error("DeleteItem shares", e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn file_shares(
        &self,
        owner: &Username,
        file: &FileName,
    ) -> Result<Vec<ShareRecord>, StoreError> {
        let mut shares = vec![];
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", attr::PARTITION_KEY)
                .expression_attribute_values(":pk", s(&owner_name(owner, file)))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("Query shares", e))?;
            for i in out.items() {
                shares.push(to_share(i)?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(shares),
            }
        }
    }

    async fn client_shares(
        &self,
        client: &Username,
        owner: Option<&Username>,
        after: Option<(&Username, &FileName)>,
        limit: usize,
    ) -> Result<Vec<ShareRecord>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(attr::BY_CLIENT)
            .expression_attribute_names("#client", attr::SORT_KEY)
            .expression_attribute_values(":client", s(client.as_str()))
            .limit(limit as i32);
        query = match owner {
            None => query.key_condition_expression("#client = :client"),
            Some(owner) => query
                .key_condition_expression("#client = :client AND begins_with(#fk, :prefix)")
                .expression_attribute_names("#fk", attr::PARTITION_KEY)
                .expression_attribute_values(":prefix", s(&format!("{owner}#"))),
        };
        if let Some((o, f)) = after {
            query = query
                .exclusive_start_key(attr::SORT_KEY, s(client.as_str()))
                .exclusive_start_key(attr::PARTITION_KEY, s(&owner_name(o, f)));
        }
        let out = query
            .send()
            .await
            .map_err(|e| store_error("Query shares by client", e))?;
        out.items().iter().map(to_share).collect()
    }

    async fn count_download(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
        now: OffsetDateTime,
    ) -> Result<Option<ShareRecord>, StoreError> {
        // DynamoDB evaluates the condition and applies the ADD atomically per item.
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(owner, file, client)))
            .update_expression("ADD #dl :one")
            .condition_expression(
                "attribute_exists(#client) AND (attribute_not_exists(#exp) OR #exp > :now) \
                 AND (attribute_not_exists(#max) OR #dl < #max)",
            )
            .expression_attribute_names("#dl", attr::DOWNLOADS)
            .expression_attribute_names("#client", attr::SORT_KEY)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_names("#max", attr::MAX_DOWNLOADS)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", unix(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match sent {
            Ok(out) => out.attributes.as_ref().map(to_share).transpose(),
            Err(e) if condition_failed(&e) => Ok(None),
            Err(e) => Err(store_error("UpdateItem shares count", e)),
        }
    }

    async fn return_download(
        &self,
        owner: &Username,
        file: &FileName,
        client: &Username,
    ) -> Result<(), StoreError> {
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(owner, file, client)))
            .update_expression("ADD #dl :minus_one")
            .condition_expression("#dl > :zero")
            .expression_attribute_names("#dl", attr::DOWNLOADS)
            .expression_attribute_values(":minus_one", n(-1))
            .expression_attribute_values(":zero", n(0))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Ok(()),
            Err(e) => Err(store_error("UpdateItem shares return", e)),
        }
    }

    async fn delete_file_shares(
        &self,
        owner: &Username,
        file: &FileName,
    ) -> Result<(), StoreError> {
        for share in self.file_shares(owner, file).await? {
            self.delete_share(owner, file, &share.client).await?;
        }
        Ok(())
    }
}

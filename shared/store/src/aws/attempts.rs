use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use time::OffsetDateTime;

use super::errors::store_error;
use super::item::{Item, get_unix, s, unix};
use super::schema::attempts as attr;
use crate::{AttemptStore, Lockout, StoreError, Window};

/// Attempt counts and lockouts in a DynamoDB table: a count is one item per key and window,
/// changed by `UpdateItem … ADD`, which DynamoDB applies atomically and answers with the new
/// value; TTL deletes ended windows and forgotten lockouts.
pub struct DynamoAttempts {
    client: Client,
    table: String,
}

impl DynamoAttempts {
    pub(crate) fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }
}

/// By the window's start and length: windows of different lengths start together.
fn count_key(key: &str, window: Window) -> AttributeValue {
    s(&format!(
        "n#{key}@{}+{}",
        window.start.unix_timestamp(),
        window.seconds
    ))
}

fn lockout_key(key: &str) -> AttributeValue {
    s(&format!("l#{key}"))
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn number(i: &Item, name: &str) -> Result<i64, StoreError> {
    match i.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse()
            .map_err(|_| StoreError::Internal(format!("corrupt attempts item: {name} {v:?}"))),
        _ => Err(StoreError::Internal(format!(
            "corrupt attempts item: {name} missing"
        ))),
    }
}

#[async_trait]
impl AttemptStore for DynamoAttempts {
    async fn add_attempts(&self, key: &str, window: Window, delta: i64) -> Result<i64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, count_key(key, window))
            .update_expression("ADD #count :delta SET #exp = :end")
            .expression_attribute_names("#count", attr::COUNT)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":delta", n(delta))
            .expression_attribute_values(":end", unix(window.end()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(|e| store_error("UpdateItem attempts", e))?;
        let attributes = out.attributes.unwrap_or_default();
        number(&attributes, attr::COUNT)
    }

    async fn clear_attempts(&self, key: &str, window: Window) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, count_key(key, window))
            .send()
            .await
            .map(drop)
            .map_err(|e| store_error("DeleteItem attempts", e))
    }

    async fn find_lockout(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Lockout>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, lockout_key(key))
            // A lockout set a moment ago by a concurrent attempt must already hold.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem attempts", e))?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        let lockout = Lockout {
            level: u32::try_from(number(&item, attr::LEVEL)?).map_err(StoreError::internal)?,
            until: get_unix(&item, attr::UNTIL)?,
            forget_at: get_unix(&item, attr::EXPIRES_AT)?,
        };
        // TTL deletion lags (up to days): an item past its time is as good as gone.
        Ok((lockout.forget_at > now).then_some(lockout))
    }

    async fn put_lockout(&self, key: &str, lockout: &Lockout) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item(attr::PARTITION_KEY, lockout_key(key))
            .item(attr::LEVEL, n(lockout.level))
            .item(attr::UNTIL, unix(lockout.until))
            .item(attr::EXPIRES_AT, unix(lockout.forget_at))
            .send()
            .await
            .map(drop)
            .map_err(|e| store_error("PutItem attempts", e))
    }

    async fn clear_lockout(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, lockout_key(key))
            .send()
            .await
            .map(drop)
            .map_err(|e| store_error("DeleteItem attempts", e))
    }
}

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::ReturnValue;
use ezshare_domain::{AccountToken, Email, UserType, Username};
use time::OffsetDateTime;

use super::errors::{condition_failed, store_error};
use super::item::{Item, get_s, get_unix, parse, put_if_absent, s, unix};
use super::schema::tokens as attr;
use crate::tokens::token_key;
use crate::{StoreError, TokenPurpose, TokenRecord, TokenStore};

/// Mailed tokens in a DynamoDB table keyed by the token's hash; a use is a conditional
/// `DeleteItem` returning the old item, so of racing uses one wins.
pub struct DynamoTokens {
    client: Client,
    table: String,
}

impl DynamoTokens {
    pub(crate) fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }
}

fn to_record(i: &Item) -> Result<TokenRecord, StoreError> {
    let purpose = get_s(i, attr::PURPOSE)?;
    Ok(TokenRecord {
        purpose: TokenPurpose::parse(purpose)
            .ok_or_else(|| StoreError::Internal(format!("stored token purpose {purpose:?}")))?,
        user_type: parse(i, attr::USER_TYPE, str::parse::<UserType>)?,
        username: parse(i, attr::USERNAME, Username::parse)?,
        email: parse(i, attr::EMAIL, Email::parse)?,
        created_at: get_unix(i, attr::CREATED_AT)?,
        expires_at: get_unix(i, attr::EXPIRES_AT)?,
    })
}

#[async_trait]
impl TokenStore for DynamoTokens {
    async fn put_token(
        &self,
        token: &AccountToken,
        record: &TokenRecord,
    ) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(attr::PARTITION_KEY, s(&token_key(token)))
            .item(attr::PURPOSE, s(record.purpose.as_str()))
            .item(attr::USER_TYPE, s(record.user_type.as_str()))
            .item(attr::USERNAME, s(record.username.as_str()))
            .item(attr::EMAIL, s(record.email.as_str()))
            .item(attr::CREATED_AT, unix(record.created_at))
            .item(attr::EXPIRES_AT, unix(record.expires_at));
        put_if_absent(put, attr::PARTITION_KEY, "PutItem tokens").await
    }

    async fn find_token(&self, token: &AccountToken) -> Result<Option<TokenRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(&token_key(token)))
            // A token used a moment ago must read as used.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem tokens", e))?;
        out.item.as_ref().map(to_record).transpose()
    }

    async fn take_token(
        &self,
        token: &AccountToken,
        purpose: TokenPurpose,
        now: OffsetDateTime,
    ) -> Result<Option<TokenRecord>, StoreError> {
        let sent = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(&token_key(token)))
            .condition_expression("#purpose = :purpose AND #exp > :now")
            .expression_attribute_names("#purpose", attr::PURPOSE)
            .expression_attribute_names("#exp", attr::EXPIRES_AT)
            .expression_attribute_values(":purpose", s(purpose.as_str()))
            .expression_attribute_values(":now", unix(now))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match sent {
            Ok(out) => out.attributes.as_ref().map(to_record).transpose(),
            Err(e) if condition_failed(&e) => Ok(None),
            Err(e) => Err(store_error("DeleteItem tokens", e)),
        }
    }
}

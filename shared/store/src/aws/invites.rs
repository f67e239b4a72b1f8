use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use ezshare_domain::{Email, InviteCode, UserType, Username};
use time::OffsetDateTime;

use super::errors::store_error;
use super::item::{Item, get_unix, parse, parse_opt, put_if_absent, s, unix};
use super::schema::{invites as attr, users};
use super::users::user_item;
use crate::invites::code_key;
use crate::{InviteRecord, InviteStore, StoreError, StoredInvite, UserRecord};

/// Invites in a DynamoDB table keyed by the code's hash; redeeming one writes the users table
/// in the same transaction.
pub struct DynamoInvites {
    client: Client,
    table: String,
    users_table: String,
}

impl DynamoInvites {
    pub(crate) fn new(client: Client, table: String, users_table: String) -> Self {
        Self {
            client,
            table,
            users_table,
        }
    }
}

#[async_trait]
impl InviteStore for DynamoInvites {
    async fn create_invite(&self, invite: &InviteRecord) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(attr::PARTITION_KEY, s(&code_key(&invite.code)))
            .item(attr::USER_TYPE, s(invite.user_type.as_str()))
            .item(attr::CREATED_AT, unix(invite.created_at))
            .item(attr::EXPIRES_AT, unix(invite.expires_at));
        if let Some(email) = &invite.email {
            put = put.item(attr::EMAIL, s(email.as_str()));
        }
        if let Some(by) = &invite.created_by {
            put = put.item(attr::CREATED_BY, s(by.as_str()));
        }
        put_if_absent(put, attr::PARTITION_KEY, "PutItem invites").await
    }

    async fn find_invite(&self, code: &InviteCode) -> Result<Option<StoredInvite>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(&code_key(code)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem invites", e))?;
        out.item.as_ref().map(to_invite).transpose()
    }

    async fn redeem_invite(
        &self,
        code: &InviteCode,
        user: &UserRecord,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let create_user = Put::builder()
            .table_name(&self.users_table)
            .set_item(Some(user_item(user)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", users::PARTITION_KEY)
            .build()
            .map_err(StoreError::internal)?;
        let claim_invite = Update::builder()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(&code_key(code)))
            .update_expression("SET #used_by = :user, #used_at = :now")
            .condition_expression(
                "attribute_exists(#pk) AND attribute_not_exists(#used_by) \
                 AND #type = :type AND #expires > :now",
            )
            .expression_attribute_names("#pk", attr::PARTITION_KEY)
            .expression_attribute_names("#used_by", attr::USED_BY)
            .expression_attribute_names("#used_at", attr::USED_AT)
            .expression_attribute_names("#type", attr::USER_TYPE)
            .expression_attribute_names("#expires", attr::EXPIRES_AT)
            .expression_attribute_values(":user", s(user.username.as_str()))
            .expression_attribute_values(":now", unix(now))
            .expression_attribute_values(":type", s(user.user_type.as_str()))
            .build()
            .map_err(StoreError::internal)?;
        let sent = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(create_user).build())
            .transact_items(TransactWriteItem::builder().update(claim_invite).build())
            .send()
            .await;
        let Err(err) = sent else { return Ok(()) };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            err.as_service_error()
        {
            // One reason per item, in order: which condition failed says what went wrong.
            let failed = |i: usize| {
                cancelled
                    .cancellation_reasons()
                    .get(i)
                    .and_then(|r| r.code())
                    .is_some_and(|c| c == "ConditionalCheckFailed")
            };
            if failed(1) {
                return Err(StoreError::InviteNotRedeemable);
            }
            if failed(0) {
                return Err(StoreError::AlreadyExists);
            }
            // A TransactionConflict: another write to one of the items was in flight. Worth
            // a retry, which then sees its outcome.
            return Err(StoreError::Unavailable(format!(
                "TransactWriteItems redeem invite: cancelled {:?}",
                cancelled.cancellation_reasons()
            )));
        }
        Err(store_error("TransactWriteItems redeem invite", err))
    }
}

fn to_invite(i: &Item) -> Result<StoredInvite, StoreError> {
    Ok(StoredInvite {
        user_type: parse(i, attr::USER_TYPE, str::parse::<UserType>)?,
        email: parse_opt(i, attr::EMAIL, Email::parse)?,
        created_by: parse_opt(i, attr::CREATED_BY, Username::parse)?,
        expires_at: get_unix(i, attr::EXPIRES_AT)?,
        used_by: parse_opt(i, attr::USED_BY, Username::parse)?,
    })
}

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder;
use ezshare_domain::{DisplayName, Email, UserType, Username};

use super::errors::{condition_failed, store_error};
use super::item::{Item, get_s, get_unix, parse_opt, put_if_absent, s, unix};
use super::schema::users as attr;
use crate::{StoreError, UserRecord, UserStore};

/// Users in a DynamoDB table keyed by (user type, username).
pub struct DynamoUsers {
    client: Client,
    table: String,
}

impl DynamoUsers {
    pub(crate) fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }

    /// A strongly consistent read of one user: someone who just signed up can log in at once.
    fn get_user(&self, user_type: UserType, username: &Username) -> GetItemFluentBuilder {
        self.client
            .get_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(user_type.as_str()))
            .key(attr::SORT_KEY, s(username.as_str()))
            .consistent_read(true)
    }
}

#[async_trait]
impl UserStore for DynamoUsers {
    async fn create_user(&self, user: &UserRecord) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(user_item(user)));
        // Of racing signups of one name exactly one wins.
        put_if_absent(put, attr::PARTITION_KEY, "PutItem users").await
    }

    async fn user_exists(
        &self,
        user_type: UserType,
        username: &Username,
    ) -> Result<bool, StoreError> {
        let out = self
            .get_user(user_type, username)
            // The key is all an existence check needs: the hash never leaves the table.
            .projection_expression("#pk")
            .expression_attribute_names("#pk", attr::PARTITION_KEY)
            .send()
            .await
            .map_err(|e| store_error("GetItem users (key only)", e))?;
        Ok(out.item.is_some())
    }

    async fn mark_email_verified(
        &self,
        user_type: UserType,
        username: &Username,
        email: &Email,
    ) -> Result<bool, StoreError> {
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(user_type.as_str()))
            .key(attr::SORT_KEY, s(username.as_str()))
            .update_expression("SET #verified = :true")
            .condition_expression("#email = :email")
            .expression_attribute_names("#verified", attr::EMAIL_VERIFIED)
            .expression_attribute_names("#email", attr::EMAIL)
            .expression_attribute_values(
                ":true",
                aws_sdk_dynamodb::types::AttributeValue::Bool(true),
            )
            .expression_attribute_values(":email", s(email.as_str()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(store_error("UpdateItem users email_verified", e)),
        }
    }

    async fn replace_password_hash(
        &self,
        user_type: UserType,
        username: &Username,
        current: &str,
        new: &str,
    ) -> Result<bool, StoreError> {
        let sent = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(user_type.as_str()))
            .key(attr::SORT_KEY, s(username.as_str()))
            .update_expression("SET #hash = :new")
            .condition_expression("#hash = :current")
            .expression_attribute_names("#hash", attr::PASSWORD_HASH)
            .expression_attribute_values(":new", s(new))
            .expression_attribute_values(":current", s(current))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(store_error("UpdateItem users password", e)),
        }
    }

    async fn find_user(
        &self,
        user_type: UserType,
        username: &Username,
    ) -> Result<Option<UserRecord>, StoreError> {
        let out = self
            .get_user(user_type, username)
            .send()
            .await
            .map_err(|e| store_error("GetItem users", e))?;
        out.item
            .map(|i| to_user(user_type, username, &i))
            .transpose()
    }
}

/// The stored form of a user.
pub(crate) fn user_item(user: &UserRecord) -> Item {
    let mut item: Item = [
        (attr::PARTITION_KEY.to_owned(), s(user.user_type.as_str())),
        (attr::SORT_KEY.to_owned(), s(user.username.as_str())),
        (attr::PASSWORD_HASH.to_owned(), s(&user.password_hash)),
        (attr::CREATED_AT.to_owned(), unix(user.created_at)),
    ]
    .into();
    if let Some(email) = &user.email {
        item.insert(attr::EMAIL.to_owned(), s(email.as_str()));
    }
    if let Some(name) = &user.name {
        item.insert(attr::NAME.to_owned(), s(name.as_str()));
    }
    if user.email_verified {
        item.insert(
            attr::EMAIL_VERIFIED.to_owned(),
            aws_sdk_dynamodb::types::AttributeValue::Bool(true),
        );
    }
    item
}

fn to_user(user_type: UserType, username: &Username, i: &Item) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        user_type,
        username: username.clone(),
        password_hash: get_s(i, attr::PASSWORD_HASH)?.to_owned(),
        email: parse_opt(i, attr::EMAIL, Email::parse)?,
        email_verified: matches!(
            i.get(attr::EMAIL_VERIFIED),
            Some(aws_sdk_dynamodb::types::AttributeValue::Bool(true))
        ),
        name: parse_opt(i, attr::NAME, DisplayName::parse)?,
        created_at: get_unix(i, attr::CREATED_AT)?,
    })
}

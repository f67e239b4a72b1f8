use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use ezshare_domain::{SessionId, UserType, Username};

use super::errors::store_error;
use super::item::{Item, get_unix, parse, put_if_absent, s, unix};
use super::schema::sessions as attr;
use crate::{SessionRecord, SessionStore, StoreError};

/// Sessions in a DynamoDB table keyed by session id, expired by DynamoDB's TTL.
pub struct DynamoSessions {
    client: Client,
    table: String,
}

impl DynamoSessions {
    pub(crate) fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }
}

#[async_trait]
impl SessionStore for DynamoSessions {
    async fn create_session(&self, session: &SessionRecord) -> Result<(), StoreError> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(attr::PARTITION_KEY, s(session.id.as_str()))
            .item(attr::USER_TYPE, s(session.user_type.as_str()))
            .item(attr::USERNAME, s(session.username.as_str()))
            .item(attr::CREATED_AT, unix(session.created_at))
            .item(attr::EXPIRES_AT, unix(session.expires_at));
        // Ids are random, so a clash is next to impossible; never overwrite one anyway.
        put_if_absent(put, attr::PARTITION_KEY, "PutItem sessions").await
    }

    async fn find_session(&self, id: &SessionId) -> Result<Option<SessionRecord>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(id.as_str()))
            // A logout must take effect at once: an eventually consistent read could still
            // return the deleted session.
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem sessions", e))?;
        // Expired items linger until TTL deletion catches up; the caller checks expiry.
        out.item.map(|i| to_session(id, &i)).transpose()
    }

    async fn delete_session(&self, id: &SessionId) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(attr::PARTITION_KEY, s(id.as_str()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("DeleteItem sessions", e))
    }
}

fn to_session(id: &SessionId, i: &Item) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: id.clone(),
        user_type: parse(i, attr::USER_TYPE, str::parse::<UserType>)?,
        username: parse(i, attr::USERNAME, Username::parse)?,
        created_at: get_unix(i, attr::CREATED_AT)?,
        expires_at: get_unix(i, attr::EXPIRES_AT)?,
    })
}

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

    async fn delete_user_sessions(
        &self,
        user_type: UserType,
        username: &Username,
        keep: Option<&SessionId>,
    ) -> Result<usize, StoreError> {
        let mut ids = vec![];
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(attr::BY_USER)
                .key_condition_expression("#user = :user AND #type = :type")
                .expression_attribute_names("#user", attr::USERNAME)
                .expression_attribute_names("#type", attr::USER_TYPE)
                .expression_attribute_values(":user", s(username.as_str()))
                .expression_attribute_values(":type", s(user_type.as_str()))
                .projection_expression("#id")
                .expression_attribute_names("#id", attr::PARTITION_KEY)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| store_error("Query sessions by-user", e))?;
            for item in out.items() {
                let id = parse(item, attr::PARTITION_KEY, SessionId::parse)?;
                if Some(&id) != keep {
                    ids.push(id);
                }
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        // Eight at a time: a user has a handful of sessions, rarely hundreds.
        for batch in ids.chunks(8) {
            let deletes: Vec<_> = batch.iter().map(|id| self.delete_session(id)).collect();
            futures_util::future::try_join_all(deletes).await?;
        }
        Ok(ids.len())
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

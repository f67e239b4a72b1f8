use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use ezshare_domain::{ActivityAction, Cursor, FileName, PageLimit, UserType, Username};
use time::OffsetDateTime;

use super::errors::store_error;
use super::item::{Item, get_s, get_unix, opt_s, parse, parse_opt, s, unix};
use super::schema::activity as attr;
use crate::{ActivityEvent, ActivityFilter, ActivityPage, ActivityStore, StoreError, cursor};

/// The activity log in a DynamoDB table: one partition per owner, sorted by event id, with
/// TTL on `expires_at`.
pub struct DynamoActivity {
    client: Client,
    table: String,
}

impl DynamoActivity {
    pub(crate) fn new(client: Client, table: String) -> Self {
        Self { client, table }
    }
}

fn to_event(i: &Item) -> Result<ActivityEvent, StoreError> {
    Ok(ActivityEvent {
        id: get_s(i, attr::SORT_KEY)?.to_owned(),
        at: get_unix(i, attr::AT)?,
        action: parse(i, attr::ACTION, str::parse::<ActivityAction>)?,
        owner: parse(i, attr::PARTITION_KEY, Username::parse)?,
        file: parse(i, attr::FILE, FileName::parse)?,
        actor_type: parse(i, attr::ACTOR_TYPE, str::parse::<UserType>)?,
        actor: parse(i, attr::ACTOR, Username::parse)?,
        client: parse_opt(i, attr::CLIENT, Username::parse)?,
        source_ip: opt_s(i, attr::SOURCE_IP)?.map(str::to_owned),
        user_agent: opt_s(i, attr::USER_AGENT)?.map(str::to_owned),
    })
}

#[async_trait]
impl ActivityStore for DynamoActivity {
    async fn record(
        &self,
        e: &ActivityEvent,
        expires_at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(attr::PARTITION_KEY, s(e.owner.as_str()))
            .item(attr::SORT_KEY, s(&e.id))
            .item(attr::AT, unix(e.at))
            .item(attr::ACTION, s(e.action.as_str()))
            .item(attr::FILE, s(e.file.as_str()))
            .item(attr::ACTOR_TYPE, s(e.actor_type.as_str()))
            .item(attr::ACTOR, s(e.actor.as_str()))
            .item(attr::EXPIRES_AT, unix(expires_at));
        for (name, value) in [
            (attr::CLIENT, e.client.as_ref().map(Username::as_str)),
            (attr::SOURCE_IP, e.source_ip.as_deref()),
            (attr::USER_AGENT, e.user_agent.as_deref()),
        ] {
            if let Some(v) = value {
                put = put.item(name, s(v));
            }
        }
        put.send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("PutItem activity", e))
    }

    async fn list_activity(
        &self,
        owner: &Username,
        filter: &ActivityFilter,
        cursor: Option<&Cursor>,
        limit: PageLimit,
    ) -> Result<ActivityPage, StoreError> {
        let limit = limit.get() as usize;
        let filtered = filter.file.is_some() || filter.action.is_some();
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :owner")
            .expression_attribute_names("#pk", attr::PARTITION_KEY)
            .expression_attribute_values(":owner", s(owner.as_str()))
            .scan_index_forward(false)
            .consistent_read(true)
            // Unfiltered: one more than the page, so the last page says so. Filtered: the
            // limit bounds what is read, and what is left after the filter is the page.
            .limit(if filtered { limit } else { limit + 1 } as i32);
        let mut conditions = vec![];
        if let Some(file) = &filter.file {
            conditions.push("#file = :file");
            query = query
                .expression_attribute_names("#file", attr::FILE)
                .expression_attribute_values(":file", s(file.as_str()));
        }
        if let Some(action) = filter.action {
            conditions.push("#action = :action");
            query = query
                .expression_attribute_names("#action", attr::ACTION)
                .expression_attribute_values(":action", s(action.as_str()));
        }
        if !conditions.is_empty() {
            query = query.filter_expression(conditions.join(" AND "));
        }
        if let Some(c) = cursor {
            query = query
                .exclusive_start_key(attr::PARTITION_KEY, s(owner.as_str()))
                .exclusive_start_key(attr::SORT_KEY, s(&cursor::decode_event(c)?));
        }
        let out = query
            .send()
            .await
            .map_err(|e| store_error("Query activity", e))?;
        let mut events = out
            .items()
            .iter()
            .map(to_event)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = if filtered {
            out.last_evaluated_key
                .as_ref()
                .and_then(|k| k.get(attr::SORT_KEY))
                .and_then(|v| match v {
                    AttributeValue::S(id) => Some(cursor::encode_event(id)),
                    _ => None,
                })
        } else {
            let more = events.len() > limit;
            events.truncate(limit);
            more.then(|| events.last())
                .flatten()
                .map(|e| cursor::encode_event(&e.id))
        };
        Ok(ActivityPage {
            events,
            next_cursor,
        })
    }
}

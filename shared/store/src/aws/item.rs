//! Reading and writing DynamoDB attribute values. A missing or mistyped attribute in a stored
//! item means corrupt data: [`StoreError::Internal`].

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::errors::{condition_failed, store_error};
use crate::StoreError;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// Sends a put that never overwrites: `attribute_not_exists` on the partition key, which
/// DynamoDB decides atomically, so of racing puts of one key exactly one succeeds. A taken
/// key is [`StoreError::AlreadyExists`]. `op` names the call for the log.
pub(crate) async fn put_if_absent(
    put: PutItemFluentBuilder,
    partition_key: &str,
    op: &str,
) -> Result<(), StoreError> {
    let put = put
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", partition_key);
    match put.send().await {
        Ok(_) => Ok(()),
        Err(e) if condition_failed(&e) => Err(StoreError::AlreadyExists),
        Err(e) => Err(store_error(op, e)),
    }
}

pub(crate) fn s(value: &str) -> AttributeValue {
    AttributeValue::S(value.to_owned())
}

/// Times are stored as whole unix seconds, like the TTL attribute DynamoDB expects.
pub(crate) fn unix(at: OffsetDateTime) -> AttributeValue {
    AttributeValue::N(at.unix_timestamp().to_string())
}

pub(crate) fn get_s<'a>(item: &'a Item, name: &str) -> Result<&'a str, StoreError> {
    opt_s(item, name)?.ok_or_else(|| corrupt(name, "is missing"))
}

/// An optional string attribute: absent is `None`, but present with another type is corrupt.
pub(crate) fn opt_s<'a>(item: &'a Item, name: &str) -> Result<Option<&'a str>, StoreError> {
    match item.get(name) {
        None => Ok(None),
        Some(AttributeValue::S(v)) => Ok(Some(v)),
        Some(_) => Err(corrupt(name, "is not a string")),
    }
}

pub(crate) fn get_unix(item: &Item, name: &str) -> Result<OffsetDateTime, StoreError> {
    let Some(AttributeValue::N(n)) = item.get(name) else {
        return Err(corrupt(name, "is missing or not a number"));
    };
    n.parse::<i64>()
        .ok()
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok())
        .ok_or_else(|| corrupt(name, "is not a unix time"))
}

/// Turns a stored string back into a domain value.
pub(crate) fn parse<T, E: std::fmt::Display>(
    item: &Item,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, StoreError> {
    let raw = get_s(item, name)?;
    parse(raw).map_err(|e| corrupt(name, &format!("{raw:?} is invalid: {e}")))
}

/// Like [`parse`], for an attribute that may be absent.
pub(crate) fn parse_opt<T, E: std::fmt::Display>(
    item: &Item,
    name: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    match opt_s(item, name)? {
        None => Ok(None),
        Some(raw) => parse(raw)
            .map(Some)
            .map_err(|e| corrupt(name, &format!("{raw:?} is invalid: {e}"))),
    }
}

fn corrupt(name: &str, what: &str) -> StoreError {
    StoreError::Internal(format!("corrupt stored item: attribute {name} {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes_and_flags_corruption() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let item: Item = [
            ("a".to_owned(), s("x")),
            ("t".to_owned(), unix(at)),
            ("bad".to_owned(), AttributeValue::N("soon".into())),
        ]
        .into();
        assert_eq!(get_s(&item, "a").unwrap(), "x");
        assert_eq!(opt_s(&item, "none").unwrap(), None);
        assert_eq!(get_unix(&item, "t").unwrap(), at);
        assert!(matches!(get_s(&item, "t"), Err(StoreError::Internal(_))));
        assert!(matches!(opt_s(&item, "t"), Err(StoreError::Internal(_))));
        assert!(matches!(
            get_unix(&item, "bad"),
            Err(StoreError::Internal(_))
        ));
        assert!(matches!(get_unix(&item, "a"), Err(StoreError::Internal(_))));
    }
}

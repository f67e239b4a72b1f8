//! Creates the tables and the bucket a deployment needs, where missing. Used by tests, the
//! CLI and local stacks; in production the SAM template creates the same resources.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};

use super::errors::{status_of, store_error};
use super::schema::{activity, attempts, files, invites, sessions, shares, tokens, users};
use super::{AwsNames, dynamodb_client, s3_client};
use crate::StoreError;

/// How long a new table may take to become ACTIVE (seconds on AWS, at once on moto).
const TABLE_ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

/// Creates the users, sessions, files, shares, activity, invites, attempts and tokens tables (on-demand
/// billing, with TTL on `expires_at` where items expire) and the bucket, each only if missing. Returns what it created, one line each
/// ("table NAME", "TTL on TABLE.ATTRIBUTE", "bucket NAME"): nothing on a complete setup.
pub async fn bootstrap(config: &SdkConfig, names: &AwsNames) -> Result<Vec<String>, StoreError> {
    let dynamodb = dynamodb_client(config);
    let mut done = vec![];
    let users_keys = [
        (users::PARTITION_KEY, KeyType::Hash),
        (users::SORT_KEY, KeyType::Range),
    ];
    if create_table(&dynamodb, &names.users_table, &users_keys, &[]).await? {
        done.push(format!("table {}", names.users_table));
    }
    let sessions_keys = [(sessions::PARTITION_KEY, KeyType::Hash)];
    let by_user = Index {
        name: sessions::BY_USER,
        partition_key: sessions::USERNAME,
        sort_key: sessions::USER_TYPE,
    };
    if create_table(&dynamodb, &names.sessions_table, &sessions_keys, &[by_user]).await? {
        done.push(format!("table {}", names.sessions_table));
    }
    let files_keys = [
        (files::PARTITION_KEY, KeyType::Hash),
        (files::SORT_KEY, KeyType::Range),
    ];
    let by_visibility = Index {
        name: files::BY_VISIBILITY,
        partition_key: files::VISIBILITY,
        sort_key: files::OWNER_NAME,
    };
    if create_table(&dynamodb, &names.files_table, &files_keys, &[by_visibility]).await? {
        done.push(format!("table {}", names.files_table));
    }
    let shares_keys = [
        (shares::PARTITION_KEY, KeyType::Hash),
        (shares::SORT_KEY, KeyType::Range),
    ];
    let by_client = Index {
        name: shares::BY_CLIENT,
        partition_key: shares::SORT_KEY,
        sort_key: shares::PARTITION_KEY,
    };
    if create_table(&dynamodb, &names.shares_table, &shares_keys, &[by_client]).await? {
        done.push(format!("table {}", names.shares_table));
    }
    let activity_keys = [
        (activity::PARTITION_KEY, KeyType::Hash),
        (activity::SORT_KEY, KeyType::Range),
    ];
    if create_table(&dynamodb, &names.activity_table, &activity_keys, &[]).await? {
        done.push(format!("table {}", names.activity_table));
    }
    let invites_keys = [(invites::PARTITION_KEY, KeyType::Hash)];
    if create_table(&dynamodb, &names.invites_table, &invites_keys, &[]).await? {
        done.push(format!("table {}", names.invites_table));
    }
    let attempts_keys = [(attempts::PARTITION_KEY, KeyType::Hash)];
    if create_table(&dynamodb, &names.attempts_table, &attempts_keys, &[]).await? {
        done.push(format!("table {}", names.attempts_table));
    }
    let tokens_keys = [(tokens::PARTITION_KEY, KeyType::Hash)];
    if create_table(&dynamodb, &names.tokens_table, &tokens_keys, &[]).await? {
        done.push(format!("table {}", names.tokens_table));
    }
    for (table, attribute) in [
        (&names.sessions_table, sessions::TTL_ATTRIBUTE),
        (&names.invites_table, invites::TTL_ATTRIBUTE),
        (&names.activity_table, activity::TTL_ATTRIBUTE),
        (&names.attempts_table, attempts::TTL_ATTRIBUTE),
        (&names.tokens_table, tokens::TTL_ATTRIBUTE),
    ] {
        if enable_ttl(&dynamodb, table, attribute).await? {
            done.push(format!("TTL on {table}.{attribute}"));
        }
    }
    let region = config.region().map(|r| r.as_ref()).unwrap_or("us-east-1");
    if create_bucket(&s3_client(config), &names.bucket, region).await? {
        done.push(format!("bucket {}", names.bucket));
    }
    Ok(done)
}

/// A global secondary index of string keys, projecting every attribute.
struct Index {
    name: &'static str,
    partition_key: &'static str,
    sort_key: &'static str,
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(StoreError::internal)
}

/// `true` if it created the table; returns once the table is ACTIVE either way.
async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    keys: &[(&str, KeyType)],
    indexes: &[Index],
) -> Result<bool, StoreError> {
    let mut created = false;
    if table_status(client, table).await?.is_none() {
        let mut create = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest);
        let mut attributes: Vec<&str> = keys.iter().map(|(name, _)| *name).collect();
        for (name, key_type) in keys {
            create = create.key_schema(key(name, key_type.clone())?);
        }
        for index in indexes {
            attributes.extend([index.partition_key, index.sort_key]);
            create = create.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index.name)
                    .key_schema(key(index.partition_key, KeyType::Hash)?)
                    .key_schema(key(index.sort_key, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(StoreError::internal)?,
            );
        }
        attributes.sort_unstable();
        attributes.dedup();
        for name in attributes {
            create = create.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .map_err(StoreError::internal)?,
            );
        }
        match create.send().await {
            Ok(_) => created = true,
            // Another bootstrap created it between our check and our create: fine.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_in_use_exception()) => {}
            Err(e) => return Err(store_error(&format!("CreateTable {table}"), e)),
        }
    }
    let deadline = Instant::now() + TABLE_ACTIVE_TIMEOUT;
    while table_status(client, table).await? != Some(TableStatus::Active) {
        if Instant::now() > deadline {
            return Err(StoreError::Unavailable(format!(
                "table {table} not ACTIVE after {TABLE_ACTIVE_TIMEOUT:?}"
            )));
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(created)
}

/// The table's status, `None` if there is no such table.
async fn table_status(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<Option<TableStatus>, StoreError> {
    match client.describe_table().table_name(table).send().await {
        Ok(out) => Ok(out.table.and_then(|t| t.table_status)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(store_error(&format!("DescribeTable {table}"), e)),
    }
}

/// `true` if it turned TTL on.
async fn enable_ttl(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    attribute: &str,
) -> Result<bool, StoreError> {
    let current = client
        .describe_time_to_live()
        .table_name(table)
        .send()
        .await
        .map_err(|e| store_error(&format!("DescribeTimeToLive {table}"), e))?;
    let ttl = current.time_to_live_description;
    let status = ttl.as_ref().and_then(|d| d.time_to_live_status.clone());
    let on_attribute = ttl.as_ref().and_then(|d| d.attribute_name.as_deref());
    if matches!(
        status,
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    ) {
        if on_attribute == Some(attribute) {
            return Ok(false);
        }
        // Switching the attribute means disabling first, which AWS then blocks for an hour:
        // leave that to a person.
        return Err(StoreError::Internal(format!(
            "table {table} has TTL on {on_attribute:?}, expected {attribute}"
        )));
    }
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(attribute)
                .build()
                .map_err(StoreError::internal)?,
        )
        .send()
        .await
        .map_err(|e| store_error(&format!("UpdateTimeToLive {table}"), e))?;
    Ok(true)
}

/// `true` if it created the bucket.
async fn create_bucket(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    region: &str,
) -> Result<bool, StoreError> {
    match client.head_bucket().bucket(bucket).send().await {
        Ok(_) => return Ok(false),
        Err(e) if status_of(&e) == Some(404) => {}
        Err(e) => return Err(store_error(&format!("HeadBucket {bucket}"), e)),
    }
    let mut create = client.create_bucket().bucket(bucket);
    // us-east-1 is S3's default location and must not be named; every other one must be.
    if region != "us-east-1" {
        create = create.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region))
                .build(),
        );
    }
    match create.send().await {
        Ok(_) => Ok(true),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_bucket_already_owned_by_you()) =>
        {
            Ok(false)
        }
        Err(e) => Err(store_error(&format!("CreateBucket {bucket}"), e)),
    }
}

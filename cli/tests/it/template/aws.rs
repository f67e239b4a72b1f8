//! With the AWS adapter: the wiring's variables, the store's schema, the bootstrap.

use std::collections::BTreeSet;

use serde_norway::Value;

use super::read::*;
use super::settings::settings_variables;
use aws_sdk_dynamodb::types::{KeyType, ScalarAttributeType};
use ezshare_store::aws::schema::{
    activity, attempts, bucket, files, invites, sessions, shares, tokens, users,
};
use ezshare_store::aws::{AwsNames, bootstrap};

/// (attribute, key type) in template order.
fn key_schema(table: &str) -> Vec<(String, String)> {
    list(at(resource(table), &["Properties", "KeySchema"]).expect("KeySchema"))
        .into_iter()
        .map(|k| {
            (
                at(k, &["AttributeName"])
                    .and_then(string)
                    .unwrap()
                    .to_owned(),
                at(k, &["KeyType"]).and_then(string).unwrap().to_owned(),
            )
        })
        .collect()
}

fn attribute_definitions(table: &str) -> BTreeSet<(String, String)> {
    list(
        at(resource(table), &["Properties", "AttributeDefinitions"]).expect("AttributeDefinitions"),
    )
    .into_iter()
    .map(|d| {
        (
            at(d, &["AttributeName"])
                .and_then(string)
                .unwrap()
                .to_owned(),
            at(d, &["AttributeType"])
                .and_then(string)
                .unwrap()
                .to_owned(),
        )
    })
    .collect()
}

/// The TTL attribute, if TTL is enabled.
fn ttl_attribute(table: &str) -> Option<String> {
    let spec = at(resource(table), &["Properties", "TimeToLiveSpecification"])?;
    (at(spec, &["Enabled"]).and_then(Value::as_bool) == Some(true)).then(|| {
        at(spec, &["AttributeName"])
            .and_then(string)
            .unwrap()
            .to_owned()
    })
}

/// The template's global secondary indexes: (name, partition key, sort key, projection).
fn indexes(table: &str) -> BTreeSet<(String, String, String, String)> {
    let Some(gsis) = at(resource(table), &["Properties", "GlobalSecondaryIndexes"]) else {
        return BTreeSet::new();
    };
    list(gsis)
        .into_iter()
        .map(|g| {
            let keys: Vec<(String, String)> = list(at(g, &["KeySchema"]).unwrap())
                .into_iter()
                .map(|k| {
                    let name = at(k, &["AttributeName"]).and_then(string).unwrap();
                    (
                        name.to_owned(),
                        at(k, &["KeyType"]).and_then(string).unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(keys.len(), 2, "{table}: hash and range keys");
            assert_eq!((keys[0].1.as_str(), keys[1].1.as_str()), ("HASH", "RANGE"));
            (
                at(g, &["IndexName"]).and_then(string).unwrap().to_owned(),
                keys[0].0.clone(),
                keys[1].0.clone(),
                at(g, &["Projection", "ProjectionType"])
                    .and_then(string)
                    .unwrap()
                    .to_owned(),
            )
        })
        .collect()
}

fn index(name: &str, pk: &str, sk: &str) -> (String, String, String, String) {
    (
        name.to_owned(),
        pk.to_owned(),
        sk.to_owned(),
        "ALL".to_owned(),
    )
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_owned(), b.to_owned())
}

#[test]
fn every_variable_the_wiring_reads_is_set_and_no_other() {
    let settings = settings_variables();
    for f in Function::all() {
        let env = f.environment();
        let no_tokens = f.secrets() == ezshare_api::Secrets::None;
        for var in ezshare_lambda::variables() {
            let wanted = match var {
                // The key itself: local runs only.
                "JWT_SECRET" => false,
                "JWT_SECRET_ARN" => !no_tokens,
                _ => true,
            };
            assert_eq!(
                env.contains_key(var),
                wanted,
                "{}: {var} should {}be set",
                f.id,
                if wanted { "" } else { "not " }
            );
        }
        // variables() lists the settings too, but the probe catches one it misses.
        for var in env.keys() {
            assert!(
                ezshare_lambda::variables().any(|v| v == var)
                    || settings.contains(var)
                    || var == "RUST_LOG"
                    // The web client's own: the CSP's connect-src for direct uploads.
                    || (f.binary() == "web" && var == ezshare_web::UPLOAD_ORIGIN),
                "{}: {var} is not read by the code (a typo?)",
                f.id
            );
        }
    }
}

#[test]
fn tables_match_the_store_schema() {
    let names = DataNames::from_template();
    assert_eq!(
        key_schema(&names.users_table),
        [
            pair(users::PARTITION_KEY, "HASH"),
            pair(users::SORT_KEY, "RANGE")
        ]
    );
    assert_eq!(
        attribute_definitions(&names.users_table),
        BTreeSet::from([pair(users::PARTITION_KEY, "S"), pair(users::SORT_KEY, "S")])
    );
    assert_eq!(ttl_attribute(&names.users_table), None);
    assert_eq!(
        key_schema(&names.sessions_table),
        [pair(sessions::PARTITION_KEY, "HASH")]
    );
    assert_eq!(
        attribute_definitions(&names.sessions_table),
        BTreeSet::from([
            pair(sessions::PARTITION_KEY, "S"),
            pair(sessions::USERNAME, "S"),
            pair(sessions::USER_TYPE, "S"),
        ])
    );
    assert_eq!(
        indexes(&names.sessions_table),
        BTreeSet::from([index(
            sessions::BY_USER,
            sessions::USERNAME,
            sessions::USER_TYPE
        )])
    );
    assert_eq!(
        ttl_attribute(&names.sessions_table).as_deref(),
        Some(sessions::TTL_ATTRIBUTE)
    );
    assert_eq!(
        key_schema(&names.invites_table),
        [pair(invites::PARTITION_KEY, "HASH")]
    );
    assert_eq!(
        attribute_definitions(&names.invites_table),
        BTreeSet::from([pair(invites::PARTITION_KEY, "S")])
    );
    assert_eq!(
        ttl_attribute(&names.invites_table).as_deref(),
        Some(invites::TTL_ATTRIBUTE)
    );
    for (table, pk, sk) in [
        (&names.files_table, files::PARTITION_KEY, files::SORT_KEY),
        (&names.shares_table, shares::PARTITION_KEY, shares::SORT_KEY),
    ] {
        assert_eq!(key_schema(table), [pair(pk, "HASH"), pair(sk, "RANGE")]);
        assert_eq!(ttl_attribute(table), None);
    }
    assert_eq!(
        attribute_definitions(&names.files_table),
        BTreeSet::from([
            pair(files::PARTITION_KEY, "S"),
            pair(files::SORT_KEY, "S"),
            pair(files::VISIBILITY, "S"),
            pair(files::OWNER_NAME, "S"),
        ])
    );
    assert_eq!(
        indexes(&names.files_table),
        BTreeSet::from([index(
            files::BY_VISIBILITY,
            files::VISIBILITY,
            files::OWNER_NAME
        )])
    );
    assert_eq!(
        attribute_definitions(&names.shares_table),
        BTreeSet::from([
            pair(shares::PARTITION_KEY, "S"),
            pair(shares::SORT_KEY, "S")
        ])
    );
    assert_eq!(
        indexes(&names.shares_table),
        BTreeSet::from([index(
            shares::BY_CLIENT,
            shares::SORT_KEY,
            shares::PARTITION_KEY
        )])
    );
    assert_eq!(
        key_schema(&names.attempts_table),
        [pair(attempts::PARTITION_KEY, "HASH")]
    );
    assert_eq!(
        ttl_attribute(&names.attempts_table).as_deref(),
        Some(attempts::TTL_ATTRIBUTE)
    );
    assert_eq!(
        key_schema(&names.tokens_table),
        [pair(tokens::PARTITION_KEY, "HASH")]
    );
    assert_eq!(
        ttl_attribute(&names.tokens_table).as_deref(),
        Some(tokens::TTL_ATTRIBUTE)
    );
    assert_eq!(
        key_schema(&names.activity_table),
        [
            pair(activity::PARTITION_KEY, "HASH"),
            pair(activity::SORT_KEY, "RANGE")
        ]
    );
    assert_eq!(
        ttl_attribute(&names.activity_table).as_deref(),
        Some(activity::TTL_ATTRIBUTE)
    );
    for table in [
        &names.users_table,
        &names.sessions_table,
        &names.invites_table,
        &names.files_table,
        &names.shares_table,
        &names.activity_table,
        &names.attempts_table,
        &names.tokens_table,
    ] {
        let p = at(resource(table), &["Properties"]).unwrap();
        assert_eq!(
            at(p, &["BillingMode"]).and_then(string),
            Some("PAY_PER_REQUEST")
        );
        assert_eq!(
            at(
                p,
                &[
                    "PointInTimeRecoverySpecification",
                    "PointInTimeRecoveryEnabled"
                ]
            )
            .and_then(Value::as_bool),
            Some(true),
            "{table}: point-in-time recovery"
        );
    }
}

#[test]
fn bucket_layout_matches_the_store() {
    // Object grants are exactly under files/ (FILE_OBJECTS and the list condition above
    // spell it out; this ties them to the store's constant).
    assert_eq!(FILE_OBJECTS, format!("{BUCKET}/{}*", bucket::FILES_PREFIX));
    assert_eq!(
        STAGED_OBJECTS,
        format!("{BUCKET}/{}*", bucket::STAGING_PREFIX)
    );
    assert_eq!(
        MULTIPART_INTENTS,
        format!("{BUCKET}/{}*", bucket::MULTIPART_PREFIX)
    );
    // The m- objects: what the multipart grants cover, and no other write's objects.
    assert_eq!(
        MULTIPART_OBJECTS,
        format!("{BUCKET}/{}*/m-*", bucket::FILES_PREFIX)
    );
    let owner = ezshare_domain::Username::parse("opsy").unwrap();
    let id = ezshare_domain::UploadId::generate();
    let is_m = |key: &str| key.rsplit('/').next().is_some_and(|k| k.starts_with("m-"));
    assert!(is_m(&bucket::multipart_object_key(&owner, &id)));
    assert!(!is_m(&bucket::new_object_key(&owner)));
    let names = DataNames::from_template();
    let p = at(resource(&names.bucket), &["Properties"]).unwrap();
    let rules: Vec<&Value> =
        list(at(p, &["LifecycleConfiguration", "Rules"]).expect("lifecycle rules"))
            .into_iter()
            .filter(|r| at(r, &["Status"]).and_then(string) == Some("Enabled"))
            .collect();
    assert!(
        rules.iter().any(|r| {
            at(r, &["Prefix"]).and_then(string) == Some(bucket::STAGING_PREFIX)
                && at(r, &["ExpirationInDays"]).and_then(Value::as_u64) == Some(1)
        }),
        "objects under {} expire after a day",
        bucket::STAGING_PREFIX
    );
    assert!(
        rules.iter().any(|r| {
            at(r, &["Prefix"]).is_none()
                && at(
                    r,
                    &["AbortIncompleteMultipartUpload", "DaysAfterInitiation"],
                )
                .is_some()
        }),
        "incomplete multipart uploads are aborted, bucket-wide"
    );
    assert!(
        rules.iter().any(|r| {
            at(r, &["Prefix"]).and_then(string) == Some(bucket::MULTIPART_PREFIX)
                && at(r, &["ExpirationInDays"]).is_some()
        }),
        "multipart intents expire with their uploads"
    );
    for flag in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(
            at(p, &["PublicAccessBlockConfiguration", flag]).and_then(Value::as_bool),
            Some(true),
            "{flag}"
        );
    }
    assert!(at(p, &["BucketEncryption"]).is_some(), "default encryption");
    let denies_plain_http = of_type("AWS::S3::BucketPolicy").iter().any(|(_, policy)| {
        let props = at(policy, &["Properties"]).unwrap();
        at(props, &["Bucket"]).and_then(ref_target) == Some(names.bucket.as_str())
            && list(at(props, &["PolicyDocument", "Statement"]).unwrap())
                .iter()
                .any(|s| {
                    at(s, &["Effect"]).and_then(string) == Some("Deny")
                        && at(s, &["Condition", "Bool", "aws:SecureTransport"]).and_then(string)
                            == Some("false")
                })
    });
    assert!(
        denies_plain_http,
        "the bucket policy denies non-TLS requests"
    );
}

/// `ezshare bootstrap` (used by tests, the CLI and local stacks) creates what the
/// template creates: run it on moto and compare the real tables with the template's.
#[tokio::test]
async fn bootstrap_creates_the_templates_tables() {
    use ezshare_emulator::{sdk_config, shared_moto, unique_name};
    let config = sdk_config(&shared_moto().endpoint()).await;
    let aws = AwsNames {
        users_table: unique_name("tpl-users"),
        sessions_table: unique_name("tpl-sessions"),
        invites_table: unique_name("tpl-invites"),
        files_table: unique_name("tpl-file-index"),
        shares_table: unique_name("tpl-shares"),
        activity_table: unique_name("tpl-activity"),
        attempts_table: unique_name("tpl-attempts"),
        tokens_table: unique_name("tpl-tokens"),
        bucket: unique_name("tpl-files"),
    };
    bootstrap(&config, &aws).await.expect("bootstrap on moto");
    let dynamodb = aws_sdk_dynamodb::Client::new(&config);
    let names = DataNames::from_template();
    for (real, logical) in [
        (&aws.users_table, &names.users_table),
        (&aws.sessions_table, &names.sessions_table),
        (&aws.invites_table, &names.invites_table),
        (&aws.files_table, &names.files_table),
        (&aws.shares_table, &names.shares_table),
        (&aws.activity_table, &names.activity_table),
        (&aws.attempts_table, &names.attempts_table),
        (&aws.tokens_table, &names.tokens_table),
    ] {
        let table = dynamodb
            .describe_table()
            .table_name(real)
            .send()
            .await
            .unwrap()
            .table
            .unwrap();
        let keys: Vec<(String, String)> = table
            .key_schema()
            .iter()
            .map(|k| {
                let kind = match k.key_type() {
                    KeyType::Hash => "HASH",
                    KeyType::Range => "RANGE",
                    other => panic!("key type {other:?}"),
                };
                pair(k.attribute_name(), kind)
            })
            .collect();
        assert_eq!(
            keys,
            key_schema(logical),
            "bootstrap's {real} vs template's {logical}"
        );
        let attributes: BTreeSet<(String, String)> = table
            .attribute_definitions()
            .iter()
            .map(|d| {
                let kind = match d.attribute_type() {
                    ScalarAttributeType::S => "S",
                    ScalarAttributeType::N => "N",
                    ScalarAttributeType::B => "B",
                    other => panic!("attribute type {other:?}"),
                };
                pair(d.attribute_name(), kind)
            })
            .collect();
        assert_eq!(
            attributes,
            attribute_definitions(logical),
            "{real} attributes"
        );
        let real_indexes: BTreeSet<_> = table
            .global_secondary_indexes()
            .iter()
            .map(|g| {
                let key = |t: KeyType| {
                    g.key_schema()
                        .iter()
                        .find(|k| *k.key_type() == t)
                        .unwrap()
                        .attribute_name()
                        .to_owned()
                };
                let projection = g
                    .projection()
                    .and_then(|p| p.projection_type())
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default();
                (
                    g.index_name().unwrap().to_owned(),
                    key(KeyType::Hash),
                    key(KeyType::Range),
                    projection,
                )
            })
            .collect();
        assert_eq!(real_indexes, indexes(logical), "{real} indexes");
        let billing = table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|m| m.as_str().to_owned());
        assert_eq!(
            billing.as_deref(),
            at(resource(logical), &["Properties", "BillingMode"]).and_then(string),
            "{real} billing mode"
        );
        let ttl = dynamodb
            .describe_time_to_live()
            .table_name(real)
            .send()
            .await
            .unwrap()
            .time_to_live_description
            .filter(|d| {
                d.time_to_live_status()
                    .is_some_and(|s| matches!(s.as_str(), "ENABLED" | "ENABLING"))
            })
            .and_then(|d| d.attribute_name().map(str::to_owned));
        assert_eq!(ttl, ttl_attribute(logical), "{real} TTL");
    }
}

/// `S3AccessLogging` (off by default): the files bucket logs into a conditional logs bucket
/// that only the S3 logging service may write, for this bucket.
#[test]
fn s3_access_logging_is_an_opt_in_parameter() {
    assert_eq!(parameter_default("S3AccessLogging").as_str(), Some("false"));
    let names = DataNames::from_template();
    let logging = at(
        resource(&names.bucket),
        &["Properties", "LoggingConfiguration"],
    )
    .expect("LoggingConfiguration");
    let text = serde_norway::to_string(logging).unwrap();
    assert!(
        text.contains("HasS3AccessLogging") && text.contains("AccessLogsBucket"),
        "{text}"
    );
    for logical in ["AccessLogsBucket", "AccessLogsBucketPolicy"] {
        assert_eq!(
            at(resource(logical), &["Condition"]).and_then(string),
            Some("HasS3AccessLogging"),
            "{logical} exists only when asked for"
        );
    }
    let policy = serde_norway::to_string(resource("AccessLogsBucketPolicy")).unwrap();
    assert!(policy.contains("logging.s3.amazonaws.com") && policy.contains("aws:SourceArn"));
}

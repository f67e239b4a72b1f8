//! The files bucket: versioned with an expiry of what was replaced, encrypted (with the
//! KmsKeyArn key when set), CORS only for the origins named, lifecycle windows from the
//! parameters the README documents.

use serde_norway::Value;

use super::read::*;

fn bucket() -> &'static Value {
    resource(&DataNames::from_template().bucket)
}

fn rule(id: &str) -> &'static Value {
    list(at(bucket(), &["Properties", "LifecycleConfiguration", "Rules"]).unwrap())
        .into_iter()
        .find(|r| at(r, &["Id"]).and_then(string) == Some(id))
        .unwrap_or_else(|| panic!("lifecycle rule {id}"))
}

#[test]
fn the_bucket_keeps_replaced_bytes_for_the_window_and_aborts_incomplete_uploads_by_parameter() {
    assert_eq!(
        at(
            bucket(),
            &["Properties", "VersioningConfiguration", "Status"]
        )
        .and_then(string),
        Some("Enabled")
    );
    let noncurrent = rule("expire-noncurrent-versions");
    assert_eq!(
        at(
            noncurrent,
            &["NoncurrentVersionExpiration", "NoncurrentDays"]
        )
        .and_then(ref_target),
        Some("NoncurrentVersionExpiryDays")
    );
    assert_eq!(
        parameter_default("NoncurrentVersionExpiryDays").as_u64(),
        Some(30)
    );
    let abort = rule("abort-incomplete-multipart-uploads");
    assert_eq!(
        at(
            abort,
            &["AbortIncompleteMultipartUpload", "DaysAfterInitiation"]
        )
        .and_then(ref_target),
        Some("IncompleteUploadDays")
    );
    assert_eq!(parameter_default("IncompleteUploadDays").as_u64(), Some(7));
    assert_eq!(
        at(
            rule("remove-expired-delete-markers"),
            &["ExpiredObjectDeleteMarker"]
        ),
        Some(&Value::Bool(true))
    );
}

#[test]
fn cors_exists_only_for_the_named_origins_and_allows_nothing_but_put() {
    let cors = at(bucket(), &["Properties", "CorsConfiguration"]).expect("CorsConfiguration");
    let (f, args) = intrinsic(cors).expect("CORS under !If");
    assert_eq!(f, "Fn::If");
    let [cond, then, otherwise] = list(args)[..] else {
        panic!("!If takes three arguments")
    };
    assert_eq!(cond.as_str(), Some("HasUploadAllowedOrigins"));
    assert_eq!(ref_target(otherwise), Some("AWS::NoValue"));
    let rules = list(at(then, &["CorsRules"]).unwrap());
    assert_eq!(rules.len(), 1);
    let methods: Vec<&str> = list(at(rules[0], &["AllowedMethods"]).unwrap())
        .into_iter()
        .filter_map(string)
        .collect();
    assert_eq!(methods, ["PUT"]);
    assert_eq!(
        at(rules[0], &["AllowedOrigins"]).and_then(ref_target),
        Some("UploadAllowedOrigins")
    );
    let exposed: Vec<&str> = list(at(rules[0], &["ExposedHeaders"]).unwrap())
        .into_iter()
        .filter_map(string)
        .collect();
    assert_eq!(exposed, ["ETag"]);
    assert_eq!(parameter_default("UploadAllowedOrigins").as_str(), Some(""));
}

#[test]
fn data_at_rest_uses_the_customer_key_when_one_is_given() {
    let names = DataNames::from_template();
    let encryption = list(
        at(
            bucket(),
            &[
                "Properties",
                "BucketEncryption",
                "ServerSideEncryptionConfiguration",
            ],
        )
        .unwrap(),
    )[0];
    let key = at(
        encryption,
        &["ServerSideEncryptionByDefault", "KMSMasterKeyID"],
    )
    .unwrap();
    assert_eq!(intrinsic(key).map(|(f, _)| f).as_deref(), Some("Fn::If"));
    for (id, table) in of_type("AWS::DynamoDB::Table") {
        let key = at(table, &["Properties", "SSESpecification", "KMSMasterKeyId"])
            .unwrap_or_else(|| panic!("{id}: SSESpecification.KMSMasterKeyId"));
        assert!(format!("{key:?}").contains("KmsKeyArn"), "{id}");
    }
    for (id, group) in of_type("AWS::Logs::LogGroup") {
        let key =
            at(group, &["Properties", "KmsKeyId"]).unwrap_or_else(|| panic!("{id}: KmsKeyId"));
        assert!(format!("{key:?}").contains("KmsKeyArn"), "{id}");
    }
    let secret = at(resource(&names.secret), &["Properties", "KmsKeyId"]).expect("secret key");
    assert!(format!("{secret:?}").contains("KmsKeyArn"));
}

//! IAM: explicit least privilege per function, never a wildcard, the JWT secret only where
//! tokens are handled.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

use super::read::*;

/// Least privilege, per binary: (action, resource[, condition]) as `grants` renders them.
/// Exactly what each endpoint's code calls (see shared/store/src/aws/*.rs), plus, when the
/// stack has a KmsKeyArn, that key: kms:Decrypt for every function (DynamoDB, S3 and
/// Secrets Manager decrypt with the caller's rights) and kms:GenerateDataKey for the
/// writers of objects (S3 encrypts a new object's data key with it, presigned PUTs too).
const KMS_WHEN_SET: &str = "the KmsKeyArn key when HasKmsKey";

const EXPECTED_GRANTS: &[(&str, &[(&str, &str)])] = &[
    // create_user: PutItem with a condition; with an invite, find_invite (GetItem), then
    // redeem_invite: TransactWriteItems of that Put and the invite's conditional Update.
    // Signups per source address: add_attempts (UpdateItem ADD). With verification on, a
    // token (PutItem) and its mail (SES SendEmail from the configured identity).
    (
        "signup",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:UpdateItem", ATTEMPTS),
            ("dynamodb:PutItem", TOKENS),
            ("ses:SendEmail", SES_IDENTITY),
            ("dynamodb:PutItem", USERS),
            ("dynamodb:GetItem", INVITES),
            ("dynamodb:UpdateItem", INVITES),
        ],
    ),
    // find_user, then start_session (signs with the secret, writes the session). The
    // throttle: find_lockout (GetItem), add_attempts (UpdateItem ADD), put_lockout (PutItem),
    // and on success clear_attempts and clear_lockout (DeleteItem).
    (
        "login",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", ATTEMPTS),
            ("dynamodb:UpdateItem", ATTEMPTS),
            ("dynamodb:PutItem", ATTEMPTS),
            ("dynamodb:DeleteItem", ATTEMPTS),
            ("dynamodb:GetItem", USERS),
            ("dynamodb:PutItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
        ],
    ),
    // authenticate (find_session), then end_session; with ?all=true delete_user_sessions
    // (Query of the index by user, DeleteItem each).
    (
        "logout",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("dynamodb:DeleteItem", SESSIONS),
            ("dynamodb:Query", SESSIONS_BY_USER),
            ("secretsmanager:GetSecretValue", SECRET),
        ],
    ),
    // authenticate, find_user and the throttle (as login), replace_password_hash
    // (conditional UpdateItem), delete_user_sessions.
    (
        "account",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:GetItem", USERS),
            ("dynamodb:UpdateItem", USERS),
            ("dynamodb:Query", SESSIONS_BY_USER),
            ("dynamodb:DeleteItem", SESSIONS),
            ("dynamodb:GetItem", ATTEMPTS),
            ("dynamodb:UpdateItem", ATTEMPTS),
            ("dynamodb:PutItem", ATTEMPTS),
            ("dynamodb:DeleteItem", ATTEMPTS),
            // Verification and reset tokens: put_token, find_token, take_token (a
            // conditional DeleteItem); mark_email_verified (UpdateItem on users, above);
            // their mail; a reset ends every session (Query by-user, DeleteItem, above).
            ("dynamodb:PutItem", TOKENS),
            ("dynamodb:GetItem", TOKENS),
            ("dynamodb:DeleteItem", TOKENS),
            ("ses:SendEmail", SES_IDENTITY),
        ],
    ),
    // authenticate, then put_file: PutObject of a fresh version, UpdateItem of the files
    // table (conditional unless overwriting), DeleteObject of the replaced (or orphaned) one.
    (
        "upload",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("kms:GenerateDataKey", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("s3:PutObject", FILE_OBJECTS),
            ("s3:DeleteObject", FILE_OBJECTS),
            ("dynamodb:UpdateItem", FILES),
            // The activity log (PutItem per event).
            ("dynamodb:PutItem", ACTIVITY),
        ],
    ),
    // authenticate, list_files (one Query of the owner's partition); user_exists only when
    // nothing is visible (404 unknown_ops_user or an empty page).
    (
        "list-files",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:GetItem", USERS),
            ("dynamodb:Query", FILES),
            // The caller's shares (index by client); GET /client/files: the all_clients
            // files of every owner (index by visibility) and the shared files' entries.
            ("dynamodb:Query", SHARES_BY_CLIENT),
            ("dynamodb:Query", FILES_BY_VISIBILITY),
            ("dynamodb:GetItem", FILES),
        ],
    ),
    // authenticate, head_file (GetItem files; user_exists only when it finds nothing),
    // presign_download (signs a GetObject URL, which carries this right).
    (
        "download",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:GetItem", USERS),
            ("dynamodb:GetItem", FILES),
            ("s3:GetObject", FILE_OBJECTS),
            // A private file: the share counts the link (conditional UpdateItem).
            ("dynamodb:UpdateItem", SHARES),
            // The activity log (PutItem per event).
            ("dynamodb:PutItem", ACTIVITY),
        ],
    ),
    // authenticate, list_files of the caller.
    (
        "ops-files",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:Query", FILES),
        ],
    ),
    // authenticate, delete_file: DeleteItem files (returning the object), DeleteObject.
    (
        "delete-file",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:DeleteItem", FILES),
            ("s3:DeleteObject", FILE_OBJECTS),
            // delete_file_shares: Query the file's shares, DeleteItem each.
            ("dynamodb:Query", SHARES),
            ("dynamodb:DeleteItem", SHARES),
            // The activity log (PutItem per event).
            ("dynamodb:PutItem", ACTIVITY),
        ],
    ),
    // authenticate, presign_upload: signs a PutObject URL (no call), which carries this right.
    // Multipart: start (CreateMultipartUpload, PutObject of the intent), find (HeadObject of
    // the intent; 404 needs s3:ListBucket), presign_part (UploadPart is s3:PutObject),
    // state (ListParts; HeadObject of an assembled one), abort (AbortMultipartUpload,
    // DeleteObject of the intent). Only on m- objects, which nothing else writes.
    (
        "uploads",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("kms:GenerateDataKey", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("s3:PutObject", STAGED_OBJECTS),
            ("s3:PutObject", MULTIPART_OBJECTS),
            ("s3:GetObject", MULTIPART_OBJECTS),
            ("s3:ListMultipartUploadParts", MULTIPART_OBJECTS),
            ("s3:AbortMultipartUpload", MULTIPART_OBJECTS),
            ("s3:PutObject", MULTIPART_INTENTS),
            ("s3:GetObject", MULTIPART_INTENTS),
            ("s3:DeleteObject", MULTIPART_INTENTS),
            ("s3:ListBucket", BUCKET),
        ],
    ),
    // authenticate, find_staged (HeadObject; 404 needs s3:ListBucket), read_staged (ranged
    // GetObject), promote_staged (CreateMultipartUpload, UploadPartCopy from staging,
    // CompleteMultipartUpload into a fresh object: s3:PutObject; AbortMultipartUpload on
    // failure; UpdateItem files; DeleteObject of the replaced version or of an uncommitted
    // copy), discard_staged (DeleteObject). A multipart upload: find_multipart (HeadObject of
    // its intent), multipart_state (ListParts), assemble (CompleteMultipartUpload is
    // s3:PutObject on files/; HeadObject of the result), ranged reads of it, DeleteObject of
    // the intent once in place or refused (and of the object, if refused).
    (
        "complete-upload",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("kms:GenerateDataKey", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("s3:GetObject", STAGED_OBJECTS),
            ("s3:DeleteObject", STAGED_OBJECTS),
            ("s3:PutObject", FILE_OBJECTS),
            ("s3:AbortMultipartUpload", FILE_OBJECTS),
            ("s3:DeleteObject", FILE_OBJECTS),
            ("s3:GetObject", MULTIPART_OBJECTS),
            ("s3:ListMultipartUploadParts", MULTIPART_OBJECTS),
            ("s3:GetObject", MULTIPART_INTENTS),
            ("s3:DeleteObject", MULTIPART_INTENTS),
            ("dynamodb:UpdateItem", FILES),
            ("s3:ListBucket", BUCKET),
            // The activity log (PutItem per event).
            ("dynamodb:PutItem", ACTIVITY),
        ],
    ),
    // authenticate, create_invite (PutItem with a condition).
    (
        "invites",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:PutItem", INVITES),
        ],
    ),
    // authenticate; head_file / set_visibility (GetItem, UpdateItem files); user_exists of
    // the client (GetItem users); put_share, delete_share, file_shares (PutItem, DeleteItem,
    // Query shares).
    (
        "shares",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:GetItem", FILES),
            ("dynamodb:UpdateItem", FILES),
            ("dynamodb:GetItem", USERS),
            ("dynamodb:PutItem", SHARES),
            ("dynamodb:DeleteItem", SHARES),
            ("dynamodb:Query", SHARES),
            // The activity log (PutItem per event).
            ("dynamodb:PutItem", ACTIVITY),
        ],
    ),
    // authenticate, list_activity (one Query of the caller's partition).
    (
        "activity",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:GetItem", SESSIONS),
            ("secretsmanager:GetSecretValue", SECRET),
            ("dynamodb:Query", ACTIVITY),
        ],
    ),
    // The web client: embedded files only. No table, no object, no secret, no key.
    ("web", &[]),
    // The reconcile job: Scan, GetItem, DeleteItem of the files table; ListObjectsV2 under
    // files/; DeleteObject of orphans. No secret, no session.
    (
        "reconcile",
        &[
            ("kms:Decrypt", KMS_WHEN_SET),
            ("dynamodb:Scan", FILES),
            ("dynamodb:GetItem", FILES),
            ("dynamodb:DeleteItem", FILES),
            ("s3:ListBucket", "bucket if StringLike s3:prefix=files/*"),
            ("s3:DeleteObject", FILE_OBJECTS),
        ],
    ),
];

#[test]
fn iam_is_explicit_least_privilege_and_never_a_wildcard() {
    let names = DataNames::from_template();
    let expected: BTreeMap<&str, BTreeSet<(String, String)>> = EXPECTED_GRANTS
        .iter()
        .map(|(bin, grants)| {
            let set = grants
                .iter()
                .map(|(a, r)| (a.to_string(), r.to_string()))
                .collect();
            (*bin, set)
        })
        .collect();
    let mut seen = BTreeSet::new();
    for f in Function::all() {
        let binary = f.binary();
        let want = expected
            .get(binary)
            .unwrap_or_else(|| panic!("{}: add {binary} to EXPECTED_GRANTS", f.id));
        assert_eq!(&f.grants(&names), want, "{} ({binary}) grants", f.id);
        seen.insert(binary);
    }
    assert_eq!(
        seen,
        expected.keys().copied().collect::<BTreeSet<_>>(),
        "EXPECTED_GRANTS names a function the template lacks"
    );
    assert_no_wildcard_allows(template(), "template");
}

/// No Allow statement anywhere in the template grants `*` or `service:Prefix*`.
fn assert_no_wildcard_allows(v: &Value, path: &str) {
    match v {
        Value::Mapping(m) => {
            let effect = m.get("Effect").and_then(Value::as_str);
            if let (Some("Allow"), Some(actions)) = (effect, m.get("Action")) {
                for action in list(actions) {
                    let a = action
                        .as_str()
                        .unwrap_or_else(|| panic!("{path}: action {action:?}"));
                    assert!(
                        a != "*" && !a.ends_with('*'),
                        "{path}: Allow of wildcard action {a}"
                    );
                }
                if let Some(resources) = m.get("Resource") {
                    for r in list(resources) {
                        assert_ne!(r.as_str(), Some("*"), "{path}: Allow on Resource *");
                    }
                }
                assert!(m.get("NotAction").is_none(), "{path}: Allow with NotAction");
            }
            for (k, child) in m {
                assert_no_wildcard_allows(child, &format!("{path}.{}", k.as_str().unwrap_or("?")));
            }
        }
        Value::Sequence(items) => {
            for (i, child) in items.iter().enumerate() {
                assert_no_wildcard_allows(child, &format!("{path}[{i}]"));
            }
        }
        Value::Tagged(t) => assert_no_wildcard_allows(&t.value, path),
        _ => {}
    }
}

#[test]
fn only_functions_that_handle_tokens_get_the_secret_arn_and_never_the_secret() {
    let names = DataNames::from_template();
    let mut no_tokens = vec![];
    for f in Function::all() {
        let env = f.environment();
        assert!(
            !env.contains_key("JWT_SECRET"),
            "{}: JWT_SECRET (the key itself) is for local runs only",
            f.id
        );
        let reads_secret = f
            .grants(&names)
            .iter()
            .any(|(a, r)| a == "secretsmanager:GetSecretValue" && r == SECRET);
        if f.secrets() == ezshare_api::Secrets::None {
            no_tokens.push(f.binary());
            assert!(
                !env.contains_key("JWT_SECRET_ARN"),
                "{}: no JWT_SECRET_ARN",
                f.id
            );
            assert!(!reads_secret, "{}: may not read the secret", f.id);
        } else {
            let arn = env
                .get("JWT_SECRET_ARN")
                .unwrap_or_else(|| panic!("{}: JWT_SECRET_ARN is required", f.id));
            assert_eq!(ref_target(arn), Some(names.secret.as_str()), "{}", f.id);
            assert!(reads_secret, "{}: must be allowed to read the secret", f.id);
        }
    }
    assert_eq!(
        no_tokens,
        ["signup", "reconcile", "web"],
        "signup and the web client (Secrets::None) and the reconcile job alone read no secret"
    );

    // Generated by CloudFormation, long enough for the code.
    let secret = resource(&names.secret);
    assert!(
        at(secret, &["Properties", "SecretString"]).is_none(),
        "no literal secret"
    );
    let length = at(
        secret,
        &["Properties", "GenerateSecretString", "PasswordLength"],
    )
    .and_then(Value::as_u64)
    .expect("GenerateSecretString.PasswordLength");
    assert!(length as usize >= ezshare_auth::JwtSecret::MIN_BYTES);
}

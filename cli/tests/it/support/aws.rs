//! An AWS stack on moto for the tests: a moto of the test's own, tables and a bucket with
//! names no other test uses, and the environment the `ezshare` command and the Lambda
//! binaries read, exactly as a user would set it.

use std::process::Command;

use aws_config::SdkConfig;
use ezshare_emulator::{Moto, REGION, sdk_config, unique_name};
use ezshare_store::aws::AwsNames;

/// 64 hex characters: a valid `JWT_SECRET` for local runs.
pub const JWT_SECRET: &str = "5f1c0ffee0ddba11dec0de5eed5a1ad5ca1ab1e0b5e55edfacade0fabacab1e5";

/// Variables of the host that would change what the code under test talks to or how it
/// authenticates; removed from every child's environment.
const HOST_VARIABLES: &[&str] = &[
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "EZSHARE_JWT_SECRET",
];

pub struct AwsStack {
    pub moto: Moto,
    pub names: AwsNames,
}

impl AwsStack {
    /// A moto of its own (on a free port) and unique names; nothing created yet.
    pub fn start() -> AwsStack {
        AwsStack {
            moto: Moto::start(),
            names: AwsNames {
                users_table: unique_name("users"),
                sessions_table: unique_name("sessions"),
                invites_table: unique_name("invites"),
                files_table: unique_name("file-index"),
                shares_table: unique_name("shares"),
                activity_table: unique_name("activity"),
                attempts_table: unique_name("attempts"),
                tokens_table: unique_name("tokens"),
                bucket: unique_name("files"),
            },
        }
    }

    /// The environment of a process that uses this stack.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.moto.endpoint()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("USERS_TABLE", self.names.users_table.clone()),
            ("SESSIONS_TABLE", self.names.sessions_table.clone()),
            ("INVITES_TABLE", self.names.invites_table.clone()),
            ("FILES_TABLE", self.names.files_table.clone()),
            ("SHARES_TABLE", self.names.shares_table.clone()),
            ("ACTIVITY_TABLE", self.names.activity_table.clone()),
            ("ATTEMPTS_TABLE", self.names.attempts_table.clone()),
            ("TOKENS_TABLE", self.names.tokens_table.clone()),
            ("FILES_BUCKET", self.names.bucket.clone()),
            ("JWT_SECRET", JWT_SECRET.to_owned()),
        ]
    }

    /// Sets [`Self::env`] on `cmd`, first removing every ezshare setting and every AWS
    /// variable of the host that could point it elsewhere.
    pub fn configure(&self, cmd: &mut Command) {
        for var in ezshare_lambda::variables().chain(HOST_VARIABLES.iter().copied()) {
            cmd.env_remove(var);
        }
        cmd.envs(self.env());
    }

    /// Runs `ezshare bootstrap` as a process against this stack; returns its stdout.
    pub fn bootstrap_with_cli(&self) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
        cmd.arg("bootstrap");
        self.configure(&mut cmd);
        let out = cmd.output().expect("ezshare bootstrap runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "ezshare bootstrap failed ({}): {stdout}{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    }

    /// Runs `ezshare invite --backend aws --user-type <user_type>` against this stack;
    /// returns the code it printed.
    pub fn invite_with_cli(&self, user_type: &str) -> String {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
        cmd.args(["invite", "--backend", "aws", "--user-type", user_type]);
        self.configure(&mut cmd);
        super::invite_code_from(cmd)
    }

    /// An SDK config for looking at the stack from the test (static test credentials).
    pub async fn sdk(&self) -> SdkConfig {
        sdk_config(&self.moto.endpoint()).await
    }

    /// The bytes of an object in the files bucket, read with the S3 SDK.
    pub async fn object_bytes(&self, key: &str) -> Option<Vec<u8>> {
        let s3 = s3_client(&self.sdk().await);
        match s3
            .get_object()
            .bucket(&self.names.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Some(out.body.collect().await.unwrap().into_bytes().to_vec()),
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_key()) => None,
            Err(e) => panic!(
                "GetObject {key}: {}",
                aws_sdk_s3::error::DisplayErrorContext(e)
            ),
        }
    }

    /// The key of the object holding (owner, name)'s current bytes, from the files table.
    pub async fn object_key(&self, owner: &str, name: &str) -> Option<String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        use ezshare_store::aws::schema::files;
        let out = aws_sdk_dynamodb::Client::new(&self.sdk().await)
            .get_item()
            .table_name(&self.names.files_table)
            .key(files::PARTITION_KEY, AttributeValue::S(owner.to_owned()))
            .key(files::SORT_KEY, AttributeValue::S(name.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        let item = out.item?;
        Some(item[files::OBJECT_KEY].as_s().unwrap().clone())
    }

    /// The current bytes of (owner, name), as the stack holds them: the files table's entry,
    /// then its object in the bucket.
    pub async fn file_bytes(&self, owner: &str, name: &str) -> Option<Vec<u8>> {
        let key = self.object_key(owner, name).await?;
        Some(
            self.object_bytes(&key)
                .await
                .unwrap_or_else(|| panic!("the entry of {name} points at a missing {key}")),
        )
    }

    /// How many items a table holds (a consistent scan).
    pub async fn item_count(&self, table: &str) -> i32 {
        aws_sdk_dynamodb::Client::new(&self.sdk().await)
            .scan()
            .table_name(table)
            .consistent_read(true)
            .select(aws_sdk_dynamodb::types::Select::Count)
            .send()
            .await
            .unwrap()
            .count()
    }
}

/// An S3 client for moto, which serves buckets by path.
pub fn s3_client(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(sdk)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

//! End to end on DynamoDB and S3 (moto): `ezshare bootstrap` and `ezshare serve --backend
//! aws` as processes, configured only through the environment, over real HTTP. Downloads
//! go through S3 presigned URLs served by moto.

use std::process::Command;

use crate::support::aws::AwsStack;
use crate::support::{
    Server, client, form, walk_email_verification, walk_the_invitations, walk_the_original_story,
    walk_the_sharing_story,
};

/// Bytes of every value, and the sequences that trip text handling: NUL, CR LF, 0xFF.
fn binary_sample(len: usize) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
    bytes[..12].copy_from_slice(b"%PDF-1.7\r\n\x00\xff");
    bytes
}

fn serve(stack: &AwsStack, extra_env: &[(&str, &str)]) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
    cmd.args(["serve", "--backend", "aws", "--addr", "127.0.0.1:0"]);
    stack.configure(&mut cmd);
    // The server's stderr is the test's: keep it to warnings and errors.
    cmd.env("RUST_LOG", "warn").envs(extra_env.iter().copied());
    Server::spawn(cmd)
}

#[tokio::test]
async fn the_original_story_works_on_dynamodb_and_s3() {
    let stack = AwsStack::start();
    let first = stack.bootstrap_with_cli();
    for created in [
        &stack.names.users_table,
        &stack.names.sessions_table,
        &stack.names.bucket,
    ] {
        assert!(first.contains(created.as_str()), "{first}");
    }
    assert!(first.contains("TTL"), "{first}");
    let again = stack.bootstrap_with_cli();
    assert!(again.contains("nothing to do"), "{again}");

    // The original server's open behaviour, two settings away.
    let server = serve(&stack, crate::support::ORIGINAL);
    let bytes = binary_sample(300_000);
    walk_the_original_story(&server, &bytes).await;
    assert!(server.interrupt(), "Ctrl-C stops the server cleanly");

    // What the story left in the stack, seen with the SDK.
    let stored = stack.file_bytes("opsuser", "quarterly report.pdf").await;
    assert!(
        stored.as_deref() == Some(&bytes[..]),
        "the stored bytes are the upload's"
    );
    assert_eq!(stack.item_count(&stack.names.users_table).await, 2);
}

#[tokio::test]
async fn data_and_sessions_live_in_the_stack_not_the_process() {
    let stack = AwsStack::start();
    stack.bootstrap_with_cli();
    let http = client();
    let creds = form(&[("username", "keeper"), ("password", "password-123")]);
    let first = serve(&stack, crate::support::ORIGINAL);
    let r = http
        .post(first.url("/ops/signup"))
        .form(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let token = http
        .post(first.url("/ops/login"))
        .form(&creds)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.interrupt());

    // Another process on the same stack and secret: the session and the user are there.
    let second = serve(&stack, crate::support::ORIGINAL);
    let part = reqwest::multipart::Part::bytes(b"%PDF-1.4\x00\xff".to_vec()).file_name("k.pdf");
    let r = http
        .post(second.url("/ops/upload"))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("request_file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let r = http
        .post(second.url("/ops/signup"))
        .form(&creds)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);

    // A different secret: the old token no longer verifies.
    drop(second);
    let other_secret = "0".repeat(64);
    let third = serve(&stack, &[("JWT_SECRET", &other_secret)]);
    let r = http
        .post(third.url("/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

/// The defaults on DynamoDB and S3: OPS signup by invitation (the first code from `ezshare
/// invite --backend aws`), files private until shared.
#[tokio::test]
async fn invitations_and_private_sharing_on_dynamodb_and_s3() {
    let stack = AwsStack::start();
    stack.bootstrap_with_cli();
    let server = serve(&stack, &[]);
    walk_the_invitations(&server, || stack.invite_with_cli("ops")).await;
    walk_the_sharing_story(&server, &binary_sample(20_000)).await;
    assert_eq!(stack.item_count(&stack.names.invites_table).await, 2);
}

#[test]
fn serve_fails_at_startup_naming_a_missing_setting() {
    let stack = AwsStack::start();
    for missing in [
        "USERS_TABLE",
        "SESSIONS_TABLE",
        "INVITES_TABLE",
        "FILES_BUCKET",
        "JWT_SECRET",
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
        cmd.args(["serve", "--backend", "aws", "--addr", "127.0.0.1:0"]);
        stack.configure(&mut cmd);
        cmd.env_remove(missing);
        let out = cmd.output().unwrap();
        assert!(!out.status.success(), "{missing}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Without JWT_SECRET the message names the deployed setting, JWT_SECRET_ARN.
        let named = if missing == "JWT_SECRET" {
            "JWT_SECRET_ARN"
        } else {
            missing
        };
        assert!(stderr.contains(named), "{missing}: {stderr}");
        assert!(
            !String::from_utf8_lossy(&out.stdout).contains("listening"),
            "{missing}: it must not listen"
        );
    }
}

/// Data from before the files table: objects at `files/{user}/{name}`. `ezshare migrate
/// --backend aws` indexes them where they are; clients see them as before (all clients).
#[tokio::test]
async fn migrate_indexes_a_bucket_from_before_the_files_table() {
    let stack = AwsStack::start();
    stack.bootstrap_with_cli();
    let legacy = b"%PDF-1.4 from the first version".to_vec();
    crate::support::aws::s3_client(&stack.sdk().await)
        .put_object()
        .bucket(&stack.names.bucket)
        .key("files/oldops/annual report.pdf")
        .content_type("application/pdf")
        .body(legacy.clone().into())
        .send()
        .await
        .unwrap();
    let server = serve(&stack, &[("OPS_SIGNUP", "open")]);
    let http = client();
    for kind in ["ops", "client"] {
        let name = if kind == "ops" { "oldops" } else { "oldclient" };
        let r = http
            .post(server.url(&format!("/{kind}/signup")))
            .form(&form(&[("username", name), ("password", "password-123")]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 201);
    }
    let token = crate::support::login(&server, "client", "oldclient", "password-123").await;
    let listed = || {
        http.get(server.url("/client/files/oldops"))
            .bearer_auth(&token)
            .send()
    };
    let before: serde_json::Value = listed().await.unwrap().json().await.unwrap();
    assert_eq!(before["files"], serde_json::json!([]), "not indexed yet");

    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
    cmd.args(["migrate", "--backend", "aws"]);
    stack.configure(&mut cmd);
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("indexed oldops/annual report.pdf"),
        "{stdout}"
    );

    let after: serde_json::Value = listed().await.unwrap().json().await.unwrap();
    assert_eq!(after["files"][0]["name"], "annual report.pdf");
    assert_eq!(after["files"][0]["visibility"], "all_clients");
    let r = http
        .get(server.url("/client/files/oldops/annual%20report.pdf"))
        .bearer_auth(&token)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let link: serde_json::Value = r.json().await.unwrap();
    let bytes = http
        .get(link["download_link"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes == legacy, "the old object serves its bytes");
}

/// Against AWS itself (no emulator endpoint), `ezshare bootstrap` refuses and points to
/// `sam deploy`, before any call: it would make a bucket without the template's protections.
#[test]
fn bootstrap_refuses_real_aws_and_points_to_sam_deploy() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ezshare"));
    cmd.arg("bootstrap")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_DYNAMODB")
        .env_remove("AWS_ENDPOINT_URL_S3");
    for (var, value) in [
        ("USERS_TABLE", "u"),
        ("SESSIONS_TABLE", "s"),
        ("INVITES_TABLE", "i"),
        ("FILES_TABLE", "f"),
        ("SHARES_TABLE", "sh"),
        ("ACTIVITY_TABLE", "a"),
        ("ATTEMPTS_TABLE", "at"),
        ("TOKENS_TABLE", "t"),
        ("FILES_BUCKET", "b"),
    ] {
        cmd.env(var, value);
    }
    let out = cmd.output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("sam deploy"), "{stderr}");
}

/// Email verification on AWS: the link goes out through SES v2 (moto records the message),
/// and the account logs in once it is followed.
#[tokio::test]
async fn email_verification_goes_through_ses() {
    let stack = AwsStack::start();
    stack.bootstrap_with_cli();
    let sdk = stack.sdk().await;
    // SES sends only from a verified identity (moto checks it too).
    aws_sdk_sesv2::Client::new(&sdk)
        .create_email_identity()
        .email_identity("no-reply@files.example.com")
        .send()
        .await
        .unwrap();
    let env = [
        ("EMAIL_VERIFICATION", "required"),
        ("EMAIL_FROM", "no-reply@files.example.com"),
        ("PUBLIC_BASE_URL", "https://files.example.com"),
    ];
    let server = serve(&stack, &env);
    let moto = stack.moto.endpoint();
    let mail = walk_email_verification(&server, "https://files.example.com", || async {
        // What moto's SES recorded: one message, from the identity, to the address.
        let data: serde_json::Value = client()
            .get(format!("{moto}/moto-api/data.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let messages = data["ses"]["Message"]
            .as_array()
            .expect("moto's SES messages");
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert_eq!(messages[0]["source"], "no-reply@files.example.com");
        assert_eq!(
            messages[0]["destinations"]["ToAddresses"][0],
            "vera@example.com"
        );
        messages[0]["body"].as_str().unwrap().to_owned()
    })
    .await;
    assert!(mail.contains("Hello vera"), "{mail}");
}

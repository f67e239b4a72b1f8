//! The cold-start read of the JWT secret, against the emulator's Secrets Manager.

use ezshare_lambda::{SecretSource, StartupError};

#[tokio::test]
async fn reads_the_secret_once_from_secrets_manager() {
    let moto = ezshare_emulator::shared_moto();
    let sdk = ezshare_emulator::sdk_config(&moto.endpoint()).await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let name = ezshare_emulator::unique_name("jwt");
    let created = client
        .create_secret()
        .name(&name)
        .secret_string("a".repeat(48))
        .send()
        .await
        .unwrap();
    let arn = created.arn().unwrap().to_owned();
    let secret = ezshare_lambda::load_secret(&sdk, &SecretSource::SecretsManager { arn })
        .await
        .unwrap();
    assert_eq!(secret.as_bytes(), "a".repeat(48).as_bytes());
}

#[tokio::test]
async fn a_short_or_missing_secret_fails_naming_the_setting() {
    let moto = ezshare_emulator::shared_moto();
    let sdk = ezshare_emulator::sdk_config(&moto.endpoint()).await;
    let client = aws_sdk_secretsmanager::Client::new(&sdk);
    let name = ezshare_emulator::unique_name("short");
    let arn = client
        .create_secret()
        .name(&name)
        .secret_string("too-short")
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let err = ezshare_lambda::load_secret(&sdk, &SecretSource::SecretsManager { arn })
        .await
        .unwrap_err();
    assert_eq!(err.setting(), "JWT_SECRET_ARN");
    let missing = SecretSource::SecretsManager {
        arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:nope-AbCdEf".into(),
    };
    let err = ezshare_lambda::load_secret(&sdk, &missing)
        .await
        .unwrap_err();
    assert!(matches!(err, StartupError::Secret { .. }));
    assert_eq!(err.setting(), "JWT_SECRET_ARN");
}

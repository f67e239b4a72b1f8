//! An unreachable backend is `Unavailable` (retry later), not `Internal`, and fails fast; the
//! same clients work again once it is back.
#![cfg(feature = "aws")]

use std::time::{Duration, Instant};

use bytes::Bytes;
use ezshare_domain::{ContentType, FileName, SessionId, UserType, Username};
use ezshare_emulator::{Moto, sdk_config, unique_name};
use ezshare_store::aws::{AwsBackend, AwsNames, bootstrap};
use ezshare_store::{StoreError, WriteMode};

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_emulator_is_unavailable_until_it_is_back() {
    // Its own moto: stopping the binary's shared one would break the other tests.
    let moto = Moto::start();
    let config = sdk_config(&moto.endpoint()).await;
    let names = AwsNames {
        users_table: unique_name("users"),
        sessions_table: unique_name("sessions"),
        invites_table: unique_name("invites"),
        files_table: unique_name("file-index"),
        shares_table: unique_name("shares"),
        activity_table: unique_name("activity"),
        attempts_table: unique_name("attempts"),
        tokens_table: unique_name("tokens"),
        bucket: unique_name("files"),
    };
    bootstrap(&config, &names).await.unwrap();
    let stores = AwsBackend::new(&config, names.clone()).stores();
    let alice = Username::parse("alice").unwrap();
    let name = FileName::parse("a.pdf").unwrap();
    let pdf = ContentType::parse("application/pdf").unwrap();
    // Warm the clients' connection pools, so the outage also hits pooled connections.
    assert_eq!(
        stores.users.find_user(UserType::Ops, &alice).await.unwrap(),
        None
    );
    assert_eq!(stores.files.head_file(&alice, &name).await.unwrap(), None);

    moto.stop();
    let started = Instant::now();
    let unavailable = |what: &str, r: Result<(), StoreError>| match r {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("{what}: expected Unavailable, got {other:?}"),
    };
    unavailable(
        "find_user",
        stores
            .users
            .find_user(UserType::Ops, &alice)
            .await
            .map(drop),
    );
    unavailable(
        "find_session",
        stores
            .sessions
            .find_session(&SessionId::generate())
            .await
            .map(drop),
    );
    unavailable(
        "head_file",
        stores.files.head_file(&alice, &name).await.map(drop),
    );
    unavailable(
        "put_file",
        stores
            .files
            .put_file(
                &alice,
                &name,
                &pdf,
                Bytes::from_static(b"x"),
                WriteMode::CreateNew,
                ezshare_domain::Visibility::Private,
            )
            .await
            .map(drop),
    );
    // Refused connections are retried a few times with backoff, not until a timeout.
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(20),
        "four failing calls took {took:?}"
    );

    // moto comes back empty: recreate the resources, then the same clients work again.
    moto.restart();
    bootstrap(&config, &names).await.unwrap();
    assert_eq!(
        stores.users.find_user(UserType::Ops, &alice).await.unwrap(),
        None
    );
    stores
        .files
        .put_file(
            &alice,
            &name,
            &pdf,
            Bytes::from_static(b"x"),
            WriteMode::CreateNew,
            ezshare_domain::Visibility::Private,
        )
        .await
        .unwrap();
    assert!(
        stores
            .files
            .head_file(&alice, &name)
            .await
            .unwrap()
            .is_some()
    );
}

//! Mailed single-use tokens: stored by hash, found until used, used up exactly once, and
//! only for their purpose and before their expiry.

use ezshare_domain::{AccountToken, Email, UserType};
use time::{Duration, OffsetDateTime};

use super::{Harness, uname};
use crate::{StoreError, TokenPurpose, TokenRecord};

fn record(purpose: TokenPurpose, expires_in: Duration) -> TokenRecord {
    let now =
        OffsetDateTime::from_unix_timestamp(OffsetDateTime::now_utc().unix_timestamp()).unwrap();
    TokenRecord {
        purpose,
        user_type: UserType::Client,
        username: uname("carol"),
        email: Email::parse("carol@example.com").unwrap(),
        created_at: now,
        expires_at: now + expires_in,
    }
}

pub async fn token_round_trip_and_single_use(h: &Harness) {
    let t = &h.stores.tokens;
    let token = AccountToken::generate();
    let rec = record(TokenPurpose::VerifyEmail, Duration::hours(24));
    t.put_token(&token, &rec).await.unwrap();
    assert!(matches!(
        t.put_token(&token, &rec).await,
        Err(StoreError::AlreadyExists)
    ));
    assert_eq!(t.find_token(&token).await.unwrap(), Some(rec.clone()));
    assert_eq!(t.find_token(&AccountToken::generate()).await.unwrap(), None);
    let now = OffsetDateTime::now_utc();
    // Not for another purpose: nothing changes.
    assert_eq!(
        t.take_token(&token, TokenPurpose::ResetPassword, now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        t.take_token(&token, TokenPurpose::VerifyEmail, now)
            .await
            .unwrap(),
        Some(rec)
    );
    // Used up.
    assert_eq!(t.find_token(&token).await.unwrap(), None);
    assert_eq!(
        t.take_token(&token, TokenPurpose::VerifyEmail, now)
            .await
            .unwrap(),
        None
    );
}

pub async fn token_expired_cannot_be_used(h: &Harness) {
    let t = &h.stores.tokens;
    let token = AccountToken::generate();
    let rec = record(TokenPurpose::ResetPassword, Duration::hours(1));
    t.put_token(&token, &rec).await.unwrap();
    let later = rec.expires_at + Duration::seconds(1);
    assert_eq!(
        t.take_token(&token, TokenPurpose::ResetPassword, later)
            .await
            .unwrap(),
        None
    );
    // Still there (for a state page), marked expired by its own time.
    let found = t.find_token(&token).await.unwrap().unwrap();
    assert!(found.is_expired_at(later));
}

/// Twenty uses of one token at once: exactly one gets it.
pub async fn token_racing_uses_have_one_winner(h: &Harness) {
    let token = AccountToken::generate();
    let rec = record(TokenPurpose::VerifyEmail, Duration::hours(24));
    h.stores.tokens.put_token(&token, &rec).await.unwrap();
    let now = OffsetDateTime::now_utc();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let tokens = h.stores.tokens.clone();
            let token = token.clone();
            tokio::spawn(async move {
                tokens
                    .take_token(&token, TokenPurpose::VerifyEmail, now)
                    .await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

use std::time::Duration;

use ezshare_store::embedded::{EmbeddedBackend, UrlSigner};

use super::*;

struct Fixture {
    auth: Authenticator,
    sessions: Arc<dyn SessionStore>,
    _dir: tempfile::TempDir,
}

async fn fixture_with(ttl: Duration) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let backend = EmbeddedBackend::open(dir.path(), "http://x", UrlSigner::derive_from(b"k"))
        .await
        .unwrap();
    let sessions: Arc<dyn SessionStore> = backend.sessions.clone();
    let secret = JwtSecret::parse(vec![7u8; 32], "JWT_SECRET").unwrap();
    let settings = TokenSettings {
        issuer: "ezshare".into(),
        session_ttl: ttl,
    };
    Fixture {
        auth: Authenticator::new(&secret, settings, sessions.clone()),
        sessions,
        _dir: dir,
    }
}

async fn fixture() -> Fixture {
    fixture_with(TokenSettings::default().session_ttl).await
}

fn alice() -> Username {
    Username::parse("alice").unwrap()
}

fn bearer(t: &IssuedToken) -> String {
    format!("Bearer {}", t.token)
}

#[tokio::test]
async fn issued_token_authenticates_with_its_session() {
    let f = fixture().await;
    let t = f.auth.start_session(UserType::Ops, &alice()).await.unwrap();
    let caller = f.auth.authenticate(Some(&bearer(&t))).await.unwrap();
    assert_eq!(caller.username, alice());
    assert_eq!(caller.user_type, UserType::Ops);
    let stored = f
        .sessions
        .find_session(&caller.session_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.expires_at, t.expires_at);
}

#[tokio::test]
async fn session_lifetime_is_the_configured_one() {
    let f = fixture().await;
    let before = OffsetDateTime::now_utc();
    let t = f
        .auth
        .start_session(UserType::Client, &alice())
        .await
        .unwrap();
    let days = (t.expires_at - before).whole_hours() as f64 / 24.0;
    assert!((364.9..=365.1).contains(&days), "{days}");
}

#[tokio::test]
async fn scheme_is_case_insensitive_and_must_be_bearer() {
    let f = fixture().await;
    let t = f.auth.start_session(UserType::Ops, &alice()).await.unwrap();
    for ok in [
        format!("bearer {}", t.token),
        format!("BEARER  {}", t.token),
    ] {
        assert!(f.auth.authenticate(Some(&ok)).await.is_ok(), "{ok}");
    }
    for bad in [
        format!("Basic {}", t.token),
        t.token.clone(),
        "Bearer ".into(),
    ] {
        assert!(matches!(
            f.auth.authenticate(Some(&bad)).await,
            Err(AuthError::Unauthenticated(Unauthenticated::MalformedHeader))
        ));
    }
    assert!(matches!(
        f.auth.authenticate(None).await,
        Err(AuthError::Unauthenticated(Unauthenticated::MissingToken))
    ));
}

#[tokio::test]
async fn revoked_session_is_refused() {
    let f = fixture().await;
    let t = f.auth.start_session(UserType::Ops, &alice()).await.unwrap();
    let caller = f.auth.authenticate(Some(&bearer(&t))).await.unwrap();
    f.auth.end_session(&caller).await.unwrap();
    assert!(matches!(
        f.auth.authenticate(Some(&bearer(&t))).await,
        Err(AuthError::Unauthenticated(Unauthenticated::SessionNotFound))
    ));
}

#[tokio::test]
async fn logout_ends_only_that_session() {
    let f = fixture().await;
    let one = f.auth.start_session(UserType::Ops, &alice()).await.unwrap();
    let two = f.auth.start_session(UserType::Ops, &alice()).await.unwrap();
    let caller = f.auth.authenticate(Some(&bearer(&one))).await.unwrap();
    f.auth.end_session(&caller).await.unwrap();
    assert!(f.auth.authenticate(Some(&bearer(&two))).await.is_ok());
}

#[tokio::test]
async fn expired_session_is_refused_even_if_the_token_is_not() {
    let f = fixture().await;
    let t = f.auth.start_session(UserType::Ops, &alice()).await.unwrap();
    let caller = f.auth.authenticate(Some(&bearer(&t))).await.unwrap();
    // The store says the session ended (as after an admin shortening it), the JWT still runs.
    let mut s = f
        .sessions
        .find_session(&caller.session_id)
        .await
        .unwrap()
        .unwrap();
    f.sessions.delete_session(&s.id).await.unwrap();
    s.expires_at = OffsetDateTime::now_utc() - Duration::from_secs(1);
    f.sessions.create_session(&s).await.unwrap();
    assert!(matches!(
        f.auth.authenticate(Some(&bearer(&t))).await,
        Err(AuthError::Unauthenticated(Unauthenticated::SessionExpired))
    ));
}

#[tokio::test]
async fn expired_token_is_refused() {
    let f = fixture_with(Duration::from_secs(1)).await;
    let t = f.auth.start_session(UserType::Ops, &alice()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert!(matches!(
        f.auth.authenticate(Some(&bearer(&t))).await,
        Err(AuthError::Unauthenticated(Unauthenticated::TokenExpired))
    ));
}

#[tokio::test]
async fn session_must_match_subject_and_type() {
    let f = fixture().await;
    let t = f.auth.start_session(UserType::Ops, &alice()).await.unwrap();
    let caller = f.auth.authenticate(Some(&bearer(&t))).await.unwrap();
    // Swap the session's owner behind the token's back.
    let mut s = f
        .sessions
        .find_session(&caller.session_id)
        .await
        .unwrap()
        .unwrap();
    f.sessions.delete_session(&s.id).await.unwrap();
    s.username = Username::parse("mallory").unwrap();
    f.sessions.create_session(&s).await.unwrap();
    assert!(matches!(
        f.auth.authenticate(Some(&bearer(&t))).await,
        Err(AuthError::Unauthenticated(Unauthenticated::SessionMismatch))
    ));
}

#[tokio::test]
async fn wrong_user_type_is_forbidden_not_unauthenticated() {
    let f = fixture().await;
    let t = f
        .auth
        .start_session(UserType::Client, &alice())
        .await
        .unwrap();
    assert!(matches!(
        f.auth
            .authenticate_as(Some(&bearer(&t)), UserType::Ops)
            .await,
        Err(AuthError::WrongUserType {
            expected: UserType::Ops
        })
    ));
    assert!(
        f.auth
            .authenticate_as(Some(&bearer(&t)), UserType::Client)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn token_from_another_secret_is_refused() {
    let f = fixture().await;
    let other = Authenticator::new(
        &JwtSecret::parse(vec![9u8; 32], "x").unwrap(),
        TokenSettings::default(),
        f.sessions.clone(),
    );
    let t = other.start_session(UserType::Ops, &alice()).await.unwrap();
    assert!(matches!(
        f.auth.authenticate(Some(&bearer(&t))).await,
        Err(AuthError::Unauthenticated(Unauthenticated::InvalidToken))
    ));
}

use std::sync::Arc;

use ezshare_domain::{SessionId, UserType, Username};
use ezshare_store::{SessionRecord, SessionStore};
use time::OffsetDateTime;

use crate::token::{Claims, TokenKeys};
use crate::{AuthError, JwtSecret, TokenSettings, Unauthenticated};

/// An authenticated caller: a verified token whose session exists and is live.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub username: Username,
    pub user_type: UserType,
    pub session_id: SessionId,
}

/// A freshly issued bearer token.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: String,
    pub expires_at: OffsetDateTime,
}

/// Starts, checks and ends sessions. Built once per process; cheap to clone.
#[derive(Clone)]
pub struct Authenticator {
    keys: Arc<TokenKeys>,
    settings: TokenSettings,
    sessions: Arc<dyn SessionStore>,
}

impl Authenticator {
    pub fn new(
        secret: &JwtSecret,
        settings: TokenSettings,
        sessions: Arc<dyn SessionStore>,
    ) -> Self {
        Self {
            keys: Arc::new(TokenKeys::new(secret, &settings.issuer)),
            settings,
            sessions,
        }
    }

    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// Creates a session for a user whose password was verified and signs its token.
    /// The token's `exp` equals the session's expiry.
    pub async fn start_session(
        &self,
        user_type: UserType,
        username: &Username,
    ) -> Result<IssuedToken, AuthError> {
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .expect("0 ns is valid");
        let session = SessionRecord {
            id: SessionId::generate(),
            user_type,
            username: username.clone(),
            created_at: now,
            expires_at: now + self.settings.session_ttl,
        };
        let claims = Claims {
            iss: self.settings.issuer.clone(),
            sub: username.to_string(),
            aud: user_type.as_str().to_owned(),
            sid: session.id.to_string(),
            iat: now.unix_timestamp(),
            exp: session.expires_at.unix_timestamp(),
        };
        // Sign first: a signing failure then leaves no session behind.
        let token = self
            .keys
            .sign(&claims)
            .map_err(|e| AuthError::Internal(format!("jwt sign: {e}")))?;
        self.sessions.create_session(&session).await?;
        Ok(IssuedToken {
            token,
            expires_at: session.expires_at,
        })
    }

    /// Verifies an `Authorization` header value and loads its session (one consistent read).
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, AuthError> {
        let token = bearer_token(authorization)?;
        let claims = self.keys.verify(token)?;
        let session_id =
            SessionId::parse(&claims.sid).map_err(|_| Unauthenticated::InvalidToken)?;
        let username = Username::parse(&claims.sub).map_err(|_| Unauthenticated::InvalidToken)?;
        let user_type: UserType = claims
            .aud
            .parse()
            .map_err(|_| Unauthenticated::InvalidToken)?;
        let session = self
            .sessions
            .find_session(&session_id)
            .await?
            .ok_or(Unauthenticated::SessionNotFound)?;
        if session.username != username || session.user_type != user_type {
            return Err(Unauthenticated::SessionMismatch.into());
        }
        // TTL deletion lags: the store's expiry is checked here, not only the token's `exp`.
        if session.is_expired_at(OffsetDateTime::now_utc()) {
            return Err(Unauthenticated::SessionExpired.into());
        }
        Ok(Caller {
            username,
            user_type,
            session_id,
        })
    }

    /// Like [`Self::authenticate`], and the caller must be of `expected` type.
    pub async fn authenticate_as(
        &self,
        authorization: Option<&str>,
        expected: UserType,
    ) -> Result<Caller, AuthError> {
        let caller = self.authenticate(authorization).await?;
        if caller.user_type != expected {
            return Err(AuthError::WrongUserType { expected });
        }
        Ok(caller)
    }

    /// Ends the caller's session: its token is refused from now on.
    pub async fn end_session(&self, caller: &Caller) -> Result<(), AuthError> {
        Ok(self.sessions.delete_session(&caller.session_id).await?)
    }

    /// Ends every session of the caller's account, the caller's own too unless `keep_own`
    /// (a password change keeps the session that made it); returns how many ended.
    pub async fn end_all_sessions(
        &self,
        caller: &Caller,
        keep_own: bool,
    ) -> Result<usize, AuthError> {
        let keep = keep_own.then_some(&caller.session_id);
        let ended = self
            .sessions
            .delete_user_sessions(caller.user_type, &caller.username, keep)
            .await?;
        if !keep_own {
            // Never left to an index that may lag: the caller's own session ends for sure.
            self.sessions.delete_session(&caller.session_id).await?;
        }
        Ok(ended)
    }
}

/// Extracts the token from `Bearer <token>`; the scheme is case-insensitive (RFC 7235).
fn bearer_token(header: Option<&str>) -> Result<&str, Unauthenticated> {
    let header = header.ok_or(Unauthenticated::MissingToken)?;
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or(Unauthenticated::MalformedHeader)?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(Unauthenticated::MalformedHeader);
    }
    Ok(token)
}

#[cfg(test)]
mod tests;

use ezshare_domain::UserType;
use ezshare_store::StoreError;

/// Why a bearer token was not accepted. All of these answer 401; the detail is logged only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unauthenticated {
    #[error("no bearer token")]
    MissingToken,
    #[error("malformed Authorization header")]
    MalformedHeader,
    #[error("token failed verification")]
    InvalidToken,
    #[error("token expired")]
    TokenExpired,
    #[error("session does not exist (logged out or never issued)")]
    SessionNotFound,
    #[error("session does not belong to the token's subject")]
    SessionMismatch,
    #[error("session expired")]
    SessionExpired,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("not authenticated: {0}")]
    Unauthenticated(Unauthenticated),
    /// A valid session of the other user type.
    #[error("this endpoint is for {expected} users")]
    WrongUserType { expected: UserType },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Every password-hashing slot stayed taken for as long as a request may wait.
    #[error("too many password checks at once")]
    Busy,
    /// Hashing or signing failed: a bug or resource exhaustion.
    #[error("auth internal error: {0}")]
    Internal(String),
}

impl From<Unauthenticated> for AuthError {
    fn from(reason: Unauthenticated) -> Self {
        AuthError::Unauthenticated(reason)
    }
}

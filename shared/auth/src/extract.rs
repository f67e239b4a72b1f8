//! axum extractors for authenticated callers.
//!
//! They are generic over the application state through [`AuthState`], so the HTTP mapping of
//! [`AuthError`] stays in one place: the application's own error type.

use axum::extract::FromRequestParts;
use axum::response::IntoResponse;
use ezshare_domain::UserType;
use http::request::Parts;

use crate::{AuthError, Authenticator, Caller};

/// What an application state must offer for the extractors to work.
pub trait AuthState: Send + Sync {
    /// The application's error type; it decides how an [`AuthError`] looks on the wire.
    type Rejection: From<AuthError> + IntoResponse;
    fn authenticator(&self) -> &Authenticator;
}

fn authorization(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
}

/// An authenticated OPS user. A CLIENT token is refused with 403.
#[derive(Debug, Clone)]
pub struct OpsCaller(pub Caller);

/// An authenticated CLIENT user. An OPS token is refused with 403.
#[derive(Debug, Clone)]
pub struct ClientCaller(pub Caller);

/// Any authenticated user.
#[derive(Debug, Clone)]
pub struct AnyCaller(pub Caller);

impl<S: AuthState> FromRequestParts<S> for OpsCaller {
    type Rejection = S::Rejection;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = state
            .authenticator()
            .authenticate_as(authorization(parts), UserType::Ops)
            .await?;
        Ok(Self(caller))
    }
}

impl<S: AuthState> FromRequestParts<S> for ClientCaller {
    type Rejection = S::Rejection;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = state
            .authenticator()
            .authenticate_as(authorization(parts), UserType::Client)
            .await?;
        Ok(Self(caller))
    }
}

impl<S: AuthState> FromRequestParts<S> for AnyCaller {
    type Rejection = S::Rejection;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let caller = state
            .authenticator()
            .authenticate(authorization(parts))
            .await?;
        Ok(Self(caller))
    }
}

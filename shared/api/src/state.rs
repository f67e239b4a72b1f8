use std::sync::Arc;

use ezshare_auth::extract::AuthState;
use ezshare_auth::{Authenticator, JwtSecret};
use ezshare_store::Stores;

use crate::{ApiError, Settings};

/// Everything a handler needs, built once per process (per Lambda cold start) and cloned
/// cheaply into each request.
#[derive(Clone)]
pub struct AppState {
    pub stores: Stores,
    pub auth: Authenticator,
    pub settings: Arc<Settings>,
}

impl AppState {
    pub fn new(stores: Stores, secret: &JwtSecret, settings: Settings) -> Self {
        let auth = Authenticator::new(secret, settings.token.clone(), stores.sessions.clone());
        Self {
            stores,
            auth,
            settings: Arc::new(settings),
        }
    }
}

impl AuthState for AppState {
    type Rejection = ApiError;
    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }
}

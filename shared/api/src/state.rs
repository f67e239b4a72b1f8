use std::sync::Arc;

use ezshare_auth::extract::AuthState;
use ezshare_auth::password::Hasher;
use ezshare_auth::{Authenticator, JwtSecret};
use ezshare_mail::{Mailer, NoMailer};
use ezshare_store::Stores;

use crate::{ApiError, Settings};

/// Everything a handler needs, built once per process (per Lambda cold start) and cloned
/// cheaply into each request.
#[derive(Clone)]
pub struct AppState {
    pub stores: Stores,
    pub auth: Authenticator,
    pub settings: Arc<Settings>,
    /// Every password hash and verification of the process goes through it.
    pub hasher: Arc<Hasher>,
    /// Where verification and reset mail goes ([`NoMailer`] unless set).
    pub mailer: Arc<dyn Mailer>,
}

impl AppState {
    /// With the local server's hashing slots ([`Hasher::local_default_slots`]);
    /// [`Self::with_hasher`] sets others.
    pub fn new(stores: Stores, secret: &JwtSecret, settings: Settings) -> Self {
        let auth = Authenticator::new(secret, settings.token.clone(), stores.sessions.clone());
        Self {
            stores,
            auth,
            settings: Arc::new(settings),
            hasher: Arc::new(Hasher::new(Hasher::local_default_slots())),
            mailer: Arc::new(NoMailer),
        }
    }

    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    pub fn with_hasher(mut self, hasher: Hasher) -> Self {
        self.hasher = Arc::new(hasher);
        self
    }
}

impl AuthState for AppState {
    type Rejection = ApiError;
    fn authenticator(&self) -> &Authenticator {
        &self.auth
    }
}

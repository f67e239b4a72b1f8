//! Test support shared by the endpoint crates: a fresh app on the embedded backend
//! ([`TestApp`]), users and tokens made directly through the stores, and request helpers
//! that drive a router with `tower::ServiceExt::oneshot`.

mod multipart;
mod request;

use axum::Router;
use ezshare_api::{AppState, Settings};
use ezshare_auth::JwtSecret;
use ezshare_domain::{FileName, InviteCode, Password, UserType, Username, Visibility};
use ezshare_store::embedded::{EmbeddedBackend, UrlSigner};
use ezshare_store::{InviteRecord, Stores, UserRecord};
use time::OffsetDateTime;

pub use multipart::{FilePart, multipart_body};
pub use request::{TestResponse, get, json_request, post_json, send};

/// The password every test user gets.
pub const PASSWORD: &str = "correct horse battery";
pub const SECRET: &[u8] = b"test-secret-test-secret-test-secret!";

/// A fresh embedded backend in a temp dir and the state built on it.
pub struct TestApp {
    pub state: AppState,
    pub backend: EmbeddedBackend,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_settings(Settings::default()).await
    }

    pub async fn with_settings(settings: Settings) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let backend = EmbeddedBackend::open(
            dir.path(),
            "http://127.0.0.1:9",
            UrlSigner::derive_from(SECRET),
        )
        .await
        .expect("embedded backend opens");
        let secret = JwtSecret::parse(SECRET, "test").unwrap();
        // Mail goes to an outbox in the test's own folder, which `outbox` reads.
        let from = ezshare_domain::Email::parse("ezshare@localhost.test").unwrap();
        let mailer =
            std::sync::Arc::new(ezshare_mail::Outbox::new(dir.path().join("outbox"), from));
        let state = AppState::new(backend.stores(), &secret, settings).with_mailer(mailer);
        Self {
            state,
            backend,
            _dir: dir,
        }
    }

    /// The default settings, but with OPS signup open to anyone (the original server's
    /// behaviour), for tests about something other than invitations.
    pub fn open_signup() -> Settings {
        Settings {
            ops_signup: ezshare_api::SignupPolicy::Open,
            ..Settings::default()
        }
    }

    /// The original server's behaviour: open OPS signup, every new file visible to every
    /// client.
    pub fn original_behaviour() -> Settings {
        Settings {
            new_file_visibility: ezshare_domain::Visibility::AllClients,
            ..Self::open_signup()
        }
    }

    /// Stores a fresh invite for `user_type`, valid for an hour, as `ezshare invite` would;
    /// returns its code.
    pub async fn invite(&self, user_type: UserType, email: Option<&str>) -> String {
        let now = OffsetDateTime::now_utc();
        let invite = InviteRecord {
            code: InviteCode::generate(),
            user_type,
            email: email.map(|e| ezshare_domain::Email::parse(e).unwrap()),
            created_by: None,
            created_at: now,
            expires_at: now + time::Duration::hours(1),
        };
        self.stores().invites.create_invite(&invite).await.unwrap();
        invite.code.as_str().to_owned()
    }

    pub fn stores(&self) -> &Stores {
        &self.state.stores
    }

    /// The endpoint's routes made servable exactly as in production, beside the local
    /// server's signed-link routes (so links the endpoint hands out can be followed).
    pub fn router(&self, routes: Router<AppState>) -> Router {
        ezshare_api::finish(routes.merge(self.local_routes()), self.state.clone())
    }

    fn local_routes(&self) -> Router<AppState> {
        ezshare_local_routes::routes(self.backend.files.clone(), self.backend.staging.clone())
    }

    /// Sends a request to a URL of the local server (a signed link), through its real route.
    async fn follow(
        &self,
        url: &str,
        request: http::request::Builder,
        body: Vec<u8>,
    ) -> TestResponse {
        let path = url
            .find("/_local/")
            .map(|at| &url[at..])
            .unwrap_or_else(|| panic!("not a local signed link: {url}"));
        let router = self.router(Router::new());
        send(
            &router,
            request
                .uri(path)
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Stores a user with [`PASSWORD`] (really hashed), bypassing the signup endpoint.
    pub async fn create_user(&self, user_type: UserType, name: &str) -> Username {
        let username = Username::parse(name).unwrap();
        let hash = self
            .state
            .hasher
            .hash(Password::parse(PASSWORD).unwrap())
            .await
            .unwrap();
        self.stores()
            .users
            .create_user(&UserRecord {
                user_type,
                username: username.clone(),
                password_hash: hash,
                email: None,
                email_verified: false,
                name: None,
                created_at: OffsetDateTime::now_utc(),
            })
            .await
            .unwrap();
        username
    }

    /// Every message mailed so far (RFC 5322 text), oldest first.
    pub fn outbox(&self) -> Vec<String> {
        ezshare_mail::Outbox::new(
            self._dir.path().join("outbox"),
            ezshare_domain::Email::parse("ezshare@localhost.test").unwrap(),
        )
        .messages()
        .unwrap()
    }

    /// The last token mailed (the value after `token=` in a link, or a line of its own).
    pub fn last_mailed_token(&self) -> String {
        let message = self.outbox().pop().expect("a message was mailed");
        message
            .split("token=")
            .nth(1)
            .map(|rest| {
                rest.chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c))
                    .collect()
            })
            .expect("a token in the message")
    }

    /// Creates the user and logs them in: `Bearer …` ready for an Authorization header.
    pub async fn bearer(&self, user_type: UserType, name: &str) -> String {
        let username = self.create_user(user_type, name).await;
        self.bearer_for(user_type, &username).await
    }

    /// Stores a file directly (no endpoint, no type policy), visible to every client, as an
    /// upload from before private sharing would be.
    pub async fn put_file(&self, owner: &str, name: &str, bytes: Vec<u8>) {
        self.put_file_as(owner, name, bytes, Visibility::AllClients)
            .await;
    }

    /// Stores a file directly with the given visibility.
    pub async fn put_file_as(&self, owner: &str, name: &str, bytes: Vec<u8>, v: Visibility) {
        self.stores()
            .files
            .put_file(
                &Username::parse(owner).unwrap(),
                &FileName::parse(name).unwrap(),
                &ezshare_domain::ContentType::octet_stream(),
                bytes::Bytes::from(bytes),
                ezshare_store::WriteMode::CreateNew,
                v,
            )
            .await
            .unwrap();
    }

    /// The stored bytes of a file, read back through a signed download link, exactly as a
    /// downloader would get them. `None` if the file does not exist.
    pub async fn stored_bytes(&self, owner: &str, name: &str) -> Option<Vec<u8>> {
        let (owner, name) = (
            Username::parse(owner).unwrap(),
            FileName::parse(name).unwrap(),
        );
        let file = self
            .stores()
            .files
            .head_file(&owner, &name)
            .await
            .unwrap()?;
        let link = self
            .stores()
            .files
            .presign_download(&owner, &file, std::time::Duration::from_secs(60))
            .await
            .unwrap();
        let got = self
            .follow(&link.url, http::Request::builder().method("GET"), vec![])
            .await;
        match got.status.as_u16() {
            200 => Some(got.body.to_vec()),
            404 => None,
            _ => panic!("our own download link fails: {}", got.text()),
        }
    }

    /// Sends `body` to the upload URL of a `POST /ops/uploads` answer, as a client's PUT to the
    /// local server would; `content_type` as the client sends it. `Err`: the route's answer.
    pub async fn deliver(
        &self,
        created: &serde_json::Value,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<(), TestResponse> {
        let url = created["upload_url"].as_str().expect("upload_url");
        let mut request = http::Request::builder()
            .method("PUT")
            .header("content-type", content_type)
            .header("content-length", body.len());
        // The other headers the URL was signed with (a checksum), as a client sends them.
        if let Some(headers) = created["headers"].as_object() {
            for (name, value) in headers {
                let name = name.to_ascii_lowercase();
                if name != "content-type" && name != "content-length" {
                    request = request.header(name, value.as_str().expect("a header value"));
                }
            }
        }
        let got = self.follow(url, request, body).await;
        if got.status == http::StatusCode::OK {
            Ok(())
        } else {
            Err(got)
        }
    }

    /// Sends `body` to one part URL of a `POST /ops/uploads/{id}/parts` answer (`{"url",
    /// "headers"}`), as a client's PUT to the local server would. `Err`: the route's answer.
    pub async fn deliver_part(
        &self,
        part: &serde_json::Value,
        body: Vec<u8>,
    ) -> Result<(), TestResponse> {
        let url = part["url"].as_str().expect("url");
        let mut request = http::Request::builder()
            .method("PUT")
            .header("content-length", body.len());
        if let Some(headers) = part["headers"].as_object() {
            for (name, value) in headers {
                let name = name.to_ascii_lowercase();
                if name != "content-length" {
                    request = request.header(name, value.as_str().expect("a header value"));
                }
            }
        }
        let got = self.follow(url, request, body).await;
        if got.status == http::StatusCode::OK {
            Ok(())
        } else {
            Err(got)
        }
    }

    /// A new session for an existing user.
    pub async fn bearer_for(&self, user_type: UserType, username: &Username) -> String {
        let issued = self
            .state
            .auth
            .start_session(user_type, username)
            .await
            .unwrap();
        format!("Bearer {}", issued.token)
    }
}

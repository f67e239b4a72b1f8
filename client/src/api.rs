//! The API's routes as calls: one method per route the commands use, JSON in and out,
//! every refusal turned into a [`ClientError`] with the API's code and message.

use reqwest::header::{ACCEPT, AUTHORIZATION};
use reqwest::{Body, Method, Response, Url};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::ClientError;

pub struct Api {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
}

/// `POST /ops/uploads`' answer: where to send the bytes.
#[derive(Debug, serde::Deserialize)]
pub struct DirectUpload {
    pub upload_id: String,
    pub upload_url: String,
    pub method: String,
    #[serde(default)]
    pub headers: serde_json::Map<String, Value>,
}

/// `GET /ops/limits`.
#[derive(Debug, Clone, Copy, serde::Deserialize)]
pub struct Limits {
    pub max_upload_bytes: u64,
    pub max_direct_upload_bytes: u64,
    pub multipart_threshold_bytes: u64,
}

/// `POST /ops/uploads` answering a multipart upload.
#[derive(Debug, serde::Deserialize)]
pub struct MultipartStart {
    pub upload_id: String,
    pub part_size: u64,
    pub part_count: u32,
    #[serde(default)]
    pub part_checksums: bool,
}

/// `GET /ops/uploads/{id}`.
#[derive(Debug, serde::Deserialize)]
pub struct UploadStatus {
    /// `receiving` or `assembled`.
    pub state: String,
    #[serde(default)]
    pub parts: Vec<StoredPart>,
}

#[derive(Debug, serde::Deserialize)]
pub struct StoredPart {
    pub part_number: u32,
    pub size: u64,
}

#[derive(Debug, serde::Deserialize)]
struct SignedParts {
    parts: Vec<SignedPart>,
}

#[derive(Debug, serde::Deserialize)]
pub struct SignedPart {
    pub part_number: u32,
    pub url: String,
    pub method: String,
    #[serde(default)]
    pub headers: serde_json::Map<String, Value>,
}

impl Api {
    pub fn new(server: &str, token: Option<String>) -> Result<Self, ClientError> {
        // One crypto provider for the process; a second install (tests) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = Url::parse(server)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                ClientError::Usage(format!(
                    "server {server:?} is not an http(s) URL such as https://api.example.com"
                ))
            })?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("ezshare/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(std::time::Duration::from_secs(15))
            .build()?;
        Ok(Self { http, base, token })
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The URL of `segments` under the base, each segment percent-encoded.
    pub fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("an http(s) URL has a path")
            .pop_if_empty()
            .extend(segments);
        url
    }

    fn request(&self, method: Method, segments: &[&str]) -> reqwest::RequestBuilder {
        let builder = self
            .http
            .request(method, self.url(segments))
            .header(ACCEPT, "application/json");
        match &self.token {
            Some(token) => builder.header(AUTHORIZATION, format!("Bearer {token}")),
            None => builder,
        }
    }

    async fn send(builder: reqwest::RequestBuilder) -> Result<Response, ClientError> {
        let response = builder.send().await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            let status = response.status().as_u16();
            let body = response.bytes().await.unwrap_or_default();
            Err(ClientError::from_response(status, &body))
        }
    }

    async fn json<T: DeserializeOwned>(builder: reqwest::RequestBuilder) -> Result<T, ClientError> {
        let response = Self::send(builder).await?;
        response.json().await.map_err(|e| {
            ClientError::Server(format!("the server's answer is not the expected JSON: {e}"))
        })
    }

    pub async fn login(
        &self,
        user_type: &str,
        username: &str,
        password: &str,
    ) -> Result<String, ClientError> {
        let body: Value = Self::json(
            self.request(Method::POST, &[user_type, "login"])
                .json(&json!({"username": username, "password": password})),
        )
        .await?;
        body.get("token")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| ClientError::Server("the login answer has no token".into()))
    }

    pub async fn logout(&self, all: bool) -> Result<(), ClientError> {
        let builder = self.request(Method::POST, &["logout"]);
        let builder = if all {
            builder.query(&[("all", "true")])
        } else {
            builder
        };
        Self::send(builder).await.map(drop)
    }

    /// Every page of a listing, merged: the first page's object with all `files`.
    pub async fn list(&self, segments: &[&str]) -> Result<Value, ClientError> {
        let mut cursor: Option<String> = None;
        let mut first: Option<Value> = None;
        let mut files = Vec::new();
        loop {
            let mut builder = self
                .request(Method::GET, segments)
                .query(&[("limit", "1000")]);
            if let Some(c) = &cursor {
                builder = builder.query(&[("cursor", c)]);
            }
            let mut page: Value = Self::json(builder).await?;
            if let Some(Value::Array(items)) = page.get_mut("files").map(Value::take) {
                files.extend(items);
            }
            cursor = page
                .get("next_cursor")
                .and_then(Value::as_str)
                .map(str::to_owned);
            first.get_or_insert(page);
            if cursor.is_none() {
                break;
            }
        }
        let mut merged = first.unwrap_or_else(|| json!({}));
        merged["files"] = Value::Array(files);
        merged["next_cursor"] = Value::Null;
        Ok(merged)
    }

    pub async fn download_link(&self, ops: &str, name: &str) -> Result<Value, ClientError> {
        Self::json(self.request(Method::GET, &["client", "files", ops, name])).await
    }

    pub async fn delete_file(&self, name: &str) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, &["ops", "files", name]))
            .await
            .map(drop)
    }

    pub async fn share(&self, name: &str, client: &str, body: Value) -> Result<Value, ClientError> {
        Self::json(
            self.request(Method::PUT, &["ops", "files", name, "shares", client])
                .json(&body),
        )
        .await
    }

    pub async fn unshare(&self, name: &str, client: &str) -> Result<(), ClientError> {
        Self::send(self.request(Method::DELETE, &["ops", "files", name, "shares", client]))
            .await
            .map(drop)
    }

    /// `POST /ops/upload`: the whole file in one multipart request (small files).
    pub async fn upload(
        &self,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
        overwrite: bool,
    ) -> Result<Value, ClientError> {
        let part = reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(content_type)
            .map_err(|e| ClientError::Usage(format!("content type {content_type}: {e}")))?;
        let form = reqwest::multipart::Form::new().part("request_file", part);
        let builder = self
            .request(Method::POST, &["ops", "upload"])
            .multipart(form);
        Self::json(with_overwrite(builder, overwrite)).await
    }

    /// `POST /ops/uploads`: announces a direct upload.
    /// `POST /ops/uploads`: announces a direct upload, with the bytes' SHA-256 (hex), which
    /// storage then holds the bytes to.
    pub async fn create_upload(
        &self,
        name: &str,
        size: u64,
        content_type: &str,
        sha256: &str,
    ) -> Result<DirectUpload, ClientError> {
        Self::json(
            self.request(Method::POST, &["ops", "uploads"])
                .json(&json!({
                    "name": name, "size": size, "content_type": content_type, "sha256": sha256,
                })),
        )
        .await
    }

    /// Sends the bytes to a presigned URL, with the headers the signature covers.
    /// S3 refuses a chunked PUT, so the length goes along even for a streamed body.
    pub async fn put_presigned(
        &self,
        upload: &DirectUpload,
        size: u64,
        body: Body,
    ) -> Result<(), ClientError> {
        self.put_signed(
            &upload.upload_url,
            &upload.method,
            &upload.headers,
            size,
            body,
        )
        .await
    }

    /// The sizes that decide an upload's path; `None` from a server older than multipart
    /// uploads (it has no such route).
    pub async fn limits(&self) -> Result<Option<Limits>, ClientError> {
        match Self::json(self.request(Method::GET, &["ops", "limits"])).await {
            Ok(limits) => Ok(Some(limits)),
            Err(ClientError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    pub async fn create_multipart(
        &self,
        name: &str,
        size: u64,
        content_type: &str,
        sha256: &str,
    ) -> Result<MultipartStart, ClientError> {
        Self::json(
            self.request(Method::POST, &["ops", "uploads"])
                .json(&json!({
                    "name": name, "size": size, "content_type": content_type, "sha256": sha256,
                    "multipart": true,
                })),
        )
        .await
    }

    /// Where a multipart upload stands; `None` once it is gone (completed, aborted, expired).
    pub async fn upload_status(
        &self,
        upload_id: &str,
    ) -> Result<Option<UploadStatus>, ClientError> {
        match Self::json(self.request(Method::GET, &["ops", "uploads", upload_id])).await {
            Ok(status) => Ok(Some(status)),
            Err(ClientError::Refused { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A presigned URL for one part, signed with its digest when given.
    pub async fn sign_part(
        &self,
        upload_id: &str,
        part_number: u32,
        sha256: Option<&str>,
    ) -> Result<SignedPart, ClientError> {
        let part = match sha256 {
            Some(sha256) => json!({"part_number": part_number, "sha256": sha256}),
            None => json!({"part_number": part_number}),
        };
        let mut signed: SignedParts = Self::json(
            self.request(Method::POST, &["ops", "uploads", upload_id, "parts"])
                .json(&json!({ "parts": [part] })),
        )
        .await?;
        signed
            .parts
            .pop()
            .filter(|p| p.part_number == part_number)
            .ok_or_else(|| ClientError::Server(format!("no URL for part {part_number}")))
    }

    pub async fn put_part(&self, part: &SignedPart, body: bytes::Bytes) -> Result<(), ClientError> {
        let size = body.len() as u64;
        self.put_signed(
            &part.url,
            &part.method,
            &part.headers,
            size,
            Body::from(body),
        )
        .await
    }

    async fn put_signed(
        &self,
        url: &str,
        method: &str,
        headers: &serde_json::Map<String, Value>,
        size: u64,
        body: Body,
    ) -> Result<(), ClientError> {
        let method = Method::from_bytes(method.as_bytes())
            .map_err(|_| ClientError::Server(format!("unknown method {method}")))?;
        let mut builder = self
            .http
            .request(method, url)
            .header(reqwest::header::CONTENT_LENGTH, size)
            .body(body);
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("content-length") {
                continue;
            }
            if let Some(value) = value.as_str() {
                builder = builder.header(name, value);
            }
        }
        Self::send(builder).await.map(drop)
    }

    pub async fn complete_upload(
        &self,
        upload_id: &str,
        overwrite: bool,
    ) -> Result<Value, ClientError> {
        let builder = self.request(Method::POST, &["ops", "uploads", upload_id, "complete"]);
        Self::json(with_overwrite(builder, overwrite)).await
    }
}

fn with_overwrite(builder: reqwest::RequestBuilder, overwrite: bool) -> reqwest::RequestBuilder {
    if overwrite {
        builder.query(&[("overwrite", "true")])
    } else {
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded_under_the_base_path() {
        let api = Api::new("https://api.example.com/prefix/", None).unwrap();
        assert_eq!(
            api.url(&["client", "files", "alice", "Q1 report #2.pdf"])
                .as_str(),
            "https://api.example.com/prefix/client/files/alice/Q1%20report%20%232.pdf"
        );
        let api = Api::new("http://127.0.0.1:3000", None).unwrap();
        assert_eq!(
            api.url(&["ops", "files", "a/b"]).as_str(),
            "http://127.0.0.1:3000/ops/files/a%2Fb"
        );
    }

    #[test]
    fn a_server_must_be_an_http_url() {
        for bad in ["api.example.com", "ftp://x", "http://"] {
            assert!(
                matches!(Api::new(bad, None), Err(ClientError::Usage(_))),
                "{bad}"
            );
        }
    }
}

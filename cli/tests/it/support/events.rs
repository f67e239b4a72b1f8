//! The API Gateway HTTP API (payload 2.0) event fixtures under `events/`, one per Lambda
//! function, and the few rewrites the tests make to them.
//!
//! The fixtures that need a session carry a placeholder bearer token (no fixed token can be
//! valid against a fresh backend): tests log in first and substitute the real token with
//! [`Event::with_bearer`], then hand the rewritten event to the function.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

/// Every Lambda function, by name (its binary, its folder under `functions/`): the
/// endpoint table's. `events/<name>.json` is its fixture.
pub fn functions() -> impl Iterator<Item = &'static str> {
    ezshare::ENDPOINTS.iter().map(|e| e.name)
}

/// The multipart field the upload fixture's file is in.
pub const FILE_FIELD: &str = "request_file";

/// `<workspace>/events`
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// One event, as JSON, ready to be rewritten.
#[derive(Debug, Clone)]
pub struct Event {
    pub function: String,
    pub json: Value,
}

impl Event {
    /// `events/<function>.json`
    pub fn load(function: &str) -> Event {
        let path = dir().join(format!("{function}.json"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let json = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
        Event {
            function: function.to_owned(),
            json,
        }
    }

    pub fn text(&self) -> String {
        serde_json::to_string_pretty(&self.json).unwrap()
    }

    pub fn route_key(&self) -> &str {
        self.json["routeKey"].as_str().expect("routeKey")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.json["headers"][name].as_str()
    }

    pub fn set_header(&mut self, name: &str, value: &str) -> &mut Self {
        self.json["headers"][name] = json!(value);
        self
    }

    /// Replaces the placeholder token with a real one (`token` with or without `Bearer `).
    pub fn with_bearer(mut self, token: &str) -> Event {
        let token = token.strip_prefix("Bearer ").unwrap_or(token);
        self.set_header("authorization", &format!("Bearer {token}"));
        self
    }

    /// The same JSON body with its `invite_code` replaced (the fixture carries a placeholder:
    /// a real code comes from `ezshare invite`).
    pub fn with_invite(self, code: &str) -> Event {
        let mut body: Value = serde_json::from_slice(&self.body_bytes()).expect("a JSON body");
        body["invite_code"] = json!(code);
        self.with_body("application/json", body.to_string().as_bytes(), true)
    }

    /// A new body, sent as API Gateway would (base64 unless `as_text`).
    pub fn with_body(mut self, content_type: &str, body: &[u8], as_text: bool) -> Event {
        let encoded = if as_text {
            String::from_utf8(body.to_vec()).expect("a text body is UTF-8")
        } else {
            BASE64.encode(body)
        };
        self.json["body"] = json!(encoded);
        self.json["isBase64Encoded"] = json!(!as_text);
        self.set_header("content-type", content_type);
        self.set_header("content-length", &body.len().to_string());
        self
    }

    /// The body's bytes, as the function must see them.
    pub fn body_bytes(&self) -> Vec<u8> {
        let Some(body) = self.json["body"].as_str() else {
            return vec![];
        };
        if self.json["isBase64Encoded"].as_bool().unwrap_or(false) {
            BASE64.decode(body).expect("the body is valid base64")
        } else {
            body.as_bytes().to_vec()
        }
    }

    /// The `request_file` part of a multipart body: (file name, bytes). Parsed by hand, so
    /// the oracle does not share a parser with the code under test.
    pub fn upload_part(&self) -> (String, Vec<u8>) {
        let content_type = self.header("content-type").expect("content-type");
        let boundary = content_type
            .split(';')
            .map(str::trim)
            .find_map(|p| p.strip_prefix("boundary="))
            .expect("a multipart boundary")
            .trim_matches('"');
        let body = self.body_bytes();
        let delimiter = format!("--{boundary}").into_bytes();
        let mut parts = split(&body, &delimiter);
        parts.remove(0); // the preamble
        for part in parts {
            if part.starts_with(b"--") {
                break; // the closing delimiter
            }
            let part = part
                .strip_prefix(b"\r\n")
                .expect("CRLF after the delimiter");
            let header_end = find(part, b"\r\n\r\n").expect("part headers end");
            let headers = std::str::from_utf8(&part[..header_end]).expect("ASCII headers");
            let content = part[header_end + 4..]
                .strip_suffix(b"\r\n")
                .expect("CRLF before the next delimiter");
            let disposition = headers
                .lines()
                .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
                .expect("Content-Disposition");
            if !disposition.contains(&format!("name=\"{FILE_FIELD}\"")) {
                continue;
            }
            let file_name = disposition
                .split("filename=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .expect("a filename")
                .to_owned();
            return (file_name, content.to_vec());
        }
        panic!("no {FILE_FIELD} part in the {} event", self.function);
    }
}

/// Percent-encodes a path segment (what a client sends; API Gateway keeps it in rawPath).
pub fn path_encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Splits on every occurrence of `delimiter`.
fn split<'a>(mut haystack: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = vec![];
    while let Some(at) = find(haystack, delimiter) {
        out.push(&haystack[..at]);
        haystack = &haystack[at + delimiter.len()..];
    }
    out.push(haystack);
    out
}

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

/// Every Lambda function, by binary name (= its directory under `functions/`);
/// `events/<name>.json` is its fixture. A test checks this against `functions/`.
pub const FUNCTIONS: &[&str] = &[
    "signup",
    "login",
    "logout",
    "upload",
    "list-files",
    "download",
    "ops-files",
    "delete-file",
    "create-upload",
    "complete-upload",
];

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

    /// Sends the event to another route of the same function (e.g. `/ops/login` →
    /// `/client/login`), keeping every place API Gateway writes the route consistent.
    pub fn with_route(mut self, method: &str, route: &str, raw_path: &str) -> Event {
        let route_key = format!("{method} {route}");
        self.json["routeKey"] = json!(route_key);
        self.json["rawPath"] = json!(raw_path);
        let context = &mut self.json["requestContext"];
        context["routeKey"] = json!(route_key);
        context["http"]["method"] = json!(method);
        context["http"]["path"] = json!(raw_path);
        self
    }

    /// Sets a path parameter, and the raw path to match (as API Gateway would send both).
    pub fn with_path_parameter(mut self, name: &str, value: &str) -> Event {
        self.json["pathParameters"][name] = json!(value);
        let route = self.route_key().split_once(' ').unwrap().1.to_owned();
        let mut raw_path = route.clone();
        for (key, value) in self.json["pathParameters"].as_object().unwrap() {
            let encoded = path_encode(value.as_str().unwrap());
            raw_path = raw_path.replace(&format!("{{{key}}}"), &encoded);
        }
        self.json["rawPath"] = json!(raw_path);
        self.json["requestContext"]["http"]["path"] = json!(raw_path);
        self
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

    pub fn with_json_body(self, body: Value) -> Event {
        self.with_body("application/json", body.to_string().as_bytes(), true)
    }

    pub fn with_form_body(self, pairs: &[(&str, &str)]) -> Event {
        let form = serde_urlencoded(pairs);
        self.with_body("application/x-www-form-urlencoded", form.as_bytes(), false)
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

    /// Writes the event where `cargo lambda invoke --data-file` can read it.
    pub fn write_to(&self, dir: &Path, tag: &str) -> PathBuf {
        let path = dir.join(format!("{}-{tag}.json", self.function));
        std::fs::write(&path, self.text()).unwrap();
        path
    }
}

fn serde_urlencoded(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
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

/// A parsed API Gateway v2 response, as `cargo lambda invoke` prints it.
#[derive(Debug, Clone)]
pub struct LambdaResponse(pub Value);

impl LambdaResponse {
    pub fn status(&self) -> u16 {
        self.0["statusCode"].as_u64().expect("statusCode") as u16
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.0["headers"][name].as_str()
    }

    pub fn body_bytes(&self) -> Vec<u8> {
        let body = self.0["body"].as_str().unwrap_or_default();
        if self.0["isBase64Encoded"].as_bool().unwrap_or(false) {
            BASE64.decode(body).expect("base64 body")
        } else {
            body.as_bytes().to_vec()
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body_bytes())
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", self.0))
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) -> &Self {
        assert_eq!(self.status(), status, "{:#}", self.0);
        self
    }
}

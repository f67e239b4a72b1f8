//! What only the invocations of the real Lambda binaries need (`--features aws`): events
//! rewritten for another route or body, written to files, and the functions' responses.

use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value, json};

use super::events::{Event, path_encode};

impl Event {
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

    pub fn with_json_body(self, body: Value) -> Event {
        self.with_body("application/json", body.to_string().as_bytes(), true)
    }

    pub fn with_form_body(self, pairs: &[(&str, &str)]) -> Event {
        let form = serde_urlencoded(pairs);
        self.with_body("application/x-www-form-urlencoded", form.as_bytes(), false)
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

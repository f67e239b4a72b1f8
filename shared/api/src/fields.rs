use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use bytes::Bytes;
use ezshare_domain::ValidationError;
use http::header::CONTENT_TYPE;

use crate::ApiError;

/// Largest body a form of fields may have; signup and login are a few hundred bytes.
const MAX_FIELDS_BODY: usize = 64 * 1024;

/// Most multipart fields a form may have (the largest form here has five).
const MAX_FIELDS: usize = 32;

/// Named text fields from a JSON object, a urlencoded form or a multipart form (fields only):
/// the original Flask server was driven from Postman forms, so all three are accepted.
#[derive(Debug, Default)]
pub struct Fields(HashMap<String, Field>);

/// One field's value as sent. Forms only have text; JSON may also send a number (read as its
/// text where a number is meant, so `{"size": 123}` reads like the form field `size=123`) or
/// a boolean, which only flags take.
#[derive(Debug)]
enum Field {
    Text(String),
    Number(String),
    Bool(bool),
}

impl Fields {
    /// The text field's value; absent or empty → 400 `missing_field`.
    pub fn required(&self, name: &'static str) -> Result<&str, ApiError> {
        self.optional(name)?
            .ok_or(ApiError::MissingField { field: name })
    }

    /// The text field's value; an empty value counts as absent. A JSON number or boolean is
    /// 400 `invalid_field`: `{"username": false}` is not the name "false".
    pub fn optional(&self, name: &'static str) -> Result<Option<&str>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Field::Text(v)) => Ok(Some(v.as_str()).filter(|v| !v.is_empty())),
            Some(Field::Number(_) | Field::Bool(_)) => {
                Err(ValidationError::new(name, "must be a string").into())
            }
        }
    }

    /// A numeric field's text, from a form or a JSON string or number; absent or empty → 400
    /// `missing_field`. The caller parses it.
    pub fn required_number(&self, name: &'static str) -> Result<&str, ApiError> {
        self.optional_number(name)?
            .ok_or(ApiError::MissingField { field: name })
    }

    /// As [`Fields::required_number`], absent or empty → `None`.
    pub fn optional_number(&self, name: &'static str) -> Result<Option<&str>, ApiError> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Field::Text(v) | Field::Number(v)) => {
                Ok(Some(v.as_str()).filter(|v| !v.is_empty()))
            }
            Some(Field::Bool(_)) => Err(ValidationError::new(name, "must be a number").into()),
        }
    }

    /// A yes/no field: a JSON boolean, or the text `true`/`false` from a form; absent or
    /// empty → `false`.
    pub fn flag(&self, name: &'static str) -> Result<bool, ApiError> {
        match self.0.get(name) {
            None => Ok(false),
            Some(Field::Bool(b)) => Ok(*b),
            Some(Field::Text(v)) => match v.trim() {
                "" | "false" => Ok(false),
                "true" => Ok(true),
                _ => Err(ValidationError::new(name, "must be true or false").into()),
            },
            Some(Field::Number(_)) => {
                Err(ValidationError::new(name, "must be true or false").into())
            }
        }
    }

    pub async fn parse(content_type: Option<&str>, body: Bytes) -> Result<Self, ApiError> {
        let Some(content_type) = content_type else {
            return if body.is_empty() {
                Ok(Self::default())
            } else {
                Err(unsupported())
            };
        };
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/json" => from_json(&body),
            "application/x-www-form-urlencoded" => from_urlencoded(&body),
            "multipart/form-data" => from_multipart(content_type, body).await,
            _ => Err(unsupported()),
        }
    }
}

fn unsupported() -> ApiError {
    ApiError::UnsupportedMediaType {
        code: "unsupported_media_type",
        message: "send fields as application/json, application/x-www-form-urlencoded or multipart/form-data".into(),
    }
}

fn invalid_body(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_body", message)
}

fn insert_first(map: &mut HashMap<String, Field>, key: String, value: Field) {
    map.entry(key).or_insert(value);
}

/// A JSON number as a form would send it: `316.0` is the whole number 316 (JSON does not tell
/// them apart), so it reads as `316`, not as text no whole-number field accepts.
fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(f) if !n.is_u64() && !n.is_i64() && f.is_finite() && f.fract() == 0.0 => {
            format!("{f:.0}")
        }
        _ => n.to_string(),
    }
}

fn from_json(body: &[u8]) -> Result<Fields, ApiError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| invalid_body(format!("malformed JSON: {e}")))?;
    let serde_json::Value::Object(object) = value else {
        return Err(invalid_body("the JSON body must be an object"));
    };
    let mut map = HashMap::new();
    for (key, value) in object {
        match value {
            serde_json::Value::String(s) => insert_first(&mut map, key, Field::Text(s)),
            serde_json::Value::Number(n) => {
                insert_first(&mut map, key, Field::Number(number_text(&n)))
            }
            serde_json::Value::Bool(b) => insert_first(&mut map, key, Field::Bool(b)),
            serde_json::Value::Null => {}
            _ => {
                return Err(invalid_body(format!(
                    "field {key} must be a string, a number or a boolean"
                )));
            }
        }
    }
    Ok(Fields(map))
}

fn from_urlencoded(body: &[u8]) -> Result<Fields, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| invalid_body(format!("malformed form body: {e}")))?;
    let mut map = HashMap::new();
    for (k, v) in pairs {
        insert_first(&mut map, k, Field::Text(v));
    }
    Ok(Fields(map))
}

async fn from_multipart(content_type: &str, body: Bytes) -> Result<Fields, ApiError> {
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| invalid_body("multipart body without a boundary"))?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut map = HashMap::new();
    let mut parts = 0usize;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| invalid_body(format!("malformed multipart body: {e}")))?
    {
        parts += 1;
        if parts > MAX_FIELDS {
            return Err(invalid_body(format!(
                "a form has at most {MAX_FIELDS} fields"
            )));
        }
        let name = field.name().unwrap_or_default().to_owned();
        if field.file_name().is_some() {
            return Err(ApiError::bad_request(
                "unexpected_file",
                format!("field {name} is a file; this endpoint takes text fields only"),
            ));
        }
        let value = field
            .text()
            .await
            .map_err(|e| invalid_body(format!("malformed multipart field: {e}")))?;
        insert_first(&mut map, name, Field::Text(value));
    }
    Ok(Fields(map))
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = ApiError;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = axum::body::to_bytes(req.into_body(), MAX_FIELDS_BODY)
            .await
            .map_err(|_| {
                invalid_body(format!("the body must be at most {MAX_FIELDS_BODY} bytes"))
            })?;
        Self::parse(content_type.as_deref(), body).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(ct: Option<&str>, body: &'static str) -> Result<Fields, ApiError> {
        Fields::parse(ct, Bytes::from_static(body.as_bytes())).await
    }

    #[tokio::test]
    async fn json_form_and_multipart_agree() {
        let json = parse(
            Some("application/json"),
            r#"{"username":"a","password":"b"}"#,
        )
        .await
        .unwrap();
        let form = parse(
            Some("application/x-www-form-urlencoded"),
            "username=a&password=b",
        )
        .await
        .unwrap();
        let multi = parse(
            Some("multipart/form-data; boundary=X"),
            "--X\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\na\r\n--X\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nb\r\n--X--\r\n",
        )
        .await
        .unwrap();
        for f in [json, form, multi] {
            assert_eq!(f.required("username").unwrap(), "a");
            assert_eq!(f.required("password").unwrap(), "b");
        }
    }

    #[tokio::test]
    async fn empty_counts_as_absent() {
        let f = parse(Some("application/json"), r#"{"email":"","name":null}"#)
            .await
            .unwrap();
        assert_eq!(f.optional("email").unwrap(), None);
        assert_eq!(f.optional("name").unwrap(), None);
        assert!(matches!(
            f.required("email"),
            Err(ApiError::MissingField { field: "email" })
        ));
    }

    #[tokio::test]
    async fn rejects_bad_bodies() {
        let code = |r: Result<Fields, ApiError>| r.unwrap_err().code();
        assert_eq!(
            code(parse(Some("application/json"), "{").await),
            "invalid_body"
        );
        assert_eq!(
            code(parse(Some("application/json"), "[1]").await),
            "invalid_body"
        );
        assert_eq!(
            code(parse(Some("application/json"), r#"{"a":[1]}"#).await),
            "invalid_body"
        );
        assert_eq!(
            code(parse(Some("text/plain"), "a").await),
            "unsupported_media_type"
        );
        assert_eq!(code(parse(None, "a").await), "unsupported_media_type");
        assert_eq!(
            code(parse(Some("multipart/form-data; boundary=X"), "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nx\r\n--X--\r\n").await),
            "unexpected_file"
        );
    }

    #[tokio::test]
    async fn json_numbers_read_as_text_where_a_number_is_meant_only() {
        let f = parse(
            Some("application/json"),
            r#"{"size":123,"limit":"7","flag":true}"#,
        )
        .await
        .unwrap();
        assert_eq!(f.required_number("size").unwrap(), "123");
        assert_eq!(f.optional_number("limit").unwrap(), Some("7"));
        assert_eq!(f.optional_number("absent").unwrap(), None);
        // Found by schemathesis: `316.0` is a whole number to JSON Schema, and now to us.
        let whole = parse(Some("application/json"), r#"{"n":316.0,"m":0.5,"big":1e3}"#)
            .await
            .unwrap();
        assert_eq!(whole.required_number("n").unwrap(), "316");
        assert_eq!(whole.required_number("m").unwrap(), "0.5");
        assert_eq!(whole.required_number("big").unwrap(), "1000");
        // Found by schemathesis (scripts/contract): `{"username": false}` signed up "false".
        for text in ["size", "flag"] {
            assert_eq!(
                f.required(text).unwrap_err().code(),
                "invalid_field",
                "{text}"
            );
        }
        assert_eq!(
            f.optional_number("flag").unwrap_err().code(),
            "invalid_field"
        );
        let form = parse(Some("application/x-www-form-urlencoded"), "size=123")
            .await
            .unwrap();
        assert_eq!(form.required_number("size").unwrap(), "123");
        assert_eq!(form.required("size").unwrap(), "123");
    }

    #[tokio::test]
    async fn no_body_is_no_fields() {
        let f = parse(None, "").await.unwrap();
        assert!(f.optional("username").unwrap().is_none());
    }
}

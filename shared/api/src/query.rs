use axum::extract::FromRequestParts;
use http::request::Parts;

use crate::ApiError;

/// The query string's parameters, parsed leniently but never silently: a malformed query is
/// a 400 with a JSON body, not axum's plain-text rejection.
#[derive(Debug, Default)]
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// The first value of `name`; an empty value counts as absent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// A boolean flag: `true`/`1` or `false`/`0`; absent → `false`.
    pub fn flag(&self, name: &'static str) -> Result<bool, ApiError> {
        match self.get(name) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(_) => Err(ApiError::Invalid(ezshare_domain::ValidationError::new(
                name,
                "must be true, 1, false or 0",
            ))),
        }
    }
}

impl QueryParams {
    /// `?overwrite=true|1` replaces an existing file; otherwise an existing name is kept.
    pub fn write_mode(&self) -> Result<ezshare_store::WriteMode, ApiError> {
        Ok(if self.flag("overwrite")? {
            ezshare_store::WriteMode::Overwrite
        } else {
            ezshare_store::WriteMode::CreateNew
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(QueryParams)
            .map_err(|_| ApiError::bad_request("invalid_query", "the query string is malformed"))
    }
}

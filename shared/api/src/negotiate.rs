use http::header::{ACCEPT, CACHE_CONTROL};
use http::{HeaderMap, HeaderValue};

/// Whether the caller asked for JSON (`Accept: application/json`) over the original server's
/// default (plain text or a redirect).
pub fn wants_json(headers: &HeaderMap) -> bool {
    accepts(headers, "application/json")
}

/// Whether the caller is a browser asking for a page (`Accept: text/html`).
pub fn wants_html(headers: &HeaderMap) -> bool {
    accepts(headers, "text/html")
}

fn accepts(headers: &HeaderMap, wanted: &str) -> bool {
    headers
        .get_all(ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|media| {
            media
                .split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case(wanted))
        })
}

/// `Cache-Control: no-store`, for responses that carry a token or a download link.
pub fn no_store() -> [(http::HeaderName, HeaderValue); 1] {
    [(CACHE_CONTROL, HeaderValue::from_static("no-store"))]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_parsing() {
        let h = |v: &'static str| {
            let mut m = HeaderMap::new();
            m.insert(ACCEPT, HeaderValue::from_static(v));
            wants_json(&m)
        };
        assert!(h("application/json"));
        assert!(h("text/html, Application/JSON;q=0.9"));
        assert!(!h("text/plain"));
        assert!(!h("*/*"));
        assert!(!wants_json(&HeaderMap::new()));
    }
}

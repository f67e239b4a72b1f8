//! Where a request came from, for the activity log (and, later, per-address limits).
//!
//! - On Lambda: API Gateway's `requestContext.http.sourceIp`, which the Lambda entry point
//!   puts on the request as a [`SourceIp`] extension ([`from_lambda_context`]).
//! - Locally: the peer address of the connection (`ConnectInfo`), or, when the local server
//!   runs with `TRUST_PROXY_HEADERS=true` behind a proxy, the last hop of `X-Forwarded-For`
//!   (the one the proxy added; earlier hops are whatever the client claimed), which
//!   [`trust_forwarded_for`] puts on the request as a [`SourceIp`].
//! - A request with neither (a router test through `oneshot`): unknown.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use http::request::Parts;

/// The scheme and host the API is reached at, as the platform in front knows it (API
/// Gateway's `domainName`, the local server's public URL): the base of mailed links when
/// `PUBLIC_BASE_URL` is unset. Never taken from the request's `Host` header, which the
/// caller writes (a reset link pointing at the attacker's host would hand over the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBase(pub String);

/// The caller's address as the platform in front of the function saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceIp(pub IpAddr);

/// The longest user agent kept; the rest is cut (it is for people reading a log).
const MAX_USER_AGENT: usize = 256;

/// The source address and user agent of a request, each when known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for ClientInfo {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self::of(parts))
    }
}

/// The last hop of `X-Forwarded-For`: the address the proxy in front saw.
fn last_forwarded_hop(headers: &http::HeaderMap) -> Option<IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .and_then(|hop| hop.trim().parse::<IpAddr>().ok())
}

/// For a server behind a proxy it trusts: the last `X-Forwarded-For` hop becomes the
/// request's [`SourceIp`] (a request without a parsable one keeps its peer address).
pub fn trust_forwarded_for<B>(mut request: http::Request<B>) -> http::Request<B> {
    if let Some(ip) = last_forwarded_hop(request.headers()) {
        request.extensions_mut().insert(SourceIp(ip));
    }
    request
}

impl ClientInfo {
    pub fn of(parts: &Parts) -> Self {
        let source_ip = parts.extensions.get::<SourceIp>().map(|s| s.0).or_else(|| {
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
        });
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(MAX_USER_AGENT).collect());
        Self {
            source_ip,
            user_agent,
        }
    }
}

/// Tags a Lambda HTTP request with the source IP of its API Gateway request context.
#[cfg(feature = "lambda")]
pub fn from_lambda_context(mut request: lambda_http::Request) -> lambda_http::Request {
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;
    let ip = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context
            .http
            .source_ip
            .as_deref()
            .and_then(|ip| ip.parse::<IpAddr>().ok()),
        _ => None,
    };
    if let Some(ip) = ip {
        request.extensions_mut().insert(SourceIp(ip));
    }
    let domain = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(context)) => context.domain_name.clone(),
        _ => None,
    };
    if let Some(domain) = domain.filter(|d| !d.is_empty()) {
        request
            .extensions_mut()
            .insert(PublicBase(format!("https://{domain}")));
    }
    request
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(headers: &[(&str, &str)], peer: Option<&str>, tagged: Option<&str>) -> Parts {
        let mut req = http::Request::builder().uri("/");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        if let Some(peer) = peer {
            parts
                .extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().unwrap()));
        }
        if let Some(ip) = tagged {
            parts.extensions.insert(SourceIp(ip.parse().unwrap()));
        }
        parts
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    /// The request as the local server sees it, with or without trusting the proxy.
    fn trusted(p: Parts) -> Parts {
        trust_forwarded_for(http::Request::from_parts(p, ()))
            .into_parts()
            .0
    }

    #[test]
    fn the_platforms_address_wins_then_the_peer() {
        let xff = [("x-forwarded-for", "198.51.100.1, 203.0.113.9")];
        let p = parts(&xff, Some("127.0.0.1:5000"), Some("192.0.2.44"));
        assert_eq!(ClientInfo::of(&p).source_ip, ip("192.0.2.44"));
        let p = parts(&xff, Some("127.0.0.1:5000"), None);
        assert_eq!(ClientInfo::of(&p).source_ip, ip("127.0.0.1"), "XFF ignored");
        let p = trusted(parts(&xff, Some("127.0.0.1:5000"), None));
        assert_eq!(
            ClientInfo::of(&p).source_ip,
            ip("203.0.113.9"),
            "its last hop"
        );
        let junk = [("x-forwarded-for", "not an ip")];
        let p = trusted(parts(&junk, Some("[::1]:80"), None));
        assert_eq!(ClientInfo::of(&p).source_ip, ip("::1"));
        assert_eq!(
            ClientInfo::of(&parts(&[], None, None)),
            ClientInfo::default()
        );
    }

    #[test]
    fn the_user_agent_is_kept_short() {
        let long = "x".repeat(1000);
        let p = parts(&[("user-agent", &long)], None, None);
        assert_eq!(ClientInfo::of(&p).user_agent.unwrap().len(), 256);
    }
}

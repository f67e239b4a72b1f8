//! The AWS SDK's configuration with the one HTTP client every ezshare binary uses: hyper 1 and
//! rustls on ring. The SDK crates are built without their default client (rustls on aws-lc),
//! so a configuration that skips this module has no client at all and its first call fails:
//! build every `SdkConfig` with [`load_from_env`] (people's machines) or
//! [`from_lambda_environment`] (the functions), or hand it [`https_client`].

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{Provider, TlsContext, TrustStore, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// HTTPS (and plain HTTP, for emulators) trusting the platform's roots, as the SDK's own
/// default client does: for `ezshare` on people's machines, where a corporate proxy's CA may
/// sit among them.
pub fn https_client() -> SharedHttpClient {
    client(TrustStore::default())
}

/// The roots of Amazon Trust Services, to which every AWS service endpoint's certificate
/// chains.
const AMAZON_TRUST_SERVICES: &str = include_str!("amazon-trust-services.pem");

/// The Lambda functions' client: it talks to AWS endpoints only, so it trusts only the
/// Amazon Trust Services roots (five certificates embedded in the binary) unless
/// `SSL_CERT_FILE` / `SSL_CERT_DIR` name others. The SDK parses a client's roots each time it
/// builds a connector (four times in a cold start); the platform's ~145 roots cost 0.8 ms a
/// time, and reading them from the certificate directory as well, 6 ms of a 10 ms cold start.
/// It also means no other CA in the platform's store can vouch for a DynamoDB endpoint.
pub fn aws_endpoints_client() -> SharedHttpClient {
    let configured = ["SSL_CERT_FILE", "SSL_CERT_DIR"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if configured {
        https_client()
    } else {
        client(TrustStore::empty().with_pem_certificate(AMAZON_TRUST_SERVICES))
    }
}

fn client(roots: TrustStore) -> SharedHttpClient {
    let tls = TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .expect("a TLS context takes any trust store");
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .tls_context(tls)
        .build_https()
}

/// The standard AWS environment (credentials chain, region, `AWS_ENDPOINT_URL`, profiles),
/// like `aws_config::load_from_env`, with [`https_client`].
pub async fn load_from_env() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .load()
        .await
}

/// What a Lambda function's environment provides, read without aws-config's loader:
/// credentials from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`, the
/// region from `AWS_REGION`, and `AWS_ENDPOINT_URL` when set (an emulator). Lambda, `sam local`
/// and `cargo lambda` all pass credentials that way; the loader's other sources (profiles,
/// SSO, web identity through STS, the instance metadata service) would be code in every
/// binary that a function never runs (~0.5 MB each).
pub fn from_lambda_environment() -> SdkConfig {
    from_lookup(|name| std::env::var(name).ok())
}

fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> SdkConfig {
    let value = |name: &str| lookup(name).filter(|v| !v.is_empty());
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(aws_endpoints_client())
        .credentials_provider(SharedCredentialsProvider::new(
            EnvironmentVariableCredentialsProvider::new(),
        ))
        .region(
            value("AWS_REGION")
                .or_else(|| value("AWS_DEFAULT_REGION"))
                .map(Region::new),
        );
    if let Some(url) = value("AWS_ENDPOINT_URL") {
        builder = builder.endpoint_url(url);
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The embedded roots are the platform's own copies (Mozilla's store), and rustls takes
    /// each as a trust anchor.
    #[test]
    fn the_embedded_roots_are_amazon_trust_services_as_the_platform_has_them() {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        let ders = |pem: &[u8]| -> Vec<CertificateDer<'static>> {
            CertificateDer::pem_slice_iter(pem)
                .map(Result::unwrap)
                .collect()
        };
        let embedded = ders(AMAZON_TRUST_SERVICES.as_bytes());
        assert_eq!(embedded.len(), 5);
        let system = std::fs::read("/etc/ssl/certs/ca-certificates.crt")
            .or_else(|_| std::fs::read("/etc/pki/tls/certs/ca-bundle.crt"))
            .expect("a platform root bundle");
        let system = ders(&system);
        let mut store = rustls::RootCertStore::empty();
        for cert in embedded {
            assert!(system.contains(&cert), "not among the platform's roots");
            store.add(cert).unwrap();
        }
        assert_eq!(store.len(), 5);
    }

    #[test]
    fn the_lambda_environment_gives_region_and_endpoint() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            from_lookup(move |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            })
        };
        let config = env(&[
            ("AWS_REGION", "eu-west-3"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:5000"),
        ]);
        assert_eq!(config.region().map(|r| r.as_ref()), Some("eu-west-3"));
        assert_eq!(config.endpoint_url(), Some("http://127.0.0.1:5000"));
        assert!(config.credentials_provider().is_some());
        assert!(config.http_client().is_some());

        let config = env(&[("AWS_DEFAULT_REGION", "us-west-2"), ("AWS_REGION", "")]);
        assert_eq!(config.region().map(|r| r.as_ref()), Some("us-west-2"));
        assert_eq!(config.endpoint_url(), None);
    }
}

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

/// The path under which the local server serves signed downloads.
pub const DOWNLOAD_ROUTE_PREFIX: &str = "/_local/download";

type HmacSha256 = Hmac<Sha256>;

/// Signs and checks the embedded backend's download URLs (HMAC-SHA256 over owner, name and
/// expiry), the local stand-in for S3 presigned URLs.
#[derive(Clone)]
pub struct DownloadSigner {
    key: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the download link has expired")]
    Expired,
    #[error("the download link signature is invalid")]
    Invalid,
}

impl DownloadSigner {
    /// Derives the URL-signing key from the server secret, so that a download signature can
    /// never double as anything else the secret signs.
    pub fn derive_from(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(b"ezshare/embedded-download-url/v1");
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    fn mac(&self, purpose: &str, owner: &str, name: &str, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("any key length");
        // Owners and names never contain '\n', so the fields cannot run into each other.
        mac.update(format!("{purpose}\n{owner}\n{name}\n{expires}").as_bytes());
        mac
    }

    pub fn sign(&self, purpose: &str, owner: &str, name: &str, expires: i64) -> String {
        hex::encode(
            self.mac(purpose, owner, name, expires)
                .finalize()
                .into_bytes(),
        )
    }

    /// Checks the signature first (constant time), then the expiry.
    pub fn verify(
        &self,
        purpose: &str,
        owner: &str,
        name: &str,
        expires: i64,
        signature: &str,
        now: OffsetDateTime,
    ) -> Result<(), SignatureError> {
        let given = hex::decode(signature).map_err(|_| SignatureError::Invalid)?;
        let expected = self
            .mac(purpose, owner, name, expires)
            .finalize()
            .into_bytes();
        if expected.as_slice().ct_eq(&given).unwrap_u8() != 1 {
            return Err(SignatureError::Invalid);
        }
        if expires <= now.unix_timestamp() {
            return Err(SignatureError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_000).unwrap()
    }

    #[test]
    fn valid_signature_verifies() {
        let s = DownloadSigner::derive_from(b"k");
        let sig = s.sign("get", "alice", "a.pdf", 2_000);
        assert_eq!(
            s.verify("get", "alice", "a.pdf", 2_000, &sig, now()),
            Ok(())
        );
    }

    #[test]
    fn any_change_invalidates() {
        let s = DownloadSigner::derive_from(b"k");
        let sig = s.sign("get", "alice", "a.pdf", 2_000);
        let bad = SignatureError::Invalid;
        assert_eq!(
            s.verify("get", "bob", "a.pdf", 2_000, &sig, now()),
            Err(bad.clone())
        );
        assert_eq!(
            s.verify("get", "alice", "b.pdf", 2_000, &sig, now()),
            Err(bad.clone())
        );
        assert_eq!(
            s.verify("get", "alice", "a.pdf", 3_000, &sig, now()),
            Err(bad.clone())
        );
        assert_eq!(
            s.verify("put", "alice", "a.pdf", 2_000, &sig, now()),
            Err(bad.clone())
        );
        assert_eq!(
            s.verify("get", "alice", "a.pdf", 2_000, "zz", now()),
            Err(bad.clone())
        );
        let other = DownloadSigner::derive_from(b"other");
        assert_eq!(
            other.verify("get", "alice", "a.pdf", 2_000, &sig, now()),
            Err(bad)
        );
    }

    #[test]
    fn expired_signature_is_refused() {
        let s = DownloadSigner::derive_from(b"k");
        let sig = s.sign("get", "alice", "a.pdf", 1_000);
        assert_eq!(
            s.verify("get", "alice", "a.pdf", 1_000, &sig, now()),
            Err(SignatureError::Expired)
        );
    }
}

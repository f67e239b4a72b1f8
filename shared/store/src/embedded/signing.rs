//! The embedded backend's signed links, its stand-in for S3 presigned URLs. [`SignedLink`] is
//! the one place that builds and reads their format; [`UrlSigner`] signs and checks them.
//!
//! A link is `{base}/_local/{download|upload|part}/{owner}/{subject}?expires={unix}&sig={hex}`,
//! where the subject is a file name (downloads), an upload id (uploads) or a part of one
//! (see [`LinkPurpose::Part`]), and the signature
//! is HMAC-SHA256 over purpose, owner, subject and expiry.

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

type HmacSha256 = Hmac<Sha256>;

/// RFC 3986 unreserved characters stay as they are in a path segment; all else is encoded.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// GET a file's bytes.
    Download,
    /// PUT a direct upload's bytes.
    Upload,
    /// PUT one part of a multipart upload; the subject is `{upload id}.{part number}`, with
    /// `.{sha256 hex}` when only bytes of that digest are accepted.
    Part,
}

impl LinkPurpose {
    /// The path under which the local server serves links of this purpose.
    pub const fn prefix(self) -> &'static str {
        match self {
            Self::Download => "/_local/download",
            Self::Upload => "/_local/upload",
            Self::Part => "/_local/part",
        }
    }

    /// The local server's route for links of this purpose, in axum's syntax.
    pub fn route(self) -> String {
        format!("{}/{{owner}}/{{subject}}", self.prefix())
    }

    fn tag(self) -> &'static str {
        match self {
            Self::Download => "download",
            Self::Upload => "upload",
            Self::Part => "part",
        }
    }
}

/// Why a link was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    #[error("the link is incomplete")]
    Incomplete,
    #[error("the link is not valid")]
    Invalid,
    #[error("the link has expired")]
    Expired,
}

/// A signed link, as issued or as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedLink {
    pub purpose: LinkPurpose,
    pub owner: String,
    pub subject: String,
    /// Unix seconds after which the link is refused.
    pub expires: i64,
    /// Lowercase hex HMAC.
    pub signature: String,
}

impl SignedLink {
    /// The URL of the link on the server at `base` (`http://127.0.0.1:3000`).
    pub fn url(&self, base: &str) -> String {
        format!(
            "{}{}/{}/{}?expires={}&sig={}",
            base.trim_end_matches('/'),
            self.purpose.prefix(),
            utf8_percent_encode(&self.owner, PATH_SEGMENT),
            utf8_percent_encode(&self.subject, PATH_SEGMENT),
            self.expires,
            self.signature,
        )
    }

    /// A link from its route's (decoded) path parameters and its query's `expires` and `sig`.
    pub fn from_parts(
        purpose: LinkPurpose,
        owner: String,
        subject: String,
        expires: Option<&str>,
        signature: Option<&str>,
    ) -> Result<Self, LinkError> {
        let expires = expires
            .and_then(|e| e.parse().ok())
            .ok_or(LinkError::Incomplete)?;
        let signature = signature
            .filter(|s| !s.is_empty())
            .ok_or(LinkError::Incomplete)?;
        Ok(Self {
            purpose,
            owner,
            subject,
            expires,
            signature: signature.to_owned(),
        })
    }

    /// Reads a whole URL as [`SignedLink::url`] writes it, whatever its base.
    pub fn parse(url: &str) -> Result<Self, LinkError> {
        let (path, query) = url.split_once('?').ok_or(LinkError::Incomplete)?;
        let path = path
            .find("/_local/")
            .map(|at| &path[at..])
            .ok_or(LinkError::Invalid)?;
        let (purpose, rest) = [
            LinkPurpose::Download,
            LinkPurpose::Upload,
            LinkPurpose::Part,
        ]
        .into_iter()
        .find_map(|p| Some((p, path.strip_prefix(p.prefix())?.strip_prefix('/')?)))
        .ok_or(LinkError::Invalid)?;
        let (owner, subject) = rest.split_once('/').ok_or(LinkError::Invalid)?;
        let decode = |s: &str| {
            percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| LinkError::Invalid)
        };
        let param = |key: &str| {
            query
                .split('&')
                .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        };
        Self::from_parts(
            purpose,
            decode(owner)?,
            decode(subject)?,
            param("expires"),
            param("sig"),
        )
    }
}

/// Signs and checks [`SignedLink`]s with a key derived from the server secret.
#[derive(Clone)]
pub struct UrlSigner {
    key: [u8; 32],
}

impl UrlSigner {
    /// Derives the link-signing key from the server secret, so that a link signature can
    /// never double as anything else the secret signs.
    pub fn derive_from(secret: &[u8]) -> Self {
        let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
        mac.update(b"ezshare/embedded-download-url/v1");
        Self {
            key: mac.finalize().into_bytes().into(),
        }
    }

    fn mac(&self, purpose: LinkPurpose, owner: &str, subject: &str, expires: i64) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("any key length");
        // Owners, names and ids never contain '\n', so the fields cannot run into each other.
        mac.update(format!("{}\n{owner}\n{subject}\n{expires}", purpose.tag()).as_bytes());
        mac
    }

    /// A link to `subject` of `owner`, valid until `expires_at` (to the second).
    pub fn sign(
        &self,
        purpose: LinkPurpose,
        owner: &str,
        subject: &str,
        expires_at: OffsetDateTime,
    ) -> SignedLink {
        let expires = expires_at.unix_timestamp();
        let signature = hex::encode(
            self.mac(purpose, owner, subject, expires)
                .finalize()
                .into_bytes(),
        );
        SignedLink {
            purpose,
            owner: owner.to_owned(),
            subject: subject.to_owned(),
            expires,
            signature,
        }
    }

    /// Checks the signature first (constant time), then the expiry.
    pub fn verify(&self, link: &SignedLink, now: OffsetDateTime) -> Result<(), LinkError> {
        let given = hex::decode(&link.signature).map_err(|_| LinkError::Invalid)?;
        let expected = self
            .mac(link.purpose, &link.owner, &link.subject, link.expires)
            .finalize()
            .into_bytes();
        if expected.as_slice().ct_eq(&given).unwrap_u8() != 1 {
            return Err(LinkError::Invalid);
        }
        if link.expires <= now.unix_timestamp() {
            return Err(LinkError::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    const NOW: i64 = 1_000;

    fn signer() -> UrlSigner {
        UrlSigner::derive_from(b"k")
    }

    #[test]
    fn valid_signature_verifies() {
        let link = signer().sign(LinkPurpose::Download, "alice", "a.pdf", at(2_000));
        assert_eq!(signer().verify(&link, at(NOW)), Ok(()));
    }

    #[test]
    fn any_change_invalidates() {
        let link = signer().sign(LinkPurpose::Download, "alice", "a.pdf", at(2_000));
        let changed = |f: &dyn Fn(&mut SignedLink)| {
            let mut l = link.clone();
            f(&mut l);
            signer().verify(&l, at(NOW))
        };
        let bad = Err(LinkError::Invalid);
        assert_eq!(changed(&|l| l.owner = "bob".into()), bad);
        assert_eq!(changed(&|l| l.subject = "b.pdf".into()), bad);
        assert_eq!(changed(&|l| l.expires = 3_000), bad);
        assert_eq!(changed(&|l| l.purpose = LinkPurpose::Upload), bad);
        assert_eq!(changed(&|l| l.signature = "zz".into()), bad);
        let other = UrlSigner::derive_from(b"other");
        assert_eq!(other.verify(&link, at(NOW)), bad);
    }

    #[test]
    fn expired_signature_is_refused() {
        let link = signer().sign(LinkPurpose::Upload, "alice", "id", at(NOW));
        assert_eq!(signer().verify(&link, at(NOW)), Err(LinkError::Expired));
    }

    #[test]
    fn urls_round_trip_any_name() {
        for name in [
            "a.pdf",
            "résumé 2026.pdf",
            "a+b&c=d?.pdf",
            "100% done #1.pdf",
            "名前",
        ] {
            for purpose in [
                LinkPurpose::Download,
                LinkPurpose::Upload,
                LinkPurpose::Part,
            ] {
                let link = signer().sign(purpose, "alice", name, at(2_000));
                let url = link.url("http://127.0.0.1:3000/");
                assert!(
                    url.starts_with(&format!("http://127.0.0.1:3000{}/alice/", purpose.prefix()))
                );
                assert_eq!(SignedLink::parse(&url), Ok(link), "{url}");
            }
        }
    }

    #[test]
    fn parse_refuses_what_is_not_a_link() {
        for url in [
            "http://h/_local/download/alice/a.pdf",
            "http://h/_local/download/alice/a.pdf?sig=ab",
            "http://h/_local/download/alice/a.pdf?expires=soon&sig=ab",
            "http://h/_local/download/alice/a.pdf?expires=1",
        ] {
            assert_eq!(SignedLink::parse(url), Err(LinkError::Incomplete), "{url}");
        }
        for url in [
            "http://h/_local/other/alice/a.pdf?expires=1&sig=ab",
            "http://h/files/alice/a.pdf?expires=1&sig=ab",
            "http://h/_local/download/alice?expires=1&sig=ab",
            "http://h/_local/download/alice/%FF?expires=1&sig=ab",
        ] {
            assert_eq!(SignedLink::parse(url), Err(LinkError::Invalid), "{url}");
        }
    }
}

//! HS256 JWTs: the algorithm is pinned and every claim is required.

use std::fmt;
use std::time::Duration;

use ezshare_domain::ValidationError;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::Unauthenticated;

mod hs256;

/// The HMAC key tokens are signed with: at least 32 bytes, never logged.
#[derive(Clone)]
pub struct JwtSecret(Vec<u8>);

impl JwtSecret {
    pub const MIN_BYTES: usize = 32;

    /// `setting` names where the value came from, for the error message.
    pub fn parse(raw: impl Into<Vec<u8>>, setting: &'static str) -> Result<Self, ValidationError> {
        let raw = raw.into();
        if raw.len() < Self::MIN_BYTES {
            return Err(ValidationError::new(
                setting,
                format!(
                    "the JWT secret must be at least {} bytes (got {})",
                    Self::MIN_BYTES,
                    raw.len()
                ),
            ));
        }
        Ok(Self(raw))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for JwtSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "JwtSecret(<{} bytes>)", self.0.len())
    }
}

/// Token and session settings.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// The `iss` claim; default `ezshare`.
    pub issuer: String,
    /// How long a login lasts; default 365 days.
    pub session_ttl: Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            issuer: "ezshare".into(),
            session_ttl: Duration::from_secs(365 * 24 * 60 * 60),
        }
    }
}

/// The claims ezshare issues; all are required when verifying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    /// The username.
    pub sub: String,
    /// The user type: `ops` or `client`.
    pub aud: String,
    /// The server-side session id.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

/// How far in the future a token's `iat` may lie: clock skew between two servers, no more.
pub const IAT_LEEWAY_SECONDS: i64 = 60;

/// Signs and verifies tokens with one secret; built once per process.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &JwtSecret, issuer: &str) -> Self {
        hs256::install();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["iss", "sub", "aud", "iat", "exp"]);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&["ops", "client"]);
        validation.leeway = 0;
        // Only an empty key is refused, and a JwtSecret has at least MIN_BYTES.
        Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()).expect("a non-empty HMAC key"),
            decoding: DecodingKey::from_secret(secret.as_bytes()).expect("a non-empty HMAC key"),
            validation,
        }
    }

    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    /// Checks signature, algorithm, issuer, audience, expiry and that every claim is present;
    /// a `typ` header, when present, must be `JWT` (RFC 8725 §3.11: a token of another kind
    /// signed with the same key is not a session token), and `iat` may lie no more than
    /// [`IAT_LEEWAY_SECONDS`] in the future (no token is issued from the future).
    pub fn verify(&self, token: &str) -> Result<Claims, Unauthenticated> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                ErrorKind::ExpiredSignature => Unauthenticated::TokenExpired,
                _ => Unauthenticated::InvalidToken,
            })?;
        if data
            .header
            .typ
            .as_deref()
            .is_some_and(|typ| !typ.eq_ignore_ascii_case("JWT"))
        {
            return Err(Unauthenticated::InvalidToken);
        }
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        if data.claims.iat > now + IAT_LEEWAY_SECONDS {
            return Err(Unauthenticated::InvalidToken);
        }
        Ok(data.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> TokenKeys {
        TokenKeys::new(&JwtSecret::parse(SECRET, "JWT_SECRET").unwrap(), "ezshare")
    }

    fn now() -> i64 {
        time::OffsetDateTime::now_utc().unix_timestamp()
    }

    fn claims() -> Claims {
        Claims {
            iss: "ezshare".into(),
            sub: "alice".into(),
            aud: "ops".into(),
            sid: "s".repeat(43),
            iat: now(),
            exp: now() + 3600,
        }
    }

    fn b64(v: &serde_json::Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    }

    /// Signs an arbitrary header and payload with HMAC-SHA256, like a forger with the key would.
    fn hand_signed(header: serde_json::Value, payload: serde_json::Value, key: &[u8]) -> String {
        keys();
        let enc = EncodingKey::from_secret(key).unwrap();
        let msg = format!("{}.{}", b64(&header), b64(&payload));
        let sig = jsonwebtoken::crypto::sign(msg.as_bytes(), &enc, Algorithm::HS256).unwrap();
        format!("{msg}.{sig}")
    }

    #[test]
    fn secret_must_be_32_bytes() {
        assert!(JwtSecret::parse(vec![b'x'; 31], "JWT_SECRET").is_err());
        let err = JwtSecret::parse("short", "EZSHARE_JWT_SECRET").unwrap_err();
        assert_eq!(err.field, "EZSHARE_JWT_SECRET");
        assert!(JwtSecret::parse(vec![b'x'; 32], "JWT_SECRET").is_ok());
        assert!(!format!("{:?}", JwtSecret::parse(SECRET, "x").unwrap()).contains("0123"));
    }

    #[test]
    fn round_trip() {
        let k = keys();
        let t = k.sign(&claims()).unwrap();
        assert_eq!(k.verify(&t).unwrap(), claims());
    }

    #[test]
    fn header_is_hs256() {
        let t = keys().sign(&claims()).unwrap();
        let header = jsonwebtoken::decode_header(&t).unwrap();
        assert_eq!(header.alg, Algorithm::HS256);
    }

    #[test]
    fn wrong_key_is_rejected() {
        let other = TokenKeys::new(&JwtSecret::parse(vec![b'k'; 32], "x").unwrap(), "ezshare");
        let t = other.sign(&claims()).unwrap();
        assert_eq!(keys().verify(&t), Err(Unauthenticated::InvalidToken));
    }

    #[test]
    fn tampered_payload_is_rejected() {
        let t = keys().sign(&claims()).unwrap();
        let parts: Vec<&str> = t.split('.').collect();
        let mut forged = claims();
        forged.sub = "mallory".into();
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
        assert_eq!(keys().verify(&tampered), Err(Unauthenticated::InvalidToken));
    }

    #[test]
    fn alg_none_is_rejected() {
        let header = serde_json::json!({"alg": "none", "typ": "JWT"});
        let payload = serde_json::to_value(claims()).unwrap();
        let unsigned = format!("{}.{}.", b64(&header), b64(&payload));
        assert_eq!(keys().verify(&unsigned), Err(Unauthenticated::InvalidToken));
    }

    #[test]
    fn other_hmac_algorithms_are_rejected_even_with_the_right_key() {
        use hmac::{Hmac, KeyInit, Mac};
        let header = serde_json::json!({"alg": "HS512", "typ": "JWT"});
        let msg = format!(
            "{}.{}",
            b64(&header),
            b64(&serde_json::to_value(claims()).unwrap())
        );
        let mac = Hmac::<sha2::Sha512>::new_from_slice(SECRET)
            .unwrap()
            .chain_update(&msg);
        let t = format!(
            "{msg}.{}",
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        );
        assert_eq!(keys().verify(&t), Err(Unauthenticated::InvalidToken));
    }

    #[test]
    fn the_provider_signs_nothing_but_hs256() {
        keys();
        let enc = EncodingKey::from_secret(SECRET).unwrap();
        for alg in [
            Algorithm::HS384,
            Algorithm::HS512,
            Algorithm::RS256,
            Algorithm::ES256,
        ] {
            assert!(
                jsonwebtoken::encode(&Header::new(alg), &claims(), &enc).is_err(),
                "{alg:?}"
            );
        }
    }

    /// The signature is RFC 7515's HMAC-SHA256 over `header.payload`: a token from this
    /// provider verifies under an independent HMAC computation.
    #[test]
    fn signatures_are_standard_hmac_sha256() {
        use hmac::{Hmac, KeyInit, Mac};
        let t = keys().sign(&claims()).unwrap();
        let (msg, sig) = t.rsplit_once('.').unwrap();
        let mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET)
            .unwrap()
            .chain_update(msg);
        assert_eq!(sig, URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()));
    }

    #[test]
    fn wrong_audience_or_issuer_is_rejected() {
        let mut c = claims();
        c.aud = "admin".into();
        assert_eq!(
            keys().verify(&keys().sign(&c).unwrap()),
            Err(Unauthenticated::InvalidToken)
        );
        let mut c = claims();
        c.iss = "someone-else".into();
        assert_eq!(
            keys().verify(&keys().sign(&c).unwrap()),
            Err(Unauthenticated::InvalidToken)
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

        /// Any string, and any three base64url segments (JSON-ish or not), is refused
        /// without a panic: only the key makes a token.
        #[test]
        fn arbitrary_tokens_are_refused(
            raw in ".{0,300}",
            header in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..80),
            payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            sig in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
        ) {
            let k = keys();
            proptest::prop_assert!(k.verify(&raw).is_err());
            let forged = [header, payload, sig].map(|p| URL_SAFE_NO_PAD.encode(p)).join(".");
            proptest::prop_assert!(k.verify(&forged).is_err());
            let json_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
            let with_header = format!("{json_header}.{}", forged.split_once('.').unwrap().1);
            proptest::prop_assert!(k.verify(&with_header).is_err());
        }
    }

    #[test]
    fn a_typ_other_than_jwt_is_rejected() {
        let payload = serde_json::to_value(claims()).unwrap();
        for (typ, ok) in [
            ("JWT", true),
            ("jwt", true),
            ("at+jwt", false),
            ("JWS", false),
        ] {
            let t = hand_signed(
                serde_json::json!({"alg": "HS256", "typ": typ}),
                payload.clone(),
                SECRET,
            );
            assert_eq!(keys().verify(&t).is_ok(), ok, "typ {typ}");
        }
        let no_typ = hand_signed(serde_json::json!({"alg": "HS256"}), payload, SECRET);
        assert!(keys().verify(&no_typ).is_ok(), "typ is optional");
    }

    #[test]
    fn an_iat_in_the_future_beyond_the_leeway_is_rejected() {
        let mut c = claims();
        c.iat = now() + IAT_LEEWAY_SECONDS - 5;
        assert!(
            keys().verify(&keys().sign(&c).unwrap()).is_ok(),
            "within the leeway"
        );
        c.iat = now() + IAT_LEEWAY_SECONDS + 60;
        assert_eq!(
            keys().verify(&keys().sign(&c).unwrap()),
            Err(Unauthenticated::InvalidToken)
        );
    }

    #[test]
    fn expired_token_is_rejected() {
        let mut c = claims();
        c.iat = now() - 7200;
        c.exp = now() - 1;
        assert_eq!(
            keys().verify(&keys().sign(&c).unwrap()),
            Err(Unauthenticated::TokenExpired)
        );
    }

    #[test]
    fn every_claim_is_required() {
        let full = serde_json::to_value(claims()).unwrap();
        for missing in ["iss", "sub", "aud", "sid", "iat", "exp"] {
            let mut payload = full.clone();
            payload.as_object_mut().unwrap().remove(missing);
            let t = hand_signed(
                serde_json::json!({"alg": "HS256", "typ": "JWT"}),
                payload,
                SECRET,
            );
            assert_eq!(
                keys().verify(&t),
                Err(Unauthenticated::InvalidToken),
                "without {missing}"
            );
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for t in ["", "a.b.c", "not-a-jwt", "....."] {
            assert_eq!(keys().verify(t), Err(Unauthenticated::InvalidToken), "{t}");
        }
    }
}

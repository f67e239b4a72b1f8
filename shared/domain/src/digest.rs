use std::fmt;

use crate::ValidationError;

/// A SHA-256 digest of a file's bytes: 32 bytes, written as 64 lowercase hex digits (the
/// form of `sha256sum`, and of the `sha256` field of the API's file JSON).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha256Digest([u8; 32]);

impl Sha256Digest {
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(bytes).into())
    }

    /// Exactly 64 hex digits, either case.
    pub fn parse_hex(raw: &str) -> Result<Self, ValidationError> {
        let invalid = || ValidationError::new("sha256", "must be 64 hexadecimal digits (SHA-256)");
        if raw.len() != 64 {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(raw, &mut bytes).map_err(|_| invalid())?;
        Ok(Self(bytes))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256Digest({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_of_nothing_is_sha256s_known_value() {
        assert_eq!(
            Sha256Digest::of(b"").to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn hex_round_trips_and_anything_else_is_refused() {
        let hex = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
        let digest = Sha256Digest::parse_hex(hex).unwrap();
        assert_eq!(digest.to_hex(), hex.to_ascii_lowercase());
        assert_eq!(
            Sha256Digest::parse_hex(&digest.to_string()).unwrap(),
            digest
        );
        for bad in [
            "",
            "abc",
            &hex[1..],
            &format!("{hex}0"),
            &hex.replace('E', "g"),
        ] {
            let e = Sha256Digest::parse_hex(bad).unwrap_err();
            assert_eq!(e.field, "sha256", "{bad}");
        }
    }
}

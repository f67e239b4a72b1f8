use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRng;
use rand::rngs::SysRng;

use crate::ValidationError;

/// 256 bits from the OS CSPRNG, base64url without padding: 43 characters.
const RANDOM_ID_CHARS: usize = 43;

/// `N` bytes straight from the operating system's secure generator: the one source of every
/// id, token and key the product makes.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Without entropy nothing secure can be made; the OS failing here is not recoverable.
    SysRng
        .try_fill_bytes(&mut bytes)
        .expect("the operating system's random generator failed");
    bytes
}

fn random_id() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

fn parse_random_id(field: &'static str, raw: &str) -> Result<String, ValidationError> {
    let well_formed = raw.len() == RANDOM_ID_CHARS
        && URL_SAFE_NO_PAD
            .decode(raw)
            .is_ok_and(|bytes| bytes.len() == 32);
    if well_formed {
        Ok(raw.to_owned())
    } else {
        Err(ValidationError::new(field, "is not a valid identifier"))
    }
}

macro_rules! random_id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// A fresh identifier of 256 random bits from the OS CSPRNG.
            pub fn generate() -> Self {
                Self(random_id())
            }

            pub fn parse(raw: &str) -> Result<Self, ValidationError> {
                parse_random_id($field, raw).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

random_id_type!(
    /// Identifies a server-side session; carried in the JWT `sid` claim.
    /// `Debug` shows only a prefix: a full id in a log would be a bearer credential's half.
    SessionId,
    "sid"
);

random_id_type!(
    /// Identifies a staged direct upload.
    UploadId,
    "upload_id"
);

random_id_type!(
    /// A single-use invitation to sign up: a bearer secret until it is redeemed, so stores
    /// keep only its hash, and `Debug` shows only a prefix.
    InviteCode,
    "invite_code"
);

random_id_type!(
    /// A single-use token mailed to a user (an email verification link, a password reset):
    /// a bearer secret, so stores keep only its hash, and `Debug` shows only a prefix.
    AccountToken,
    "token"
);

impl fmt::Debug for AccountToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AccountToken({}…)", &self.0[..6])
    }
}

impl fmt::Debug for InviteCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InviteCode({}…)", &self.0[..6])
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({}…)", &self.0[..6])
    }
}

impl fmt::Debug for UploadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UploadId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn generated_ids_parse_and_are_unique() {
        let ids: HashSet<String> = (0..1000)
            .map(|_| SessionId::generate().as_str().to_owned())
            .collect();
        assert_eq!(ids.len(), 1000);
        for id in ids.iter().take(10) {
            assert_eq!(SessionId::parse(id).unwrap().as_str(), id);
            assert_eq!(id.len(), 43);
        }
    }

    #[test]
    fn rejects_malformed_ids() {
        for bad in ["", "abc", &"A".repeat(44), &"!".repeat(43)] {
            assert!(SessionId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_hides_most_of_a_session_id() {
        let id = SessionId::generate();
        let shown = format!("{id:?}");
        assert!(!shown.contains(id.as_str()));
    }
}

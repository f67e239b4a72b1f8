use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::ValidationError;

/// The two kinds of account. OPS users upload; CLIENT users list and download.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserType {
    Ops,
    Client,
}

impl UserType {
    pub const ALL: [UserType; 2] = [UserType::Ops, UserType::Client];

    /// The lowercase wire name, also the JWT `aud` and the stored attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            UserType::Ops => "ops",
            UserType::Client => "client",
        }
    }
}

impl fmt::Display for UserType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for UserType {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ops" => Ok(UserType::Ops),
            "client" => Ok(UserType::Client),
            _ => Err(ValidationError::new(
                "user_type",
                "must be \"ops\" or \"client\"",
            )),
        }
    }
}

impl Serialize for UserType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A username: 3–32 of `a-z 0-9 . _ -`, starting with a letter or digit, stored lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let lower = raw.to_ascii_lowercase();
        let err = |m: &str| Err(ValidationError::new("username", m));
        if !(3..=32).contains(&lower.chars().count()) {
            return err("must be 3 to 32 characters long");
        }
        if !lower
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        {
            return err("may only contain letters, digits, '.', '_' and '-'");
        }
        if !lower.starts_with(|c: char| c.is_ascii_alphanumeric()) {
            return err("must start with a letter or a digit");
        }
        Ok(Self(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Serialize for Username {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A password of 8–256 characters (counted as Unicode scalar values), never truncated.
/// Its `Debug` output is redacted so it cannot leak into logs.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 8;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(ValidationError::new(
                "password",
                format!("must be at least {} characters long", Self::MIN_CHARS),
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(ValidationError::new(
                "password",
                format!("must be at most {} characters long", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, at most 254 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let invalid = || ValidationError::new("email", "must be a valid e-mail address");
        if raw.len() > 254 || raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = raw.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty());
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 1–100 characters, no control characters, surrounding spaces trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 100 {
            return Err(ValidationError::new(
                "name",
                "must be 1 to 100 characters long",
            ));
        }
        if trimmed.chars().any(char::is_control) {
            return Err(ValidationError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(trimmed.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_is_lowercased() {
        assert_eq!(Username::parse("Alice.Ops").unwrap().as_str(), "alice.ops");
    }

    #[test]
    fn username_length_bounds() {
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("abc").is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
        assert!(Username::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn username_charset_and_first_char() {
        for ok in ["a_b", "1abc", "a.b-c", "zz9"] {
            assert!(Username::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "_abc",
            ".abc",
            "-abc",
            "a b",
            "a/b",
            "ali\u{e9}",
            "abc!",
            "a\u{0}bc",
            "",
        ] {
            assert!(Username::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn password_counts_characters_not_bytes() {
        // 8 characters, 16 bytes: valid.
        assert!(Password::parse("éééééééé").is_ok());
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse(&"é".repeat(256)).is_ok());
        assert!(Password::parse(&"x".repeat(257)).is_err());
    }

    #[test]
    fn password_is_kept_whole_and_redacted_in_debug() {
        let long = "p".repeat(200);
        assert_eq!(Password::parse(&long).unwrap().expose(), long);
        assert_eq!(
            format!("{:?}", Password::parse("secret-pass").unwrap()),
            "Password(<redacted>)"
        );
    }

    #[test]
    fn email_rules() {
        assert!(Email::parse("a@b.co").is_ok());
        for bad in [
            "a", "@b.co", "a@", "a@b", "a@@b.co", "a b@c.de", "a@b..co", "a@.co",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn display_name_rules() {
        assert_eq!(DisplayName::parse("  Ada  ").unwrap().as_str(), "Ada");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse("a\nb").is_err());
        assert!(DisplayName::parse(&"n".repeat(101)).is_err());
    }

    #[test]
    fn user_type_round_trips() {
        for t in UserType::ALL {
            assert_eq!(t.as_str().parse::<UserType>().unwrap(), t);
        }
        assert!("admin".parse::<UserType>().is_err());
    }
}

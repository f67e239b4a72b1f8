use crate::ValidationError;

/// How many items one page of a listing holds: 1–1000, default 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    pub const DEFAULT: PageLimit = PageLimit(100);
    pub const MAX: u32 = 1000;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        match raw.trim().parse::<u32>() {
            Ok(n) if (1..=Self::MAX).contains(&n) => Ok(Self(n)),
            _ => Err(ValidationError::new(
                "limit",
                format!("must be a whole number from 1 to {}", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for PageLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// An opaque continuation token handed out by a listing: 1–2048 visible ASCII characters.
/// Its meaning belongs to the store that issued it; the store rejects one it cannot use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        if raw.is_empty() || raw.len() > 2048 || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ValidationError::new(
                "cursor",
                "is not a cursor returned by a listing",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// For stores: wraps a token they produced themselves.
    pub fn from_store(token: String) -> Self {
        Self(token)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_bounds() {
        assert_eq!(PageLimit::parse("1").unwrap().get(), 1);
        assert_eq!(PageLimit::parse("1000").unwrap().get(), 1000);
        for bad in ["0", "1001", "-1", "ten", ""] {
            assert!(PageLimit::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(PageLimit::default().get(), 100);
    }

    #[test]
    fn cursor_rules() {
        assert!(Cursor::parse("abc-_=+/").is_ok());
        assert!(Cursor::parse("").is_err());
        assert!(Cursor::parse("a b").is_err());
        assert!(Cursor::parse(&"a".repeat(2049)).is_err());
    }
}

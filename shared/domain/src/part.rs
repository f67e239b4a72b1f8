use std::fmt;

use crate::ValidationError;

/// The number of one part of a multipart upload: 1 to 10,000, S3's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartNumber(u16);

impl PartNumber {
    pub const MAX: u32 = 10_000;

    pub fn new(n: u32) -> Result<Self, ValidationError> {
        match u16::try_from(n) {
            Ok(n) if (1..=Self::MAX).contains(&u32::from(n)) => Ok(Self(n)),
            _ => Err(ValidationError::new(
                "part_number",
                format!("must be a whole number from 1 to {}", Self::MAX),
            )),
        }
    }

    pub fn get(self) -> u32 {
        u32::from(self.0)
    }
}

impl fmt::Display for PartNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_numbers_are_s3s_range() {
        for good in [1, 2, 9_999, 10_000] {
            assert_eq!(PartNumber::new(good).unwrap().get(), good);
        }
        for bad in [0, 10_001, 65_536, u32::MAX] {
            assert!(PartNumber::new(bad).is_err(), "{bad}");
        }
    }
}

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::ValidationError;

/// Which CLIENT users see a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Only the clients it is shared with.
    Private,
    /// Every CLIENT user (the original server's behaviour).
    AllClients,
}

impl Visibility {
    /// The wire name, also the stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "private",
            Visibility::AllClients => "all_clients",
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Visibility {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "private" => Ok(Visibility::Private),
            "all_clients" => Ok(Visibility::AllClients),
            _ => Err(ValidationError::new(
                "visibility",
                "must be \"private\" or \"all_clients\"",
            )),
        }
    }
}

impl Serialize for Visibility {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_its_wire_names_only() {
        for v in [Visibility::Private, Visibility::AllClients] {
            assert_eq!(v.as_str().parse::<Visibility>().unwrap(), v);
        }
        for bad in ["", "public", "Private", "all-clients"] {
            assert!(bad.parse::<Visibility>().is_err(), "{bad}");
        }
    }
}

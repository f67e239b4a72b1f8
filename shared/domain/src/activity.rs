use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::ValidationError;

/// What happened to a file, as its owner's activity log records it. Named for what the
/// server did: `download_link_issued` is a link handed out, not proof the bytes arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActivityAction {
    Uploaded,
    Deleted,
    VisibilityChanged,
    Shared,
    Unshared,
    DownloadLinkIssued,
}

impl ActivityAction {
    pub const ALL: [ActivityAction; 6] = [
        Self::Uploaded,
        Self::Deleted,
        Self::VisibilityChanged,
        Self::Shared,
        Self::Unshared,
        Self::DownloadLinkIssued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Uploaded => "uploaded",
            Self::Deleted => "deleted",
            Self::VisibilityChanged => "visibility_changed",
            Self::Shared => "shared",
            Self::Unshared => "unshared",
            Self::DownloadLinkIssued => "download_link_issued",
        }
    }
}

impl fmt::Display for ActivityAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActivityAction {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                ValidationError::new(
                    "action",
                    "must be one of uploaded, deleted, visibility_changed, shared, unshared, download_link_issued",
                )
            })
    }
}

impl Serialize for ActivityAction {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_round_trips_and_nothing_else_parses() {
        for a in ActivityAction::ALL {
            assert_eq!(a.as_str().parse::<ActivityAction>().unwrap(), a);
        }
        assert!("downloaded".parse::<ActivityAction>().is_err());
    }
}

//! Listing cursors, the same on every backend: the last file name of the previous page,
//! versioned and base64url-encoded.
//!
//! A listing resumes after that name (S3's `StartAfter`, SQLite's `name > ?`) rather than
//! from a backend's own continuation token: moto answers a continuation token it did not
//! issue with a 500, and any token a client forged would reach S3 unchecked. A name is
//! checked here, fully, and whatever it says the listing stays inside the owner's files.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ezshare_domain::{Cursor, FileName, Username};

use crate::StoreError;

/// Bumped if the cursor's meaning changes, so old cursors are refused rather than misread.
const VERSION: &str = "1.";

/// The cursor of a listing of one owner's files that resumes after `last`.
pub fn encode(last: &FileName) -> Cursor {
    Cursor::from_store(format!(
        "{VERSION}{}",
        URL_SAFE_NO_PAD.encode(last.as_str())
    ))
}

pub fn decode(cursor: &Cursor) -> Result<FileName, StoreError> {
    cursor
        .as_str()
        .strip_prefix(VERSION)
        .and_then(|b64| URL_SAFE_NO_PAD.decode(b64).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|name| FileName::parse(&name).ok())
        .ok_or(StoreError::InvalidCursor)
}

/// The version of cursors over (owner, name) pairs: listings across owners.
const PAIR_VERSION: &str = "p1.";

/// The cursor of a listing across owners that resumes after (owner, name).
pub fn encode_pair(owner: &Username, last: &FileName) -> Cursor {
    Cursor::from_store(format!(
        "{PAIR_VERSION}{}.{}",
        URL_SAFE_NO_PAD.encode(owner.as_str()),
        URL_SAFE_NO_PAD.encode(last.as_str())
    ))
}

pub fn decode_pair(cursor: &Cursor) -> Result<(Username, FileName), StoreError> {
    let text = |b64: &str| {
        URL_SAFE_NO_PAD
            .decode(b64)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
    };
    let (owner, name) = cursor
        .as_str()
        .strip_prefix(PAIR_VERSION)
        .and_then(|rest| rest.split_once('.'))
        .ok_or(StoreError::InvalidCursor)?;
    let owner = text(owner).and_then(|o| Username::parse(&o).ok());
    let name = text(name).and_then(|n| FileName::parse(&n).ok());
    owner.zip(name).ok_or(StoreError::InvalidCursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_any_name() {
        for n in ["a.pdf", "résumé 2026.pdf", "名前", "a+b&c=d?.pdf", "..a"] {
            let name = FileName::parse(n).unwrap();
            let cursor = encode(&name);
            // What we hand out must pass the API's own cursor validation.
            assert!(Cursor::parse(cursor.as_str()).is_ok(), "{n}");
            assert_eq!(decode(&cursor).unwrap(), name);
        }
    }

    #[test]
    fn pairs_round_trip_and_are_not_mistaken_for_names() {
        let (owner, name) = (
            Username::parse("ops-x").unwrap(),
            FileName::parse("a.b c").unwrap(),
        );
        let cursor = encode_pair(&owner, &name);
        assert!(Cursor::parse(cursor.as_str()).is_ok());
        assert_eq!(decode_pair(&cursor).unwrap(), (owner, name.clone()));
        assert!(decode(&cursor).is_err(), "a pair is not a name cursor");
        assert!(
            decode_pair(&encode(&name)).is_err(),
            "nor the other way round"
        );
    }

    #[test]
    fn refuses_what_it_did_not_issue() {
        let bad = |s: &str| decode(&Cursor::parse(s).unwrap());
        for s in [
            "not-a-cursor-this-store-issued!",
            "YS5wZGY",   // a valid name, but no version
            "2.YS5wZGY", // an unknown version
            "1.!!!",     // not base64url
            "1._w",      // not UTF-8
            "1.Lg",      // "." is not a file name
            "1.YS9i",    // "a/b" is not a file name
        ] {
            assert!(matches!(bad(s), Err(StoreError::InvalidCursor)), "{s}");
        }
    }
}

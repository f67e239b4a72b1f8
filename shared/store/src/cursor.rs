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

/// The version of activity-log cursors: the id of the last event of the previous page.
const EVENT_VERSION: &str = "a1.";

/// The cursor of an activity listing that resumes after (older than) the event `id`.
pub fn encode_event(id: &str) -> Cursor {
    Cursor::from_store(format!("{EVENT_VERSION}{id}"))
}

/// The event id of an activity cursor: as [`crate::ActivityEvent::new_id`] makes them.
pub fn decode_event(cursor: &Cursor) -> Result<String, StoreError> {
    let id = cursor
        .as_str()
        .strip_prefix(EVENT_VERSION)
        .ok_or(StoreError::InvalidCursor)?;
    let well_formed = id.split_once('-').is_some_and(|(nanos, random)| {
        nanos.len() == 19
            && nanos.bytes().all(|b| b.is_ascii_digit())
            && random.len() == 16
            && random.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if well_formed {
        Ok(id.to_owned())
    } else {
        Err(StoreError::InvalidCursor)
    }
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
    fn event_cursors_round_trip_ids_only() {
        let id = crate::ActivityEvent::new_id(time::OffsetDateTime::now_utc());
        assert_eq!(decode_event(&encode_event(&id)).unwrap(), id);
        for bad in ["a1.x", "a1.0000000000000-zz", "1.YS5wZGY"] {
            assert!(decode_event(&Cursor::parse(bad).unwrap()).is_err(), "{bad}");
        }
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

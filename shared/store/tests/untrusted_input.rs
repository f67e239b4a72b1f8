//! Property tests: every parser of a value that arrives from outside — names, ids, limits,
//! listing cursors — answers `Ok` or an error for any string, never panics, and what it
//! accepts keeps the newtype's promises.

use ezshare_domain::{
    Cursor, DisplayName, Email, FileName, InviteCode, PageLimit, Password, SessionId, Username,
};
use ezshare_store::cursor;
use proptest::prelude::*;

/// Strings biased towards the awkward: controls, separators, bidi marks, emoji, dots.
fn awkward() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(String::from),
        Just("/".to_owned()),
        Just("\\".to_owned()),
        Just("..".to_owned()),
        Just("\u{202E}".to_owned()),
        Just("\u{0}".to_owned()),
        Just(" ".to_owned()),
        Just("é".to_owned()),
        Just("👍🏽".to_owned()),
        "[a-z0-9._-]{1,8}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|p| p.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn names_parse_or_refuse(raw in awkward()) {
        if let Ok(name) = FileName::parse(&raw) {
            prop_assert!(!name.as_str().is_empty() && name.as_str().len() <= 255);
            prop_assert!(!name.as_str().contains(['/', '\\', '\0']));
            prop_assert!(!name.as_str().chars().any(char::is_control));
            prop_assert!(name.as_str() != "." && name.as_str() != "..");
        }
        if let Ok(user) = Username::parse(&raw) {
            prop_assert_eq!(Username::parse(user.as_str()).ok(), Some(user.clone()));
        }
        let _ = Email::parse(&raw);
        let _ = DisplayName::parse(&raw);
        let _ = Password::parse(&raw);
        let _ = PageLimit::parse(&raw);
        let _ = InviteCode::parse(&raw);
        let _ = SessionId::parse(&raw);
    }

    #[test]
    fn cursors_decode_or_refuse(raw in awkward(), prefix in prop_oneof![
        Just(""), Just("1."), Just("p1."), Just("a1."),
    ]) {
        let Ok(c) = Cursor::parse(&format!("{prefix}{raw}")) else { return Ok(()) };
        let _ = cursor::decode(&c);
        let _ = cursor::decode_pair(&c);
        let _ = cursor::decode_event(&c);
    }

    /// What a store encodes, it decodes to the same value.
    #[test]
    fn cursors_round_trip(owner in "[a-z][a-z0-9_]{2,20}", name in "[A-Za-z0-9 ._-]{1,40}") {
        let (Ok(owner), Ok(name)) = (Username::parse(&owner), FileName::parse(&name)) else {
            return Ok(());
        };
        prop_assert_eq!(cursor::decode(&cursor::encode(&name)).unwrap(), name.clone());
        prop_assert_eq!(
            cursor::decode_pair(&cursor::encode_pair(&owner, &name)).unwrap(),
            (owner, name)
        );
    }
}

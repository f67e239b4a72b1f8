//! The form-field parser on hostile input: any body under any content type gives `Ok` or a
//! 4xx with a code — never a panic, never a 500 (a property test); and its field bound.

use bytes::Bytes;
use ezshare_api::Fields;
use proptest::prelude::*;

fn content_type() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("application/json".to_owned())),
        Just(Some("application/x-www-form-urlencoded".to_owned())),
        Just(Some("multipart/form-data; boundary=XyZ".to_owned())),
        Just(Some("multipart/form-data".to_owned())),
        Just(Some("multipart/form-data; boundary=".to_owned())),
        ".{0,40}".prop_map(Some),
    ]
}

/// Bodies shaped like each format, and garbage.
fn body() -> impl Strategy<Value = Vec<u8>> {
    let multipart = proptest::collection::vec(("[a-z_]{0,12}", ".{0,24}", any::<bool>()), 0..6)
        .prop_map(|parts| {
            let mut b = String::new();
            for (name, value, with_file) in parts {
                b.push_str("--XyZ\r\nContent-Disposition: form-data; name=\"");
                b.push_str(&name);
                if with_file {
                    b.push_str("\"; filename=\"f.pdf");
                }
                b.push_str("\"\r\n\r\n");
                b.push_str(&value);
                b.push_str("\r\n");
            }
            b.push_str("--XyZ--\r\n");
            b.into_bytes()
        });
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        ".{0,200}".prop_map(String::into_bytes),
        "\\{\"[a-z]{0,8}\": ?(\"[^\"]{0,16}\"|[0-9]{1,5}|null|\\[\\]|\\{\\})\\}"
            .prop_map(String::into_bytes),
        "([a-z%]{0,6}=[a-z0-9%+&=]{0,12}&?){0,5}".prop_map(String::into_bytes),
        multipart,
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_body_is_fields_or_a_client_error(ct in content_type(), body in body()) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let parsed = rt.block_on(Fields::parse(ct.as_deref(), Bytes::from(body)));
        if let Err(e) = parsed {
            prop_assert!(e.status().is_client_error(), "{} {}", e.status(), e);
        }
    }
}

/// A form of text fields has at most 32 multipart fields: the 33rd is a 400.
#[test]
fn a_form_with_too_many_fields_is_refused() {
    let form = |n: usize| {
        let mut b = String::new();
        for i in 0..n {
            b.push_str(&format!(
                "--XyZ\r\nContent-Disposition: form-data; name=\"f{i}\"\r\n\r\nv\r\n"
            ));
        }
        b.push_str("--XyZ--\r\n");
        Bytes::from(b)
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let ct = Some("multipart/form-data; boundary=XyZ");
    let ok = rt.block_on(Fields::parse(ct, form(32))).unwrap();
    assert_eq!(ok.optional("f31").unwrap(), Some("v"));
    let err = rt.block_on(Fields::parse(ct, form(33))).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.to_string().contains("at most 32 fields"), "{err}");
}

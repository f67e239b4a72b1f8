use axum::body::Body;
use ezshare_api::Settings;
use ezshare_domain::{FileName, UserType, Username};
use ezshare_testkit::{FilePart, TestApp, multipart_body, send};
use http::Request;

async fn app_with_limit(limit: u64) -> (TestApp, axum::Router, String) {
    let t = TestApp::with_settings(Settings {
        max_upload_bytes: limit,
        ..Settings::default()
    })
    .await;
    let r = t.router(ezshare_upload::ENDPOINT.router());
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    (t, r, bearer)
}

async fn app() -> (TestApp, axum::Router, String) {
    app_with_limit(Settings::DEFAULT_MAX_UPLOAD_BYTES).await
}

fn upload_req(uri: &str, bearer: &str, parts: &[FilePart<'_>]) -> Request<Body> {
    let (ct, body) = multipart_body(parts);
    Request::post(uri)
        .header("authorization", bearer)
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap()
}

fn file<'a>(name: &'a str, bytes: &'a [u8]) -> FilePart<'a> {
    FilePart {
        field: "request_file",
        file_name: Some(name),
        content_type: Some("application/pdf"),
        bytes,
    }
}

/// A PDF of exactly `len` bytes (the default policy checks the `%PDF-` header).
fn pdf(len: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(len.max(bytes.len()), b'.');
    bytes.truncate(len.max(5));
    bytes
}

async fn stored_size(t: &TestApp, name: &str) -> Option<u64> {
    t.stores()
        .files
        .head_file(
            &Username::parse("opsy").unwrap(),
            &FileName::parse(name).unwrap(),
        )
        .await
        .unwrap()
        .map(|f| f.size)
}

#[tokio::test]
async fn upload_stores_the_file_and_describes_it() {
    let (t, r, bearer) = app().await;
    let mut bytes = pdf(9);
    bytes.extend((0..=255u8).cycle().take(10_000 - 9));
    let res = send(
        &r,
        upload_req("/ops/upload", &bearer, &[file("report.pdf", &bytes)]),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    let body = res.json();
    assert_eq!(body["name"], "report.pdf");
    assert_eq!(body["size"], 10_000);
    assert_eq!(body["content_type"], "application/pdf");
    assert!(body["uploaded_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["visibility"], "private", "private by default");
    assert_eq!(
        body["sha256"],
        ezshare_domain::Sha256Digest::of(&bytes).to_hex(),
        "the digest of the bytes received"
    );
    assert_eq!(stored_size(&t, "report.pdf").await, Some(10_000));
    let log = t
        .stores()
        .activity
        .list_activity(
            &ezshare_domain::Username::parse("opsy").unwrap(),
            &ezshare_store::ActivityFilter::default(),
            None,
            ezshare_domain::PageLimit::DEFAULT,
        )
        .await
        .unwrap();
    assert_eq!(log.events.len(), 1);
    assert_eq!(
        log.events[0].action,
        ezshare_domain::ActivityAction::Uploaded
    );
    assert_eq!(log.events[0].file.as_str(), "report.pdf");
}

#[tokio::test]
async fn other_parts_are_ignored_and_missing_type_defaults() {
    let t = TestApp::with_settings(Settings {
        file_types: ezshare_filetype::FileTypePolicy::allow_all(),
        ..Settings::default()
    })
    .await;
    let r = t.router(ezshare_upload::ENDPOINT.router());
    let bearer = t.bearer(UserType::Ops, "opsy").await;
    let parts = [
        FilePart {
            field: "note",
            file_name: None,
            content_type: None,
            bytes: b"hello",
        },
        FilePart {
            field: "request_file",
            file_name: Some("a.bin"),
            content_type: None,
            bytes: b"\x00\x01",
        },
    ];
    let res = send(&r, upload_req("/ops/upload", &bearer, &parts)).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["content_type"], "application/octet-stream");
}

#[tokio::test]
async fn existing_name_is_409_unless_overwrite() {
    let (t, r, bearer) = app().await;
    assert_eq!(
        send(
            &r,
            upload_req("/ops/upload", &bearer, &[file("a.pdf", &pdf(10))])
        )
        .await
        .status,
        201
    );
    send(
        &r,
        upload_req("/ops/upload", &bearer, &[file("a.pdf", &pdf(20))]),
    )
    .await
    .assert_error(409, "file_exists");
    assert_eq!(
        stored_size(&t, "a.pdf").await,
        Some(10),
        "the original is kept"
    );
    for flag in ["true", "1"] {
        let res = send(
            &r,
            upload_req(
                &format!("/ops/upload?overwrite={flag}"),
                &bearer,
                &[file("a.pdf", &pdf(20))],
            ),
        )
        .await;
        assert_eq!(res.status, 201, "{}", res.text());
    }
    assert_eq!(stored_size(&t, "a.pdf").await, Some(20));
    send(
        &r,
        upload_req(
            "/ops/upload?overwrite=false",
            &bearer,
            &[file("a.pdf", &pdf(9))],
        ),
    )
    .await
    .assert_error(409, "file_exists");
    send(
        &r,
        upload_req("/ops/upload?overwrite=yes", &bearer, &[file("a.pdf", b"x")]),
    )
    .await
    .assert_error(400, "invalid_field");
}

#[tokio::test]
async fn limit_is_inclusive_and_checked_first() {
    let (t, r, bearer) = app_with_limit(1024).await;
    let exact = pdf(1024);
    assert_eq!(
        send(
            &r,
            upload_req("/ops/upload", &bearer, &[file("exact.pdf", &exact)])
        )
        .await
        .status,
        201
    );
    let over = pdf(1025);
    send(
        &r,
        upload_req("/ops/upload", &bearer, &[file("over.pdf", &over)]),
    )
    .await
    .assert_error(413, "payload_too_large");
    // Size is judged before the name: an oversized file with a bad name is still 413.
    send(&r, upload_req("/ops/upload", &bearer, &[file("..", &over)]))
        .await
        .assert_error(413, "payload_too_large");
    assert_eq!(stored_size(&t, "over.pdf").await, None);
}

#[tokio::test]
async fn declared_length_far_over_the_limit_is_refused_unread() {
    let (_t, r, bearer) = app_with_limit(1024).await;
    let req = Request::post("/ops/upload")
        .header("authorization", &bearer)
        .header("content-type", "multipart/form-data; boundary=x")
        .header("content-length", "100000000")
        .body(Body::empty())
        .unwrap();
    send(&r, req).await.assert_error(413, "payload_too_large");
}

#[tokio::test]
async fn missing_file_or_name_is_400() {
    let (_t, r, bearer) = app().await;
    let other = FilePart {
        field: "file",
        file_name: Some("a.pdf"),
        content_type: None,
        bytes: b"x",
    };
    send(&r, upload_req("/ops/upload", &bearer, &[other]))
        .await
        .assert_error(400, "missing_file");
    let nameless = FilePart {
        field: "request_file",
        file_name: None,
        content_type: None,
        bytes: b"x",
    };
    send(&r, upload_req("/ops/upload", &bearer, &[nameless]))
        .await
        .assert_error(400, "missing_file_name");
    for bad in ["../etc/passwd", "a\\b.pdf", ".."] {
        send(&r, upload_req("/ops/upload", &bearer, &[file(bad, b"x")]))
            .await
            .assert_error(400, "invalid_field");
    }
}

#[tokio::test]
async fn non_multipart_is_415_and_garbage_is_400() {
    let (_t, r, bearer) = app().await;
    let json = Request::post("/ops/upload")
        .header("authorization", &bearer)
        .header("content-type", "application/json")
        .body(Body::from("{}"))
        .unwrap();
    send(&r, json)
        .await
        .assert_error(415, "unsupported_media_type");
    let garbage = Request::post("/ops/upload")
        .header("authorization", &bearer)
        .header("content-type", "multipart/form-data; boundary=x")
        .body(Body::from("this is not multipart"))
        .unwrap();
    let res = send(&r, garbage).await;
    assert_eq!(res.status.as_u16() / 100, 4, "{}", res.text());
}

#[tokio::test]
async fn client_token_is_403_and_no_token_401() {
    let (t, r, _bearer) = app().await;
    let client = t.bearer(UserType::Client, "cli").await;
    send(
        &r,
        upload_req("/ops/upload", &client, &[file("a.pdf", b"x")]),
    )
    .await
    .assert_error(403, "forbidden");
    let (ct, body) = multipart_body(&[file("a.pdf", b"x")]);
    let req = Request::post("/ops/upload")
        .header("content-type", ct)
        .body(Body::from(body))
        .unwrap();
    send(&r, req).await.assert_error(401, "unauthorized");
}

#[tokio::test]
async fn unicode_names_are_kept() {
    let (t, r, bearer) = app().await;
    let res = send(
        &r,
        upload_req("/ops/upload", &bearer, &[file("résumé 2026.pdf", &pdf(9))]),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["name"], "résumé 2026.pdf");
    assert_eq!(stored_size(&t, "résumé 2026.pdf").await, Some(9));
}

#[tokio::test]
async fn binary_bytes_arrive_unchanged() {
    let (t, r, bearer) = app().await;
    // Every byte value, CRLFs and boundary-like runs included.
    let mut bytes = pdf(9);
    bytes.extend(0..=255u8);
    bytes.extend_from_slice(b"\r\n--ezshare-test-boundary\r\n\x00\xff");
    let res = send(
        &r,
        upload_req("/ops/upload", &bearer, &[file("bin.pdf", &bytes)]),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(t.stored_bytes("opsy", "bin.pdf").await.unwrap(), bytes);
}

/// A minimal but real Office Open XML package whose main part has `main_type`.
fn ooxml(main_part: &str, main_type: &str, extra: &[&str]) -> Vec<u8> {
    use std::io::Write;
    let mut out = std::io::Cursor::new(Vec::new());
    let mut zip = zip::ZipWriter::new(&mut out);
    let opts = zip::write::SimpleFileOptions::default();
    let types = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/{main_part}" ContentType="{main_type}"/></Types>"#
    );
    zip.start_file("[Content_Types].xml", opts).unwrap();
    zip.write_all(types.as_bytes()).unwrap();
    zip.start_file(main_part, opts).unwrap();
    zip.write_all(b"<document/>").unwrap();
    for part in extra {
        zip.start_file(*part, opts).unwrap();
        zip.write_all(b"binary").unwrap();
    }
    zip.finish().unwrap();
    out.into_inner()
}

const DOCX_MAIN: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
const DOCM_MAIN: &str = "application/vnd.ms-word.document.macroEnabled.main+xml";

#[tokio::test]
async fn a_real_docx_is_accepted_and_stored_with_its_canonical_type() {
    let (t, r, bearer) = app().await;
    let docx = ooxml("word/document.xml", DOCX_MAIN, &[]);
    let part = FilePart {
        field: "request_file",
        file_name: Some("letter.docx"),
        content_type: Some("text/html"),
        bytes: &docx,
    };
    let res = send(&r, upload_req("/ops/upload", &bearer, &[part])).await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(
        res.json()["content_type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert_eq!(t.stored_bytes("opsy", "letter.docx").await.unwrap(), docx);
}

#[tokio::test]
async fn disallowed_types_are_415_naming_the_allowed_ones() {
    let (t, r, bearer) = app().await;
    let docm = ooxml("word/document.xml", DOCM_MAIN, &["word/vbaProject.bin"]);
    let cases: [(&str, &[u8]); 4] = [
        ("notes.txt", b"plain text"),
        ("macro.docx", &docm),
        ("fake.docx", b"%PDF-1.7 a pdf renamed"),
        ("fake.pdf", b"not a pdf at all"),
    ];
    for (name, bytes) in cases {
        let res = send(&r, upload_req("/ops/upload", &bearer, &[file(name, bytes)])).await;
        res.assert_error(415, "unsupported_file_type");
        let message = res.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains("docx, xlsx, pptx, pdf"),
            "{name}: {message}"
        );
        assert_eq!(stored_size(&t, name).await, None, "{name} was not stored");
    }
}

#[tokio::test]
async fn size_is_judged_before_type() {
    let (_t, r, bearer) = app_with_limit(16).await;
    send(
        &r,
        upload_req("/ops/upload", &bearer, &[file("big.txt", &[b'x'; 17])]),
    )
    .await
    .assert_error(413, "payload_too_large");
    send(
        &r,
        upload_req("/ops/upload", &bearer, &[file("small.txt", &[b'x'; 16])]),
    )
    .await
    .assert_error(415, "unsupported_file_type");
}

/// A new file's name is stored in NFC; one with an invisible format character (here a
/// right-to-left override, which would show `invoice<RLO>fdp.pdf` as `invoicefdp.pdf`
/// reversed) is refused with 400 naming the character, and nothing is stored.
#[tokio::test]
async fn new_names_are_nfc_and_invisible_controls_are_refused() {
    let (t, r, bearer) = app().await;
    let bytes = pdf(20);
    let decomposed = "re\u{301}sume\u{301}.pdf";
    let res = send(
        &r,
        upload_req("/ops/upload", &bearer, &[file(decomposed, &bytes)]),
    )
    .await;
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(res.json()["name"], "résumé.pdf");
    assert_eq!(stored_size(&t, "résumé.pdf").await, Some(20));
    assert_eq!(stored_size(&t, decomposed).await, None);

    let res = send(
        &r,
        upload_req(
            "/ops/upload",
            &bearer,
            &[file("invoice\u{202E}fdp.pdf", &bytes)],
        ),
    )
    .await;
    assert_eq!(res.status, 400, "{}", res.text());
    let body = res.json();
    assert_eq!(body["error"]["code"], "invalid_field");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("U+202E"),
        "{body}"
    );
    assert_eq!(stored_size(&t, "invoice\u{202E}fdp.pdf").await, None);
}

fn raw_multipart(bearer: &str, body: Vec<u8>) -> Request<Body> {
    Request::post("/ops/upload")
        .header("authorization", bearer)
        .header("content-type", "multipart/form-data; boundary=B")
        .body(Body::from(body))
        .unwrap()
}

fn parts_then_file(count: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for i in 0..count {
        body.extend(
            format!("--B\r\nContent-Disposition: form-data; name=\"p{i}\"\r\n\r\n\r\n").bytes(),
        );
    }
    body.extend(b"--B\r\nContent-Disposition: form-data; name=\"request_file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7\r\n--B--\r\n");
    body
}

/// More parts than a form has: 400 at the 17th. And 100,000 empty parts (5.6 MB of
/// framing): a 4xx as soon as the body passes what an upload may hold.
#[tokio::test]
async fn a_flood_of_empty_parts_is_refused() {
    let (t, r, bearer) = app().await;
    let res = send(&r, raw_multipart(&bearer, parts_then_file(20))).await;
    assert_eq!(res.status, 400, "{}", res.text());
    assert!(res.text().contains("at most 16 parts"), "{}", res.text());
    let res = send(&r, raw_multipart(&bearer, parts_then_file(100_000))).await;
    assert_eq!(res.status, 413, "{}", res.text());
    assert_eq!(stored_size(&t, "a.pdf").await, None);
    // A handful of other parts is still fine.
    let res = send(&r, raw_multipart(&bearer, parts_then_file(3))).await;
    assert_eq!(res.status, 201, "{}", res.text());
}

/// One part whose header block is 10 MB (it never ends): refused once the body passes what
/// an upload may hold, never buffered whole.
#[tokio::test]
async fn a_ten_megabyte_header_block_is_refused() {
    let (t, r, bearer) = app().await;
    let mut body = b"--B\r\nContent-Disposition: form-data; name=\"request_file\"; filename=\"a.pdf\"\r\nX-Padding: ".to_vec();
    body.resize(body.len() + 10_000_000, b'a');
    body.extend(b"\r\n\r\n%PDF-1.7\r\n--B--\r\n");
    let res = send(&r, raw_multipart(&bearer, body)).await;
    assert!(res.status.is_client_error(), "{}", res.status);
    assert_eq!(res.status, 413, "{}", res.text());
    assert_eq!(stored_size(&t, "a.pdf").await, None);
}

/// Found by schemathesis (scripts/contract): a malformed part after the file was never read,
/// so the same body was 400 or 201 depending on the order of its parts. The whole body is
/// judged now; well-formed parts after the file are still ignored.
#[tokio::test]
async fn a_malformed_part_after_the_file_is_400_like_one_before_it() {
    let (t, r, bearer) = app().await;
    let file = b"--B\r\nContent-Disposition: form-data; name=\"request_file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7\r\n".to_vec();
    let bad = b"--B\r\nContent-Disposition: form-data; name=\"a\x01b\"\r\n\r\nv\r\n".to_vec();
    let end = b"--B--\r\n".to_vec();
    for body in [
        [bad.clone(), file.clone(), end.clone()].concat(),
        [file.clone(), bad, end.clone()].concat(),
    ] {
        let res = send(&r, raw_multipart(&bearer, body)).await;
        assert_eq!(res.status, 400, "{}", res.text());
        assert_eq!(res.json()["error"]["code"], "invalid_body");
        assert_eq!(stored_size(&t, "a.pdf").await, None);
    }
    let good = b"--B\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nv\r\n".to_vec();
    let res = send(&r, raw_multipart(&bearer, [file, good, end].concat())).await;
    assert_eq!(res.status, 201, "{}", res.text());
}

//! Which real files the policy accepts and rejects, and why.

mod fixtures;

use std::io::Cursor;

use bytes::Bytes;
use ezshare_filetype::{FileType, FileTypePolicy, LocalFile, PolicyError};
use fixtures::*;

#[tokio::test]
async fn accepts_real_office_documents_and_pdf() {
    assert_eq!(
        check("report.docx", &docx()).await.unwrap(),
        Some(FileType::Docx)
    );
    assert_eq!(
        check("Report.DOCX", &docx()).await.unwrap(),
        Some(FileType::Docx)
    );
    assert_eq!(
        check("budget.xlsx", &xlsx()).await.unwrap(),
        Some(FileType::Xlsx)
    );
    assert_eq!(
        check("deck.pptx", &pptx()).await.unwrap(),
        Some(FileType::Pptx)
    );
    assert_eq!(check("paper.pdf", PDF).await.unwrap(), Some(FileType::Pdf));
}

#[tokio::test]
async fn pdf_decision_reads_only_the_header() {
    let policy = FileTypePolicy::default();
    let (outcome, read) = check_counted(&policy, "a.pdf", Bytes::from_static(PDF)).await;
    assert_eq!(outcome.unwrap(), Some(FileType::Pdf));
    assert_eq!(read, 8);
}

#[tokio::test]
async fn accepts_stored_members_and_zip64_records() {
    let parts = package_parts(FileType::Docx, DOCX_MAIN);
    let large = stored().large_file(true);
    let parts: Vec<_> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), large, d.as_bytes()))
        .collect();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // Forces a ZIP64 end-of-central-directory record and locator.
    zip.set_raw_zip64_extensible_data_sector(Box::new(*b"\x99\x99\x02\x00ab"));
    for (name, options, data) in parts {
        zip.start_file(name, options).unwrap();
        std::io::Write::write_all(&mut zip, data).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    // The fixture really uses ZIP64: EOCD fields and entry sizes are 0xFFFFFFFF placeholders.
    assert_eq!(bytes[eocd(&bytes) + 12..][..4], [0xFF; 4]);
    let header = central_header(&bytes, "[Content_Types].xml");
    assert_eq!(bytes[header + 20..][..8], [0xFF; 8]);
    assert_eq!(check("a.docx", &bytes).await.unwrap(), Some(FileType::Docx));
}

#[tokio::test]
async fn rejects_macro_enabled_documents_even_renamed() {
    assert!(reason(check("invoice.docx", &docm()).await).contains("macro-enabled"));
    for (kind, main, name) in [
        (FileType::Xlsx, XLSM_MAIN, "a.xlsx"),
        (FileType::Pptx, PPTM_MAIN, "a.pptx"),
        (FileType::Pptx, PPSM_MAIN, "a.pptx"),
    ] {
        let r = reason(check(name, &package(kind, main)).await);
        assert_eq!(
            r, "macro-enabled documents are not accepted; accepted types: docx, xlsx, pptx, pdf",
            "{main}"
        );
    }
}

#[tokio::test]
async fn rejects_a_vba_project_part_under_a_plain_docx_content_type() {
    let mut parts = package_parts(FileType::Docx, DOCX_MAIN);
    parts.push(("word/vbaProject.bin".into(), "VBA".into()));
    let parts: Vec<_> = parts
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_bytes()))
        .collect();
    assert!(reason(check("a.docx", &zip(&parts)).await).contains("macro-enabled"));
}

#[tokio::test]
async fn rejects_content_that_disagrees_with_the_extension() {
    let r = reason(check("scan.docx", PDF).await);
    assert_eq!(
        r,
        "the file's content is pdf but its name ends in .docx; accepted types: docx, xlsx, pptx, pdf"
    );
    let r = reason(check("letter.pdf", &docx()).await);
    assert_eq!(
        r,
        "the file's content is docx but its name ends in .pdf; accepted types: docx, xlsx, pptx, pdf"
    );
    assert!(reason(check("sheet.docx", &xlsx()).await).contains("content is xlsx"));
    assert!(reason(check("deck.xlsx", &pptx()).await).contains("content is pptx"));
}

#[tokio::test]
async fn rejects_encrypted_or_legacy_office_files() {
    let r = reason(check("secret.docx", OLE2).await);
    assert_eq!(
        r,
        "encrypted or legacy (pre-2007) Office files are not accepted; accepted types: docx, xlsx, pptx, pdf"
    );
}

#[tokio::test]
async fn rejects_zips_that_are_not_office_documents() {
    let plain = zip(&[("readme.txt", b"hello")]);
    assert!(reason(check("a.docx", &plain).await).contains("not a recognised"));
    let no_main = zip(&[("[Content_Types].xml", content_types(&[]).as_bytes())]);
    assert!(reason(check("a.docx", &no_main).await).contains("not a recognised"));
    let both = content_types(&[("a.xml", DOCX_MAIN), ("b.xml", XLSX_MAIN)]);
    let both = zip(&[("[Content_Types].xml", both.as_bytes())]);
    assert!(reason(check("a.docx", &both).await).contains("not a recognised"));
}

#[tokio::test]
async fn rejects_truncated_corrupt_and_padded_zips() {
    let good = docx();
    for cut in [good.len() / 2, good.len() - 1, good.len() - 22, 30] {
        let r = reason(check("a.docx", &good[..cut]).await);
        assert_eq!(
            r, "the file is damaged or truncated; accepted types: docx, xlsx, pptx, pdf",
            "cut at {cut}"
        );
    }
    let mut flipped = good.clone();
    let at = 30 + "[Content_Types].xml".len() + 5; // inside its deflated data
    flipped[at] ^= 0xFF;
    assert!(reason(check("a.docx", &flipped).await).contains("damaged"));
    let mut trailing = good.clone();
    trailing.extend_from_slice(b"junk after the end record");
    assert!(reason(check("a.docx", &trailing).await).contains("damaged"));
    let mut prefixed = b"MZ".to_vec();
    prefixed.extend_from_slice(&good);
    assert!(reason(check("a.docx", &prefixed).await).contains("not a recognised"));
}

#[tokio::test]
async fn rejects_text_empty_and_extensionless_files() {
    let r = reason(check("notes.txt", b"just text").await);
    assert_eq!(
        r,
        ".txt files are not accepted; accepted types: docx, xlsx, pptx, pdf"
    );
    let r = reason(check("notes.pdf", b"just text, no header").await);
    assert_eq!(
        r,
        "the file's content is not a recognised document type; accepted types: docx, xlsx, pptx, pdf"
    );
    assert!(reason(check("empty.pdf", b"").await).contains("not a recognised"));
    let r = reason(check("README", PDF).await);
    assert_eq!(
        r,
        "the file name has no extension; accepted types: docx, xlsx, pptx, pdf"
    );
}

#[tokio::test]
async fn star_policy_accepts_anything_without_reading() {
    let open = FileTypePolicy::parse("*").unwrap();
    for (name, bytes) in [
        ("x", &b"MZ\x90\x00"[..]),
        ("a.docx", &docm()),
        ("b.exe", OLE2),
    ] {
        let (outcome, read) = check_counted(&open, name, Bytes::copy_from_slice(bytes)).await;
        assert_eq!(outcome.unwrap(), None, "{name}");
        assert_eq!(read, 0);
    }
}

#[tokio::test]
async fn narrower_policy_names_the_accepted_types() {
    let pdf_only = FileTypePolicy::parse("pdf").unwrap();
    let (outcome, read) = check_counted(&pdf_only, "a.docx", Bytes::from(docx())).await;
    assert_eq!(
        reason(outcome),
        ".docx files are not accepted; accepted types: pdf"
    );
    assert_eq!(read, 0);
    let (outcome, _) = check_counted(&pdf_only, "a.pdf", Bytes::from_static(PDF)).await;
    assert_eq!(outcome.unwrap(), Some(FileType::Pdf));
}

#[tokio::test]
async fn unreadable_source_is_not_a_rejection() {
    let src = LocalFile("/nonexistent/ezshare/a.pdf".into());
    let (outcome, _) = check_counted(&FileTypePolicy::default(), "a.pdf", src).await;
    assert!(
        matches!(outcome, Err(PolicyError::Source(_))),
        "{outcome:?}"
    );
}

//! Hostile and huge files cost a bounded, small number of bytes read.

mod fixtures;

use std::fs::File;

use bytes::Bytes;
use ezshare_filetype::{FileType, FileTypePolicy, LocalFile};
use fixtures::*;

const KIB: u64 = 1024;
const TOO_LARGE: &str = "the document's [Content_Types].xml is larger than 256 KiB";

/// A docx whose `[Content_Types].xml` inflates to 100 MB (of spaces after the real XML).
fn content_types_bomb() -> Vec<u8> {
    let mut xml = content_types(&[("word/document.xml", DOCX_MAIN)]).into_bytes();
    xml.resize(100_000_000, b' ');
    zip(&[
        ("[Content_Types].xml", &xml),
        ("word/document.xml", b"<w:document/>"),
    ])
}

async fn check_default(name: &str, bytes: Vec<u8>) -> (String, u64) {
    let (outcome, read) = check_counted(&FileTypePolicy::default(), name, Bytes::from(bytes)).await;
    (reason(outcome), read)
}

#[tokio::test]
async fn zip_bombs_are_refused_after_reading_little() {
    let bomb = content_types_bomb();
    assert!(bomb.len() < 1 << 20, "compressed to {} bytes", bomb.len());

    // Declared size over the cap: refused before its data is read.
    let (r, read) = check_default("bomb.docx", bomb.clone()).await;
    assert!(r.starts_with(TOO_LARGE), "{r}");
    assert!(read < 70 * KIB, "read {read} bytes");

    // Declared size lies (says 1 KiB): inflation stops at the cap.
    let mut lying = bomb;
    let header = central_header(&lying, "[Content_Types].xml");
    put_u32(&mut lying, header + 24, 1024);
    let (r, read) = check_default("bomb.docx", lying).await;
    assert!(r.starts_with(TOO_LARGE), "{r}");
    assert!(read < 256 * KIB, "read {read} bytes");
}

#[tokio::test]
async fn oversized_central_directories_are_refused_unread() {
    let mut claims_many = docx();
    let end = eocd(&claims_many);
    put_u16(&mut claims_many, end + 8, 60_000);
    put_u16(&mut claims_many, end + 10, 60_000);
    let (r, _) = check_default("a.docx", claims_many).await;
    assert!(
        r.starts_with("the document has more than 10000 parts"),
        "{r}"
    );

    let mut claims_huge = docx();
    let end = eocd(&claims_huge);
    put_u32(&mut claims_huge, end + 12, 100 << 20);
    let (r, _) = check_default("a.docx", claims_huge).await;
    assert!(
        r.starts_with("the document's part directory is larger than 4 MiB"),
        "{r}"
    );

    // Really 10 001 entries.
    let names: Vec<String> = (0..10_001).map(|i| format!("p/{i}")).collect();
    let parts: Vec<_> = names
        .iter()
        .map(|n| (n.as_str(), stored(), &b""[..]))
        .collect();
    let many = write_zip(std::io::Cursor::new(Vec::new()), &parts).into_inner();
    let (r, read) = check_default("a.docx", many).await;
    assert!(
        r.starts_with("the document has more than 10000 parts"),
        "{r}"
    );
    assert!(read < 70 * KIB, "read {read} bytes");
}

#[tokio::test]
async fn fifty_megabyte_document_on_disk_is_decided_from_a_few_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.docx");
    let media: Vec<u8> = (0..50_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let package = package_parts(FileType::Docx, DOCX_MAIN);
    // The 50 MB part comes first, so everything the decision needs sits past it.
    let mut parts = vec![("word/media/image1.bin", stored(), &media[..])];
    parts.extend(
        package
            .iter()
            .map(|(n, d)| (n.as_str(), deflated(), d.as_bytes())),
    );
    write_zip(File::create(&path).unwrap(), &parts);
    assert!(std::fs::metadata(&path).unwrap().len() > 50_000_000);

    let policy = FileTypePolicy::default();
    let src = ezshare_filetype::Counted::new(LocalFile(path.clone()));
    let name = ezshare_domain::FileName::parse("big.docx").unwrap();
    assert_eq!(
        policy.check(&name, &src).await.unwrap(),
        Some(FileType::Docx)
    );
    eprintln!(
        "50 MB docx: {} bytes in {} reads",
        src.bytes_read(),
        src.reads()
    );
    assert!(
        src.bytes_read() < 100 * KIB,
        "read {} bytes",
        src.bytes_read()
    );
    assert!(src.reads() <= 5, "{} reads", src.reads());

    let (outcome, read) = check_counted(&policy, "big.pdf", LocalFile(path)).await;
    assert!(reason(outcome).contains("content is docx"));
    assert!(read < 100 * KIB, "read {read} bytes");
}

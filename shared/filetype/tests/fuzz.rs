//! Property tests: arbitrary bytes, and arbitrary mutations of real documents, fed to the
//! type check never panic and cost a bounded number of bytes read. Every offset and length
//! the ZIP reader takes from an archive is checked arithmetic (`zip_dir.rs`).

mod fixtures;

use bytes::Bytes;
use ezshare_filetype::FileTypePolicy;
use fixtures::*;
use proptest::prelude::*;

/// What a check may read of a `len`-byte file: the ZIP reader's end-of-file window (64 KiB
/// and the end record), each part's header and data (within the file) and its directory.
fn read_bound(len: usize) -> u64 {
    4 * len as u64 + 70 * 1024
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Checks `bytes` as `name` with the default policy: the outcome may be anything but a
/// panic; returns the bytes read.
fn check_bytes(rt: &tokio::runtime::Runtime, name: &str, bytes: Vec<u8>) -> u64 {
    rt.block_on(check_counted(
        &FileTypePolicy::default(),
        name,
        Bytes::from(bytes),
    ))
    .1
}

/// A real document with `edits` (position as a fraction of its length, new byte) applied and
/// its tail cut to `keep` (a fraction) of the length.
fn mutated(doc: &[u8], edits: &[(f64, u8)], keep: f64) -> Vec<u8> {
    let mut out = doc.to_vec();
    for &(at, byte) in edits {
        let i = ((out.len() - 1) as f64 * at) as usize;
        out[i] = byte;
    }
    let keep = ((out.len() as f64) * keep).ceil() as usize;
    out.truncate(keep.max(1));
    out
}

const NAMES: [&str; 4] = ["a.docx", "a.xlsx", "a.pptx", "a.pdf"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048),
                                   name in 0..NAMES.len()) {
        let rt = runtime();
        let len = bytes.len();
        let read = check_bytes(&rt, NAMES[name], bytes);
        prop_assert!(read <= read_bound(len), "read {read} of {len}");
    }

    /// Bytes that start like a ZIP archive and hold end records, so the directory reader
    /// runs on garbage rather than stopping at the magic.
    #[test]
    fn zip_shaped_garbage_never_panics(
        body in proptest::collection::vec(any::<u8>(), 0..1024),
        records in proptest::collection::vec((0..3usize, any::<u16>()), 0..6),
    ) {
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(body);
        for (kind, n) in records {
            let magic: &[u8] = [&b"PK\x05\x06"[..], b"PK\x06\x06", b"PK\x06\x07"][kind];
            bytes.extend(magic);
            bytes.extend(n.to_le_bytes());
            bytes.extend([0xFF; 14]);
        }
        let rt = runtime();
        let len = bytes.len();
        let read = check_bytes(&rt, "a.docx", bytes);
        prop_assert!(read <= read_bound(len), "read {read} of {len}");
    }

    #[test]
    fn mutated_documents_never_panic(
        kind in 0..3usize,
        edits in proptest::collection::vec((0.0..1.0f64, any::<u8>()), 1..12),
        keep in 0.5..=1.0f64,
    ) {
        let (doc, name) = [(docx(), "a.docx"), (xlsx(), "a.xlsx"), (pptx(), "a.pptx")][kind].clone();
        let bytes = mutated(&doc, &edits, keep);
        let rt = runtime();
        let len = bytes.len();
        let read = check_bytes(&rt, name, bytes);
        prop_assert!(read <= read_bound(len), "read {read} of {len}");
    }

    /// The fields the directory reader trusts most — sizes, offsets, counts — set to extreme
    /// values in a real document's end record and central directory.
    #[test]
    fn extreme_directory_fields_never_panic(
        field in 0..7usize,
        value in prop_oneof![Just(0u32), Just(u32::MAX), Just(u32::MAX - 1), any::<u32>()],
    ) {
        let mut doc = docx();
        let end = eocd(&doc);
        let header = central_header(&doc, "[Content_Types].xml");
        match field {
            0 => put_u32(&mut doc, end + 12, value), // directory size
            1 => put_u32(&mut doc, end + 16, value), // directory offset
            2 => put_u16(&mut doc, end + 10, value as u16), // entries
            3 => put_u32(&mut doc, header + 20, value), // compressed size
            4 => put_u32(&mut doc, header + 24, value), // uncompressed size
            5 => put_u32(&mut doc, header + 42, value), // local header offset
            _ => put_u16(&mut doc, header + 30, value as u16), // extra field length
        }
        let rt = runtime();
        let len = doc.len();
        let read = check_bytes(&rt, "a.docx", doc);
        prop_assert!(read <= read_bound(len), "read {read} of {len}");
    }
}

//! Which files ezshare accepts, decided by their **content**.
//!
//! # The rule
//!
//! A [`FileTypePolicy`] is an allowlist of [`FileType`]s, configured by `ALLOWED_FILE_TYPES`
//! (a `serve` flag / template parameter in other crates) and parsed with
//! [`FileTypePolicy::parse`]: default `docx,xlsx,pptx,pdf`; `*` turns the policy off (any
//! file is accepted and nothing is read). A file is accepted when
//!
//! 1. its name's extension (lowercased) names a type in the allowlist, and
//! 2. its content is a file of exactly that type:
//!    - **pdf**: starts with `%PDF-` at offset 0;
//!    - **docx / xlsx / pptx**: a ZIP starting at offset 0 whose single
//!      `[Content_Types].xml` declares the main part content type of that type
//!      (`…wordprocessingml.document.main+xml`, `…spreadsheetml.sheet.main+xml`,
//!      `…presentationml.presentation.main+xml`) and no other known one, with no
//!      macro-enabled content type, no `vbaProject` content type and no `vbaProject.bin`
//!      part anywhere in the central directory.
//!
//! # Reading only what the decision needs
//!
//! Bytes come from a [`ByteSource`]: memory ([`bytes::Bytes`]), a [`LocalFile`], or S3 ranged
//! GETs (an adapter elsewhere). The decision reads the first 8 bytes; for a ZIP, the last
//! 64 KiB + 22 bytes (end-of-central-directory record), the central directory (at most
//! 10 000 entries and 4 MiB), and the local header + compressed data of
//! `[Content_Types].xml` (at most 256 KiB, inflated with the same cap). No other member is
//! touched, so a multi-GB file costs a few reads and a zip bomb costs nothing.
//! [`Counted`] measures what a decision read.
//!
//! # Accepted
//!
//! - `report.pdf` starting with `%PDF-`; `Report.PDF` too (extensions are case-insensitive)
//! - `a.docx`, `a.xlsx`, `a.pptx`: Office Open XML packages of that type, of any size,
//!   with members stored or deflated, ZIP64 included
//! - anything at all when the policy is `*`
//!
//! # Rejected (the reason is safe to show)
//!
//! - a name without an extension, or with one not in the allowlist (`.txt`, `.docm`, `.docx`
//!   under policy `pdf`, …); the message lists the accepted types
//! - content of another type than the extension says: a PDF named `.docx`, a docx named
//!   `.pdf`, an xlsx named `.docx`
//! - macro-enabled documents (docm/xlsm/pptm/…), even renamed to `.docx`, and any package
//!   with a `vbaProject.bin` part or `vbaProject` content type
//! - encrypted or legacy Office files (OLE2 header `D0 CF 11 E0 A1 B1 1A E1`)
//! - ZIPs that are not Office documents (no or several `[Content_Types].xml`, no known main
//!   part content type, entity references in content types), ODF, JAR, …
//! - truncated or corrupt ZIPs, data before the ZIP or after its end record, multi-disk
//!   archives, encrypted members, compression methods other than stored/deflate
//! - more than 10 000 entries, a central directory over 4 MiB, a `[Content_Types].xml`
//!   over 256 KiB (declared or actually inflated)
//! - plain text, images, executables, empty files: anything else
//!
//! A [`PolicyError::Source`] is not a rejection: the bytes could not be read.

mod detect;
mod error;
mod file_type;
mod policy;
mod source;
mod zip_dir;

pub use error::PolicyError;
pub use file_type::FileType;
pub use policy::FileTypePolicy;
pub use source::{ByteSource, Counted, LocalFile, SourceError};

/// Limits on what a decision reads, exposed for documentation and callers' budgets.
pub mod limits {
    /// Most central-directory entries an archive may declare.
    pub const MAX_ZIP_ENTRIES: u64 = crate::zip_dir::MAX_ENTRIES;
    /// Largest ZIP central directory read, in bytes.
    pub const MAX_CENTRAL_DIRECTORY: u64 = crate::zip_dir::MAX_CENTRAL_DIRECTORY;
    /// Largest `[Content_Types].xml` read, compressed or inflated, in bytes.
    pub const MAX_CONTENT_TYPES: u64 = crate::detect::MAX_CONTENT_TYPES;
}

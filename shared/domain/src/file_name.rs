use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::ValidationError;

/// The name of a stored file: 1–255 bytes of UTF-8, without `/`, `\` or control characters,
/// and neither `.` nor `..`. It is a name, never a path: storage keys and local paths are
/// derived from it by the adapters, which never hand it to a filesystem as-is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileName(String);

impl FileName {
    pub const MAX_BYTES: usize = 255;

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |m: &str| Err(ValidationError::new("file_name", m));
        if raw.is_empty() || raw.len() > Self::MAX_BYTES {
            return err("must be 1 to 255 bytes long");
        }
        if raw == "." || raw == ".." {
            return err("must not be '.' or '..'");
        }
        if raw.contains(['/', '\\']) {
            return err("must not contain '/' or '\\'");
        }
        if raw.chars().any(char::is_control) {
            return err("must not contain control characters");
        }
        Ok(Self(raw.to_owned()))
    }

    /// The name of a file being created: [`Self::parse`]'s rules, after normalising to NFC
    /// (so `é` typed on two systems is one name; the 255-byte limit applies to the NFC form),
    /// and without invisible format characters (Unicode category Cf: bidirectional controls
    /// that make `invoice<U+202E>fdp.exe` display as `invoiceexe.pdf`, zero-width spaces, soft
    /// hyphens), except the zero-width joiner and non-joiner that emoji sequences and scripts
    /// such as Persian need. Names of files stored before these rules go through
    /// [`Self::parse`] and stay reachable as they are.
    pub fn parse_new(raw: &str) -> Result<Self, ValidationError> {
        let nfc: String = raw.nfc().collect();
        let invisible = nfc.chars().find(|&c| {
            c.general_category() == GeneralCategory::Format && !matches!(c, '\u{200C}' | '\u{200D}')
        });
        if let Some(c) = invisible {
            return Err(ValidationError::new(
                "file_name",
                format!(
                    "must not contain invisible formatting characters (found U+{:04X})",
                    u32::from(c)
                ),
            ));
        }
        Self::parse(&nfc)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lowercase extension after the last dot, if any (`"Report.PDF"` → `"pdf"`).
    pub fn extension(&self) -> Option<String> {
        let (stem, ext) = self.0.rsplit_once('.')?;
        (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
    }

    /// An RFC 6266 `Content-Disposition: attachment` value. ASCII names go in `filename`;
    /// others also get `filename*` (RFC 5987 UTF-8 percent-encoding) with an ASCII fallback.
    pub fn content_disposition(&self) -> String {
        let ascii_safe = self
            .0
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && c != '"');
        if ascii_safe {
            return format!("attachment; filename=\"{}\"", self.0);
        }
        let fallback: String = self
            .0
            .chars()
            .map(|c| {
                if c.is_ascii() && !c.is_ascii_control() && c != '"' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        format!(
            "attachment; filename=\"{fallback}\"; filename*=UTF-8''{}",
            utf8_percent_encode(&self.0, RFC5987_ATTR_CHAR)
        )
    }
}

/// Characters that must be percent-encoded in an RFC 5987 `ext-value` (everything but attr-char).
const RFC5987_ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

impl fmt::Display for FileName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for FileName {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// A media type as sent by a client (`type/subtype`, optional parameters), at most 255 bytes.
/// Anything unparseable becomes `application/octet-stream` rather than an error: the type is a
/// hint for the downloader, and refusing a file over it would help nobody.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType(String);

impl ContentType {
    pub fn octet_stream() -> Self {
        Self("application/octet-stream".to_owned())
    }

    pub fn parse_or_default(raw: Option<&str>) -> Self {
        raw.and_then(|r| Self::parse(r).ok())
            .unwrap_or_else(Self::octet_stream)
    }

    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let raw = raw.trim();
        let essence = raw.split(';').next().unwrap_or_default().trim();
        let token = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&b))
        };
        let valid = raw.len() <= 255
            && raw.bytes().all(|b| (0x20..0x7f).contains(&b))
            && essence
                .split_once('/')
                .is_some_and(|(t, s)| token(t) && token(s));
        if !valid {
            return Err(ValidationError::new(
                "content_type",
                "must be a media type such as application/pdf",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Serialize for ContentType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_ordinary_and_unicode_names() {
        for ok in [
            "report.pdf",
            "a",
            "..a",
            "a..",
            "résumé 2026.docx",
            "名前.txt",
            "x y",
        ] {
            assert_eq!(FileName::parse(ok).unwrap().as_str(), ok);
        }
        assert!(FileName::parse(&"a".repeat(255)).is_ok());
    }

    #[test]
    fn new_names_are_nfc_and_the_limit_applies_after_normalising() {
        let nfd = "re\u{301}sume\u{301}.pdf";
        assert_eq!(FileName::parse_new(nfd).unwrap().as_str(), "résumé.pdf");
        // A stored name in the old form stays as it is for look-ups.
        assert_eq!(FileName::parse(nfd).unwrap().as_str(), nfd);
        // 84 × "é" decomposed plus ".pdf" is 256 bytes, composed 172: new, it fits; as-is it does not.
        let long_nfd = format!("{}.pdf", "e\u{301}".repeat(84));
        assert!(long_nfd.len() > 255);
        assert!(FileName::parse(&long_nfd).is_err());
        assert_eq!(FileName::parse_new(&long_nfd).unwrap().as_str().len(), 172);
        let too_long = format!("{}.pdf", "é".repeat(126));
        assert!(FileName::parse_new(&too_long).is_err(), "256 bytes in NFC");
    }

    #[test]
    fn new_names_refuse_invisible_format_characters_but_keep_joiners() {
        for (bad, code) in [
            ("invoice\u{202E}fdp.exe", "U+202E"), // right-to-left override
            ("a\u{2066}b.pdf", "U+2066"),         // left-to-right isolate
            ("a\u{200F}.pdf", "U+200F"),          // right-to-left mark
            ("pay\u{200B}roll.pdf", "U+200B"),    // zero-width space
            ("in\u{AD}voice.pdf", "U+00AD"),      // soft hyphen
            ("\u{FEFF}bom.pdf", "U+FEFF"),        // byte order mark
            ("tag\u{E0041}.pdf", "U+E0041"),      // tag character
        ] {
            let err = FileName::parse_new(bad).unwrap_err();
            assert!(err.message.contains(code), "{bad:?}: {}", err.message);
        }
        for ok in [
            "family \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}.pdf", // ZWJ emoji sequence
            "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}.pdf", // Persian with ZWNJ
            "مستند.pdf",
            "名前.docx",
        ] {
            assert!(FileName::parse_new(ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn rejects_paths_and_specials() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "../etc/passwd",
            "a\\b",
            "a\nb",
            "a\u{0}b",
            "\u{7f}",
        ] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn length_counts_bytes() {
        // 128 two-byte characters = 256 bytes.
        assert!(FileName::parse(&"é".repeat(128)).is_err());
        assert!(FileName::parse(&"é".repeat(127)).is_ok());
        assert!(FileName::parse(&"a".repeat(256)).is_err());
    }

    #[test]
    fn extension_is_lowercased() {
        let ext = |n: &str| FileName::parse(n).unwrap().extension();
        assert_eq!(ext("A.PDF").as_deref(), Some("pdf"));
        assert_eq!(ext("archive.tar.gz").as_deref(), Some("gz"));
        assert_eq!(ext(".bashrc"), None);
        assert_eq!(ext("noext"), None);
    }

    #[test]
    fn content_disposition_ascii_and_unicode() {
        assert_eq!(
            FileName::parse("a b.pdf").unwrap().content_disposition(),
            "attachment; filename=\"a b.pdf\""
        );
        assert_eq!(
            FileName::parse("résumé \"1\".pdf")
                .unwrap()
                .content_disposition(),
            "attachment; filename=\"r_sum_ _1_.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.pdf"
        );
    }

    #[test]
    fn content_type_parsing() {
        assert_eq!(
            ContentType::parse("application/pdf").unwrap().as_str(),
            "application/pdf"
        );
        assert!(ContentType::parse("text/plain; charset=utf-8").is_ok());
        assert!(ContentType::parse("nonsense").is_err());
        assert!(ContentType::parse("a/b\r\nX-Evil: 1").is_err());
        assert_eq!(
            ContentType::parse_or_default(Some("bad")).as_str(),
            "application/octet-stream"
        );
    }
}

//! Content detection: what a file is, judged only by its bytes.

use crate::error::rejected;
use crate::zip_dir::{self, Directory};
use crate::{ByteSource, FileType, PolicyError};

/// Largest `[Content_Types].xml` read, compressed and inflated.
pub(crate) const MAX_CONTENT_TYPES: u64 = 256 << 10;

const OLE2_MAGIC: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
const MACRO: &str = "macro-enabled documents are not accepted";
const UNKNOWN: &str = "the file's content is not a recognised document type";

/// The type of the file in `src`, or why it is refused.
pub(crate) async fn detect(src: &dyn ByteSource) -> Result<FileType, PolicyError> {
    let head = src.read_at(0, 8).await?;
    if head.starts_with(b"%PDF-") {
        Ok(FileType::Pdf)
    } else if head.starts_with(b"PK\x03\x04") {
        let len = src.len().await?;
        detect_ooxml(src, len).await
    } else if head.starts_with(&OLE2_MAGIC) {
        Err(rejected(
            "encrypted or legacy (pre-2007) Office files are not accepted",
        ))
    } else {
        Err(rejected(UNKNOWN))
    }
}

/// An Office Open XML package: the central directory says there is no VBA project, and the
/// single `[Content_Types].xml` declares exactly one known main part content type.
async fn detect_ooxml(src: &dyn ByteSource, len: u64) -> Result<FileType, PolicyError> {
    let dir: Directory = zip_dir::read_directory(src, len).await?;
    let is_vba = |name: &[u8]| {
        let file = name.rsplit(|&b| b == b'/' || b == b'\\').next();
        file.is_some_and(|f| f.eq_ignore_ascii_case(b"vbaProject.bin"))
    };
    if dir.entries.iter().any(|e| is_vba(&e.name)) {
        return Err(rejected(MACRO));
    }
    let mut found = dir
        .entries
        .iter()
        .filter(|e| e.name.eq_ignore_ascii_case(b"[Content_Types].xml"));
    let (Some(entry), None) = (found.next(), found.next()) else {
        return Err(rejected(UNKNOWN));
    };
    let too_large = "the document's [Content_Types].xml is larger than 256 KiB";
    let xml = zip_dir::read_member(src, &dir, entry, MAX_CONTENT_TYPES, too_large).await?;
    classify(&xml)
}

/// Decides from the `ContentType` attribute values of `[Content_Types].xml`.
fn classify(xml: &[u8]) -> Result<FileType, PolicyError> {
    let values = content_type_values(xml)
        .ok_or_else(|| rejected("the document's [Content_Types].xml is not supported"))?;
    let has = |v: &[u8], needle: &[u8]| {
        v.windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    if values
        .iter()
        .any(|v| has(v, b"macroenabled") || has(v, b"vbaproject"))
    {
        return Err(rejected(MACRO));
    }
    let mut types = FileType::ALL.into_iter().filter(|t| {
        t.ooxml_main_part().is_some_and(|main| {
            values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(main.as_bytes()))
        })
    });
    match (types.next(), types.next()) {
        (Some(t), None) => Ok(t),
        _ => Err(rejected(UNKNOWN)),
    }
}

/// Every `ContentType="…"` attribute value (either quote, spaces around `=`). `None` when a
/// value holds an entity reference: real content types never do, and decoding them is the
/// one way a plain byte scan could be told a different story than an XML parser.
fn content_type_values(xml: &[u8]) -> Option<Vec<&[u8]>> {
    const ATTR: &[u8] = b"ContentType";
    let mut values = Vec::new();
    let mut at = 0;
    while let Some(pos) = xml[at..].windows(ATTR.len()).position(|w| w == ATTR) {
        let start = at + pos;
        at = start + ATTR.len();
        if !start
            .checked_sub(1)
            .is_some_and(|p| xml[p].is_ascii_whitespace())
        {
            continue;
        }
        let skip_ws = |i: usize| {
            i + xml[i..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count()
        };
        let eq = skip_ws(at);
        if xml.get(eq) != Some(&b'=') {
            continue;
        }
        let quote_at = skip_ws(eq + 1);
        let Some(&quote @ (b'"' | b'\'')) = xml.get(quote_at) else {
            continue;
        };
        let len = xml[quote_at + 1..].iter().position(|&b| b == quote)?;
        let value = &xml[quote_at + 1..quote_at + 1 + len];
        if value.contains(&b'&') {
            return None;
        }
        values.push(value);
        at = quote_at + 1 + len;
    }
    Some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(xml: &str) -> Result<FileType, String> {
        classify(xml.as_bytes()).map_err(|e| e.to_string())
    }

    const DOCX_MAIN: &str =
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";

    #[test]
    fn classifies_by_main_part_content_type() {
        let xml = format!(
            "<Types>\n<Default Extension='xml' ContentType='application/xml'/>\
             <Override PartName=\"/word/document.xml\" ContentType = \"{DOCX_MAIN}\"/></Types>"
        );
        assert_eq!(kind(&xml), Ok(FileType::Docx));
    }

    #[test]
    fn refuses_macros_entities_ambiguity_and_nothing() {
        let one = |ct: &str| format!("<Override PartName='/a' ContentType='{ct}'/>");
        let macro_ct = "application/vnd.ms-word.document.macroEnabled.main+xml";
        assert!(kind(&one(macro_ct)).unwrap_err().contains("macro"));
        let vba = "application/vnd.ms-office.vbaProject";
        assert!(
            kind(&(one(DOCX_MAIN) + &one(vba)))
                .unwrap_err()
                .contains("macro")
        );
        let encoded = "application/vnd.ms-word.document.macro&#69;nabled.main+xml";
        assert!(
            kind(&(one(DOCX_MAIN) + &one(encoded)))
                .unwrap_err()
                .contains("not supported")
        );
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml";
        assert!(
            kind(&(one(DOCX_MAIN) + &one(xlsx)))
                .unwrap_err()
                .contains("not a recognised")
        );
        assert!(kind("<Types/>").unwrap_err().contains("not a recognised"));
        // Only the attribute counts, not look-alike names or text.
        let text = format!("<Types><xContentType='{DOCX_MAIN}'/>ContentType</Types>");
        assert!(kind(&text).is_err());
        assert!(kind(&format!("<O ContentType='{DOCX_MAIN}")).is_err()); // unterminated
    }
}

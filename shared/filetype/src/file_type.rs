use std::fmt;

/// A file type the policy knows. Its name is also its file-name extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    Pdf,
    Docx,
    Xlsx,
    Pptx,
}

impl FileType {
    /// Every known type, in the order of the default allowlist.
    pub const ALL: [FileType; 4] = [Self::Docx, Self::Xlsx, Self::Pptx, Self::Pdf];

    /// The name used in the allowlist, which is also the extension: `"pdf"`, `"docx"`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Docx => "docx",
            Self::Xlsx => "xlsx",
            Self::Pptx => "pptx",
        }
    }

    /// The lowercase extension a file of this type must carry (same as [`Self::as_str`]).
    pub fn extension(self) -> &'static str {
        self.as_str()
    }

    /// The canonical media type, for `Content-Type` headers.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
        }
    }

    /// The type named `name` (case-insensitive), if known.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(name))
    }

    /// The content type `[Content_Types].xml` declares for the main part of an Office
    /// Open XML package of this type (`None` for PDF).
    pub(crate) fn ooxml_main_part(self) -> Option<&'static str> {
        match self {
            Self::Pdf => None,
            Self::Docx => Some(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            ),
            Self::Xlsx => {
                Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
            }
            Self::Pptx => Some(
                "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
            ),
        }
    }
}

impl fmt::Display for FileType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_case_insensitively() {
        for t in FileType::ALL {
            assert_eq!(FileType::from_name(t.as_str()), Some(t));
            assert_eq!(FileType::from_name(&t.as_str().to_uppercase()), Some(t));
            assert_eq!(t.extension(), t.to_string());
        }
        assert_eq!(FileType::from_name("docm"), None);
        assert_eq!(FileType::from_name(""), None);
        assert_eq!(FileType::Pdf.content_type(), "application/pdf");
    }
}

use std::fmt;
use std::str::FromStr;

use ezshare_domain::{FileName, ValidationError};

use crate::error::rejected;
use crate::{ByteSource, FileType, PolicyError, detect};

/// Which file types may be uploaded: an allowlist, or `*` for anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileTypePolicy {
    /// `None` when the policy is off (`*`).
    allowed: Option<Vec<FileType>>,
}

impl FileTypePolicy {
    /// The environment variable the setting is read from.
    pub const ENV_VAR: &'static str = "ALLOWED_FILE_TYPES";
    /// The default setting.
    pub const DEFAULT: &'static str = "docx,xlsx,pptx,pdf";

    /// Parses a comma-separated list of type names (case-insensitive, spaces allowed,
    /// duplicates ignored), or `*` alone to accept any file.
    pub fn parse(raw: &str) -> Result<Self, ValidationError> {
        let err = |m: String| ValidationError::new("allowed_file_types", m);
        if raw.trim() == "*" {
            return Ok(Self::allow_all());
        }
        let mut allowed = Vec::new();
        for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            if item == "*" {
                return Err(err("'*' cannot be combined with file types".into()));
            }
            let t = FileType::from_name(item).ok_or_else(|| {
                err(format!(
                    "unknown file type {item:?}; known types: docx, xlsx, pptx, pdf"
                ))
            })?;
            if !allowed.contains(&t) {
                allowed.push(t);
            }
        }
        if allowed.is_empty() {
            return Err(err(
                "must list at least one file type, or '*' to accept any file".into(),
            ));
        }
        Ok(Self {
            allowed: Some(allowed),
        })
    }

    /// The policy that accepts any file without reading it.
    pub fn allow_all() -> Self {
        Self { allowed: None }
    }

    /// Whether the policy is off (`*`).
    pub fn is_open(&self) -> bool {
        self.allowed.is_none()
    }

    /// Whether files of type `t` may be uploaded.
    pub fn allows(&self, t: FileType) -> bool {
        self.allowed.as_ref().is_none_or(|a| a.contains(&t))
    }

    /// The allowlist for people: `"docx, xlsx, pptx, pdf"`, or `"*"` when open.
    pub fn allowed_list(&self) -> String {
        match &self.allowed {
            None => "*".to_owned(),
            Some(types) => types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// The name half of [`Self::check`]: whether a file called `name` may be uploaded at all,
    /// before any byte exists (a direct upload announces its name first). Returns the type
    /// the extension claims; `None` when the policy is open.
    pub fn check_name(&self, name: &FileName) -> Result<Option<FileType>, PolicyError> {
        if self.is_open() {
            return Ok(None);
        }
        let list = self.allowed_list();
        let Some(ext) = name.extension() else {
            return Err(rejected(format!(
                "the file name has no extension; accepted types: {list}"
            )));
        };
        match FileType::from_name(&ext).filter(|t| self.allows(*t)) {
            Some(claimed) => Ok(Some(claimed)),
            None => Err(rejected(format!(
                ".{ext} files are not accepted; accepted types: {list}"
            ))),
        }
    }

    /// Accepts the file called `name` whose bytes are in `src`, returning its type (`None`
    /// when the policy is open, in which case nothing is read). The name's extension must
    /// be an allowed type and the content must be a file of exactly that type.
    pub async fn check(
        &self,
        name: &FileName,
        src: &dyn ByteSource,
    ) -> Result<Option<FileType>, PolicyError> {
        let Some(claimed) = self.check_name(name)? else {
            return Ok(None);
        };
        let list = self.allowed_list();
        let ext = claimed.extension();
        // Every rejection names what would have been accepted.
        let found = detect::detect(src).await.map_err(|e| match e {
            PolicyError::Rejected { reason } => {
                rejected(format!("{reason}; accepted types: {list}"))
            }
            other => other,
        })?;
        if found != claimed {
            return Err(rejected(format!(
                "the file's content is {found} but its name ends in .{ext}; accepted types: {list}"
            )));
        }
        Ok(Some(found))
    }
}

impl Default for FileTypePolicy {
    /// `docx, xlsx, pptx, pdf`.
    fn default() -> Self {
        Self {
            allowed: Some(FileType::ALL.to_vec()),
        }
    }
}

impl FromStr for FileTypePolicy {
    type Err = ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for FileTypePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.allowed_list())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists_and_star() {
        let p = FileTypePolicy::parse(" PDF , docx,,pdf ").unwrap();
        assert_eq!(p.allowed_list(), "pdf, docx");
        assert!(p.allows(FileType::Docx) && !p.allows(FileType::Xlsx));
        assert!(FileTypePolicy::parse("*").unwrap().is_open());
        assert!(FileTypePolicy::allow_all().allows(FileType::Pptx));
        let default = FileTypePolicy::default();
        assert_eq!(default.to_string(), "docx, xlsx, pptx, pdf");
        assert_eq!(
            FileTypePolicy::parse(FileTypePolicy::DEFAULT),
            Ok(default.clone())
        );
        assert_eq!(default.to_string().parse(), Ok(default));
    }

    #[test]
    fn rejects_unknown_empty_and_mixed_star() {
        for raw in ["", " , ", "pdf,exe", "docm", "*,pdf", ".pdf"] {
            let err = FileTypePolicy::parse(raw).unwrap_err();
            assert_eq!(err.field, "allowed_file_types", "{raw:?}");
        }
        let err = FileTypePolicy::parse("pdf, exe").unwrap_err();
        assert!(err.message.contains("\"exe\""), "{}", err.message);
    }
}

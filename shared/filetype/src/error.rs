use crate::SourceError;

/// Why a file was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file breaks the policy. `reason` is safe to show to the uploader.
    #[error("file rejected: {reason}")]
    Rejected { reason: String },
    /// The bytes could not be read; says nothing about the file.
    #[error(transparent)]
    Source(#[from] SourceError),
}

pub(crate) fn rejected(reason: impl Into<String>) -> PolicyError {
    PolicyError::Rejected {
        reason: reason.into(),
    }
}

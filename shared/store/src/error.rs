/// What a store can report. Adapters translate their backend's errors into these; the text
/// of `Unavailable` and `Internal` is for logs only and is never sent to callers.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A conditional create found the key taken.
    #[error("the item already exists")]
    AlreadyExists,
    /// An invite that is unknown, used, expired or for another type of user.
    #[error("the invite cannot be redeemed")]
    InviteNotRedeemable,
    /// A listing cursor this store did not issue, or can no longer use.
    #[error("the cursor is not valid for this listing")]
    InvalidCursor,
    /// A staged upload's bytes were replaced after they were found (its pinned version no
    /// longer matches): nothing was promoted.
    #[error("the staged bytes changed since they were checked")]
    Changed,
    /// Throttled, unreachable or otherwise temporarily failing: worth retrying later.
    #[error("storage temporarily unavailable: {0}")]
    Unavailable(String),
    /// Anything else: a bug, corrupt data, a permission problem.
    #[error("storage failure: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn internal(err: impl std::fmt::Display) -> Self {
        Self::Internal(err.to_string())
    }
}

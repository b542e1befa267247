use connectors_core::StoreError;

/// What can fail in this crate outside the [`CredentialStore`](connectors_core::CredentialStore)
/// trait, whose methods answer [`StoreError`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The encryption key is not base64 (the offending input is never echoed).
    #[error("encryption key is not valid base64")]
    KeyNotBase64,
    /// The encryption key does not decode to 32 bytes.
    #[error("encryption key must decode to 32 bytes, got {0}")]
    KeyLength(usize),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

//! The crate's single error type.
//!
//! Session data comes from files, environment variables and databases, so
//! every decoding step can fail; each failure is a variant specific enough
//! for a caller (or a person reading a log) to tell a truncated download
//! from a newer program's file from a disk error. Nothing in this crate
//! panics on bad input, and no error message ever contains key material.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while encoding, decoding or storing a session.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The data does not start with the `PPSS` magic: it is not a paperplane
    /// session at all (or the wrong file was given).
    #[error("not a paperplane session (bad magic bytes)")]
    BadMagic,

    /// The data was written in a format version this build cannot read,
    /// typically by a newer paperplane. Upgrade rather than overwrite it.
    #[error("unsupported session format version {found} (this build reads version {supported})")]
    UnsupportedVersion {
        /// The version found in the data.
        found: u16,
        /// The version this build reads and writes.
        supported: u16,
    },

    /// The data is shorter than its header says: a partial write or an
    /// incomplete copy.
    #[error("session data is truncated: expected {expected} bytes, got {actual}")]
    Truncated {
        /// The length the header requires.
        expected: u64,
        /// The length that was given.
        actual: u64,
    },

    /// The data is longer than its header says.
    #[error("session data has trailing bytes: expected {expected} bytes, got {actual}")]
    TrailingData {
        /// The length the header requires.
        expected: u64,
        /// The length that was given.
        actual: u64,
    },

    /// The SHA-256 over the content does not match: the data was corrupted
    /// (a flipped bit, a bad sector, a mangled copy-paste).
    #[error("session data is corrupted (checksum mismatch)")]
    ChecksumMismatch,

    /// The checksum matched but a section's content is invalid. Only a buggy
    /// or hostile writer produces this.
    #[error("malformed session data in {section}: {reason}")]
    Malformed {
        /// Which part of the format was being read.
        section: &'static str,
        /// What was wrong with it.
        reason: &'static str,
    },

    /// A session string is not URL-safe base64.
    #[error("session string is not valid URL-safe base64")]
    InvalidString(#[source] base64::DecodeError),

    /// A session file exists but cannot be decoded. The file is left as it
    /// is: replacing it with an empty session would silently log the user out.
    #[error("session file {} is unreadable: {source}", path.display())]
    CorruptFile {
        /// The file that failed to decode.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: Box<SessionError>,
    },

    /// An I/O operation on a session file failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done (`"read"`, `"rename temporary file to"`, …).
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },

    /// A custom [`SessionBackend`](crate::SessionBackend) failed; carries its
    /// own error so third-party backends (Redis, S3, …) need no variant here.
    #[error("session backend error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// `Result` with [`SessionError`] as the default error.
pub type Result<T, E = SessionError> = std::result::Result<T, E>;

impl SessionError {
    /// Shorthand for [`SessionError::Malformed`].
    pub(crate) fn malformed(section: &'static str, reason: &'static str) -> Self {
        SessionError::Malformed { section, reason }
    }
}

//! The encrypted session: what happens once an authorization key exists.
//!
//! [`ClientSession`] and [`ServerSession`] are sans-IO state machines over
//! whole packets (what a transport frame carries). They assign msg_ids and
//! seq_nos, batch acknowledgements and requests into containers, compress
//! large bodies, encrypt and decrypt, check every incoming message before
//! trusting it, and handle MTProto's service messages (salts, time and
//! sequence corrections, pings, state requests, new sessions), surfacing
//! only what the layer above needs as [`ClientEvent`]s / [`ServerEvent`]s.

mod client;
pub mod container;
pub mod envelope;
pub mod ids;
mod outbox;
mod server;
mod service;
pub mod store;

pub use client::{ClientEvent, ClientSession, RequestId, RpcError};
pub use ids::Seen;
pub use server::{ServerEvent, ServerSession};

/// How far a peer's msg_id may lag behind our clock, in seconds.
pub const MAX_PAST: i64 = 300;
/// How far a peer's msg_id may run ahead of our clock, in seconds.
pub const MAX_FUTURE: i64 = 30;

/// Why an incoming packet (or one message in it) was refused. None of
/// these change the session: the message is simply not trusted.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
pub enum SessionError {
    /// Shorter than the smallest encrypted message.
    #[error("packet of {len} bytes is too short")]
    TooShort {
        /// Its length.
        len: usize,
    },
    /// The encrypted part is not a whole number of AES blocks.
    #[error("packet of {len} bytes is not block aligned")]
    NotAligned {
        /// Its length.
        len: usize,
    },
    /// Encrypted with another key (or unencrypted where a key is needed).
    #[error("packet for auth key {key_id:#x}, not ours")]
    WrongAuthKey {
        /// The key id it names.
        key_id: i64,
    },
    /// The msg_key does not match the decrypted content (forged or corrupt).
    #[error("msg_key does not match the content")]
    MsgKeyMismatch,
    /// The declared body length does not fit the packet.
    #[error("declared length {len} does not fit the packet")]
    BadLength {
        /// The declared length.
        len: usize,
    },
    /// Padding outside 12..=1024 bytes.
    #[error("{padding} bytes of padding (must be 12 to 1024)")]
    BadPadding {
        /// The padding found.
        padding: usize,
    },
    /// For another session.
    #[error("message for session {got:#x}, expected {expected:#x}")]
    WrongSession {
        /// Our session.
        expected: i64,
        /// The message's session.
        got: i64,
    },
    /// A msg_id with the wrong parity for its sender.
    #[error("msg_id {msg_id:#x} has the wrong parity for its sender")]
    BadMsgIdParity {
        /// The id.
        msg_id: i64,
    },
    /// A msg_id too far from our clock.
    #[error("msg_id {msg_id:#x} is outside the accepted time window")]
    BadMsgIdTime {
        /// The id.
        msg_id: i64,
    },
    /// A msg_id seen before (or too old to tell).
    #[error("msg_id {msg_id:#x} was already received")]
    Replay {
        /// The id.
        msg_id: i64,
    },
    /// A seq_no that contradicts the messages around it, or the wrong
    /// parity for what the message is.
    #[error("msg_id {msg_id:#x} has an inconsistent seq_no {seq_no}")]
    BadSeqNo {
        /// The id.
        msg_id: i64,
        /// Its seq_no.
        seq_no: i32,
    },
    /// A message inside a container whose id is not below the container's.
    #[error("msg_id {msg_id:#x} inside container {container:#x} is not older than it")]
    InnerIdNotBelowContainer {
        /// The inner message's id.
        msg_id: i64,
        /// The container's id.
        container: i64,
    },
    /// A malformed `msg_container`.
    #[error("malformed msg_container")]
    BadContainer,
    /// A malformed `rpc_result`.
    #[error("malformed rpc_result")]
    BadRpcResult,
    /// A `gzip_packed` that does not inflate, or inflates too far.
    #[error("malformed or oversized gzip_packed")]
    BadGzip,
    /// A service message that does not decode.
    #[error("malformed service message: {0}")]
    Decode(#[from] paperplane_tl::DeserializeError),
}

/// Result alias for session operations.
pub type Result<T> = std::result::Result<T, SessionError>;

/// Whether a message with this body needs an acknowledgement and an odd
/// seq_no: everything except acks and containers.
pub fn is_content_related(body: &[u8]) -> bool {
    !matches!(
        container::id_of(body),
        Some(service::MSGS_ACK | container::MSG_CONTAINER)
    )
}

/// Where a msg_id falls against a clock reading (Unix seconds, already
/// corrected to the peer's time if we are the client).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdTime {
    /// More than [`MAX_PAST`] seconds old.
    TooOld,
    /// More than [`MAX_FUTURE`] seconds ahead.
    TooNew,
    /// Within the window.
    Fresh,
}

/// Checks a peer's msg_id against `now` (Unix seconds).
pub(crate) fn id_time(msg_id: i64, now: i64) -> IdTime {
    let secs = msg_id >> 32;
    if secs < now.saturating_sub(MAX_PAST) {
        IdTime::TooOld
    } else if secs > now.saturating_add(MAX_FUTURE) {
        IdTime::TooNew
    } else {
        IdTime::Fresh
    }
}

#[cfg(test)]
mod tests;

//! Errors of the transport layer, and the transport error codes servers send.
//!
//! Every way bytes from the network can be wrong has its own variant, so the
//! connection layer above can log precisely and decide (most transport errors
//! mean "close the connection"). Nothing in this module panics or allocates
//! on behalf of the peer.

use core::fmt;

use super::detect::Detected;

/// A transport-level error code, sent by a server as a 4-byte packet body
/// (a negative little-endian `i32`) right before it closes the connection.
///
/// See core.telegram.org/mtproto/mtproto-transports#transport-errors. The
/// value is kept as received, so unknown codes survive for logging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub i32);

impl ErrorCode {
    /// −404: the auth key the client used is not known to the server (or,
    /// during the key exchange, the request was malformed). Telethon drops
    /// its key on this code.
    pub const AUTH_KEY_NOT_FOUND: Self = Self(-404);
    /// −429: transport flood — too many connections from the client's
    /// address, or too many requests on one connection.
    pub const TRANSPORT_FLOOD: Self = Self(-429);
    /// −444: invalid DC id, sent when an MTProxy or a server is asked for a
    /// DC it does not serve.
    pub const INVALID_DC: Self = Self(-444);

    /// The raw code.
    #[must_use]
    pub const fn code(self) -> i32 {
        self.0
    }

    /// A short human-readable explanation of a known code.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self.0 {
            -404 => "auth key not found",
            -429 => "transport flood",
            -444 => "invalid DC id",
            _ => "unknown transport error",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0, self.description())
    }
}

/// Why the FakeTLS layer rejected what the peer sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FakeTlsError {
    /// The bytes do not have the shape of the expected TLS message.
    #[error("malformed TLS {what}")]
    Malformed {
        /// Which part was malformed.
        what: &'static str,
    },
    /// A TLS record of an unexpected type or version arrived.
    #[error("unexpected TLS record header {found:02x?}")]
    UnexpectedRecord {
        /// The first three bytes of the record header.
        found: [u8; 3],
    },
    /// The client did not start its data with the dummy ChangeCipherSpec.
    #[error("expected a ChangeCipherSpec record, found {found:02x?}")]
    MissingChangeCipherSpec {
        /// The six bytes found instead.
        found: [u8; 6],
    },
    /// The HMAC in the hello's random field does not match: the peer does not
    /// know the secret (or the hello was altered).
    #[error("TLS hello digest does not match the secret")]
    BadDigest,
    /// The ClientHello's timestamp is outside the accepted window.
    #[error("ClientHello timestamp {timestamp} outside the accepted window around {now}")]
    StaleTimestamp {
        /// The client's unix time, recovered from the hello.
        timestamp: u32,
        /// The server's unix time.
        now: u64,
    },
}

/// Everything that can go wrong while framing, obfuscating or detecting a
/// transport.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A length header (or a payload to send) exceeds the configured maximum.
    /// Checked before anything is allocated.
    #[error("frame of {len} bytes exceeds the maximum of {max}")]
    FrameTooLarge {
        /// The announced (or given) length.
        len: u64,
        /// The configured maximum.
        max: usize,
    },
    /// A frame announced zero bytes of payload, or an empty payload was
    /// given to an encoder. MTProto packets are never empty and MTProxy
    /// rejects such frames.
    #[error("empty frame")]
    EmptyFrame,
    /// A frame (or a payload to send) is not a multiple of 4 bytes long, which
    /// every MTProto packet is.
    #[error("frame length {len} is not a multiple of 4")]
    Unaligned {
        /// The offending length.
        len: u64,
    },
    /// A frame is too short to carry anything (a padded-intermediate body
    /// under 4 bytes, or a full-transport length under 12).
    #[error("frame of {len} bytes is too short")]
    TooShort {
        /// The offending length.
        len: u64,
    },
    /// The full transport's CRC32 does not match the packet.
    #[error(
        "full transport checksum mismatch: packet says {found:#010x}, computed {computed:#010x}"
    )]
    BadChecksum {
        /// The checksum carried by the packet.
        found: u32,
        /// The checksum of the bytes received.
        computed: u32,
    },
    /// The full transport's sequence number is not the next one expected.
    #[error("full transport sequence number {found}, expected {expected}")]
    BadSequence {
        /// The next sequence number we expected.
        expected: u32,
        /// The sequence number the packet carried.
        found: u32,
    },
    /// Quick acknowledgements were asked of a framing without them (full).
    #[error("the full transport has no quick acknowledgements")]
    QuickAckUnsupported,
    /// The obfuscated2 header decrypts to an unknown protocol tag: the peer
    /// used another secret, or the bytes are not obfuscated2 at all.
    #[error("unknown obfuscated2 protocol tag {tag:02x?}")]
    UnknownProtocolTag {
        /// The decrypted tag.
        tag: [u8; 4],
    },
    /// The random bytes given for an obfuscated2 header would make it look
    /// like another transport (see [`crate::transport::obfuscated2`]).
    #[error("obfuscated2 header random would be mistaken for another transport")]
    ReservedHeaderPrefix,
    /// The first bytes of a connection match no transport this server knows.
    #[error("unrecognised transport, first bytes {first:02x?}")]
    UnknownTransport {
        /// Up to the first 8 bytes seen.
        first: [u8; 8],
    },
    /// The client opened with an HTTP request other than `POST` (`GET`,
    /// `HEAD`, `OPTIONS`), which MTProto's HTTP transport does not use.
    #[error("HTTP requests other than POST are not supported")]
    HttpUnsupported,
    /// An HTTP transport request is malformed or unacceptable (see
    /// [`crate::transport::http`]).
    #[error("malformed HTTP request: {0}")]
    HttpMalformed(&'static str),
    /// An HTTP transport response was to be sent while no request was
    /// waiting for one.
    #[error("no HTTP request is waiting for a response")]
    HttpNoRequest,
    /// The client uses a transport the server's configuration disables.
    #[error("transport {0:?} is disabled on this server")]
    TransportDisabled(Detected),
    /// A FakeTLS step failed.
    #[error("FakeTLS: {0}")]
    FakeTls(#[from] FakeTlsError),
    /// Data was given to send before the FakeTLS handshake finished.
    #[error("the transport handshake has not finished yet")]
    HandshakeInProgress,
    /// An MTProxy secret has the wrong shape.
    #[error("invalid proxy secret: {0}")]
    InvalidSecret(&'static str),
}

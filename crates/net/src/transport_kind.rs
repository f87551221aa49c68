//! Which framing a client speaks.

use paperplane_mtproto::transport::{ClientMode, Framing, ObfuscatedFraming};

/// The wire format of a connection, as in the reference clients.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TransportKind {
    /// The lightest framing (the default).
    #[default]
    Abridged,
    /// Fixed 4-byte lengths.
    Intermediate,
    /// Intermediate with random padding, so sizes give nothing away.
    PaddedIntermediate,
    /// Lengths, sequence numbers and CRC32 checksums.
    Full,
    /// obfuscated2 (abridged inside): the stream looks random, which
    /// resists deep packet inspection.
    Obfuscated,
}

impl TransportKind {
    /// The transport mode for a direct connection.
    pub fn mode(self) -> ClientMode {
        match self {
            Self::Abridged => ClientMode::Plain(Framing::Abridged),
            Self::Intermediate => ClientMode::Plain(Framing::Intermediate),
            Self::PaddedIntermediate => ClientMode::Plain(Framing::PaddedIntermediate),
            Self::Full => ClientMode::Plain(Framing::Full),
            Self::Obfuscated => ClientMode::obfuscated(ObfuscatedFraming::Abridged, None),
        }
    }
}

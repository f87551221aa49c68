//! What a decoder hands up: [`Frame`] on the client side, [`ClientPacket`]
//! on the server side.
//!
//! The two roles receive different things. A client gets packets, quick-ack
//! tokens and transport error codes from the server; a server gets packets,
//! some of which ask for a quick acknowledgement. Separate types keep a
//! server from ever "receiving" a quick-ack token and a client from ever
//! being asked for one.

use super::error::ErrorCode;

/// One unit a client receives from the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// An MTProto packet (an unencrypted or an encrypted message), with the
    /// transport's envelope, padding and checksum removed.
    Packet(Vec<u8>),
    /// A quick acknowledgement: the server received the packet whose token
    /// this is. The value is as on the wire, top bit set: the first 32 bits
    /// (little-endian) of the packet's `msg_key_large`, `| 0x8000_0000`.
    QuickAck(u32),
    /// The server reported a transport error (usually negative, e.g. −404)
    /// and is about to close the connection.
    Error(ErrorCode),
}

/// A packet a server received from a client.
#[derive(Debug, PartialEq, Eq)]
pub struct ClientPacket {
    /// The MTProto packet, with the transport's envelope and padding removed.
    pub payload: Vec<u8>,
    /// Present when the client asked for a quick acknowledgement of this
    /// packet. Hand it to the encoder's `encode_quick_ack` together with
    /// the token computed from the packet; without one no quick-ack can be
    /// sent, which is how servers never surprise clients that cannot parse
    /// them (Telethon's intermediate codec reads a quick-ack as a length).
    pub quick_ack: Option<QuickAckRequest>,
}

/// Proof that a client asked for a quick acknowledgement.
///
/// Only a decoder can make one, and answering consumes it, so a server
/// sends at most one quick-ack per request and never an unrequested one.
#[derive(Debug, PartialEq, Eq)]
pub struct QuickAckRequest {
    _private: (),
}

impl QuickAckRequest {
    pub(crate) const fn new() -> Self {
        Self { _private: () }
    }
}

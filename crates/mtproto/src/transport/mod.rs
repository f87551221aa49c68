//! MTProto transports: how packets travel over a TCP byte stream, for both
//! the client and the server role.
//!
//! Three layers, innermost first (core.telegram.org/mtproto/mtproto-transports):
//!
//! 1. **Framing** ([`framing`]): abridged, intermediate, padded intermediate
//!    or full cut the stream into packets, and carry quick-acks and
//!    transport error codes.
//! 2. **obfuscated2** ([`obfuscated2`]): optional AES-256-CTR over the whole
//!    stream, keyed by a random 64-byte header, so the framing cannot be
//!    recognised on the wire. Wraps any framing but full.
//! 3. **FakeTLS** ([`fake_tls`]): optional, for MTProxy `ee` secrets —
//!    a TLS 1.3-looking handshake authenticated with the secret, then the
//!    obfuscated2 stream inside TLS application-data records.
//!
//! Besides these TCP transports, a server also speaks MTProto's HTTP
//! transport ([`http`]): one packet per `POST` body, one per response.
//!
//! [`ClientTransport`] and [`ServerTransport`] put the layers together for
//! one connection; the server's starts with [`detect`], which recognises
//! the client's choice from the first bytes. The layers are also usable on
//! their own ([`ClientFramer`], [`ServerFramer`], [`obfuscated2`],
//! [`fake_tls`]).
//!
//! Everything is sans-IO. Encoders append to an output `Vec<u8>` the caller
//! writes to the socket; decoders consume from a [`ReadBuf`] the caller
//! appends received bytes to, and return `Ok(None)` until a whole frame is
//! there, however the bytes were split. Randomness (headers, padding, TLS
//! randoms) and time (FakeTLS timestamps) are arguments. Hostile input gets
//! a [`TransportError`], never a panic, and never an allocation larger than
//! what actually arrived: length headers are checked against
//! [`FramingOptions::max_frame_len`] first.
//!
//! Interoperability notes (Telethon 1.45, tdlib, MTProxy) are in each
//! module; the main ones: a server must not send quick-acks unless asked
//! (enforced by [`QuickAckRequest`]), must pad padded intermediate with at
//! most 3 bytes for Telethon ([`FramingOptions::server`]), and must not
//! require a valid DC id in the obfuscated2 header.

mod client;
mod detect;
mod error;
pub mod fake_tls;
mod frame;
pub mod framing;
pub mod http;
mod layers;
pub mod obfuscated2;
mod read_buf;
mod secret;
mod server;

pub use client::{ClientConfig, ClientMode, ClientTransport};
pub use detect::{Detected, detect};
pub use error::{ErrorCode, FakeTlsError, TransportError};
pub use frame::{ClientPacket, Frame, QuickAckRequest};
pub use framing::{
    ClientFramer, DEFAULT_MAX_FRAME_LEN, Framing, FramingOptions, ObfuscatedFraming, ServerFramer,
};
pub use http::HttpServer;
pub use read_buf::ReadBuf;
pub use secret::{MAX_DOMAIN_LEN, ProxySecret, SECRET_KEY_LEN, SecretKey};
pub use server::{FakeTlsConfig, ServerConfig, ServerTransport, Wrapping};

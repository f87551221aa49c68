//! [`ClientTransport`]: everything between a client's MTProto packets and
//! the socket, for one connection.

use rand_core::{CryptoRng, RngCore};

use super::error::TransportError;
use super::fake_tls::{
    CLIENT_RECORD_PAYLOAD, RecordReader, RecordWriter, client_hello, verify_server_hello,
};
use super::frame::Frame;
use super::framing::{ClientFramer, Framing, FramingOptions, ObfuscatedFraming};
use super::layers::Layers;
use super::obfuscated2::client_header;
use super::read_buf::ReadBuf;
use super::secret::{ProxySecret, SecretKey};

/// How a client connection is wrapped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientMode {
    /// A framing on its own: its tag, then frames.
    Plain(Framing),
    /// obfuscated2: a 64-byte header, then the encrypted stream.
    Obfuscated {
        /// The framing inside.
        framing: ObfuscatedFraming,
        /// The DC id to put in the header (MTProxy routes by it; a negative
        /// id means the DC's media server). `None` leaves random bytes, as
        /// Telethon does.
        dc_id: Option<i16>,
        /// An MTProxy secret to key the streams with; `None` towards
        /// Telegram's own servers.
        secret: Option<SecretKey>,
    },
    /// FakeTLS (MTProxy `ee` secret): a TLS handshake, then obfuscated2
    /// keyed with `key`, in TLS records.
    FakeTls {
        /// The framing inside; MTProxy requires padded intermediate.
        framing: ObfuscatedFraming,
        /// As in [`ClientMode::Obfuscated`].
        dc_id: Option<i16>,
        /// The secret's key.
        key: SecretKey,
        /// The secret's domain, sent as SNI.
        domain: String,
    },
}

impl ClientMode {
    /// obfuscated2 without a secret, as towards Telegram's servers.
    #[must_use]
    pub const fn obfuscated(framing: ObfuscatedFraming, dc_id: Option<i16>) -> Self {
        Self::Obfuscated {
            framing,
            dc_id,
            secret: None,
        }
    }

    /// What an MTProxy with `secret` expects, for `dc_id`: intermediate for
    /// a simple secret, padded intermediate for `dd` and `ee` ones (tdlib's
    /// choice), FakeTLS for `ee`.
    #[must_use]
    pub fn mtproxy(secret: &ProxySecret, dc_id: i16) -> Self {
        match secret {
            ProxySecret::Simple(key) => Self::Obfuscated {
                framing: ObfuscatedFraming::Intermediate,
                dc_id: Some(dc_id),
                secret: Some(key.clone()),
            },
            ProxySecret::Padded(key) => Self::Obfuscated {
                framing: ObfuscatedFraming::PaddedIntermediate,
                dc_id: Some(dc_id),
                secret: Some(key.clone()),
            },
            ProxySecret::FakeTls { key, domain } => Self::FakeTls {
                framing: ObfuscatedFraming::PaddedIntermediate,
                dc_id: Some(dc_id),
                key: key.clone(),
                domain: domain.clone(),
            },
        }
    }

    /// The framing of the packets.
    #[must_use]
    pub const fn framing(&self) -> Framing {
        match self {
            Self::Plain(framing) => *framing,
            Self::Obfuscated { framing, .. } | Self::FakeTls { framing, .. } => framing.framing(),
        }
    }
}

/// Settings of a client connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// The wrapping and framing.
    pub mode: ClientMode,
    /// Limits and padding.
    pub framing: FramingOptions,
}

impl ClientConfig {
    /// `mode` with the client's default [`FramingOptions`].
    #[must_use]
    pub const fn new(mode: ClientMode) -> Self {
        Self {
            mode,
            framing: FramingOptions::client(),
        }
    }
}

/// A FakeTLS handshake waiting for the server's answer.
#[derive(Debug)]
struct PendingServerHello {
    key: SecretKey,
    client_random: [u8; 32],
}

/// The client's transport for one connection: opens it, frames and wraps
/// outgoing packets, unwraps and deframes incoming bytes.
///
/// Sans-IO: the caller writes what the methods append to `out` to the
/// socket, and appends what it reads to the [`ReadBuf`] given to
/// [`decode`](Self::decode).
#[derive(Debug)]
pub struct ClientTransport {
    framer: ClientFramer,
    layers: Layers,
    pending: Option<PendingServerHello>,
}

impl ClientTransport {
    /// Open a connection: append to `out` what must be sent first (the tag,
    /// the obfuscated2 header, or the FakeTLS ClientHello). `now_unix` is
    /// only used by FakeTLS (the ClientHello's timestamp; use the server's
    /// time if known).
    ///
    /// # Errors
    ///
    /// An invalid FakeTLS domain.
    pub fn new<R: RngCore + CryptoRng + ?Sized>(
        config: &ClientConfig,
        now_unix: u64,
        rng: &mut R,
        out: &mut Vec<u8>,
    ) -> Result<Self, TransportError> {
        let framer = ClientFramer::new(config.mode.framing(), config.framing);
        let (layers, pending) = match &config.mode {
            ClientMode::Plain(framing) => {
                out.extend_from_slice(framing.tag());
                (Layers::none(), None)
            }
            ClientMode::Obfuscated {
                framing,
                dc_id,
                secret,
            } => {
                let (header, cipher) = client_header(*framing, *dc_id, secret.as_ref(), rng);
                out.extend_from_slice(&header);
                (Layers::obfuscated(cipher), None)
            }
            ClientMode::FakeTls {
                framing,
                dc_id,
                key,
                domain,
            } => {
                let hello = client_hello(key, domain, now_unix, rng)?;
                let (header, cipher) = client_header(*framing, *dc_id, Some(key), rng);
                out.extend_from_slice(&hello.bytes);
                let layers = Layers::fake_tls(
                    cipher,
                    RecordReader::new(false),
                    RecordWriter::new(CLIENT_RECORD_PAYLOAD, true),
                    header.to_vec(),
                );
                let pending = PendingServerHello {
                    key: key.clone(),
                    client_random: hello.client_random,
                };
                (layers, Some(pending))
            }
        };
        Ok(Self {
            framer,
            layers,
            pending,
        })
    }

    /// The framing of the packets.
    #[must_use]
    pub const fn framing(&self) -> Framing {
        self.framer.framing()
    }

    /// Whether packets may be sent: false only while a FakeTLS handshake
    /// waits for the server's answer (keep calling
    /// [`decode`](Self::decode) until it is true).
    #[must_use]
    pub const fn is_ready(&self) -> bool {
        self.pending.is_none()
    }

    /// Append one packet, framed and wrapped, to `out`; with `quick_ack`,
    /// ask the server to acknowledge it at once ([`Frame::QuickAck`]).
    /// `rng` is only used for padding.
    ///
    /// # Errors
    ///
    /// [`TransportError::HandshakeInProgress`] before [`is_ready`](Self::is_ready);
    /// otherwise as [`ClientFramer::encode`]. Nothing is appended on error.
    pub fn encode<R: RngCore + ?Sized>(
        &mut self,
        payload: &[u8],
        quick_ack: bool,
        rng: &mut R,
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        if self.pending.is_some() {
            return Err(TransportError::HandshakeInProgress);
        }
        let start = out.len();
        self.framer.encode(payload, quick_ack, rng, out)?;
        self.layers.seal(out, start);
        Ok(())
    }

    /// Consume received bytes from `input` and return the next frame, or
    /// `Ok(None)` when more bytes are needed. Call it until it returns
    /// `Ok(None)`: one read may carry several frames. During a FakeTLS
    /// handshake it first consumes and checks the server's answer.
    ///
    /// # Errors
    ///
    /// Anything malformed; the connection should then be closed.
    pub fn decode(&mut self, input: &mut ReadBuf) -> Result<Option<Frame>, TransportError> {
        if let Some(pending) = &self.pending {
            match verify_server_hello(&pending.key, &pending.client_random, input.as_slice())? {
                None => return Ok(None),
                Some(len) => {
                    input.consume(len);
                    self.pending = None;
                }
            }
        }
        let plain = self.layers.open(input)?;
        self.framer.decode(plain)
    }
}

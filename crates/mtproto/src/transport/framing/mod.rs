//! Framing codecs: where one MTProto packet ends and the next begins.
//!
//! MTProto over TCP cuts the byte stream into packets with one of four
//! envelopes (core.telegram.org/mtproto/mtproto-transports):
//!
//! | [`Framing`] | opening tag (client) | envelope |
//! |---|---|---|
//! | `Abridged` | `ef` | `len/4` in 1 byte, or `7f` + 3 bytes LE; then the payload |
//! | `Intermediate` | `ee ee ee ee` | `len` as 4 bytes LE; then the payload |
//! | `PaddedIntermediate` | `dd dd dd dd` | `len` (payload + 0–15 random bytes) as 4 bytes LE; payload; padding |
//! | `Full` | none | `len` (payload + 12), `seq_no`, payload, CRC32 of all before it; all LE |
//!
//! The protocol is asymmetric, so each role has its own codec:
//! [`ClientFramer`] encodes what a client sends and decodes what a server
//! sends ([`Frame`]: packets, quick-ack tokens, transport error codes);
//! [`ServerFramer`] does the reverse ([`ClientPacket`]s, some asking for a
//! quick-ack). The opening tag is not the framer's business: the client
//! transport writes it (or hides it inside the obfuscated2 header) and the
//! server's detector consumes it.
//!
//! Decoders are incremental: they peek at a [`ReadBuf`], return `Ok(None)`
//! until a whole frame is there (so bytes may arrive one at a time), and
//! check every length header against [`FramingOptions::max_frame_len`]
//! before waiting for, let alone allocating, the body.
//!
//! ## Quick acknowledgements
//!
//! A client may ask the server to confirm receipt of a packet at once: it
//! sets the top bit of the length (bit 7 of abridged's first byte, bit 31 of
//! intermediate's length). The server answers with 4 bytes instead of a
//! packet: the token with bit 31 set, little-endian in intermediate and —
//! the spec's "bswap" — big-endian in abridged, so that the first byte has
//! its top bit set where a length byte never has. The full transport has no
//! quick-acks.
//!
//! ## Padded intermediate
//!
//! The receiver cannot tell payload from padding by the envelope alone.
//! Both MTProxy (`rwm_trunc(packet_len & -4)`) and Telethon
//! (`RandomizedIntermediatePacketCodec`) strip `len % 4` bytes; tdlib's
//! padding is 0–15 bytes and it trims the rest with MTProto's own lengths
//! (`to_decrypt.size() & 15` for encrypted messages). The decoders here do
//! all of that (see `padding.rs`), so the payload handed up is exactly the
//! MTProto packet. Because Telethon only strips `len % 4`, the server's
//! encoder defaults to 0–3 padding bytes ([`FramingOptions::server`]); the
//! client's uses the spec's 0–15 ([`FramingOptions::client`]).
//!
//! ## Transport errors
//!
//! A packet whose body is exactly 4 bytes is a transport error code (a
//! negative `i32`, e.g. −404) and becomes [`Frame::Error`]. In padded
//! intermediate a body shorter than 20 bytes — the smallest MTProto message —
//! is read the same way, whatever padding follows the code. In the full
//! transport a negative length is also read as an error code: Telegram has
//! been seen sending a bare `-429` there (Telethon issue #4042).

mod abridged;
mod full;
mod intermediate;
mod padding;

use rand_core::RngCore;

use super::error::{ErrorCode, TransportError};
use super::frame::{ClientPacket, Frame, QuickAckRequest};
use super::read_buf::ReadBuf;

/// The default [`FramingOptions::max_frame_len`]: 16 MiB and a little
/// headroom, well above the largest packet Telegram exchanges (file parts
/// are at most 512 KiB).
pub const DEFAULT_MAX_FRAME_LEN: usize = 16 * 1024 * 1024 + 4096;

/// The most padding bytes padded intermediate allows.
pub const MAX_PADDING: u8 = 15;

/// One of the four MTProto packet envelopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Framing {
    /// Length in 1 or 4 bytes, counted in 4-byte words. The lightest.
    Abridged,
    /// Length in 4 bytes. Keeps packets 4-byte aligned.
    Intermediate,
    /// Intermediate with 0–15 random bytes after each packet, so that
    /// packet sizes do not give the protocol away. Meant for obfuscation.
    PaddedIntermediate,
    /// Length, sequence number and CRC32. No tag, no quick-acks, and the
    /// only framing obfuscation does not wrap.
    Full,
}

impl Framing {
    /// The bytes a client sends once, first thing on a plain connection, to
    /// announce this framing (empty for full).
    #[must_use]
    pub const fn tag(self) -> &'static [u8] {
        match self {
            Self::Abridged => &[0xef],
            Self::Intermediate => &[0xee; 4],
            Self::PaddedIntermediate => &[0xdd; 4],
            Self::Full => &[],
        }
    }

    /// This framing as obfuscation's inner framing; `None` for full, which
    /// obfuscation cannot carry.
    #[must_use]
    pub const fn obfuscated(self) -> Option<ObfuscatedFraming> {
        match self {
            Self::Abridged => Some(ObfuscatedFraming::Abridged),
            Self::Intermediate => Some(ObfuscatedFraming::Intermediate),
            Self::PaddedIntermediate => Some(ObfuscatedFraming::PaddedIntermediate),
            Self::Full => None,
        }
    }

    /// Whether the framing supports quick acknowledgements.
    #[must_use]
    pub const fn has_quick_ack(self) -> bool {
        !matches!(self, Self::Full)
    }
}

/// A framing obfuscated2 (and so FakeTLS) can carry: any but full.
///
/// Its own type so that "obfuscated full" cannot be asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObfuscatedFraming {
    /// Abridged, protocol tag `ef ef ef ef`.
    Abridged,
    /// Intermediate, protocol tag `ee ee ee ee`.
    Intermediate,
    /// Padded intermediate, protocol tag `dd dd dd dd`. What MTProxy's
    /// `dd` and `ee` secrets require.
    PaddedIntermediate,
}

impl ObfuscatedFraming {
    /// The 4-byte protocol tag at bytes 56..60 of the decrypted obfuscated2
    /// header.
    #[must_use]
    pub const fn protocol_tag(self) -> [u8; 4] {
        match self {
            Self::Abridged => [0xef; 4],
            Self::Intermediate => [0xee; 4],
            Self::PaddedIntermediate => [0xdd; 4],
        }
    }

    /// The framing a decrypted protocol tag names, if any.
    #[must_use]
    pub const fn from_protocol_tag(tag: [u8; 4]) -> Option<Self> {
        match u32::from_le_bytes(tag) {
            0xefef_efef => Some(Self::Abridged),
            0xeeee_eeee => Some(Self::Intermediate),
            0xdddd_dddd => Some(Self::PaddedIntermediate),
            _ => None,
        }
    }

    /// The same framing as a [`Framing`].
    #[must_use]
    pub const fn framing(self) -> Framing {
        match self {
            Self::Abridged => Framing::Abridged,
            Self::Intermediate => Framing::Intermediate,
            Self::PaddedIntermediate => Framing::PaddedIntermediate,
        }
    }
}

impl From<ObfuscatedFraming> for Framing {
    fn from(framing: ObfuscatedFraming) -> Self {
        framing.framing()
    }
}

/// Limits and choices of a framer. The two roles differ only in the
/// default padding: see [`FramingOptions::client`] and
/// [`FramingOptions::server`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FramingOptions {
    /// The largest payload accepted from the peer or given to send
    /// (envelope, padding and checksum not counted). Length headers above it
    /// are rejected before anything is buffered for them.
    pub max_frame_len: usize,
    /// Padded intermediate: the most random padding bytes to add after a
    /// packet; each packet gets a uniform 0..=max_padding. Values above 15
    /// count as 15.
    pub max_padding: u8,
    /// Full: reject packets whose sequence number is not the next one. The
    /// peer's numbers start at 0 and go up by one per packet, each direction
    /// on its own. (Telethon does not check the server's; Telegram does
    /// check the client's.)
    pub check_full_seq: bool,
}

impl FramingOptions {
    /// A client's defaults: 0–15 bytes of padding, as the spec and tdlib do.
    #[must_use]
    pub const fn client() -> Self {
        Self {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_padding: MAX_PADDING,
            check_full_seq: true,
        }
    }

    /// A server's defaults: 0–3 bytes of padding, because Telethon only
    /// strips `len % 4` padding bytes and would otherwise hand the rest to
    /// its decryption, which then fails.
    #[must_use]
    pub const fn server() -> Self {
        Self {
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
            max_padding: 3,
            check_full_seq: true,
        }
    }

    fn padding_len<R: RngCore + ?Sized>(&self, rng: &mut R) -> usize {
        let max = u32::from(self.max_padding.min(MAX_PADDING));
        (rng.next_u32() % (max + 1)) as usize
    }
}

/// What a server may send, before the client side interprets packets.
#[derive(Debug, PartialEq, Eq)]
enum FromServer {
    Packet(Vec<u8>),
    QuickAck(u32),
    /// A negative full-transport length, read as an error code.
    Error(i32),
}

/// A packet from a client before padding is trimmed.
#[derive(Debug, PartialEq, Eq)]
struct FromClient {
    body: Vec<u8>,
    quick_ack: bool,
}

/// The client's side of a framing: encodes requests, decodes replies.
#[derive(Clone, Debug)]
pub struct ClientFramer {
    framing: Framing,
    options: FramingOptions,
    /// Full: the sequence number of the next packet sent.
    tx_seq: u32,
    /// Full: the sequence number the next received packet must carry.
    rx_seq: u32,
}

impl ClientFramer {
    /// A framer for a fresh connection.
    #[must_use]
    pub const fn new(framing: Framing, options: FramingOptions) -> Self {
        Self {
            framing,
            options,
            tx_seq: 0,
            rx_seq: 0,
        }
    }

    /// The framing in use.
    #[must_use]
    pub const fn framing(&self) -> Framing {
        self.framing
    }

    /// Append one framed packet to `out`; with `quick_ack`, ask the server
    /// to acknowledge it at once. `rng` is only used for padding.
    ///
    /// On error nothing is appended.
    ///
    /// # Errors
    ///
    /// The payload is empty, not a multiple of 4 bytes, or longer than the
    /// maximum; or `quick_ack` was asked of the full transport.
    pub fn encode<R: RngCore + ?Sized>(
        &mut self,
        payload: &[u8],
        quick_ack: bool,
        rng: &mut R,
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        encode_frame(
            self.framing,
            &self.options,
            &mut self.tx_seq,
            payload,
            quick_ack,
            rng,
            out,
        )
    }

    /// Decode the next frame from `input`, consuming its bytes; `Ok(None)`
    /// (nothing consumed) until a whole frame is there.
    ///
    /// # Errors
    ///
    /// The input is not a valid frame of this framing: a length over the
    /// maximum, empty or unaligned, a bad checksum or sequence number.
    /// The connection cannot be resynchronised after an error.
    pub fn decode(&mut self, input: &mut ReadBuf) -> Result<Option<Frame>, TransportError> {
        let max = self.options.max_frame_len;
        let from_server = match self.framing {
            Framing::Abridged => abridged::decode_from_server(input, max)?,
            Framing::Intermediate => intermediate::decode_from_server(input, max, false)?,
            Framing::PaddedIntermediate => intermediate::decode_from_server(input, max, true)?,
            Framing::Full => {
                full::decode_from_server(input, max, &mut self.rx_seq, self.options.check_full_seq)?
            }
        };
        let Some(from_server) = from_server else {
            return Ok(None);
        };
        let frame = match from_server {
            FromServer::QuickAck(token) => Frame::QuickAck(token),
            FromServer::Error(code) => Frame::Error(ErrorCode(code)),
            FromServer::Packet(body) if self.framing == Framing::PaddedIntermediate => {
                padded_frame_from_server(body)?
            }
            FromServer::Packet(body) => match error_code(&body) {
                Some(code) if body.len() == 4 => Frame::Error(code),
                _ => Frame::Packet(body),
            },
        };
        Ok(Some(frame))
    }
}

/// Frames one packet the same way for either side (the framings are
/// symmetric on the way out; only the full transport's counter is state).
fn encode_frame<R: RngCore + ?Sized>(
    framing: Framing,
    options: &FramingOptions,
    tx_seq: &mut u32,
    payload: &[u8],
    quick_ack: bool,
    rng: &mut R,
    out: &mut Vec<u8>,
) -> Result<(), TransportError> {
    check_payload(payload.len(), options.max_frame_len)?;
    match framing {
        Framing::Abridged => abridged::encode(payload, quick_ack, out),
        Framing::Intermediate => intermediate::encode(payload, quick_ack, 0, rng, out),
        Framing::PaddedIntermediate => {
            let padding = options.padding_len(rng);
            intermediate::encode(payload, quick_ack, padding, rng, out)
        }
        Framing::Full if quick_ack => Err(TransportError::QuickAckUnsupported),
        Framing::Full => {
            full::encode(payload, *tx_seq, out)?;
            *tx_seq = tx_seq.wrapping_add(1);
            Ok(())
        }
    }
}

/// The server's side of a framing: decodes requests, encodes replies,
/// quick-acks and transport errors.
#[derive(Clone, Debug)]
pub struct ServerFramer {
    framing: Framing,
    options: FramingOptions,
    tx_seq: u32,
    rx_seq: u32,
}

impl ServerFramer {
    /// A framer for a freshly accepted connection (its tag already consumed).
    #[must_use]
    pub const fn new(framing: Framing, options: FramingOptions) -> Self {
        Self {
            framing,
            options,
            tx_seq: 0,
            rx_seq: 0,
        }
    }

    /// The framing in use.
    #[must_use]
    pub const fn framing(&self) -> Framing {
        self.framing
    }

    /// Append one framed packet to `out`. `rng` is only used for padding.
    ///
    /// # Errors
    ///
    /// The payload is empty, not a multiple of 4 bytes, or too long.
    pub fn encode<R: RngCore + ?Sized>(
        &mut self,
        payload: &[u8],
        rng: &mut R,
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        encode_frame(
            self.framing,
            &self.options,
            &mut self.tx_seq,
            payload,
            false,
            rng,
            out,
        )
    }

    /// Append the answer to a quick-ack request: `token` (bit 31 is set
    /// here whatever the caller passed) as the 4 bytes the framing uses.
    ///
    /// # Errors
    ///
    /// Only if `request` came from another framer whose framing (full) has
    /// no quick-acks.
    pub fn encode_quick_ack(
        &mut self,
        request: QuickAckRequest,
        token: u32,
        out: &mut Vec<u8>,
    ) -> Result<(), TransportError> {
        let _ = request;
        let token = token | 0x8000_0000;
        match self.framing {
            Framing::Abridged => out.extend_from_slice(&token.to_be_bytes()),
            Framing::Intermediate | Framing::PaddedIntermediate => {
                out.extend_from_slice(&token.to_le_bytes());
            }
            Framing::Full => return Err(TransportError::QuickAckUnsupported),
        }
        Ok(())
    }

    /// Append a transport error packet (a 4-byte body, never padded, so that
    /// every client reads it as one). The server should close the
    /// connection after sending it.
    pub fn encode_error(&mut self, code: ErrorCode, out: &mut Vec<u8>) {
        let body = code.0.to_le_bytes();
        // Infallible: 4 bytes pass every check, and with zero padding the
        // rng is never consulted.
        let result = match self.framing {
            Framing::Abridged => abridged::encode(&body, false, out),
            Framing::Intermediate | Framing::PaddedIntermediate => {
                intermediate::encode(&body, false, 0, &mut NoRng, out)
            }
            Framing::Full => {
                let result = full::encode(&body, self.tx_seq, out);
                self.tx_seq = self.tx_seq.wrapping_add(1);
                result
            }
        };
        debug_assert!(result.is_ok());
    }

    /// Decode the next packet from `input`, consuming its bytes; `Ok(None)`
    /// (nothing consumed) until a whole packet is there.
    ///
    /// # Errors
    ///
    /// As [`ClientFramer::decode`].
    pub fn decode(&mut self, input: &mut ReadBuf) -> Result<Option<ClientPacket>, TransportError> {
        let max = self.options.max_frame_len;
        let packet = match self.framing {
            Framing::Abridged => abridged::decode_from_client(input, max)?,
            Framing::Intermediate => intermediate::decode_from_client(input, max, false)?,
            Framing::PaddedIntermediate => intermediate::decode_from_client(input, max, true)?,
            Framing::Full => {
                full::decode_from_client(input, max, &mut self.rx_seq, self.options.check_full_seq)?
                    .map(|body| FromClient {
                        body,
                        quick_ack: false,
                    })
            }
        };
        let Some(FromClient {
            mut body,
            quick_ack,
        }) = packet
        else {
            return Ok(None);
        };
        if self.framing == Framing::PaddedIntermediate {
            if body.len() < 4 {
                return Err(TransportError::TooShort {
                    len: body.len() as u64,
                });
            }
            body.truncate(padding::mtproto_len(&body));
        }
        Ok(Some(ClientPacket {
            payload: body,
            quick_ack: quick_ack.then(QuickAckRequest::new),
        }))
    }
}

/// An RNG for paths that never draw from it (zero padding).
struct NoRng;

impl RngCore for NoRng {
    fn next_u32(&mut self) -> u32 {
        0
    }
    fn next_u64(&mut self) -> u64 {
        0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        dest.fill(0);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        dest.fill(0);
        Ok(())
    }
}

/// What every framing requires of a payload to send.
fn check_payload(len: usize, max: usize) -> Result<(), TransportError> {
    if len == 0 {
        return Err(TransportError::EmptyFrame);
    }
    if len > max {
        return Err(TransportError::FrameTooLarge {
            len: len as u64,
            max,
        });
    }
    if len % 4 != 0 {
        return Err(TransportError::Unaligned { len: len as u64 });
    }
    Ok(())
}

/// Check an announced body length (before waiting for the body), then take
/// `header_len` + `body_len` bytes and return the body once all are there.
fn take_body(
    input: &mut ReadBuf,
    header_len: usize,
    body_len: u64,
    max: u64,
    aligned: bool,
) -> Result<Option<Vec<u8>>, TransportError> {
    if body_len == 0 {
        return Err(TransportError::EmptyFrame);
    }
    if body_len > max {
        return Err(TransportError::FrameTooLarge {
            len: body_len,
            max: usize::try_from(max).unwrap_or(usize::MAX),
        });
    }
    if aligned && body_len % 4 != 0 {
        return Err(TransportError::Unaligned { len: body_len });
    }
    // body_len <= max <= usize::MAX here.
    let Ok(body_len) = usize::try_from(body_len) else {
        return Err(TransportError::FrameTooLarge {
            len: body_len,
            max: usize::MAX,
        });
    };
    let end = header_len.saturating_add(body_len);
    Ok(input.take_range(header_len, end))
}

/// The first 4 bytes of a body as a transport error code.
fn error_code(body: &[u8]) -> Option<ErrorCode> {
    let bytes: [u8; 4] = body.get(..4)?.try_into().ok()?;
    Some(ErrorCode(i32::from_le_bytes(bytes)))
}

/// Interpret a padded-intermediate body from the server.
fn padded_frame_from_server(mut body: Vec<u8>) -> Result<Frame, TransportError> {
    match error_code(&body) {
        None => Err(TransportError::TooShort {
            len: body.len() as u64,
        }),
        Some(code) if body.len() < padding::MIN_MTPROTO_PACKET => Ok(Frame::Error(code)),
        Some(_) => {
            body.truncate(padding::mtproto_len(&body));
            Ok(Frame::Packet(body))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_protocol_tags() {
        assert_eq!(Framing::Abridged.tag(), [0xef]);
        assert_eq!(Framing::Intermediate.tag(), [0xee; 4]);
        assert_eq!(Framing::PaddedIntermediate.tag(), [0xdd; 4]);
        assert!(Framing::Full.tag().is_empty());
        assert_eq!(Framing::Full.obfuscated(), None);
        for framing in [
            ObfuscatedFraming::Abridged,
            ObfuscatedFraming::Intermediate,
            ObfuscatedFraming::PaddedIntermediate,
        ] {
            assert_eq!(
                ObfuscatedFraming::from_protocol_tag(framing.protocol_tag()),
                Some(framing)
            );
            assert_eq!(Framing::from(framing).obfuscated(), Some(framing));
        }
        assert_eq!(ObfuscatedFraming::from_protocol_tag([0; 4]), None);
    }

    #[test]
    fn payload_checks() {
        assert_eq!(check_payload(0, 16), Err(TransportError::EmptyFrame));
        assert_eq!(
            check_payload(20, 16),
            Err(TransportError::FrameTooLarge { len: 20, max: 16 })
        );
        assert_eq!(
            check_payload(6, 16),
            Err(TransportError::Unaligned { len: 6 })
        );
        assert_eq!(check_payload(16, 16), Ok(()));
    }
}

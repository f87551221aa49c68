//! Recognising a client's transport from the first bytes of a connection:
//! see [`detect`].

use super::error::TransportError;
use super::framing::ObfuscatedFraming;
use super::obfuscated2::{HEADER_LEN, accept_header};
use super::server::ServerConfig;

/// A transport recognised from a connection's first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Detected {
    /// Plain abridged (tag `ef`).
    Abridged,
    /// Plain intermediate (tag `ee ee ee ee`).
    Intermediate,
    /// Plain padded intermediate (tag `dd dd dd dd`).
    PaddedIntermediate,
    /// Plain full (no tag).
    Full,
    /// obfuscated2 with this framing inside.
    Obfuscated2(ObfuscatedFraming),
    /// A FakeTLS ClientHello.
    FakeTls,
    /// An HTTP `POST`: MTProto's HTTP transport.
    Http,
}

const FAKE_TLS_PREFIX: [u8; 4] = [0x16, 0x03, 0x01, 0x02];
const HTTP_POST: [u8; 4] = *b"POST";
/// HTTP methods MTProto does not use.
const HTTP_PREFIXES: [[u8; 4]; 3] = [*b"HEAD", *b"GET ", *b"OPTI"];
/// The smallest first full packet: 4 bytes of payload.
const MIN_FULL_LEN: u64 = 16;

/// Decide which transport `buf` (the connection's first bytes) opens;
/// `Ok(None)` while more bytes are needed.
///
/// The transports are told apart by prefixes chosen so they cannot collide
/// (MTProxy's `tcp_rpcs_compact_parse_execute` decides the same way):
///
/// | first bytes | transport | bytes needed |
/// |---|---|---|
/// | `ef` | abridged | 1 |
/// | `ee ee ee ee` | intermediate | 4 |
/// | `dd dd dd dd` | padded intermediate | 4 |
/// | `16 03 01 02` | FakeTLS ClientHello (needs a configured key) | 4 |
/// | `POST` | HTTP transport | 4 |
/// | `HEAD`, `GET `, `OPTI` | HTTP (unsupported) | 4 |
/// | length, then `00 00 00 00` | full (its first seq_no), if the length is a plausible multiple of 4 | 8 |
/// | anything else | obfuscated2, if the header decrypts to a known tag | 64 |
///
/// Why this never misclassifies: the tags are checked first, and an
/// obfuscated2 header never starts with `ef` or any of the 4-byte prefixes
/// and never has zeros at 4..8 (the client redraws such headers), so it can
/// be neither a tag nor a full packet; a full packet starts with a length
/// that is a multiple of 4, which `ef`, `ee ee ee ee`, `dd dd dd dd` and
/// `16 03 01 02` (read little-endian) are not. An obfuscated2 header is only
/// accepted once its tag decrypts correctly (random bytes pass with
/// probability 3 · 2⁻³²). Telethon draws its header with a shorter list of
/// exclusions (no `dd dd dd dd`, `HEAD`, `OPTI`, `16 03 01 02`), so about
/// one of its connections in 10⁹ is refused or misread.
///
/// This only peeks; [`ServerTransport::accept`](super::ServerTransport::accept)
/// consumes the opening and applies the server's policy.
///
/// # Errors
///
/// HTTP other than `POST` ([`TransportError::HttpUnsupported`]), a FakeTLS hello without a
/// configured key ([`TransportError::TransportDisabled`]), or bytes that are
/// no known transport ([`TransportError::UnknownTransport`]).
pub fn detect(config: &ServerConfig, buf: &[u8]) -> Result<Option<Detected>, TransportError> {
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first == 0xef {
        return Ok(Some(Detected::Abridged));
    }
    let Some(&[b0, b1, b2, b3]) = buf.get(..4) else {
        return Ok(None);
    };
    let word = [b0, b1, b2, b3];
    match word {
        [0xee, 0xee, 0xee, 0xee] => return Ok(Some(Detected::Intermediate)),
        [0xdd, 0xdd, 0xdd, 0xdd] => return Ok(Some(Detected::PaddedIntermediate)),
        FAKE_TLS_PREFIX if config.fake_tls.is_some() => return Ok(Some(Detected::FakeTls)),
        FAKE_TLS_PREFIX => return Err(TransportError::TransportDisabled(Detected::FakeTls)),
        HTTP_POST => return Ok(Some(Detected::Http)),
        _ if HTTP_PREFIXES.contains(&word) => return Err(TransportError::HttpUnsupported),
        _ => {}
    }
    let Some(seq) = buf.get(4..8) else {
        return Ok(None);
    };
    if seq == [0; 4] {
        let len = u64::from(u32::from_le_bytes(word));
        let max = (config.framing.max_frame_len as u64).saturating_add(12);
        return if (MIN_FULL_LEN..=max).contains(&len) && len % 4 == 0 {
            Ok(Some(Detected::Full))
        } else {
            Err(unknown(buf))
        };
    }
    let Some(header) = buf.get(..HEADER_LEN) else {
        return Ok(None);
    };
    let mut copy = [0u8; HEADER_LEN];
    copy.copy_from_slice(header);
    match accept_header(&copy, config.obfuscation_secret.as_ref()) {
        Ok(accepted) => Ok(Some(Detected::Obfuscated2(accepted.framing))),
        Err(_) => Err(unknown(buf)),
    }
}

fn unknown(buf: &[u8]) -> TransportError {
    let mut first = [0u8; 8];
    for (f, b) in first.iter_mut().zip(buf) {
        *f = *b;
    }
    TransportError::UnknownTransport { first }
}

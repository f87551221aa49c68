//! The FakeTLS ClientHello: built by the client, verified by the server.
//!
//! The layout is a plain TLS 1.3 ClientHello (RFC 8446 §4.1.2) with common
//! browser extensions; what MTProxy relies on is the fixed parts: record
//! header `16 03 01 02 xx` (its detector matches these four bytes), random at
//! 11..43, a 32-byte session id right after it (its SNI parser assumes that
//! offset), null compression only.

use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;

use super::{RANDOM_LEN, RANDOM_OFFSET, be_u16, hmac, push_u16_prefixed};
use crate::transport::error::{FakeTlsError, TransportError};
use crate::transport::secret::{MAX_DOMAIN_LEN, SecretKey};

/// Length of the ClientHello record this client sends (tdlib's size too):
/// short hellos are padded up to it.
pub const CLIENT_HELLO_LEN: usize = 517;

const RECORD_HEADER: [u8; 3] = [0x16, 0x03, 0x01];
const HANDSHAKE_CLIENT_HELLO: u8 = 0x01;
const SESSION_ID_LEN: usize = 32;
/// Where the session id length byte sits.
const SESSION_ID_OFFSET: usize = RANDOM_OFFSET + RANDOM_LEN;

/// TLS 1.3 suites, then common TLS 1.2 ECDHE/RSA ones.
const CIPHER_SUITES: [u16; 15] = [
    0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c,
    0x009d, 0x002f, 0x0035,
];

/// How far a ClientHello's timestamp may be from the server's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeWindow {
    /// How many seconds in the past the timestamp may be. MTProxy allows
    /// 10 minutes.
    pub max_past_secs: u32,
    /// How many seconds in the future. MTProxy allows 3 because tdlib sends
    /// the server's time; the default here is looser for test clients
    /// using their own clock.
    pub max_future_secs: u32,
}

impl Default for TimeWindow {
    fn default() -> Self {
        Self {
            max_past_secs: 600,
            max_future_secs: 120,
        }
    }
}

/// A ClientHello ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientHello {
    /// The whole record.
    pub bytes: Vec<u8>,
    /// Its `random` field, which the server's answer is bound to.
    pub client_random: [u8; RANDOM_LEN],
}

/// What a server learns from a valid ClientHello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedClientHello {
    /// The `random` field: what the ServerHello's HMAC covers, and what a
    /// replay cache should remember.
    pub client_random: [u8; RANDOM_LEN],
    /// `legacy_session_id`, echoed in the ServerHello.
    pub session_id: [u8; SESSION_ID_LEN],
    /// The client's unix time.
    pub timestamp: u32,
}

/// Build a ClientHello for `domain` at `now_unix`, drawing the session id
/// and key share from `rng`.
///
/// # Errors
///
/// `domain` is empty, longer than [`MAX_DOMAIN_LEN`] or not printable
/// ASCII.
pub fn client_hello<R: RngCore + CryptoRng + ?Sized>(
    key: &SecretKey,
    domain: &str,
    now_unix: u64,
    rng: &mut R,
) -> Result<ClientHello, TransportError> {
    let mut session_id = [0u8; SESSION_ID_LEN];
    rng.fill_bytes(&mut session_id);
    let mut key_share = [0u8; 32];
    rng.fill_bytes(&mut key_share);
    client_hello_from_parts(key, domain, now_unix, &session_id, &key_share)
}

/// Build a ClientHello from explicit random parts (for known-answer tests).
/// `key_share` stands in for an X25519 public key; MTProxy never reads it.
///
/// # Errors
///
/// As [`client_hello`].
pub fn client_hello_from_parts(
    key: &SecretKey,
    domain: &str,
    now_unix: u64,
    session_id: &[u8; SESSION_ID_LEN],
    key_share: &[u8; 32],
) -> Result<ClientHello, TransportError> {
    if domain.is_empty()
        || domain.len() > MAX_DOMAIN_LEN
        || !domain.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(TransportError::InvalidSecret(
            "FakeTLS domain must be 1..=182 printable ASCII bytes",
        ));
    }
    let mut extensions = Vec::with_capacity(512);
    let mut server_name = vec![0x00]; // host_name
    push_u16_prefixed(&mut server_name, domain.as_bytes());
    let mut sni = Vec::new();
    push_u16_prefixed(&mut sni, &server_name);
    extension(&mut extensions, 0x0000, &sni);
    extension(&mut extensions, 0x0017, &[]); // extended_master_secret
    extension(&mut extensions, 0xff01, &[0x00]); // renegotiation_info
    extension(
        &mut extensions,
        0x000a,
        &[0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18],
    ); // groups
    extension(&mut extensions, 0x000b, &[0x01, 0x00]); // ec_point_formats
    extension(&mut extensions, 0x0023, &[]); // session_ticket
    extension(&mut extensions, 0x0010, b"\x00\x0c\x02h2\x08http/1.1"); // ALPN
    extension(&mut extensions, 0x0005, &[0x01, 0x00, 0x00, 0x00, 0x00]); // status_request
    extension(
        &mut extensions,
        0x000d, // signature_algorithms
        &[
            0x00, 0x10, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01,
            0x08, 0x06, 0x06, 0x01,
        ],
    );
    extension(&mut extensions, 0x0012, &[]); // signed_certificate_timestamp
    let mut share = vec![0x00, 0x1d]; // x25519
    push_u16_prefixed(&mut share, key_share);
    let mut shares = Vec::new();
    push_u16_prefixed(&mut shares, &share);
    extension(&mut extensions, 0x0033, &shares); // key_share
    extension(&mut extensions, 0x002d, &[0x01, 0x01]); // psk_key_exchange_modes
    extension(&mut extensions, 0x002b, &[0x04, 0x03, 0x04, 0x03, 0x03]); // supported_versions

    // Fixed part: 5 record + 4 handshake + 2 version + 32 random + 1 + 32
    // session id + 2 + suites + 2 compression + 2 extensions length.
    let unpadded = 5
        + 4
        + 2
        + RANDOM_LEN
        + 1
        + SESSION_ID_LEN
        + 2
        + CIPHER_SUITES.len() * 2
        + 2
        + 2
        + extensions.len();
    if let Some(padding) = CLIENT_HELLO_LEN.checked_sub(unpadded + 4) {
        extension(&mut extensions, 0x0015, &vec![0; padding]);
    }

    let mut body = Vec::with_capacity(CLIENT_HELLO_LEN);
    body.extend_from_slice(&[0x03, 0x03]);
    body.extend_from_slice(&[0; RANDOM_LEN]);
    body.push(SESSION_ID_LEN as u8);
    body.extend_from_slice(session_id);
    let suites: Vec<u8> = CIPHER_SUITES.iter().flat_map(|s| s.to_be_bytes()).collect();
    push_u16_prefixed(&mut body, &suites);
    body.extend_from_slice(&[0x01, 0x00]); // compression: null only
    push_u16_prefixed(&mut body, &extensions);

    let mut bytes = Vec::with_capacity(CLIENT_HELLO_LEN);
    bytes.extend_from_slice(&RECORD_HEADER);
    let handshake_len = (body.len() as u32).to_be_bytes();
    let record_len = u16::try_from(body.len() + 4).unwrap_or(u16::MAX);
    bytes.extend_from_slice(&record_len.to_be_bytes());
    bytes.push(HANDSHAKE_CLIENT_HELLO);
    bytes.extend_from_slice(&handshake_len[1..]);
    bytes.extend_from_slice(&body);

    let mut random = hmac(key, &[&bytes]);
    let timestamp = (now_unix as u32).to_le_bytes();
    for (r, t) in random[28..].iter_mut().zip(timestamp) {
        *r ^= t;
    }
    bytes[RANDOM_OFFSET..RANDOM_OFFSET + RANDOM_LEN].copy_from_slice(&random);
    Ok(ClientHello {
        bytes,
        client_random: random,
    })
}

fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    push_u16_prefixed(out, body);
}

/// The length of the ClientHello record at the start of `buf` (header
/// included), once its 5-byte header is there.
pub(crate) fn client_hello_record_len(buf: &[u8]) -> Option<usize> {
    be_u16(buf, 3).map(|len| 5 + usize::from(len))
}

/// Check a ClientHello record (exactly one, header included) against the
/// key and the clock.
///
/// # Errors
///
/// The record is malformed, its HMAC does not match the key
/// ([`FakeTlsError::BadDigest`]) or its timestamp is outside `window`.
pub fn verify_client_hello(
    key: &SecretKey,
    hello: &[u8],
    now_unix: u64,
    window: TimeWindow,
) -> Result<VerifiedClientHello, FakeTlsError> {
    let malformed = |what| FakeTlsError::Malformed { what };
    let header = hello
        .get(..3)
        .ok_or(malformed("ClientHello record header"))?;
    if header != RECORD_HEADER {
        let mut found = [0; 3];
        found.copy_from_slice(header);
        return Err(FakeTlsError::UnexpectedRecord { found });
    }
    if client_hello_record_len(hello) != Some(hello.len()) {
        return Err(malformed("ClientHello record length"));
    }
    if hello.get(5) != Some(&HANDSHAKE_CLIENT_HELLO) {
        return Err(malformed("ClientHello handshake type"));
    }
    if hello.get(SESSION_ID_OFFSET) != Some(&(SESSION_ID_LEN as u8)) {
        return Err(malformed("ClientHello session id"));
    }
    let random: [u8; RANDOM_LEN] = hello
        .get(RANDOM_OFFSET..RANDOM_OFFSET + RANDOM_LEN)
        .and_then(|r| r.try_into().ok())
        .ok_or(malformed("ClientHello random"))?;
    let session_id: [u8; SESSION_ID_LEN] = hello
        .get(SESSION_ID_OFFSET + 1..SESSION_ID_OFFSET + 1 + SESSION_ID_LEN)
        .and_then(|s| s.try_into().ok())
        .ok_or(malformed("ClientHello session id"))?;

    let before = hello.get(..RANDOM_OFFSET).unwrap_or_default();
    let after = hello.get(RANDOM_OFFSET + RANDOM_LEN..).unwrap_or_default();
    let expected = hmac(key, &[before, &[0; RANDOM_LEN], after]);
    if !bool::from(expected[..28].ct_eq(&random[..28])) {
        return Err(FakeTlsError::BadDigest);
    }
    let mut stamp = [0u8; 4];
    for ((s, e), r) in stamp.iter_mut().zip(&expected[28..]).zip(&random[28..]) {
        *s = e ^ r;
    }
    let timestamp = u32::from_le_bytes(stamp);
    let ts = u64::from(timestamp);
    if ts.saturating_add(u64::from(window.max_past_secs)) < now_unix
        || ts > now_unix.saturating_add(u64::from(window.max_future_secs))
    {
        return Err(FakeTlsError::StaleTimestamp {
            timestamp,
            now: now_unix,
        });
    }
    Ok(VerifiedClientHello {
        client_random: random,
        session_id,
        timestamp,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000;

    fn hello(domain: &str) -> ClientHello {
        client_hello_from_parts(&SecretKey::new([3; 16]), domain, NOW, &[4; 32], &[5; 32]).unwrap()
    }

    #[test]
    fn shape() {
        for domain in ["a", "example.com", &"x".repeat(MAX_DOMAIN_LEN)] {
            let hello = hello(domain);
            assert_eq!(hello.bytes.len(), CLIENT_HELLO_LEN);
            assert_eq!(&hello.bytes[..5], &[0x16, 0x03, 0x01, 0x02, 0x00]);
            assert_eq!(&hello.bytes[5..9], &[0x01, 0x00, 0x01, 0xfc]);
            assert_eq!(hello.bytes[43], 32);
            assert_eq!(&hello.bytes[11..43], &hello.client_random);
            let domain_at = hello
                .bytes
                .windows(domain.len())
                .position(|w| w == domain.as_bytes());
            assert!(domain_at.is_some());
        }
        let key = SecretKey::new([0; 16]);
        for bad in ["", "sp ace", &"x".repeat(MAX_DOMAIN_LEN + 1)] {
            assert!(client_hello_from_parts(&key, bad, NOW, &[0; 32], &[0; 32]).is_err());
        }
    }

    #[test]
    fn verify_round_trip_and_window() {
        let key = SecretKey::new([3; 16]);
        let hello = hello("example.com");
        let window = TimeWindow::default();
        let verified = verify_client_hello(&key, &hello.bytes, NOW + 600, window).unwrap();
        assert_eq!(verified.timestamp, NOW as u32);
        assert_eq!(verified.client_random, hello.client_random);
        assert_eq!(verified.session_id, [4; 32]);
        assert!(verify_client_hello(&key, &hello.bytes, NOW - 120, window).is_ok());
        assert_eq!(
            verify_client_hello(&key, &hello.bytes, NOW + 601, window),
            Err(FakeTlsError::StaleTimestamp {
                timestamp: NOW as u32,
                now: NOW + 601
            })
        );
        assert!(matches!(
            verify_client_hello(&key, &hello.bytes, NOW - 121, window),
            Err(FakeTlsError::StaleTimestamp { .. })
        ));
        assert_eq!(
            verify_client_hello(&SecretKey::new([9; 16]), &hello.bytes, NOW, window),
            Err(FakeTlsError::BadDigest)
        );
        let mut tampered = hello.bytes.clone();
        tampered[200] ^= 1;
        assert_eq!(
            verify_client_hello(&key, &tampered, NOW, window),
            Err(FakeTlsError::BadDigest)
        );
    }
}

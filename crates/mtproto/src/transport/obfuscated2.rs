//! obfuscated2: the whole TCP stream under AES-256-CTR, keyed by a random
//! 64-byte header the client sends first.
//!
//! From core.telegram.org/mtproto/mtproto-transports#transport-obfuscation,
//! checked against tdlib (`ObfuscatedTransport::init`), Telethon
//! (`tcpobfuscated.py`) and MTProxy (`net-tcp-rpc-ext-server.c`):
//!
//! 1. The client draws 64 random bytes. So that the server's transport
//!    detector never mistakes them for something else, they must not start
//!    with `ef` (abridged), `HEAD`, `POST`, `GET `, `OPTI` (HTTP),
//!    `dd dd dd dd`, `ee ee ee ee` (intermediate) or `16 03 01 02` (TLS), and
//!    bytes 4..8 must not be all zero (the full transport's first seq_no).
//! 2. Bytes 56..60 become the inner framing's protocol tag
//!    ([`ObfuscatedFraming::protocol_tag`]); bytes 60..62 may carry the DC id
//!    as a little-endian `i16` (MTProxy routes by it; Telethon leaves them
//!    random, so a server must not insist on a valid id).
//! 3. Client → server key and IV are bytes 8..40 and 40..56; server → client
//!    are the same ranges of bytes 8..56 reversed. With an MTProxy secret
//!    each key is `SHA-256(key ++ secret)`; IVs are never hashed.
//! 4. The client runs the whole header through its encrypting stream and
//!    sends bytes 0..56 as they were and 56..64 encrypted. Both ends' streams
//!    are thus 64 bytes in when the first packet follows. The server
//!    decrypts its copy of the header with the client → server stream to
//!    read the tag.
//!
//! The counter is the whole 16-byte IV as one big-endian number
//! ([`AesCtr`]), as everywhere in Telegram.

use paperplane_crypto::ctr::AesCtr;
use paperplane_crypto::hash::sha256;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

use super::error::TransportError;
use super::framing::ObfuscatedFraming;
use super::secret::SecretKey;

/// Length of the obfuscated2 header.
pub const HEADER_LEN: usize = 64;

/// First four bytes the header must not start with (see the module docs).
const RESERVED_FIRST_WORDS: [[u8; 4]; 7] = [
    *b"HEAD",
    *b"POST",
    *b"GET ",
    *b"OPTI",
    [0xdd; 4],
    [0xee; 4],
    [0x16, 0x03, 0x01, 0x02],
];

/// The pair of keystreams of one side of an obfuscated2 connection: one to
/// encrypt what this side sends, one to decrypt what it receives.
#[derive(Clone, Debug)]
pub struct ObfuscatedCipher {
    encrypt: AesCtr,
    decrypt: AesCtr,
}

impl ObfuscatedCipher {
    /// Encrypt outgoing bytes in place, continuing the stream.
    pub fn encrypt(&mut self, data: &mut [u8]) {
        self.encrypt.apply_keystream(data);
    }

    /// Decrypt incoming bytes in place, continuing the stream.
    pub fn decrypt(&mut self, data: &mut [u8]) {
        self.decrypt.apply_keystream(data);
    }
}

/// What the server learns from a client's header.
#[derive(Debug)]
pub struct AcceptedHeader {
    /// The framing inside the obfuscation.
    pub framing: ObfuscatedFraming,
    /// Bytes 60..62 as a little-endian `i16`: the DC the client asked for —
    /// or random bytes, as Telethon sends.
    pub dc_id: i16,
    /// The server's keystreams, each 64 bytes in.
    pub cipher: ObfuscatedCipher,
}

/// Whether 64 random bytes may not serve as a header, because the detector
/// would read them as another transport.
#[must_use]
pub fn is_reserved(random: &[u8; HEADER_LEN]) -> bool {
    let [b0, b1, b2, b3, b4, b5, b6, b7, ..] = *random;
    b0 == 0xef || RESERVED_FIRST_WORDS.contains(&[b0, b1, b2, b3]) || [b4, b5, b6, b7] == [0; 4]
}

/// Build a client's header from fresh randomness (redrawing until it is not
/// [reserved](is_reserved)) and the client's keystreams.
///
/// `dc_id` of `None` leaves bytes 60..62 random, as Telethon does.
pub fn client_header<R: RngCore + CryptoRng + ?Sized>(
    framing: ObfuscatedFraming,
    dc_id: Option<i16>,
    secret: Option<&SecretKey>,
    rng: &mut R,
) -> ([u8; HEADER_LEN], ObfuscatedCipher) {
    let mut random = [0u8; HEADER_LEN];
    loop {
        rng.fill_bytes(&mut random);
        if !is_reserved(&random) {
            break;
        }
    }
    let built = build_client_header(&random, framing, dc_id, secret);
    random.zeroize();
    built
}

/// Build a client's header from the given random bytes, for known-answer
/// tests and for callers with their own randomness.
///
/// # Errors
///
/// [`TransportError::ReservedHeaderPrefix`] if the bytes are
/// [reserved](is_reserved).
pub fn client_header_from_random(
    random: &[u8; HEADER_LEN],
    framing: ObfuscatedFraming,
    dc_id: Option<i16>,
    secret: Option<&SecretKey>,
) -> Result<([u8; HEADER_LEN], ObfuscatedCipher), TransportError> {
    if is_reserved(random) {
        return Err(TransportError::ReservedHeaderPrefix);
    }
    Ok(build_client_header(random, framing, dc_id, secret))
}

fn build_client_header(
    random: &[u8; HEADER_LEN],
    framing: ObfuscatedFraming,
    dc_id: Option<i16>,
    secret: Option<&SecretKey>,
) -> ([u8; HEADER_LEN], ObfuscatedCipher) {
    let mut header = *random;
    header[56..60].copy_from_slice(&framing.protocol_tag());
    if let Some(dc_id) = dc_id {
        header[60..62].copy_from_slice(&dc_id.to_le_bytes());
    }
    let (client_to_server, server_to_client) = streams(&header, secret);
    let mut cipher = ObfuscatedCipher {
        encrypt: client_to_server,
        decrypt: server_to_client,
    };
    let mut encrypted = header;
    cipher.encrypt(&mut encrypted);
    header[56..].copy_from_slice(&encrypted[56..]);
    encrypted.zeroize();
    (header, cipher)
}

/// Read a client's header: derive the server's keystreams and decrypt the
/// protocol tag and DC id.
///
/// # Errors
///
/// [`TransportError::UnknownProtocolTag`] when the tag is none of the
/// three: wrong secret, or not an obfuscated2 header at all.
pub fn accept_header(
    header: &[u8; HEADER_LEN],
    secret: Option<&SecretKey>,
) -> Result<AcceptedHeader, TransportError> {
    let (client_to_server, server_to_client) = streams(header, secret);
    let mut cipher = ObfuscatedCipher {
        encrypt: server_to_client,
        decrypt: client_to_server,
    };
    let mut plain = *header;
    cipher.decrypt(&mut plain);
    let [.., t0, t1, t2, t3, d0, d1, _, _] = plain;
    plain.zeroize();
    let tag = [t0, t1, t2, t3];
    let framing = ObfuscatedFraming::from_protocol_tag(tag)
        .ok_or(TransportError::UnknownProtocolTag { tag })?;
    Ok(AcceptedHeader {
        framing,
        dc_id: i16::from_le_bytes([d0, d1]),
        cipher,
    })
}

/// The client → server and server → client keystreams of a header.
fn streams(header: &[u8; HEADER_LEN], secret: Option<&SecretKey>) -> (AesCtr, AesCtr) {
    let mut reversed = [0u8; 48];
    reversed.copy_from_slice(&header[8..56]);
    reversed.reverse();
    let client_to_server = stream(&header[8..40], &header[40..56], secret);
    let server_to_client = stream(&reversed[..32], &reversed[32..], secret);
    reversed.zeroize();
    (client_to_server, server_to_client)
}

fn stream(key: &[u8], iv: &[u8], secret: Option<&SecretKey>) -> AesCtr {
    let mut key_bytes = [0u8; 32];
    match secret {
        Some(secret) => key_bytes = sha256(&[key, secret.expose()]),
        None => key_bytes.copy_from_slice(key),
    }
    let mut iv_bytes = [0u8; 16];
    iv_bytes.copy_from_slice(iv);
    let ctr = AesCtr::new(&key_bytes, &iv_bytes);
    key_bytes.zeroize();
    iv_bytes.zeroize();
    ctr
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> [u8; HEADER_LEN] {
        core::array::from_fn(|i| i as u8 + 1)
    }

    #[test]
    fn reserved_prefixes() {
        let ok = sample();
        assert!(!is_reserved(&ok));
        let with = |prefix: &[u8], at: usize| {
            let mut h = ok;
            h[at..at + prefix.len()].copy_from_slice(prefix);
            h
        };
        for prefix in RESERVED_FIRST_WORDS {
            assert!(is_reserved(&with(&prefix, 0)), "{prefix:02x?}");
        }
        assert!(is_reserved(&with(&[0xef], 0)));
        assert!(is_reserved(&with(&[0; 4], 4)));
        assert!(!is_reserved(&with(&[0; 3], 4)));
        assert!(!is_reserved(&with(&[0x16, 0x03, 0x01, 0x03], 0)));
        assert_eq!(
            client_header_from_random(&with(&[0xef], 0), ObfuscatedFraming::Abridged, None, None)
                .map(|(h, _)| h),
            Err(TransportError::ReservedHeaderPrefix)
        );
    }

    #[test]
    fn server_reads_what_client_wrote() {
        let secret = SecretKey::new([7; 16]);
        for secret in [None, Some(&secret)] {
            for framing in [
                ObfuscatedFraming::Abridged,
                ObfuscatedFraming::Intermediate,
                ObfuscatedFraming::PaddedIntermediate,
            ] {
                let (header, mut client) =
                    client_header_from_random(&sample(), framing, Some(-3), secret).unwrap();
                assert_eq!(&header[..56], &sample()[..56]);
                let mut server = accept_header(&header, secret).unwrap();
                assert_eq!(server.framing, framing);
                assert_eq!(server.dc_id, -3);

                let mut data = *b"both ways now";
                client.encrypt(&mut data);
                server.cipher.decrypt(&mut data);
                assert_eq!(&data, b"both ways now");
                server.cipher.encrypt(&mut data);
                client.decrypt(&mut data);
                assert_eq!(&data, b"both ways now");
            }
        }
    }

    #[test]
    fn wrong_secret_gives_an_unknown_tag() {
        let (header, _) = client_header_from_random(
            &sample(),
            ObfuscatedFraming::Intermediate,
            None,
            Some(&SecretKey::new([1; 16])),
        )
        .unwrap();
        assert!(matches!(
            accept_header(&header, Some(&SecretKey::new([2; 16]))),
            Err(TransportError::UnknownProtocolTag { .. })
        ));
        assert!(matches!(
            accept_header(&header, None),
            Err(TransportError::UnknownProtocolTag { .. })
        ));
    }
}

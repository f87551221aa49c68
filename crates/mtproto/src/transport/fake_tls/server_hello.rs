//! The FakeTLS server answer: ServerHello, ChangeCipherSpec and one record
//! of random "encrypted" handshake data, bound to the ClientHello by an
//! HMAC in the ServerHello's random.
//!
//! Layout (MTProxy's, RFC 8446 §4.1.3 field names):
//!
//! ```text
//! 16 03 03 00 7a                       record: handshake, 122 bytes
//!   02 00 00 76                        ServerHello, 118 bytes
//!   03 03                              legacy_version
//!   [32] random                        HMAC, see below
//!   20 [32] legacy_session_id_echo
//!   13 01                              TLS_AES_128_GCM_SHA256
//!   00                                 legacy_compression_method
//!   00 2e                              extensions, 46 bytes:
//!     00 33 00 24 00 1d 00 20 [32]     key_share: x25519, random
//!     00 2b 00 02 03 04                supported_versions: TLS 1.3
//! 14 03 03 00 01 01                    ChangeCipherSpec
//! 17 03 03 [2] [n random bytes]        application data
//! ```
//!
//! `random = HMAC-SHA256(key, client_random ++ all of the above with random
//! zeroed)`.

use rand_core::{CryptoRng, RngCore};
use subtle::ConstantTimeEq;

use super::client_hello::VerifiedClientHello;
use super::{RANDOM_LEN, RANDOM_OFFSET, be_u16, hmac};
use crate::transport::error::FakeTlsError;
use crate::transport::secret::SecretKey;

const SERVER_HELLO_HEADER: [u8; 11] = [
    0x16, 0x03, 0x03, 0x00, 0x7a, 0x02, 0x00, 0x00, 0x76, 0x03, 0x03,
];
const AFTER_SESSION_ID: [u8; 13] = [
    0x13, 0x01, 0x00, 0x00, 0x2e, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20,
];
const SUPPORTED_VERSIONS: [u8; 6] = [0x00, 0x2b, 0x00, 0x02, 0x03, 0x04];
/// ChangeCipherSpec and the header of the application-data record.
const CCS_THEN_APP_DATA: [u8; 9] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03, 0x03];
/// MTProxy's default size of the fake encrypted handshake, when it has not
/// measured the real site: 2500 + rand() % 1120.
const APP_DATA_MIN: u32 = 2500;
const APP_DATA_SPREAD: u32 = 1120;

/// Append the server's answer to a verified ClientHello to `out`.
pub fn server_hello<R: RngCore + CryptoRng + ?Sized>(
    key: &SecretKey,
    client: &VerifiedClientHello,
    rng: &mut R,
    out: &mut Vec<u8>,
) {
    let app_data_len = (APP_DATA_MIN + rng.next_u32() % APP_DATA_SPREAD) as usize;
    let mut answer = Vec::with_capacity(138 + app_data_len);
    answer.extend_from_slice(&SERVER_HELLO_HEADER);
    answer.extend_from_slice(&[0; RANDOM_LEN]);
    answer.push(client.session_id.len() as u8);
    answer.extend_from_slice(&client.session_id);
    answer.extend_from_slice(&AFTER_SESSION_ID);
    let mut key_share = [0u8; 32];
    rng.fill_bytes(&mut key_share);
    answer.extend_from_slice(&key_share);
    answer.extend_from_slice(&SUPPORTED_VERSIONS);
    answer.extend_from_slice(&CCS_THEN_APP_DATA);
    answer.extend_from_slice(&(app_data_len as u16).to_be_bytes());
    let data_start = answer.len();
    answer.resize(data_start + app_data_len, 0);
    rng.fill_bytes(&mut answer[data_start..]);

    let random = hmac(key, &[&client.client_random, &answer]);
    answer[RANDOM_OFFSET..RANDOM_OFFSET + RANDOM_LEN].copy_from_slice(&random);
    out.extend_from_slice(&answer);
}

/// Check the server's answer at the start of `buf` against the key and the
/// ClientHello's random. `Ok(None)` until the whole answer is there;
/// `Ok(Some(len))` with the answer's length once it checks out.
///
/// Like tdlib, only the record framing and the HMAC are checked, not the
/// ServerHello's contents.
///
/// # Errors
///
/// Records other than handshake, then ChangeCipherSpec + application data;
/// or an HMAC that does not match ([`FakeTlsError::BadDigest`]).
pub fn verify_server_hello(
    key: &SecretKey,
    client_random: &[u8; RANDOM_LEN],
    buf: &[u8],
) -> Result<Option<usize>, FakeTlsError> {
    expect_prefix(buf, &SERVER_HELLO_HEADER[..3])?;
    let Some(hello_len) = be_u16(buf, 3) else {
        return Ok(None);
    };
    let hello_end = 5 + usize::from(hello_len);
    if hello_end < RANDOM_OFFSET + RANDOM_LEN {
        return Err(FakeTlsError::Malformed {
            what: "ServerHello length",
        });
    }
    let rest = buf.get(hello_end..).unwrap_or_default();
    expect_prefix(rest, &CCS_THEN_APP_DATA)?;
    let Some(data_len) = be_u16(rest, CCS_THEN_APP_DATA.len()) else {
        return Ok(None);
    };
    let end = hello_end + CCS_THEN_APP_DATA.len() + 2 + usize::from(data_len);
    let Some(answer) = buf.get(..end) else {
        return Ok(None);
    };
    // hello_end >= 43 was checked above, so both splits succeed.
    let Some((before, tail)) = answer.split_at_checked(RANDOM_OFFSET) else {
        return Err(FakeTlsError::Malformed {
            what: "ServerHello length",
        });
    };
    let Some((random, after)) = tail.split_at_checked(RANDOM_LEN) else {
        return Err(FakeTlsError::Malformed {
            what: "ServerHello length",
        });
    };
    let expected = hmac(key, &[client_random, before, &[0; RANDOM_LEN], after]);
    if bool::from(expected.ct_eq(random)) {
        Ok(Some(end))
    } else {
        Err(FakeTlsError::BadDigest)
    }
}

/// Fail as soon as the bytes present differ from `prefix`.
fn expect_prefix(buf: &[u8], prefix: &[u8]) -> Result<(), FakeTlsError> {
    let n = buf.len().min(prefix.len());
    if buf.get(..n) == prefix.get(..n) {
        return Ok(());
    }
    let mut found = [0u8; 3];
    for (f, b) in found.iter_mut().zip(buf) {
        *f = *b;
    }
    Err(FakeTlsError::UnexpectedRecord { found })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn answer(key: &SecretKey, client: &VerifiedClientHello) -> Vec<u8> {
        let mut out = Vec::new();
        server_hello(key, client, &mut ChaCha20Rng::seed_from_u64(1), &mut out);
        out
    }

    #[test]
    fn round_trip_byte_by_byte() {
        let key = SecretKey::new([8; 16]);
        let client = VerifiedClientHello {
            client_random: [1; 32],
            session_id: [2; 32],
            timestamp: 0,
        };
        let answer = answer(&key, &client);
        assert_eq!(&answer[..11], &SERVER_HELLO_HEADER);
        assert_eq!(&answer[44..76], &[2; 32]);
        assert_eq!(&answer[127..136], &CCS_THEN_APP_DATA);
        let data_len = usize::from(u16::from_be_bytes([answer[136], answer[137]]));
        assert!((2500..3620).contains(&data_len));
        assert_eq!(answer.len(), 138 + data_len);
        for end in 0..answer.len() {
            assert_eq!(
                verify_server_hello(&key, &[1; 32], &answer[..end]),
                Ok(None),
                "{end}"
            );
        }
        let mut more = answer.clone();
        more.extend_from_slice(&[0x17, 3, 3]);
        assert_eq!(
            verify_server_hello(&key, &[1; 32], &more),
            Ok(Some(answer.len()))
        );
        assert_eq!(
            verify_server_hello(&key, &[0; 32], &answer),
            Err(FakeTlsError::BadDigest)
        );
        assert_eq!(
            verify_server_hello(&SecretKey::new([9; 16]), &[1; 32], &answer),
            Err(FakeTlsError::BadDigest)
        );
    }

    #[test]
    fn wrong_records_fail_early() {
        let key = SecretKey::new([8; 16]);
        assert_eq!(
            verify_server_hello(&key, &[0; 32], &[0x15, 0x03]),
            Err(FakeTlsError::UnexpectedRecord {
                found: [0x15, 0x03, 0]
            })
        );
        let mut short = vec![0x16, 0x03, 0x03, 0x00, 0x04, 1, 2, 3, 4];
        assert_eq!(
            verify_server_hello(&key, &[0; 32], &short),
            Err(FakeTlsError::Malformed {
                what: "ServerHello length"
            })
        );
        short[4] = 40;
        short.resize(45, 0);
        short.push(0x17);
        assert!(matches!(
            verify_server_hello(&key, &[0; 32], &short),
            Err(FakeTlsError::UnexpectedRecord { .. })
        ));
    }
}

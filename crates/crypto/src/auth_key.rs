//! The authorization key and MTProto 2.0 message encryption.
//!
//! An [`AuthKey`] is the 2048-bit secret the key exchange produces. Every
//! encrypted MTProto packet is `auth_key_id ‖ msg_key ‖ encrypted_data`,
//! where (core.telegram.org/mtproto/description, MTProto 2.0):
//!
//! ```text
//! msg_key_large = SHA256(substr(auth_key, 88+x, 32) + plaintext + random_padding)
//! msg_key       = substr(msg_key_large, 8, 16)
//! sha256_a      = SHA256(msg_key + substr(auth_key, x, 36))
//! sha256_b      = SHA256(substr(auth_key, 40+x, 36) + msg_key)
//! aes_key       = substr(sha256_a, 0, 8) + substr(sha256_b, 8, 16) + substr(sha256_a, 24, 8)
//! aes_iv        = substr(sha256_b, 0, 8) + substr(sha256_a, 8, 16) + substr(sha256_b, 24, 8)
//! ```
//!
//! with `x = 0` for messages from client to server and `x = 8` from server
//! to client ([`Direction`]). The receiver decrypts, recomputes `msg_key`
//! over the decrypted bytes and must drop the message if it differs; that
//! comparison is done in constant time here. Checking the padding length
//! (12..=1024 bytes) and the inner `message_data_length` is left to the
//! session layer, which knows the message layout.
//!
//! ```
//! use paperplane_crypto::auth_key::{self, AuthKey, Direction};
//!
//! let key = AuthKey::from_bytes(core::array::from_fn(|i| i as u8));
//! // Plaintext with its padding already appended: a multiple of 16 bytes.
//! let plaintext = [7u8; 64];
//! let (msg_key, ciphertext) =
//!     auth_key::encrypt_message_data(&key, Direction::ClientToServer, &plaintext)?;
//!
//! let decrypted =
//!     auth_key::decrypt_message_data(&key, Direction::ClientToServer, &msg_key, &ciphertext)?;
//! assert_eq!(decrypted, plaintext);
//!
//! // The wrong direction derives other keys, and the msg_key check catches it.
//! assert!(auth_key::decrypt_message_data(&key, Direction::ServerToClient, &msg_key, &ciphertext).is_err());
//! # Ok::<(), paperplane_crypto::Error>(())
//! ```

use core::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};
use crate::hash::sha1;
use crate::ige;

/// Length of an authorization key in bytes.
pub const AUTH_KEY_LEN: usize = 256;

/// A 2048-bit MTProto authorization key.
///
/// The key bytes are wiped on drop, compared in constant time, and never
/// printed: `Debug` shows only the public `auth_key_id`.
#[derive(Clone)]
pub struct AuthKey {
    data: [u8; AUTH_KEY_LEN],
    /// SHA1(auth_key), cached: its halves are `aux_hash` and `auth_key_id`.
    sha1: [u8; 20],
}

impl AuthKey {
    /// Wrap 256 key bytes (for instance the DH result `g_ab`, or a key loaded
    /// from a session file).
    #[must_use]
    pub fn from_bytes(data: [u8; AUTH_KEY_LEN]) -> Self {
        let sha1 = sha1(&[&data]);
        Self { data, sha1 }
    }

    /// Wrap a key given as a slice; it must be exactly 256 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self> {
        let data: [u8; AUTH_KEY_LEN] = bytes.try_into().map_err(|_| Error::InvalidLength {
            what: "auth_key",
            expected: AUTH_KEY_LEN,
            got: bytes.len(),
        })?;
        Ok(Self::from_bytes(data))
    }

    /// The secret key bytes, for storing in a session.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; AUTH_KEY_LEN] {
        &self.data
    }

    /// `auth_key_id`: the 64 lower-order bits of SHA1(auth_key), i.e. its
    /// last 8 bytes read as a little-endian `long`. It prefixes every
    /// encrypted packet so the receiver can find the key.
    #[must_use]
    pub fn key_id(&self) -> i64 {
        i64::from_le_bytes(self.key_id_bytes())
    }

    /// `auth_key_id` as it appears on the wire (the last 8 bytes of SHA1(auth_key)).
    #[must_use]
    pub fn key_id_bytes(&self) -> [u8; 8] {
        let mut id = [0u8; 8];
        id.copy_from_slice(&self.sha1[12..20]);
        id
    }

    /// `auth_key_aux_hash`: the 64 higher-order bits of SHA1(auth_key), used
    /// in `new_nonce_hash1/2/3` at the end of the key exchange.
    #[must_use]
    pub fn aux_hash(&self) -> i64 {
        let mut aux = [0u8; 8];
        aux.copy_from_slice(&self.sha1[..8]);
        i64::from_le_bytes(aux)
    }
}

impl Drop for AuthKey {
    fn drop(&mut self) {
        self.data.zeroize();
        self.sha1.zeroize();
    }
}

impl ZeroizeOnDrop for AuthKey {}

impl PartialEq for AuthKey {
    fn eq(&self, other: &Self) -> bool {
        self.data.ct_eq(&other.data).into()
    }
}

impl Eq for AuthKey {}

impl fmt::Debug for AuthKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthKey")
            .field("key_id", &format_args!("{:#018x}", self.key_id() as u64))
            .finish_non_exhaustive()
    }
}

/// Which way a message travels; selects `x` in the key derivation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Sent by the client, read by the server (`x = 0`).
    ClientToServer,
    /// Sent by the server, read by the client (`x = 8`).
    ServerToClient,
}

impl Direction {
    /// The offset `x` into the auth key used by this direction.
    #[must_use]
    pub const fn x(self) -> usize {
        match self {
            Direction::ClientToServer => 0,
            Direction::ServerToClient => 8,
        }
    }
}

/// An AES-256 key and IGE IV derived for one message. Wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct AesKeyIv {
    /// `aes_key`.
    pub key: [u8; 32],
    /// `aes_iv`.
    pub iv: [u8; 32],
}

impl fmt::Debug for AesKeyIv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesKeyIv { .. }")
    }
}

/// Compute MTProto 2.0 `msg_key` for `plaintext` (which must already include
/// its random padding): the middle 16 bytes of
/// `SHA256(substr(auth_key, 88+x, 32) + plaintext)`.
#[must_use]
pub fn msg_key(auth_key: &AuthKey, direction: Direction, plaintext: &[u8]) -> [u8; 16] {
    let mut hasher = msg_key_hasher(auth_key, direction);
    hasher.update(plaintext);
    msg_key_from(hasher)
}

/// SHA-256 primed with `substr(auth_key, 88+x, 32)`, ready for the plaintext.
fn msg_key_hasher(auth_key: &AuthKey, direction: Direction) -> Sha256 {
    let x = direction.x();
    let mut hasher = Sha256::new();
    hasher.update(&auth_key.data[88 + x..120 + x]);
    hasher
}

/// The middle 16 bytes of `msg_key_large` (the rest, which only the key
/// holders can compute, is wiped).
fn msg_key_from(hasher: Sha256) -> [u8; 16] {
    let large: Zeroizing<[u8; 32]> = Zeroizing::new(hasher.finalize().into());
    let mut key = [0u8; 16];
    key.copy_from_slice(&large[8..24]);
    key
}

/// Derive the AES-256-IGE key and IV for a message from `auth_key` and its
/// `msg_key` (MTProto 2.0).
#[must_use]
pub fn derive_aes_key_iv(auth_key: &AuthKey, direction: Direction, msg_key: &[u8; 16]) -> AesKeyIv {
    let x = direction.x();
    // sha256_a and sha256_b are the AES key and IV in pieces: wiped on drop.
    let a = Zeroizing::new(crate::hash::sha256(&[msg_key, &auth_key.data[x..x + 36]]));
    let b = Zeroizing::new(crate::hash::sha256(&[
        &auth_key.data[40 + x..76 + x],
        msg_key,
    ]));

    let mut out = AesKeyIv {
        key: [0u8; 32],
        iv: [0u8; 32],
    };
    out.key[..8].copy_from_slice(&a[..8]);
    out.key[8..24].copy_from_slice(&b[8..24]);
    out.key[24..].copy_from_slice(&a[24..]);
    out.iv[..8].copy_from_slice(&b[..8]);
    out.iv[8..24].copy_from_slice(&a[8..24]);
    out.iv[24..].copy_from_slice(&b[24..]);
    out
}

/// Encrypt a message body in place and return its `msg_key`.
///
/// `buf` holds `salt ‖ session_id ‖ message ‖ padding`; its length must be a
/// multiple of 16 ([`Error::NotBlockAligned`] otherwise, with `buf`
/// untouched). MTProto 2.0 also requires 12..=1024 bytes of random padding;
/// producing it is the caller's job since randomness is an input here.
pub fn encrypt_message_data_in_place(
    auth_key: &AuthKey,
    direction: Direction,
    buf: &mut [u8],
) -> Result<[u8; 16]> {
    if buf.len() % ige::BLOCK_LEN != 0 {
        return Err(Error::NotBlockAligned { len: buf.len() });
    }
    let key = msg_key(auth_key, direction, buf);
    let aes = derive_aes_key_iv(auth_key, direction, &key);
    ige::encrypt(buf, &aes.key, &aes.iv)?;
    Ok(key)
}

/// Encrypt a padded message body, returning `(msg_key, encrypted_data)`.
///
/// Allocating convenience over [`encrypt_message_data_in_place`].
pub fn encrypt_message_data(
    auth_key: &AuthKey,
    direction: Direction,
    plaintext_with_padding: &[u8],
) -> Result<([u8; 16], Vec<u8>)> {
    let mut buf = plaintext_with_padding.to_vec();
    let key = encrypt_message_data_in_place(auth_key, direction, &mut buf)?;
    Ok((key, buf))
}

/// Decrypt `encrypted_data` in place and verify its `msg_key`.
///
/// `direction` is the direction the message travelled (a server reading a
/// client's message passes [`Direction::ClientToServer`]). On a `msg_key`
/// mismatch the buffer is zeroed, so unauthenticated plaintext cannot be
/// used by mistake, and [`Error::MsgKeyMismatch`] is returned.
pub fn decrypt_message_data_in_place(
    auth_key: &AuthKey,
    direction: Direction,
    msg_key_received: &[u8; 16],
    buf: &mut [u8],
) -> Result<()> {
    if buf.len() % ige::BLOCK_LEN != 0 {
        return Err(Error::NotBlockAligned { len: buf.len() });
    }
    let aes = derive_aes_key_iv(auth_key, direction, msg_key_received);
    // msg_key is recomputed over the plaintext while it is being decrypted.
    let mut hasher = msg_key_hasher(auth_key, direction);
    ige::decrypt_and_hash(buf, &aes.key, &aes.iv, &mut hasher)?;
    let expected = msg_key_from(hasher);
    if bool::from(expected.ct_eq(msg_key_received)) {
        Ok(())
    } else {
        buf.zeroize();
        Err(Error::MsgKeyMismatch)
    }
}

/// Decrypt `encrypted_data` and verify its `msg_key`, returning the padded
/// plaintext. Allocating convenience over [`decrypt_message_data_in_place`].
pub fn decrypt_message_data(
    auth_key: &AuthKey,
    direction: Direction,
    msg_key_received: &[u8; 16],
    encrypted_data: &[u8],
) -> Result<Vec<u8>> {
    let mut buf = encrypted_data.to_vec();
    decrypt_message_data_in_place(auth_key, direction, msg_key_received, &mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_key() -> AuthKey {
        AuthKey::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(37) ^ 0x5a))
    }

    #[test]
    fn key_id_and_aux_hash_are_sha1_halves() {
        let key = test_key();
        let digest = sha1(&[key.as_bytes()]);
        assert_eq!(key.key_id_bytes(), digest[12..20]);
        assert_eq!(key.key_id().to_le_bytes(), digest[12..20]);
        assert_eq!(key.aux_hash().to_le_bytes(), digest[..8]);
    }

    #[test]
    fn from_slice_checks_length() {
        assert_eq!(
            AuthKey::from_slice(&[0u8; 255]).unwrap_err(),
            Error::InvalidLength {
                what: "auth_key",
                expected: 256,
                got: 255
            }
        );
        assert!(AuthKey::from_slice(&[0u8; 257]).is_err());
        assert_eq!(
            AuthKey::from_slice(&[1u8; 256]).unwrap(),
            AuthKey::from_bytes([1u8; 256])
        );
    }

    #[test]
    fn debug_does_not_leak_key_bytes() {
        let key = AuthKey::from_bytes([0xAB; 256]);
        let shown = format!("{key:?}");
        assert!(shown.starts_with("AuthKey { key_id: 0x"), "{shown}");
        assert!(!shown.to_lowercase().contains("abab"), "{shown}");
        assert_eq!(
            format!(
                "{:?}",
                derive_aes_key_iv(&key, Direction::ClientToServer, &[0; 16])
            ),
            "AesKeyIv { .. }"
        );
    }

    #[test]
    fn equality_compares_key_bytes() {
        let mut other = [0xAB; 256];
        assert_eq!(AuthKey::from_bytes(other), AuthKey::from_bytes([0xAB; 256]));
        other[255] = 0;
        assert_ne!(AuthKey::from_bytes(other), AuthKey::from_bytes([0xAB; 256]));
    }

    #[test]
    fn directions_use_different_key_material() {
        let key = test_key();
        let data = [1u8; 48];
        assert_ne!(
            msg_key(&key, Direction::ClientToServer, &data),
            msg_key(&key, Direction::ServerToClient, &data)
        );
        let mk = [9u8; 16];
        assert_ne!(
            derive_aes_key_iv(&key, Direction::ClientToServer, &mk).key,
            derive_aes_key_iv(&key, Direction::ServerToClient, &mk).key
        );
    }

    #[test]
    fn round_trip_both_directions() {
        let key = test_key();
        for direction in [Direction::ClientToServer, Direction::ServerToClient] {
            for len in [16usize, 32, 1024, 4096 + 16] {
                let plain: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
                let (mk, enc) = encrypt_message_data(&key, direction, &plain).unwrap();
                assert_eq!(mk, msg_key(&key, direction, &plain));
                assert_ne!(enc, plain);
                assert_eq!(
                    decrypt_message_data(&key, direction, &mk, &enc).unwrap(),
                    plain
                );
            }
        }
    }

    #[test]
    fn tampering_is_detected_and_output_wiped() {
        let key = test_key();
        let plain = [3u8; 64];
        let (mk, enc) = encrypt_message_data(&key, Direction::ServerToClient, &plain).unwrap();

        let mut flipped = enc.clone();
        flipped[63] ^= 0x80;
        assert_eq!(
            decrypt_message_data_in_place(&key, Direction::ServerToClient, &mk, &mut flipped),
            Err(Error::MsgKeyMismatch)
        );
        assert!(flipped.iter().all(|&b| b == 0));

        let mut bad_key = mk;
        bad_key[0] ^= 1;
        assert_eq!(
            decrypt_message_data(&key, Direction::ServerToClient, &bad_key, &enc),
            Err(Error::MsgKeyMismatch)
        );
        let other = AuthKey::from_bytes([1u8; 256]);
        assert_eq!(
            decrypt_message_data(&other, Direction::ServerToClient, &mk, &enc),
            Err(Error::MsgKeyMismatch)
        );
    }

    #[test]
    fn unaligned_lengths_are_refused() {
        let key = test_key();
        assert_eq!(
            encrypt_message_data(&key, Direction::ClientToServer, &[0u8; 20]),
            Err(Error::NotBlockAligned { len: 20 })
        );
        let mut buf = [0u8; 33];
        assert_eq!(
            decrypt_message_data_in_place(&key, Direction::ClientToServer, &[0; 16], &mut buf),
            Err(Error::NotBlockAligned { len: 33 })
        );
    }
}

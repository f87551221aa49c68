//! The two message envelopes of MTProto: unencrypted (for the key exchange)
//! and encrypted with an authorization key (MTProto 2.0).
//!
//! Decryption checks everything that can be checked without session state:
//! the auth key id, the msg_key (recomputed and compared in constant time),
//! block alignment, the declared length and the padding (12 to 1024 bytes).
//! Session-level checks (session id, msg_id, replays) are the caller's.
//!
//! Plaintext is handled in one buffer per message: [`encrypt`] builds it
//! where the ciphertext will be and encrypts it in place; [`decrypt`] wipes
//! the header, the padding and any rejected plaintext before the buffer is
//! handed back or dropped.

use paperplane_crypto::auth_key::{decrypt_message_data_in_place, encrypt_message_data_in_place};
use paperplane_crypto::{AuthKey, Direction};
use rand_core::RngCore;
use zeroize::{Zeroize, Zeroizing};

use super::{Result, SessionError};

/// Header of an encrypted message inside the plaintext: salt, session id,
/// msg_id, seq_no and body length.
const INNER_HEADER: usize = 32;
/// `auth_key_id` and `msg_key` in front of the ciphertext.
const OUTER_HEADER: usize = 24;
/// Padding bounds from the MTProto 2.0 description.
const MIN_PADDING: usize = 12;
const MAX_PADDING: usize = 1024;

/// One decrypted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decrypted {
    /// The server salt the sender used.
    pub salt: i64,
    /// The session the message belongs to.
    pub session_id: i64,
    /// Its message id.
    pub msg_id: i64,
    /// Its sequence number.
    pub seq_no: i32,
    /// The TL body.
    pub body: Vec<u8>,
}

/// The fields of a message to encrypt.
#[derive(Clone, Copy, Debug)]
pub struct Header {
    /// Current server salt.
    pub salt: i64,
    /// Session id.
    pub session_id: i64,
    /// Message id.
    pub msg_id: i64,
    /// Sequence number.
    pub seq_no: i32,
}

/// Encrypts `body` as one MTProto 2.0 message: `auth_key_id`, `msg_key`,
/// then the AES-IGE encrypted header, body and 12 to 27 bytes of random
/// padding (the minimum that aligns to 16, plus 0 or 16 more at random so
/// lengths do not leak exactly).
///
/// The plaintext is assembled directly in the returned buffer (allocated
/// once at its final size, so it is never copied by a reallocation) and
/// encrypted there; `body` itself stays the caller's to wipe.
pub fn encrypt(
    auth_key: &AuthKey,
    direction: Direction,
    header: Header,
    body: &[u8],
    rng: &mut impl RngCore,
) -> Vec<u8> {
    let unpadded = INNER_HEADER + body.len();
    let padding = MIN_PADDING + (16 - (unpadded + MIN_PADDING) % 16) % 16;
    let mut out = Vec::with_capacity(OUTER_HEADER + unpadded + padding);
    out.extend_from_slice(&auth_key.key_id_bytes());
    out.extend_from_slice(&[0; 16]);
    out.extend_from_slice(&header.salt.to_le_bytes());
    out.extend_from_slice(&header.session_id.to_le_bytes());
    out.extend_from_slice(&header.msg_id.to_le_bytes());
    out.extend_from_slice(&header.seq_no.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    let start = out.len();
    out.resize(start + padding, 0);
    rng.fill_bytes(&mut out[start..]);
    // The plaintext is block-aligned by construction, so this cannot fail;
    // if it ever did, the plaintext must not leave as if it were encrypted.
    match encrypt_message_data_in_place(auth_key, direction, &mut out[OUTER_HEADER..]) {
        Ok(msg_key) => out[8..OUTER_HEADER].copy_from_slice(&msg_key),
        Err(_) => out[OUTER_HEADER..].zeroize(),
    }
    out
}

/// The `auth_key_id` a packet claims (0 for an unencrypted message).
pub fn auth_key_id(packet: &[u8]) -> Option<i64> {
    packet
        .get(..8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
}

/// Decrypts and checks one encrypted message.
///
/// The decrypted copy is wiped if a check fails; on success the inner
/// header and the padding are overwritten and the body is moved to the
/// front of the same buffer, which is returned as [`Decrypted::body`].
pub fn decrypt(auth_key: &AuthKey, direction: Direction, packet: &[u8]) -> Result<Decrypted> {
    if packet.len() < OUTER_HEADER + INNER_HEADER + MIN_PADDING {
        return Err(SessionError::TooShort { len: packet.len() });
    }
    if (packet.len() - OUTER_HEADER) % 16 != 0 {
        return Err(SessionError::NotAligned { len: packet.len() });
    }
    let key_id = auth_key_id(packet).unwrap_or(0);
    if key_id != auth_key.key_id() {
        return Err(SessionError::WrongAuthKey { key_id });
    }
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&packet[8..OUTER_HEADER]);
    let mut plain = Zeroizing::new(packet[OUTER_HEADER..].to_vec());
    decrypt_message_data_in_place(auth_key, direction, &msg_key, &mut plain)
        .map_err(|_| SessionError::MsgKeyMismatch)?;

    let word = |at: usize| i64::from_le_bytes(plain[at..at + 8].try_into().unwrap_or_default());
    let (salt, session_id, msg_id) = (word(0), word(8), word(16));
    let seq_no = i32::from_le_bytes(plain[24..28].try_into().unwrap_or_default());
    let len = u32::from_le_bytes(plain[28..32].try_into().unwrap_or_default()) as usize;
    let room = plain.len() - INNER_HEADER;
    if len > room || len % 4 != 0 {
        return Err(SessionError::BadLength { len });
    }
    let padding = room - len;
    if !(MIN_PADDING..=MAX_PADDING).contains(&padding) {
        return Err(SessionError::BadPadding { padding });
    }
    plain.copy_within(INNER_HEADER..INNER_HEADER + len, 0);
    if let Some(rest) = plain.get_mut(len..) {
        rest.zeroize();
    }
    plain.truncate(len);
    Ok(Decrypted {
        salt,
        session_id,
        msg_id,
        seq_no,
        body: std::mem::take(&mut *plain),
    })
}

/// Frames an unencrypted message: `auth_key_id` 0, `msg_id`, length, body.
pub fn plain(msg_id: i64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + body.len());
    out.extend_from_slice(&0i64.to_le_bytes());
    out.extend_from_slice(&msg_id.to_le_bytes());
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    out
}

/// Reads an unencrypted message: `(msg_id, body)`.
pub fn open_plain(packet: &[u8]) -> Result<(i64, &[u8])> {
    let header = packet
        .get(..20)
        .ok_or(SessionError::TooShort { len: packet.len() })?;
    let key_id = i64::from_le_bytes(header[..8].try_into().unwrap_or_default());
    if key_id != 0 {
        return Err(SessionError::WrongAuthKey { key_id });
    }
    let msg_id = i64::from_le_bytes(header[8..16].try_into().unwrap_or_default());
    let len = u32::from_le_bytes(header[16..20].try_into().unwrap_or_default()) as usize;
    let body = packet
        .get(20..)
        .filter(|b| b.len() == len)
        .ok_or(SessionError::BadLength { len })?;
    if msg_id == 0 || body.is_empty() {
        return Err(SessionError::BadLength { len });
    }
    Ok((msg_id, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// The body comes back exactly, whatever its length and padding, after
    /// the header and padding were wiped and the body moved in place.
    #[test]
    fn bodies_of_every_length_round_trip() {
        let key = AuthKey::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(29)));
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let header = Header {
            salt: 7,
            session_id: -9,
            msg_id: 1 << 40,
            seq_no: 3,
        };
        for len in (0..=128).step_by(4) {
            let body: Vec<u8> = (0..len).map(|i| (i as u8) ^ 0x5c).collect();
            let packet = encrypt(&key, Direction::ServerToClient, header, &body, &mut rng);
            let got = decrypt(&key, Direction::ServerToClient, &packet).unwrap();
            assert_eq!(got.body, body, "length {len}");
            assert_eq!(
                (got.salt, got.session_id, got.msg_id, got.seq_no),
                (7, -9, 1 << 40, 3)
            );
            let err = decrypt(&key, Direction::ClientToServer, &packet).unwrap_err();
            assert!(matches!(err, SessionError::MsgKeyMismatch), "{err}");
        }
    }
}

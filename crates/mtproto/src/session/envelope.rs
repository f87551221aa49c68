//! The two message envelopes of MTProto: unencrypted (for the key exchange)
//! and encrypted with an authorization key (MTProto 2.0).
//!
//! Decryption checks everything that can be checked without session state:
//! the auth key id, the msg_key (recomputed and compared in constant time),
//! block alignment, the declared length and the padding (12 to 1024 bytes).
//! Session-level checks (session id, msg_id, replays) are the caller's.

use paperplane_crypto::auth_key::{decrypt_message_data_in_place, encrypt_message_data_in_place};
use paperplane_crypto::{AuthKey, Direction};
use rand_core::RngCore;

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
    // The plaintext is block-aligned by construction.
    let msg_key = encrypt_message_data_in_place(auth_key, direction, &mut out[OUTER_HEADER..])
        .unwrap_or_default();
    out[8..OUTER_HEADER].copy_from_slice(&msg_key);
    out
}

/// The `auth_key_id` a packet claims (0 for an unencrypted message).
pub fn auth_key_id(packet: &[u8]) -> Option<i64> {
    packet
        .get(..8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
}

/// Decrypts and checks one encrypted message.
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
    let mut plain = packet[OUTER_HEADER..].to_vec();
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
    plain.truncate(INNER_HEADER + len);
    plain.drain(..INNER_HEADER);
    Ok(Decrypted {
        salt,
        session_id,
        msg_id,
        seq_no,
        body: plain,
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

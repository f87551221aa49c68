//! Perfect forward secrecy: binding a temporary key to the permanent one
//! with `auth.bindTempAuthKey` (core.telegram.org/method/auth.bindTempAuthKey).
//!
//! The request is sent over the temporary key; its `encrypted_message` is a
//! `bind_auth_key_inner` encrypted with the *permanent* key using the old
//! MTProto 1.0 scheme (SHA-1 msg_key and key derivation), which proves the
//! client holds both keys. [`encrypt_binding`] builds it, [`verify_binding`]
//! is the server's check. The `auth.bindTempAuthKey` function itself is an
//! API type; the caller wraps [`BindRequest`] in it.

use paperplane_crypto::hash::sha1;
use paperplane_crypto::{AuthKey, ige};
use paperplane_tl::{Deserializable, Serializable, enums, types};
use rand_core::{CryptoRng, RngCore};

/// The fields of `auth.bindTempAuthKey`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindRequest {
    /// The permanent key's id.
    pub perm_auth_key_id: i64,
    /// A random nonce, repeated inside the encrypted message.
    pub nonce: i64,
    /// When the temporary key stops being valid (Unix time).
    pub expires_at: i32,
    /// `bind_auth_key_inner` encrypted with the permanent key.
    pub encrypted_message: Vec<u8>,
}

/// Why the server refuses a binding (Telegram answers
/// `400 ENCRYPTED_MESSAGE_INVALID` for all of them).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BindError {
    /// Not encrypted with the named permanent key, or malformed.
    #[error("encrypted_message does not decrypt with the permanent key")]
    Undecryptable,
    /// It decrypts, but its content does not match the request.
    #[error("binding message does not match the request ({0})")]
    Mismatch(&'static str),
}

/// MTProto 1.0's AES key and IV (client to server: x = 0).
fn v1_key_iv(auth_key: &AuthKey, msg_key: &[u8; 16]) -> ([u8; 32], [u8; 32]) {
    let k = auth_key.as_bytes();
    let a = sha1(&[msg_key, &k[0..32]]);
    let b = sha1(&[&k[32..48], msg_key, &k[48..64]]);
    let c = sha1(&[&k[64..96], msg_key]);
    let d = sha1(&[msg_key, &k[96..128]]);
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&a[..8]);
    key[8..20].copy_from_slice(&b[8..20]);
    key[20..].copy_from_slice(&c[4..16]);
    let mut iv = [0u8; 32];
    iv[..12].copy_from_slice(&a[8..20]);
    iv[12..20].copy_from_slice(&b[..8]);
    iv[20..24].copy_from_slice(&c[16..20]);
    iv[24..].copy_from_slice(&d[..8]);
    (key, iv)
}

/// Builds the binding request for `temp_key`, to be sent over the
/// temporary key in session `temp_session_id` with message id `msg_id`.
pub fn encrypt_binding(
    perm_key: &AuthKey,
    temp_key: &AuthKey,
    temp_session_id: i64,
    expires_at: i32,
    msg_id: i64,
    rng: &mut (impl RngCore + CryptoRng),
) -> BindRequest {
    let nonce = rng.next_u64() as i64;
    let inner = enums::BindAuthKeyInner::BindAuthKeyInner(types::BindAuthKeyInner {
        nonce,
        temp_auth_key_id: temp_key.key_id(),
        perm_auth_key_id: perm_key.key_id(),
        temp_session_id,
        expires_at,
    })
    .to_bytes();
    let mut plain = Vec::with_capacity(32 + inner.len() + 16);
    let mut random = [0u8; 16];
    rng.fill_bytes(&mut random);
    plain.extend_from_slice(&random);
    plain.extend_from_slice(&msg_id.to_le_bytes());
    plain.extend_from_slice(&0i32.to_le_bytes());
    plain.extend_from_slice(&(inner.len() as u32).to_le_bytes());
    plain.extend_from_slice(&inner);
    let hash = sha1(&[&plain]);
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&hash[4..]);
    let start = plain.len();
    plain.resize(start.next_multiple_of(16), 0);
    rng.fill_bytes(&mut plain[start..]);
    let (key, iv) = v1_key_iv(perm_key, &msg_key);
    // Whole blocks by construction.
    let _ = ige::encrypt(&mut plain, &key, &iv);

    let mut encrypted_message = Vec::with_capacity(24 + plain.len());
    encrypted_message.extend_from_slice(&perm_key.key_id_bytes());
    encrypted_message.extend_from_slice(&msg_key);
    encrypted_message.extend_from_slice(&plain);
    BindRequest {
        perm_auth_key_id: perm_key.key_id(),
        nonce,
        expires_at,
        encrypted_message,
    }
}

/// The server's check of a binding request that arrived over `temp_key_id`
/// in session `temp_session_id` as message `msg_id`, given the permanent
/// key the request names.
pub fn verify_binding(
    perm_key: &AuthKey,
    request: &BindRequest,
    temp_key_id: i64,
    temp_session_id: i64,
    msg_id: i64,
) -> Result<(), BindError> {
    let data = &request.encrypted_message;
    if data.len() < 24 + 32 + 16 || (data.len() - 24) % 16 != 0 {
        return Err(BindError::Undecryptable);
    }
    if request.perm_auth_key_id != perm_key.key_id() || data[..8] != perm_key.key_id_bytes() {
        return Err(BindError::Undecryptable);
    }
    let mut msg_key = [0u8; 16];
    msg_key.copy_from_slice(&data[8..24]);
    let mut plain = data[24..].to_vec();
    let (key, iv) = v1_key_iv(perm_key, &msg_key);
    ige::decrypt(&mut plain, &key, &iv).map_err(|_| BindError::Undecryptable)?;

    let len = u32::from_le_bytes(
        plain[28..32]
            .try_into()
            .map_err(|_| BindError::Undecryptable)?,
    ) as usize;
    let end = 32usize
        .checked_add(len)
        .filter(|&e| e <= plain.len() && plain.len() - e < 16);
    let end = end.ok_or(BindError::Undecryptable)?;
    let hash = sha1(&[&plain[..end]]);
    if !bool::from(subtle::ConstantTimeEq::ct_eq(&hash[4..], &msg_key[..])) {
        return Err(BindError::Undecryptable);
    }
    if plain[16..24] != msg_id.to_le_bytes() {
        return Err(BindError::Mismatch("msg_id"));
    }
    if plain[24..28] != [0; 4] {
        return Err(BindError::Mismatch("seq_no"));
    }
    let enums::BindAuthKeyInner::BindAuthKeyInner(inner) =
        enums::BindAuthKeyInner::from_bytes(&plain[32..end])
            .map_err(|_| BindError::Undecryptable)?;
    let checks = [
        (inner.nonce == request.nonce, "nonce"),
        (
            inner.perm_auth_key_id == request.perm_auth_key_id,
            "perm_auth_key_id",
        ),
        (inner.temp_auth_key_id == temp_key_id, "temp_auth_key_id"),
        (inner.temp_session_id == temp_session_id, "temp_session_id"),
        (inner.expires_at == request.expires_at, "expires_at"),
    ];
    match checks.iter().find(|(ok, _)| !ok) {
        Some((_, what)) => Err(BindError::Mismatch(what)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    fn key(seed: u8) -> AuthKey {
        AuthKey::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(13) ^ seed))
    }

    #[test]
    fn binding_round_trip_and_every_mismatch() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let (perm, temp) = (key(1), key(2));
        let req = encrypt_binding(
            &perm,
            &temp,
            77,
            1_700_086_400,
            0x6555_0000_0000_0004,
            &mut rng,
        );
        assert_eq!(req.perm_auth_key_id, perm.key_id());
        assert_eq!(
            verify_binding(&perm, &req, temp.key_id(), 77, 0x6555_0000_0000_0004),
            Ok(())
        );

        // Sent in another session, with another message id, over another key.
        assert_eq!(
            verify_binding(&perm, &req, temp.key_id(), 78, 0x6555_0000_0000_0004),
            Err(BindError::Mismatch("temp_session_id"))
        );
        assert_eq!(
            verify_binding(&perm, &req, temp.key_id(), 77, 0x6555_0000_0000_0008),
            Err(BindError::Mismatch("msg_id"))
        );
        assert_eq!(
            verify_binding(&perm, &req, key(3).key_id(), 77, 0x6555_0000_0000_0004),
            Err(BindError::Mismatch("temp_auth_key_id"))
        );
        // Outer fields that disagree with the encrypted ones.
        let mut other = req.clone();
        other.nonce ^= 1;
        assert_eq!(
            verify_binding(&perm, &other, temp.key_id(), 77, 0x6555_0000_0000_0004),
            Err(BindError::Mismatch("nonce"))
        );
        let mut other = req.clone();
        other.expires_at += 1;
        assert_eq!(
            verify_binding(&perm, &other, temp.key_id(), 77, 0x6555_0000_0000_0004),
            Err(BindError::Mismatch("expires_at"))
        );
        // Encrypted with another permanent key, or tampered with.
        assert_eq!(
            verify_binding(&key(9), &req, temp.key_id(), 77, 0x6555_0000_0000_0004),
            Err(BindError::Undecryptable)
        );
        let mut tampered = req.clone();
        tampered.encrypted_message[40] ^= 1;
        assert_eq!(
            verify_binding(&perm, &tampered, temp.key_id(), 77, 0x6555_0000_0000_0004),
            Err(BindError::Undecryptable)
        );
        for cut in [0, 23, 24, 60, req.encrypted_message.len() - 1] {
            let mut short = req.clone();
            short.encrypted_message.truncate(cut);
            assert_eq!(
                verify_binding(&perm, &short, temp.key_id(), 77, 0x6555_0000_0000_0004),
                Err(BindError::Undecryptable)
            );
        }
    }

    /// The MTProto 1.0 derivation, against values computed independently
    /// (Python: hashlib.sha1 over the same slices of a key whose byte i is
    /// (i * 13) ^ 1, msg_key = bytes(range(16))).
    #[test]
    fn v1_key_derivation_known_answer() {
        let msg_key: [u8; 16] = core::array::from_fn(|i| i as u8);
        let (key, iv) = v1_key_iv(&key(1), &msg_key);
        assert_eq!(hex(&key), V1_KEY);
        assert_eq!(hex(&iv), V1_IV);
    }

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    const V1_KEY: &str = "e25fa7e8ec74fde5fca9a7eac838c47577b9a328ca4d704db4ac8e730329848a";
    const V1_IV: &str = "d058dc4020240511b11fe3cadbfc197d7af3754fb3006d98b4440f80cbc2e3a0";
}

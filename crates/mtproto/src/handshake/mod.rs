//! Creating an authorization key: the Diffie-Hellman exchange of
//! core.telegram.org/mtproto/auth_key, as two state machines.
//!
//! [`ClientHandshake`] and [`ServerHandshake`] take message *bodies* (the TL
//! objects inside unencrypted MTProto messages) and return the body to send
//! next; the caller frames, sends and receives. Time and randomness are
//! arguments, so an exchange can be replayed with fixed values.
//!
//! ```text
//! client                                   server
//! req_pq_multi(nonce)                  →
//!                                      ←   resPQ(nonce, server_nonce, pq, fingerprints)
//! req_DH_params(p, q, RSA(inner data)) →
//!                                      ←   server_DH_params_ok(AES-IGE(g, dh_prime, g_a, time))
//! set_client_DH_params(AES-IGE(g_b))   →
//!                                      ←   dh_gen_ok | dh_gen_retry | dh_gen_fail
//! ```

pub mod bind;
mod client;
mod server;

pub use client::{ClientConfig, ClientHandshake, ClientStep};
pub use server::{ServerConfig, ServerHandshake, ServerStep};

use paperplane_crypto::AuthKey;
use paperplane_crypto::auth_key::AesKeyIv;
use paperplane_crypto::hash::sha1;
use paperplane_tl::DeserializeError;
use zeroize::Zeroizing;

/// What kind of key an exchange creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// A permanent key, kept for the life of the session.
    Permanent,
    /// A temporary key for perfect forward secrecy, valid for `expires_in`
    /// seconds; it must be bound to a permanent key (`auth.bindTempAuthKey`).
    Temporary {
        /// Lifetime in seconds.
        expires_in: i32,
    },
}

/// The outcome of a successful exchange.
#[derive(Debug)]
pub struct Negotiated {
    /// The new authorization key.
    pub auth_key: AuthKey,
    /// `server_time - local time` at the moment of the exchange, in seconds.
    pub time_offset: i32,
    /// The first server salt: `new_nonce[0..8] XOR server_nonce[0..8]`.
    pub first_salt: i64,
    /// Permanent or temporary.
    pub kind: KeyKind,
    /// The DC the client asked for (`p_q_inner_data_dc`), if it said.
    pub dc_id: Option<i32>,
}

/// Why an exchange failed. The connection should be dropped (or a new
/// exchange started) after any of these.
#[derive(Debug, thiserror::Error)]
pub enum HandshakeError {
    /// A message did not decode as the TL it should be.
    #[error("malformed handshake message: {0}")]
    Decode(#[from] DeserializeError),
    /// A cryptographic check failed (RSA, DH parameters or values, IGE).
    #[error(transparent)]
    Crypto(#[from] paperplane_crypto::Error),
    /// A message other than the one the current step expects.
    #[error("expected {expected}, got constructor {got:#010x}")]
    Unexpected {
        /// What was expected.
        expected: &'static str,
        /// The constructor id received.
        got: u32,
    },
    /// The peer echoed a different `nonce` or `server_nonce`.
    #[error("nonce mismatch")]
    NonceMismatch,
    /// None of the server's key fingerprints belongs to a key we trust.
    #[error("no trusted RSA key among the server's fingerprints {0:x?}")]
    UnknownFingerprints(Vec<i64>),
    /// `p`, `q` or `pq` differ from what the server sent.
    #[error("p and q do not match pq")]
    PqMismatch,
    /// The SHA-1 inside an encrypted answer does not match its content, or
    /// its padding is too long.
    #[error("encrypted answer fails its integrity check")]
    BadAnswerHash,
    /// A `new_nonce_hash` does not prove knowledge of `new_nonce` (and of
    /// the new key): `new_nonce_hash1/2/3` in `dh_gen_ok/retry/fail`, or
    /// the hash in `server_DH_params_fail`. Someone other than the server
    /// that decrypted our `new_nonce` is answering.
    #[error("new_nonce_hash mismatch")]
    NewNonceHashMismatch,
    /// The server refused `req_DH_params` (`server_DH_params_fail`, with a
    /// valid hash): start a new exchange.
    #[error("the server refused the DH parameters request (server_DH_params_fail)")]
    ServerDhParamsFail,
    /// The server rejected the key (`dh_gen_fail`, with a valid hash), for
    /// instance because our `retry_id` did not match: start a new exchange.
    #[error("the server rejected the key (dh_gen_fail)")]
    DhGenFail,
    /// The server asked for a retry too many times.
    #[error("too many dh_gen_retry answers")]
    TooManyRetries,
    /// A message arrived after the exchange had finished.
    #[error("the exchange is already finished")]
    Finished,
}

/// Result alias for handshake steps.
pub type Result<T> = std::result::Result<T, HandshakeError>;

/// The temporary AES key and IV that protect `server_DH_inner_data` and
/// `client_DH_inner_data`, derived from the two nonces. The key, the IV and
/// the SHA-1 values they are cut from are wiped when dropped.
pub(crate) fn temp_aes(new_nonce: &[u8; 32], server_nonce: &[u8; 16]) -> AesKeyIv {
    let ns = Zeroizing::new(sha1(&[new_nonce, server_nonce]));
    let sn = Zeroizing::new(sha1(&[server_nonce, new_nonce]));
    let nn = Zeroizing::new(sha1(&[new_nonce, new_nonce]));
    let mut out = AesKeyIv {
        key: [0u8; 32],
        iv: [0u8; 32],
    };
    out.key[..20].copy_from_slice(&ns[..]);
    out.key[20..].copy_from_slice(&sn[..12]);
    out.iv[..8].copy_from_slice(&sn[12..]);
    out.iv[8..28].copy_from_slice(&nn[..]);
    out.iv[28..].copy_from_slice(&new_nonce[..4]);
    out
}

/// The `new_nonce_hash` of `server_DH_params_fail`: the low 128 bits of
/// SHA1(new_nonce), which only the server that decrypted `new_nonce` knows.
pub(crate) fn dh_params_fail_hash(new_nonce: &[u8; 32]) -> [u8; 16] {
    let hash = sha1(&[new_nonce]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash[4..]);
    out
}

/// `new_nonce_hash{n}`: the low 128 bits of SHA1(new_nonce, n, aux_hash).
pub(crate) fn new_nonce_hash(new_nonce: &[u8; 32], n: u8, auth_key: &AuthKey) -> [u8; 16] {
    let hash = sha1(&[new_nonce, &[n], &auth_key.aux_hash().to_le_bytes()]);
    let mut out = [0u8; 16];
    out.copy_from_slice(&hash[4..]);
    out
}

/// The first server salt.
pub(crate) fn first_salt(new_nonce: &[u8; 32], server_nonce: &[u8; 16]) -> i64 {
    let mut salt = [0u8; 8];
    for (i, b) in salt.iter_mut().enumerate() {
        *b = new_nonce[i] ^ server_nonce[i];
    }
    i64::from_le_bytes(salt)
}

/// `SHA1(data) + data + padding` to a multiple of 16, for AES-IGE.
pub(crate) fn with_hash_and_padding(data: &[u8], rng: &mut impl rand_core::RngCore) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + data.len() + 16);
    out.extend_from_slice(&sha1(&[data]));
    out.extend_from_slice(data);
    let padding = (16 - out.len() % 16) % 16;
    let start = out.len();
    out.resize(start + padding, 0);
    rng.fill_bytes(&mut out[start..]);
    out
}

/// Parses `SHA1(data) + data + padding` holding one boxed `T`, checking
/// the hash over exactly the bytes `T` occupies and that the padding is
/// shorter than one block.
pub(crate) fn parse_hashed<T: paperplane_tl::Deserializable>(plain: &[u8]) -> Result<T> {
    let (hash, rest) = plain
        .split_at_checked(20)
        .ok_or(HandshakeError::BadAnswerHash)?;
    let mut cur = paperplane_tl::Cursor::new(rest);
    let value = T::deserialize(&mut cur)?;
    let used = cur.position();
    let padding = rest.len() - used;
    let data = rest.get(..used).ok_or(HandshakeError::BadAnswerHash)?;
    if padding >= 16 || sha1(&[data]) != hash {
        return Err(HandshakeError::BadAnswerHash);
    }
    Ok(value)
}

/// The minimal big-endian bytes of `n` (how TL carries p, q and pq).
pub(crate) fn be_bytes(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    bytes[skip..].to_vec()
}

/// Reads a big-endian integer of at most 8 bytes.
pub(crate) fn from_be(bytes: &[u8]) -> Option<u64> {
    if bytes.len() > 8 {
        return None;
    }
    Some(bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b)))
}

/// The constructor id at the start of a body, for error messages.
pub(crate) fn id_of(body: &[u8]) -> u32 {
    body.get(..4)
        .map_or(0, |b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

#[cfg(test)]
mod tests;

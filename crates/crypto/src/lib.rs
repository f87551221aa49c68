//! Cryptography for Telegram's MTProto, client and server side.
//!
//! This crate holds every cryptographic step MTProto defines, written from
//! the protocol documentation (core.telegram.org/mtproto) on top of
//! well-kept RustCrypto primitives:
//!
//! | module | what |
//! |---|---|
//! | [`ige`] | AES-256-IGE, the mode every MTProto message is encrypted with |
//! | [`ctr`] | AES-256-CTR keystream for the obfuscated2 transport |
//! | [`hash`] | SHA-1/256/512 over several parts, PBKDF2-HMAC-SHA512, CRC32 |
//! | [`auth_key`] | [`AuthKey`], `auth_key_id`, MTProto 2.0 `msg_key` and AES key/IV derivation, message encryption |
//! | [`rsa`] | Telegram's RSA keys and fingerprints, `RSA_PAD` and the old SHA-1 padding, server keys (generate, PEM, decrypt) |
//! | [`dh`] | Diffie-Hellman with every check from the security guidelines |
//! | [`pq`] | factorising the key exchange's `pq` (Pollard-Brent) |
//! | [`srp`] | 2FA password check (SRP-6a with Telegram's KDF), client and server |
//!
//! The crate is sans-IO and has no global RNG: every function that needs
//! randomness takes it as an argument (`&mut impl RngCore + CryptoRng`, or
//! the random bytes themselves), so every step can be tested with fixed
//! values. Inputs that can come from a peer are validated and produce an
//! [`Error`], never a panic. Secrets (auth keys, DH and SRP exponents,
//! password hashes, RSA private keys) are wiped on drop and redacted in
//! `Debug`.
//!
//! Caveat: big-number arithmetic uses `num-bigint`, which is not
//! constant-time and has no zeroize. The DH and SRP numbers we hold
//! (exponents, shared values, SRP's verifier and what derives from it)
//! have their limbs overwritten when dropped, but the working buffers
//! `num-bigint` allocates inside an operation are freed unwiped. RSA
//! decryption is blinded, but DH/SRP exponentiations are not hardened
//! against local timing attacks.
//!
//! # Example: one encrypted MTProto message
//!
//! ```
//! use paperplane_crypto::{auth_key, AuthKey, Direction};
//!
//! // The key both sides got from the DH exchange (see `dh`).
//! let key = AuthKey::from_bytes([0x11; 256]);
//!
//! // salt + session_id + message + 12..1024 bytes of random padding,
//! // a multiple of 16 bytes in all.
//! let mut body = vec![0u8; 64];
//! body[..5].copy_from_slice(b"hello");
//!
//! let msg_key = auth_key::encrypt_message_data_in_place(&key, Direction::ClientToServer, &mut body)?;
//! // On the wire: key.key_id_bytes() ++ msg_key ++ body.
//!
//! // The server decrypts and checks msg_key.
//! auth_key::decrypt_message_data_in_place(&key, Direction::ClientToServer, &msg_key, &mut body)?;
//! assert_eq!(&body[..5], b"hello");
//! # Ok::<(), paperplane_crypto::Error>(())
//! ```
#![forbid(unsafe_code)]

pub mod auth_key;
mod bigint;
pub mod ctr;
pub mod dh;
pub mod error;
pub mod hash;
pub mod ige;
pub mod pq;
pub mod rsa;
pub mod srp;

pub use auth_key::{AuthKey, Direction};
pub use error::{Error, Result};

/// Constant-time equality of two byte strings (lengths are not secret).
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

//! AES-256 in Infinite Garble Extension (IGE) mode, in place.
//!
//! MTProto encrypts every message with AES-256-IGE. IGE chains each block to
//! both the previous plaintext and the previous ciphertext block:
//!
//! ```text
//! encrypt: y_i = E(x_i ^ y_{i-1}) ^ x_{i-1}
//! decrypt: x_i = D(y_i ^ x_{i-1}) ^ y_{i-1}
//! ```
//!
//! with `y_0 = iv[..16]` and `x_0 = iv[16..]` (OpenSSL's and Telegram's
//! layout). Both directions depend on the previous block's result, so neither
//! can be parallelised across blocks; speed comes from keeping the per-block
//! work minimal instead: the AES key is expanded once per message (or once
//! for an [`AesIge`] reused with [`AesIge::set_iv`]), the chaining values stay
//! in vector registers, there is no allocation, and the whole loop runs inside
//! one `aes` backend call so the AES-NI / software choice is made once per
//! buffer instead of once per block.
//!
//! ```
//! use paperplane_crypto::ige;
//!
//! let key = [7u8; 32];
//! let iv = [9u8; 32];
//! let mut data = *b"sixteen byte blk and another one";
//! ige::encrypt(&mut data, &key, &iv)?;
//! assert_ne!(&data, b"sixteen byte blk and another one");
//! ige::decrypt(&mut data, &key, &iv)?;
//! assert_eq!(&data, b"sixteen byte blk and another one");
//!
//! // Lengths that are not whole blocks are refused, not padded.
//! assert!(ige::encrypt(&mut [0u8; 17], &key, &iv).is_err());
//! # Ok::<(), paperplane_crypto::Error>(())
//! ```

use core::fmt;

use aes::{Aes256, Aes256Dec, Aes256Enc};
use cipher::consts::U16;
use cipher::generic_array::GenericArray;
use cipher::{BlockBackend, BlockClosure, BlockDecrypt, BlockEncrypt, BlockSizeUser, KeyInit};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::error::{Error, Result};

/// AES block size in bytes.
pub const BLOCK_LEN: usize = 16;

/// Encrypt `buf` in place with AES-256-IGE.
///
/// `buf.len()` must be a multiple of 16 (it may be 0); otherwise
/// [`Error::NotBlockAligned`] is returned and `buf` is left untouched.
pub fn encrypt(buf: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) -> Result<()> {
    check_aligned(buf)?;
    let cipher = Aes256Enc::new(GenericArray::from_slice(key));
    let mut chain = *iv;
    encrypt_blocks(&cipher, &mut chain, buf);
    chain.zeroize();
    Ok(())
}

/// Decrypt `buf` in place with AES-256-IGE.
///
/// `buf.len()` must be a multiple of 16 (it may be 0); otherwise
/// [`Error::NotBlockAligned`] is returned and `buf` is left untouched.
pub fn decrypt(buf: &mut [u8], key: &[u8; 32], iv: &[u8; 32]) -> Result<()> {
    check_aligned(buf)?;
    let cipher = Aes256Dec::new(GenericArray::from_slice(key));
    let mut chain = *iv;
    decrypt_blocks(&cipher, &mut chain, buf);
    chain.zeroize();
    Ok(())
}

/// Decrypt `buf` in place and feed the plaintext to `hasher` as it comes
/// out, a few blocks behind the cipher.
///
/// IGE decryption is one long dependency chain through the AES unit, which
/// leaves the core's other ports idle; hashing the plaintext in the same
/// loop (as MTProto's `msg_key` check must) runs on those ports in the
/// meantime, so the hash costs little beyond the decryption itself.
/// Same errors as [`decrypt`]; `hasher` is untouched on error.
pub(crate) fn decrypt_and_hash(
    buf: &mut [u8],
    key: &[u8; 32],
    iv: &[u8; 32],
    hasher: &mut Sha256,
) -> Result<()> {
    check_aligned(buf)?;
    let cipher = Aes256Dec::new(GenericArray::from_slice(key));
    let mut chain = *iv;
    cipher.decrypt_with_backend(IgeDecrypt::<true> {
        chain: &mut chain,
        buf,
        hasher: Some(hasher),
    });
    chain.zeroize();
    Ok(())
}

/// A keyed AES-256-IGE context that keeps the chaining state between calls.
///
/// The key schedule is computed once in [`AesIge::new`]. Successive
/// [`encrypt`](AesIge::encrypt) calls continue the same IGE stream (as
/// OpenSSL's `AES_ige_encrypt` does with its IV buffer), so a message can be
/// processed in pieces; [`set_iv`](AesIge::set_iv) starts a new stream under
/// the same key. The chaining state is wiped on drop and never printed.
///
/// ```
/// use paperplane_crypto::ige::{self, AesIge};
///
/// let (key, iv) = ([1u8; 32], [2u8; 32]);
/// let mut whole = [5u8; 64];
/// ige::encrypt(&mut whole, &key, &iv)?;
///
/// let mut pieces = [5u8; 64];
/// let mut ctx = AesIge::new(&key, &iv);
/// let (a, b) = pieces.split_at_mut(32);
/// ctx.encrypt(a)?;
/// ctx.encrypt(b)?;
/// assert_eq!(pieces, whole);
/// # Ok::<(), paperplane_crypto::Error>(())
/// ```
#[derive(Clone)]
pub struct AesIge {
    cipher: Aes256,
    chain: [u8; 32],
}

impl AesIge {
    /// Expand `key` and start a stream at `iv`.
    #[must_use]
    pub fn new(key: &[u8; 32], iv: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256::new(GenericArray::from_slice(key)),
            chain: *iv,
        }
    }

    /// Start a new stream at `iv`, keeping the expanded key.
    pub fn set_iv(&mut self, iv: &[u8; 32]) {
        self.chain = *iv;
    }

    /// Encrypt the next part of the stream in place.
    ///
    /// Fails with [`Error::NotBlockAligned`] (leaving `buf` and the stream
    /// state untouched) if `buf.len()` is not a multiple of 16.
    pub fn encrypt(&mut self, buf: &mut [u8]) -> Result<()> {
        check_aligned(buf)?;
        encrypt_blocks(&self.cipher, &mut self.chain, buf);
        Ok(())
    }

    /// Decrypt the next part of the stream in place.
    ///
    /// Fails with [`Error::NotBlockAligned`] (leaving `buf` and the stream
    /// state untouched) if `buf.len()` is not a multiple of 16.
    pub fn decrypt(&mut self, buf: &mut [u8]) -> Result<()> {
        check_aligned(buf)?;
        decrypt_blocks(&self.cipher, &mut self.chain, buf);
        Ok(())
    }
}

impl Drop for AesIge {
    fn drop(&mut self) {
        // The key schedule wipes itself (`aes` is built with `zeroize`).
        self.chain.zeroize();
    }
}

impl fmt::Debug for AesIge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesIge { .. }")
    }
}

fn check_aligned(buf: &[u8]) -> Result<()> {
    if buf.len() % BLOCK_LEN == 0 {
        Ok(())
    } else {
        Err(Error::NotBlockAligned { len: buf.len() })
    }
}

/// IGE-encrypt whole blocks with any 128-bit block cipher. `buf` must be
/// block-aligned (a trailing partial block would be left as is).
///
/// Generic so the OpenSSL AES-128 test vectors exercise the same code path
/// as the AES-256 used by MTProto.
pub(crate) fn encrypt_blocks<C>(cipher: &C, chain: &mut [u8; 32], buf: &mut [u8])
where
    C: BlockEncrypt + BlockSizeUser<BlockSize = U16>,
{
    cipher.encrypt_with_backend(IgeEncrypt { chain, buf });
}

/// IGE-decrypt whole blocks with any 128-bit block cipher. See [`encrypt_blocks`].
pub(crate) fn decrypt_blocks<C>(cipher: &C, chain: &mut [u8; 32], buf: &mut [u8])
where
    C: BlockDecrypt + BlockSizeUser<BlockSize = U16>,
{
    cipher.decrypt_with_backend(IgeDecrypt::<false> {
        chain,
        buf,
        hasher: None,
    });
}

type Block = [u8; BLOCK_LEN];

#[inline(always)]
fn load(bytes: &[u8]) -> Block {
    // Callers pass exact 16-byte chunks; the fallback is unreachable.
    bytes.try_into().unwrap_or_default()
}

/// Byte-wise XOR; compiles to one SIMD `pxor`, so chaining values stay in
/// vector registers next to the AES instructions.
#[inline(always)]
fn xor(a: &Block, b: &Block) -> Block {
    let mut out = *a;
    for (o, b) in out.iter_mut().zip(b) {
        *o ^= b;
    }
    out
}

#[inline(always)]
fn split_chain(chain: &[u8; 32]) -> (Block, Block) {
    (load(&chain[..BLOCK_LEN]), load(&chain[BLOCK_LEN..]))
}

#[inline(always)]
fn store_chain(chain: &mut [u8; 32], first: &Block, second: &Block) {
    chain[..BLOCK_LEN].copy_from_slice(first);
    chain[BLOCK_LEN..].copy_from_slice(second);
}

/// The encryption loop, run inside the cipher's backend so the backend is
/// selected once for the whole buffer (and, with AES-NI, the block function
/// is inlined into this loop).
///
/// IGE's dependency chain runs through the cipher: `y_i = E(x_i ^ y_{i-1})
/// ^ x_{i-1}`. Written as `e_i = E(e_{i-1} ^ (x_i ^ x_{i-2}))` with
/// `y_i = e_i ^ x_{i-1}`, where `e_i` is the raw cipher output, only one XOR
/// sits between consecutive AES calls on the critical path; the other XORs
/// only involve plaintext known in advance. Decryption is the mirror image.
struct IgeEncrypt<'a> {
    chain: &'a mut [u8; 32],
    buf: &'a mut [u8],
}

impl BlockSizeUser for IgeEncrypt<'_> {
    type BlockSize = U16;
}

impl BlockClosure for IgeEncrypt<'_> {
    #[inline(always)]
    fn call<B: BlockBackend<BlockSize = U16>>(self, backend: &mut B) {
        // y_{i-1} = e_{i-1} ^ x_{i-2}: start with e = y_0 and x_{-1} = 0.
        let (mut e_prev, mut x_prev) = split_chain(self.chain);
        let mut y = e_prev;
        let blocks = self.buf.len() / BLOCK_LEN;
        // `t = x_i ^ x_{i-2}`, computed one block ahead so it is ready
        // before the previous block's AES finishes.
        let mut t = load(self.buf.get(..BLOCK_LEN).unwrap_or_default());
        for i in 0..blocks {
            let at = i * BLOCK_LEN;
            let x = load(&self.buf[at..at + BLOCK_LEN]);
            let mut block = GenericArray::from(xor(&e_prev, &t));
            if let Some(next) = self.buf.get(at + BLOCK_LEN..at + 2 * BLOCK_LEN) {
                t = xor(&load(next), &x_prev);
            }
            backend.proc_block((&mut block).into());
            let e: Block = block.into();
            y = xor(&e, &x_prev);
            self.buf[at..at + BLOCK_LEN].copy_from_slice(&y);
            e_prev = e;
            x_prev = x;
        }
        store_chain(self.chain, &y, &x_prev);
    }
}

/// The decryption loop; see [`IgeEncrypt`]. `x_i = D(y_i ^ x_{i-1}) ^
/// y_{i-1}` becomes `d_i = D(d_{i-1} ^ (y_i ^ y_{i-2}))`, `x_i = d_i ^ y_{i-1}`.
///
/// With `HASH`, `hasher` gets the plaintext [`HASH_STRIDE`] bytes at a time
/// (without, that code is compiled out of the plain decryption).
struct IgeDecrypt<'a, const HASH: bool> {
    chain: &'a mut [u8; 32],
    buf: &'a mut [u8],
    hasher: Option<&'a mut Sha256>,
}

/// How much plaintext [`decrypt_and_hash`] decrypts between two hash
/// updates: one SHA-256 block's worth keeps the hash just behind the cipher.
const HASH_STRIDE: usize = 64;

impl<const HASH: bool> BlockSizeUser for IgeDecrypt<'_, HASH> {
    type BlockSize = U16;
}

impl<const HASH: bool> BlockClosure for IgeDecrypt<'_, HASH> {
    #[inline(always)]
    fn call<B: BlockBackend<BlockSize = U16>>(self, backend: &mut B) {
        // x_{i-1} = d_{i-1} ^ y_{i-2}: start with d = x_0 and y_{-1} = 0.
        let (mut y_prev, mut d_prev) = split_chain(self.chain);
        let mut x = d_prev;
        let blocks = self.buf.len() / BLOCK_LEN;
        let mut hasher = self.hasher;
        // `t = y_i ^ y_{i-2}`, one block ahead as in encryption.
        let mut t = load(self.buf.get(..BLOCK_LEN).unwrap_or_default());
        for i in 0..blocks {
            let at = i * BLOCK_LEN;
            let y = load(&self.buf[at..at + BLOCK_LEN]);
            let mut block = GenericArray::from(xor(&d_prev, &t));
            if let Some(next) = self.buf.get(at + BLOCK_LEN..at + 2 * BLOCK_LEN) {
                t = xor(&load(next), &y_prev);
            }
            backend.proc_block((&mut block).into());
            let d: Block = block.into();
            x = xor(&d, &y_prev);
            self.buf[at..at + BLOCK_LEN].copy_from_slice(&x);
            d_prev = d;
            y_prev = y;
            let done = at + BLOCK_LEN;
            if let (true, Some(hasher)) = (HASH, hasher.as_deref_mut()) {
                if done % HASH_STRIDE == 0 {
                    hasher.update(&self.buf[done - HASH_STRIDE..done]);
                }
            }
        }
        if let (true, Some(hasher)) = (HASH, hasher) {
            let hashed = blocks * BLOCK_LEN / HASH_STRIDE * HASH_STRIDE;
            hasher.update(&self.buf[hashed..blocks * BLOCK_LEN]);
        }
        store_chain(self.chain, &y_prev, &x);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes::Aes128;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn arr32(v: &[u8]) -> [u8; 32] {
        v.try_into().unwrap()
    }

    // OpenSSL test/igetest.c, `ige_test_vectors[0]` (AES-128, encrypt).
    #[test]
    fn openssl_vector_0_encrypt() {
        let cipher = Aes128::new(GenericArray::from_slice(&unhex(
            "000102030405060708090a0b0c0d0e0f",
        )));
        let mut chain = arr32(&unhex(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        ));
        let mut buf = [0u8; 32];
        encrypt_blocks(&cipher, &mut chain, &mut buf);
        assert_eq!(
            buf.to_vec(),
            unhex("1a8519a6557be652e9da8e43da4ef4453cf456b4ca488aa383c79c98b34797cb")
        );

        // And back.
        let mut chain = arr32(&unhex(
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        ));
        decrypt_blocks(&cipher, &mut chain, &mut buf);
        assert_eq!(buf, [0u8; 32]);
    }

    // OpenSSL test/igetest.c, `ige_test_vectors[1]` (AES-128, decrypt).
    #[test]
    fn openssl_vector_1_decrypt() {
        let cipher = Aes128::new(GenericArray::from_slice(b"This is an imple"));
        let iv = *b"mentation of IGE mode for OpenSS";
        let mut buf = arr32(b"L. Let's hope Ben got it right!\n");
        let mut chain = iv;
        decrypt_blocks(&cipher, &mut chain, &mut buf);
        assert_eq!(
            buf.to_vec(),
            unhex("99706487a1cde613bc6de0b6f24b1c7aa448c8b9c3403e3467a8cad89340f53b")
        );
        let mut chain = iv;
        encrypt_blocks(&cipher, &mut chain, &mut buf);
        assert_eq!(&buf, b"L. Let's hope Ben got it right!\n");
    }

    #[test]
    fn rejects_partial_blocks_without_touching_data() {
        let key = [1u8; 32];
        let iv = [2u8; 32];
        for len in [1usize, 15, 17, 31, 33] {
            let mut buf = vec![0xAA; len];
            assert_eq!(
                encrypt(&mut buf, &key, &iv),
                Err(Error::NotBlockAligned { len })
            );
            assert_eq!(
                decrypt(&mut buf, &key, &iv),
                Err(Error::NotBlockAligned { len })
            );
            let mut ctx = AesIge::new(&key, &iv);
            assert!(ctx.encrypt(&mut buf).is_err());
            assert!(ctx.decrypt(&mut buf).is_err());
            assert!(buf.iter().all(|&b| b == 0xAA));
        }
        // An empty buffer is zero whole blocks.
        assert_eq!(encrypt(&mut [], &key, &iv), Ok(()));
    }

    #[test]
    fn round_trip_many_lengths() {
        let key: [u8; 32] = core::array::from_fn(|i| (i * 7) as u8);
        let iv: [u8; 32] = core::array::from_fn(|i| (i * 13 + 1) as u8);
        for blocks in 0..40usize {
            let plain: Vec<u8> = (0..blocks * 16).map(|i| (i * 31 % 251) as u8).collect();
            let mut buf = plain.clone();
            encrypt(&mut buf, &key, &iv).unwrap();
            if blocks > 0 {
                assert_ne!(buf, plain);
            }
            decrypt(&mut buf, &key, &iv).unwrap();
            assert_eq!(buf, plain);
        }
    }

    #[test]
    fn keyed_context_chains_and_resets() {
        let key = [3u8; 32];
        let iv = [4u8; 32];
        let plain: Vec<u8> = (0..160u8).collect();

        let mut whole = plain.clone();
        encrypt(&mut whole, &key, &iv).unwrap();

        let mut ctx = AesIge::new(&key, &iv);
        let mut pieces = plain.clone();
        let (a, rest) = pieces.split_at_mut(16);
        let (b, c) = rest.split_at_mut(96);
        ctx.encrypt(a).unwrap();
        ctx.encrypt(b).unwrap();
        ctx.encrypt(c).unwrap();
        assert_eq!(pieces, whole);

        ctx.set_iv(&iv);
        let (a, b) = pieces.split_at_mut(48);
        ctx.decrypt(a).unwrap();
        ctx.decrypt(b).unwrap();
        assert_eq!(pieces, plain);
        assert_eq!(format!("{ctx:?}"), "AesIge { .. }");
    }

    #[test]
    fn changing_one_ciphertext_bit_garbles_the_rest() {
        let key = [5u8; 32];
        let iv = [6u8; 32];
        let plain = vec![0u8; 64];
        let mut buf = plain.clone();
        encrypt(&mut buf, &key, &iv).unwrap();
        buf[20] ^= 1;
        decrypt(&mut buf, &key, &iv).unwrap();
        assert_eq!(&buf[..16], &plain[..16]);
        for block in buf[16..].chunks(16) {
            assert_ne!(block, &plain[..16]);
        }
    }

    #[test]
    fn decrypt_and_hash_matches_decrypt_then_hash() {
        let key: [u8; 32] = core::array::from_fn(|i| (i * 5 + 3) as u8);
        let iv: [u8; 32] = core::array::from_fn(|i| (i * 11) as u8);
        for blocks in [0usize, 1, 3, 4, 5, 8, 63, 64, 65, 200] {
            let plain: Vec<u8> = (0..blocks * 16).map(|i| (i * 17 % 251) as u8).collect();
            let mut cipher_text = plain.clone();
            encrypt(&mut cipher_text, &key, &iv).unwrap();

            let mut buf = cipher_text.clone();
            let mut hasher = Sha256::new();
            hasher.update(b"prefix, as msg_key has");
            decrypt_and_hash(&mut buf, &key, &iv, &mut hasher).unwrap();
            assert_eq!(buf, plain, "{blocks} blocks");
            let expected = Sha256::new()
                .chain_update(b"prefix, as msg_key has")
                .chain_update(&plain)
                .finalize();
            assert_eq!(hasher.finalize(), expected, "{blocks} blocks");
        }
        let mut hasher = Sha256::new();
        let mut odd = [1u8; 17];
        assert_eq!(
            decrypt_and_hash(&mut odd, &key, &iv, &mut hasher),
            Err(Error::NotBlockAligned { len: 17 })
        );
        assert_eq!(odd, [1u8; 17]);
        assert_eq!(hasher.finalize(), Sha256::new().finalize());
    }
}

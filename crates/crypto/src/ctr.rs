//! AES-256-CTR keystream for the obfuscated2 transport (and MTProxy).
//!
//! obfuscated2 encrypts the whole TCP stream, in both directions, with
//! AES-256-CTR keyed from the 64-byte connection header. The stream is cut
//! into arbitrary pieces by the socket, so [`AesCtr`] keeps the counter and
//! the unused part of the current keystream block between calls: applying it
//! to `a` then `b` is the same as applying it to `a ++ b`. The counter is the
//! full 16-byte IV taken as one big-endian 128-bit number (`ctr::Ctr128BE`),
//! which is what Telegram's servers and MTProxy use.
//!
//! ```
//! use paperplane_crypto::ctr::AesCtr;
//!
//! let (key, iv) = ([1u8; 32], [2u8; 16]);
//! let mut tx = AesCtr::new(&key, &iv);
//! let mut rx = AesCtr::new(&key, &iv);
//!
//! let mut packet = *b"hello, obfuscated world";
//! tx.apply_keystream(&mut packet[..5]);
//! tx.apply_keystream(&mut packet[5..]);
//! rx.apply_keystream(&mut packet);
//! assert_eq!(&packet, b"hello, obfuscated world");
//! ```

use core::fmt;

use aes::Aes256;
use cipher::{KeyIvInit, StreamCipher};

type Ctr = ::ctr::Ctr128BE<Aes256>;

/// A stateful AES-256-CTR keystream (128-bit big-endian counter).
///
/// Key material is wiped on drop and never printed.
#[derive(Clone)]
pub struct AesCtr {
    inner: Ctr,
}

impl AesCtr {
    /// Start the keystream for `key` with the initial counter block `iv`.
    #[must_use]
    pub fn new(key: &[u8; 32], iv: &[u8; 16]) -> Self {
        Self {
            inner: Ctr::new(key.into(), iv.into()),
        }
    }

    /// XOR the next `buf.len()` keystream bytes into `buf` (encrypts and
    /// decrypts alike).
    ///
    /// The 128-bit counter wraps around after 2^132 bytes, far beyond any
    /// connection's lifetime, so this never fails.
    pub fn apply_keystream(&mut self, buf: &mut [u8]) {
        self.inner.apply_keystream(buf);
    }
}

impl fmt::Debug for AesCtr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesCtr { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // NIST SP 800-38A, F.5.5 CTR-AES256.Encrypt.
    const KEY: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
    const IV: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
    const PLAIN: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                         30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
    const CIPHER: &str = "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5\
                          2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6";

    fn nist() -> AesCtr {
        let key: [u8; 32] = unhex(KEY).try_into().unwrap();
        let iv: [u8; 16] = unhex(IV).try_into().unwrap();
        AesCtr::new(&key, &iv)
    }

    #[test]
    fn nist_sp800_38a_vector() {
        let mut buf = unhex(PLAIN);
        nist().apply_keystream(&mut buf);
        assert_eq!(buf, unhex(CIPHER));
    }

    #[test]
    fn state_carries_across_uneven_calls() {
        let mut buf = unhex(PLAIN);
        let mut ctr = nist();
        let mut rest: &mut [u8] = &mut buf;
        for len in [1usize, 15, 3, 17, 0, 20] {
            let (head, tail) = rest.split_at_mut(len);
            ctr.apply_keystream(head);
            rest = tail;
        }
        ctr.apply_keystream(rest);
        assert_eq!(buf, unhex(CIPHER));
    }

    #[test]
    fn counter_wraps_as_one_128_bit_number() {
        // With iv = 0xff..ff the second block uses counter 0 (the whole IV
        // is the counter, not just its low 64 bits).
        let key = [9u8; 32];
        let mut wrapped = [0u8; 32];
        AesCtr::new(&key, &[0xff; 16]).apply_keystream(&mut wrapped);
        let mut from_zero = [0u8; 16];
        AesCtr::new(&key, &[0u8; 16]).apply_keystream(&mut from_zero);
        assert_eq!(&wrapped[16..], &from_zero);

        let mut from_low = [0u8; 32];
        let mut iv = [0u8; 16];
        iv[8..].copy_from_slice(&[0xff; 8]);
        AesCtr::new(&key, &iv).apply_keystream(&mut from_low);
        let mut carried = [0u8; 16];
        let mut iv2 = [0u8; 16];
        iv2[7] = 1;
        AesCtr::new(&key, &iv2).apply_keystream(&mut carried);
        assert_eq!(&from_low[16..], &carried);
        assert_eq!(format!("{:?}", AesCtr::new(&key, &iv)), "AesCtr { .. }");
    }
}

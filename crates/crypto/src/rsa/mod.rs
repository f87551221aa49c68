//! RSA as MTProto uses it: server keys, fingerprints, `RSA_PAD` and the old
//! SHA-1 padding.
//!
//! In the key exchange the client encrypts `p_q_inner_data` to one of the
//! server's RSA keys, chosen by the 64-bit fingerprint the server lists in
//! `resPQ`. This module has
//!
//! * Telegram's published public keys ([`telegram_production_key`],
//!   [`telegram_test_key`], [`telegram_key`]) and the fingerprint rule
//!   ([`fingerprint`]: the low 64 bits of SHA1 of the TL `bytes`
//!   serialization of `n` and `e`);
//! * PKCS#1 PEM/DER reading and writing ([`RsaPublicKey::from_pem`],
//!   [`RsaPublicKey::to_pkcs1_pem`]);
//! * the client side of both paddings: [`RsaPublicKey::encrypt_rsa_pad`]
//!   (MTProto 2.0's `RSA_PAD`, required for `req_DH_params`) and
//!   [`RsaPublicKey::encrypt_sha1_padded`] (the older `SHA1(data) + data +
//!   padding`, still sent by some clients);
//! * the server side in [`RsaPrivateKey`]: key generation, PKCS#1 PEM
//!   load/save, and decryption of both paddings.
//!
//! ```
//! use paperplane_crypto::rsa::{self, RsaPrivateKey};
//!
//! let prod = rsa::telegram_production_key();
//! assert_eq!(prod.fingerprint() as u64, 0xd09d1d85de64fd85);
//!
//! // A local server with its own key; a client encrypts to it.
//! # let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
//! let server_key = RsaPrivateKey::generate(&mut rng, 2048)?;
//! let inner_data = b"p_q_inner_data goes here";
//! let encrypted = server_key.public_key().encrypt_rsa_pad(inner_data, &mut rng)?;
//! let decrypted = server_key.decrypt_rsa_pad(&encrypted, &mut rng)?;
//! assert_eq!(&decrypted[..inner_data.len()], inner_data);
//! # Ok::<(), paperplane_crypto::Error>(())
//! ```

mod encoding;
mod private;

use core::fmt;

use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::One;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use crate::bigint::{from_be, to_be_fixed};
use crate::error::{Error, Result};
use crate::hash::{sha1, sha256};
use crate::ige;
use encoding::{DerReader, TAG_BIT_STRING, TAG_SEQUENCE};

pub use private::{RsaPrivateKey, Sha1Padded};

/// Size in bytes of the modulus (and of every ciphertext) for Telegram's
/// 2048-bit keys.
pub const RSA_LEN: usize = 256;

/// Longest `data` that `RSA_PAD` can carry (`data_with_padding` is 192 bytes
/// and core.telegram.org/mtproto/auth_key caps `data` at 144).
pub const RSA_PAD_MAX_DATA: usize = 144;

/// Longest `data` that the old SHA-1 padding can carry (255 - 20).
pub const SHA1_PAD_MAX_DATA: usize = 235;

/// Attempts at drawing a `temp_key` whose `RSA_PAD` block is below the
/// modulus. Each attempt fails with probability below 1/2 for Telegram's
/// keys (their top byte is ≥ 0xC8), so 64 failures mean a broken RNG.
const RSA_PAD_ATTEMPTS: u32 = 64;

/// Telegram's production server key (fingerprint `0xd09d1d85de64fd85`), as
/// published on core.telegram.org and shipped in the official clients.
pub const TELEGRAM_PRODUCTION_KEY_PEM: &str = "\
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g
5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO
62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/
+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9
t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs
5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB
-----END RSA PUBLIC KEY-----
";

/// Telegram's test-DC server key (fingerprint `0xb25898df208d2603`).
pub const TELEGRAM_TEST_KEY_PEM: &str = "\
-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAyMEdY1aR+sCR3ZSJrtztKTKqigvO/vBfqACJLZtS7QMgCGXJ6XIR
yy7mx66W0/sOFa7/1mAZtEoIokDP3ShoqF4fVNb6XeqgQfaUHd8wJpDWHcR2OFwv
plUUI1PLTktZ9uW2WE23b+ixNwJjJGwBDJPQEQFBE+vfmH0JP503wr5INS1poWg/
j25sIWeYPHYeOrFp/eXaqhISP6G+q2IeTaWTXpwZj4LzXq5YOpk4bYEQ6mvRq7D1
aHWfYmlEGepfaYR8Q0YqvvhYtMte3ITnuSJs171+GDqpdKcSwHnd6FudwGO4pcCO
j4WcDuXc2CTHgH8gFTNhp/Y8/SpDOhvn9QIDAQAB
-----END RSA PUBLIC KEY-----
";

/// Fingerprint of [`TELEGRAM_PRODUCTION_KEY_PEM`] (`0xd09d1d85de64fd85`).
pub const TELEGRAM_PRODUCTION_FINGERPRINT: i64 = 0xd09d_1d85_de64_fd85_u64 as i64;

/// Fingerprint of [`TELEGRAM_TEST_KEY_PEM`] (`0xb25898df208d2603`).
pub const TELEGRAM_TEST_FINGERPRINT: i64 = 0xb258_98df_208d_2603_u64 as i64;

/// The production modulus, decoded from the PEM above at compile time so the
/// key constructors cannot fail (a test checks it matches the PEM).
const PRODUCTION_MODULUS: [u8; RSA_LEN] = hex(
    "e8bb3305c0b52c6cf2afdf7637313489e63e05268e5badb601af417786472e5f\
     93b85438968e20e6729a301c0afc121bf7151f834436f7fda680847a66bf64ac\
     cec78ee21c0b316f0edafe2f41908da7bd1f4a5107638eeb67040ace472a14f9\
     0d9f7c2b7def99688ba3073adb5750bb02964902a359fe745d8170e36876d4fd\
     8a5d41b2a76cbff9a13267eb9580b2d06d10357448d20d9da2191cb5d8c93982\
     961cdfdeda629e37f1fb09a0722027696032fe61ed663db7a37f6f263d370f69\
     db53a0dc0a1748bdaaff6209d5645485e6e001d1953255757e4b8e42813347b1\
     1da6ab500fd0ace7e6dfa3736199ccaf9397ed0745a427dcfa6cd67bcb1acff3",
);

const TEST_MODULUS: [u8; RSA_LEN] = hex(
    "c8c11d635691fac091dd9489aedced2932aa8a0bcefef05fa800892d9b52ed03\
     200865c9e97211cb2ee6c7ae96d3fb0e15aeffd66019b44a08a240cfdd2868a8\
     5e1f54d6fa5deaa041f6941ddf302690d61dc476385c2fa655142353cb4e4b59\
     f6e5b6584db76fe8b1370263246c010c93d011014113ebdf987d093f9d37c2be\
     48352d69a1683f8f6e6c2167983c761e3ab169fde5daaa12123fa1beab621e4d\
     a5935e9c198f82f35eae583a99386d8110ea6bd1abb0f568759f62694419ea5f\
     69847c43462abef858b4cb5edc84e7b9226cd7bd7e183aa974a712c079dde85b\
     9dc063b8a5c08e8f859c0ee5dcd824c7807f20153361a7f63cfd2a433a1be7f5",
);

/// Compile-time hex decoding (a bad constant is a build error, not a panic).
const fn hex<const N: usize>(s: &str) -> [u8; N] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("invalid hex digit"),
        }
    }
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    let mut n = 0;
    while i < bytes.len() {
        if bytes[i] == b' ' || bytes[i] == b'\n' {
            i += 1;
            continue;
        }
        out[n] = nibble(bytes[i]) << 4 | nibble(bytes[i + 1]);
        n += 1;
        i += 2;
    }
    assert!(n == N, "wrong hex length");
    out
}

/// Telegram's production server key.
#[must_use]
pub fn telegram_production_key() -> RsaPublicKey {
    RsaPublicKey::from_trusted(from_be(&PRODUCTION_MODULUS), BigUint::from(65_537u32))
}

/// Telegram's test-DC server key.
#[must_use]
pub fn telegram_test_key() -> RsaPublicKey {
    RsaPublicKey::from_trusted(from_be(&TEST_MODULUS), BigUint::from(65_537u32))
}

/// The Telegram key with this fingerprint, if it is one of the known keys.
#[must_use]
pub fn telegram_key(fingerprint: i64) -> Option<RsaPublicKey> {
    match fingerprint {
        TELEGRAM_PRODUCTION_FINGERPRINT => Some(telegram_production_key()),
        TELEGRAM_TEST_FINGERPRINT => Some(telegram_test_key()),
        _ => None,
    }
}

/// MTProto's RSA key fingerprint: the 64 lower-order bits of
/// `SHA1(tl_bytes(n) + tl_bytes(e))`, i.e. the last 8 bytes of that SHA1
/// read as a little-endian `long`. `n` and `e` are big-endian; leading zero
/// bytes are ignored.
#[must_use]
pub fn fingerprint(modulus: &[u8], exponent: &[u8]) -> i64 {
    let strip = |b: &[u8]| -> Vec<u8> {
        let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
        b[start..].to_vec()
    };
    let mut serialized = Vec::with_capacity(modulus.len() + exponent.len() + 16);
    tl_bytes(&mut serialized, &strip(modulus));
    tl_bytes(&mut serialized, &strip(exponent));
    let digest = sha1(&[&serialized]);
    let mut low = [0u8; 8];
    low.copy_from_slice(&digest[12..20]);
    i64::from_le_bytes(low)
}

/// TL `bytes` serialization: a 1-byte length (or 0xFE and a 3-byte length
/// for 254 bytes and more), the data, and zero padding to a multiple of 4.
fn tl_bytes(out: &mut Vec<u8>, data: &[u8]) {
    let start = out.len();
    if data.len() <= 253 {
        out.push(data.len() as u8);
    } else {
        out.push(254);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes()[..3]);
    }
    out.extend_from_slice(data);
    while (out.len() - start) % 4 != 0 {
        out.push(0);
    }
}

/// An RSA public key `(n, e)` with its MTProto fingerprint.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: BigUint,
    e: BigUint,
    fingerprint: i64,
}

impl RsaPublicKey {
    /// Build a key from big-endian `n` and `e`.
    ///
    /// Refuses keys that cannot work: an even or tiny modulus, or an
    /// exponent that is even, below 3, or not below `n`.
    pub fn from_components(modulus: &[u8], exponent: &[u8]) -> Result<Self> {
        let n = from_be(modulus);
        let e = from_be(exponent);
        if n.bits() < 512 || n.is_even() {
            return Err(Error::InvalidRsaKey(
                "modulus must be odd and at least 512 bits",
            ));
        }
        if e < BigUint::from(3u32) || e.is_even() || e >= n {
            return Err(Error::InvalidRsaKey(
                "exponent must be odd, at least 3 and below the modulus",
            ));
        }
        Ok(Self::from_trusted(n, e))
    }

    fn from_trusted(n: BigUint, e: BigUint) -> Self {
        let fingerprint = fingerprint(&n.to_bytes_be(), &e.to_bytes_be());
        Self { n, e, fingerprint }
    }

    /// Parse a PEM public key: PKCS#1 `RSA PUBLIC KEY` (Telegram's format)
    /// or SubjectPublicKeyInfo `PUBLIC KEY` (OpenSSL's default).
    pub fn from_pem(pem: &str) -> Result<Self> {
        let block = encoding::pem_decode(pem)?;
        match block.label.as_str() {
            "RSA PUBLIC KEY" => Self::from_pkcs1_der(&block.der),
            "PUBLIC KEY" => Self::from_spki_der(&block.der),
            _ => Err(Error::InvalidPem(
                "expected an RSA PUBLIC KEY or PUBLIC KEY block",
            )),
        }
    }

    /// Parse a DER PKCS#1 `RSAPublicKey ::= SEQUENCE { n INTEGER, e INTEGER }`.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let mut outer = DerReader::new(der);
        let mut seq = DerReader::new(outer.read(TAG_SEQUENCE)?);
        outer.finish()?;
        let n = seq.read_uint()?;
        let e = seq.read_uint()?;
        seq.finish()?;
        Self::from_components(n, e)
    }

    /// Parse a DER SubjectPublicKeyInfo holding an RSA key.
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let mut outer = DerReader::new(der);
        let mut spki = DerReader::new(outer.read(TAG_SEQUENCE)?);
        outer.finish()?;
        encoding::expect_rsa_algorithm(spki.read(TAG_SEQUENCE)?)?;
        let bits = spki.read(TAG_BIT_STRING)?;
        spki.finish()?;
        match bits {
            [0, key @ ..] => Self::from_pkcs1_der(key),
            _ => Err(Error::InvalidDer("bit string with unused bits")),
        }
    }

    /// DER PKCS#1 encoding.
    #[must_use]
    pub fn to_pkcs1_der(&self) -> Vec<u8> {
        let mut body = Vec::with_capacity(RSA_LEN + 16);
        encoding::write_uint(&mut body, &self.n.to_bytes_be());
        encoding::write_uint(&mut body, &self.e.to_bytes_be());
        let mut out = Vec::with_capacity(body.len() + 4);
        encoding::write(&mut out, TAG_SEQUENCE, &body);
        out
    }

    /// PEM PKCS#1 encoding (`-----BEGIN RSA PUBLIC KEY-----`), the format
    /// clients such as Telethon and TDLib accept for a custom server key.
    #[must_use]
    pub fn to_pkcs1_pem(&self) -> String {
        encoding::pem_encode("RSA PUBLIC KEY", &self.to_pkcs1_der()).to_string()
    }

    /// The modulus `n`, big-endian without leading zeros.
    #[must_use]
    pub fn modulus(&self) -> Vec<u8> {
        self.n.to_bytes_be()
    }

    /// The public exponent `e`, big-endian without leading zeros.
    #[must_use]
    pub fn exponent(&self) -> Vec<u8> {
        self.e.to_bytes_be()
    }

    /// Size of the modulus in bits.
    #[must_use]
    pub fn bits(&self) -> u64 {
        self.n.bits()
    }

    /// The MTProto fingerprint (see [`fingerprint`]).
    #[must_use]
    pub fn fingerprint(&self) -> i64 {
        self.fingerprint
    }

    fn require_2048(&self) -> Result<()> {
        if self.n.bits() == 2048 {
            Ok(())
        } else {
            Err(Error::RsaModulusSize {
                bits: self.n.bits(),
            })
        }
    }

    /// Textbook RSA on a 256-byte big-endian block: `block^e mod n`.
    ///
    /// Only for the padding schemes below; `block` must be below `n`
    /// ([`Error::RsaInputTooLarge`]) and the key must be 2048-bit.
    pub fn encrypt_raw(&self, block: &[u8; RSA_LEN]) -> Result<[u8; RSA_LEN]> {
        self.require_2048()?;
        let m = from_be(block);
        if m >= self.n {
            return Err(Error::RsaInputTooLarge);
        }
        to_be_fixed(&m.modpow(&self.e, &self.n)).ok_or(Error::RsaInputTooLarge)
    }

    /// MTProto 2.0 `RSA_PAD(data, server_public_key)`, drawing the padding
    /// and `temp_key` from `rng` and redrawing `temp_key` while the padded
    /// block is not below the modulus. `data` is at most
    /// [`RSA_PAD_MAX_DATA`] bytes.
    pub fn encrypt_rsa_pad<R: RngCore + CryptoRng>(
        &self,
        data: &[u8],
        rng: &mut R,
    ) -> Result<[u8; RSA_LEN]> {
        if data.len() > RSA_PAD_MAX_DATA {
            return Err(Error::RsaDataTooLong {
                len: data.len(),
                max: RSA_PAD_MAX_DATA,
            });
        }
        self.require_2048()?;
        let mut padding = Zeroizing::new([0u8; 192]);
        let padding = &mut padding[..192 - data.len()];
        rng.fill_bytes(padding);
        let mut temp_key = Zeroizing::new([0u8; 32]);
        for _ in 0..RSA_PAD_ATTEMPTS {
            rng.fill_bytes(temp_key.as_mut());
            if let Some(encrypted) = self.rsa_pad_attempt(data, padding, &temp_key)? {
                return Ok(encrypted);
            }
        }
        Err(Error::RsaPadRetriesExhausted {
            attempts: RSA_PAD_ATTEMPTS,
        })
    }

    /// One deterministic `RSA_PAD` attempt with the given random bytes:
    /// `random_padding` must be exactly `192 - data.len()` bytes. Returns
    /// `Ok(None)` when `key_aes_encrypted ≥ n`, in which case the caller
    /// must retry with a new `temp_key`.
    ///
    /// The steps, from core.telegram.org/mtproto/auth_key:
    ///
    /// ```text
    /// data_with_padding := data + random_padding            -- 192 bytes
    /// data_pad_reversed := BYTE_REVERSE(data_with_padding)
    /// data_with_hash    := data_pad_reversed + SHA256(temp_key + data_with_padding)  -- 224
    /// aes_encrypted     := AES256_IGE(data_with_hash, temp_key, iv = 0)
    /// temp_key_xor      := temp_key XOR SHA256(aes_encrypted)
    /// key_aes_encrypted := temp_key_xor + aes_encrypted     -- 256 bytes
    /// encrypted_data    := key_aes_encrypted ^ e mod n
    /// ```
    pub fn rsa_pad_attempt(
        &self,
        data: &[u8],
        random_padding: &[u8],
        temp_key: &[u8; 32],
    ) -> Result<Option<[u8; RSA_LEN]>> {
        if data.len() > RSA_PAD_MAX_DATA {
            return Err(Error::RsaDataTooLong {
                len: data.len(),
                max: RSA_PAD_MAX_DATA,
            });
        }
        if data.len() + random_padding.len() != 192 {
            return Err(Error::InvalidLength {
                what: "RSA_PAD random padding",
                expected: 192 - data.len(),
                got: random_padding.len(),
            });
        }
        self.require_2048()?;

        let mut data_with_padding = Zeroizing::new([0u8; 192]);
        data_with_padding[..data.len()].copy_from_slice(data);
        data_with_padding[data.len()..].copy_from_slice(random_padding);

        let mut key_aes_encrypted = Zeroizing::new([0u8; RSA_LEN]);
        {
            let (temp_key_xor, aes_encrypted) = key_aes_encrypted.split_at_mut(32);
            aes_encrypted[..192].copy_from_slice(data_with_padding.as_ref());
            aes_encrypted[..192].reverse();
            aes_encrypted[192..].copy_from_slice(&sha256(&[temp_key, data_with_padding.as_ref()]));
            ige::encrypt(aes_encrypted, temp_key, &[0u8; 32])?;
            let mask = sha256(&[aes_encrypted]);
            for ((out, k), m) in temp_key_xor.iter_mut().zip(temp_key).zip(mask) {
                *out = k ^ m;
            }
        }

        let block = from_be(key_aes_encrypted.as_ref());
        if block >= self.n {
            return Ok(None);
        }
        Ok(to_be_fixed(&block.modpow(&self.e, &self.n)))
    }

    /// The old padding: `SHA1(data) + data + random_padding` (255 bytes in
    /// all), RSA-encrypted, drawing the padding from `rng`. `data` is at most
    /// [`SHA1_PAD_MAX_DATA`] bytes.
    pub fn encrypt_sha1_padded<R: RngCore + CryptoRng>(
        &self,
        data: &[u8],
        rng: &mut R,
    ) -> Result<[u8; RSA_LEN]> {
        if data.len() > SHA1_PAD_MAX_DATA {
            return Err(Error::RsaDataTooLong {
                len: data.len(),
                max: SHA1_PAD_MAX_DATA,
            });
        }
        let mut padding = Zeroizing::new([0u8; SHA1_PAD_MAX_DATA]);
        let padding = &mut padding[..SHA1_PAD_MAX_DATA - data.len()];
        rng.fill_bytes(padding);
        self.encrypt_sha1_padded_with(data, padding)
    }

    /// Deterministic form of [`encrypt_sha1_padded`](Self::encrypt_sha1_padded):
    /// `random_padding` must be exactly `235 - data.len()` bytes.
    pub fn encrypt_sha1_padded_with(
        &self,
        data: &[u8],
        random_padding: &[u8],
    ) -> Result<[u8; RSA_LEN]> {
        if data.len() > SHA1_PAD_MAX_DATA {
            return Err(Error::RsaDataTooLong {
                len: data.len(),
                max: SHA1_PAD_MAX_DATA,
            });
        }
        if data.len() + random_padding.len() != SHA1_PAD_MAX_DATA {
            return Err(Error::InvalidLength {
                what: "SHA-1 padding",
                expected: SHA1_PAD_MAX_DATA - data.len(),
                got: random_padding.len(),
            });
        }
        // A leading zero byte makes the 255-byte payload a 256-byte block,
        // which is always below a 2048-bit modulus.
        let mut block = Zeroizing::new([0u8; RSA_LEN]);
        block[1..21].copy_from_slice(&sha1(&[data]));
        block[21..21 + data.len()].copy_from_slice(data);
        block[21 + data.len()..].copy_from_slice(random_padding);
        self.encrypt_raw(&block)
    }
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.n.bits())
            .field(
                "fingerprint",
                &format_args!("{:#018x}", self.fingerprint as u64),
            )
            .finish()
    }
}

/// Recover `data_with_padding` from a decrypted `RSA_PAD` block, checking
/// the embedded SHA-256 (shared with the private key's decryption).
pub(crate) fn rsa_pad_unwrap(key_aes_encrypted: &[u8; RSA_LEN]) -> Result<Zeroizing<[u8; 192]>> {
    let (temp_key_xor, aes_encrypted) = key_aes_encrypted.split_at(32);
    let mask = sha256(&[aes_encrypted]);
    let mut temp_key = Zeroizing::new([0u8; 32]);
    for ((out, x), m) in temp_key.iter_mut().zip(temp_key_xor).zip(mask) {
        *out = x ^ m;
    }

    let mut data_with_hash = Zeroizing::new([0u8; 224]);
    data_with_hash.copy_from_slice(aes_encrypted);
    ige::decrypt(data_with_hash.as_mut(), &temp_key, &[0u8; 32])?;

    let mut data_with_padding = Zeroizing::new([0u8; 192]);
    data_with_padding.copy_from_slice(&data_with_hash[..192]);
    data_with_padding.reverse();
    let expected = sha256(&[temp_key.as_ref(), data_with_padding.as_ref()]);
    if crate::ct_eq(&expected, &data_with_hash[192..]) {
        Ok(data_with_padding)
    } else {
        data_with_padding.zeroize();
        Err(Error::RsaPadHashMismatch)
    }
}

/// `x^-1 mod m`, if it exists.
pub(crate) fn mod_inverse(x: &BigUint, m: &BigUint) -> Option<BigUint> {
    let inv = x.modinv(m)?;
    ((x * &inv) % m == BigUint::one()).then_some(inv)
}

#[cfg(test)]
mod tests;

//! The server's side of RSA: key generation, PEM, decryption.

use core::fmt;

use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use super::encoding::{self, DerReader, TAG_OCTET_STRING, TAG_SEQUENCE};
use super::{RSA_LEN, RsaPublicKey, SHA1_PAD_MAX_DATA, mod_inverse, rsa_pad_unwrap};
use crate::bigint::{self, from_be, random_bits, small_primes, to_be_fixed};
use crate::error::{Error, Result};
use crate::hash::sha1;

/// The public exponent of generated keys (the one Telegram uses).
const PUBLIC_EXPONENT: u32 = 65_537;
/// Miller-Rabin rounds for generated primes (after one base-2 round):
/// random candidates need far fewer than adversarial ones.
const KEYGEN_MR_ROUNDS: usize = 12;
/// Attempts at drawing a blinding factor coprime to `n` (a failure means
/// the RNG found a factor of `n`, so this never happens in practice).
const BLINDING_ATTEMPTS: u32 = 16;
/// Attempts at drawing a usable prime pair (each succeeds with probability
/// close to 1; only a broken RNG exhausts them).
const KEYGEN_ATTEMPTS: u32 = 64;

/// An RSA private key, for a server that Telegram clients connect to.
///
/// The private components are kept as big-endian bytes that are wiped on
/// drop and never printed. Decryption uses the CRT and RSA blinding (the
/// `rng` argument), and checks its result by re-encrypting.
#[derive(Clone)]
pub struct RsaPrivateKey {
    public: RsaPublicKey,
    pub(super) d: Zeroizing<Vec<u8>>,
    pub(super) p: Zeroizing<Vec<u8>>,
    pub(super) q: Zeroizing<Vec<u8>>,
    pub(super) dp: Zeroizing<Vec<u8>>,
    pub(super) dq: Zeroizing<Vec<u8>>,
    pub(super) qinv: Zeroizing<Vec<u8>>,
}

impl RsaPrivateKey {
    /// Generate a key with `bits` bits (2048 for Telegram's paddings; any
    /// even size in `1024..=4096` is accepted) and public exponent 65537.
    ///
    /// Primes come from `rng` via a small-prime sieve and Miller-Rabin; a
    /// 2048-bit key takes tens of milliseconds in a release build.
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R, bits: u32) -> Result<Self> {
        if !(1024..=4096).contains(&bits) || bits % 2 != 0 {
            return Err(Error::UnsupportedKeySize { bits });
        }
        let half = u64::from(bits / 2);
        let e = BigUint::from(PUBLIC_EXPONENT);
        for _ in 0..KEYGEN_ATTEMPTS {
            let p = generate_prime(rng, half);
            let q = generate_prime(rng, half);
            // |p - q| must not be small, or n falls to Fermat factorisation.
            let distance = if p > q { &p - &q } else { &q - &p };
            if distance.bits() < half - 100 {
                continue;
            }
            let n = &p * &q;
            if n.bits() != u64::from(bits) {
                continue;
            }
            let p1 = &p - 1u32;
            let q1 = &q - 1u32;
            let Some(d) = mod_inverse(&e, &p1.lcm(&q1)) else {
                continue;
            };
            if let Ok(key) = Self::from_parts(n, e.clone(), d, p, q) {
                return Ok(key);
            }
        }
        Err(Error::RetriesExhausted {
            what: "an RSA key",
            attempts: KEYGEN_ATTEMPTS,
        })
    }

    /// Assemble and verify a key from `n, e, d, p, q` (the CRT values are
    /// derived).
    fn from_parts(n: BigUint, e: BigUint, d: BigUint, p: BigUint, q: BigUint) -> Result<Self> {
        let dp = &d % (&p - 1u32);
        let dq = &d % (&q - 1u32);
        let qinv = mod_inverse(&q, &p).ok_or(Error::InvalidRsaKey("q is not invertible mod p"))?;
        let key = Self::from_all(n, e, d, p, q, dp, dq, qinv)?;
        Ok(key)
    }

    #[allow(clippy::too_many_arguments)]
    fn from_all(
        n: BigUint,
        e: BigUint,
        d: BigUint,
        p: BigUint,
        q: BigUint,
        dp: BigUint,
        dq: BigUint,
        qinv: BigUint,
    ) -> Result<Self> {
        let one = BigUint::one();
        let invalid = Error::InvalidRsaKey;
        if p <= one || q <= one || &p * &q != n {
            return Err(invalid("n is not p * q"));
        }
        let p1 = &p - 1u32;
        let q1 = &q - 1u32;
        if (&e * &dp) % &p1 != one || (&e * &dq) % &q1 != one {
            return Err(invalid("d does not invert e"));
        }
        if dp != &d % &p1 || dq != &d % &q1 {
            return Err(invalid("CRT exponents do not match d"));
        }
        if (&qinv * &q) % &p != one {
            return Err(invalid("CRT coefficient is wrong"));
        }
        let public = RsaPublicKey::from_components(&n.to_bytes_be(), &e.to_bytes_be())?;
        let bytes = |x: &BigUint| Zeroizing::new(x.to_bytes_be());
        Ok(Self {
            public,
            d: bytes(&d),
            p: bytes(&p),
            q: bytes(&q),
            dp: bytes(&dp),
            dq: bytes(&dq),
            qinv: bytes(&qinv),
        })
    }

    /// The public half, to publish (PEM) and to compute the fingerprint.
    #[must_use]
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public
    }

    /// Parse a PEM private key: PKCS#1 `RSA PRIVATE KEY` or unencrypted
    /// PKCS#8 `PRIVATE KEY` (what `openssl genrsa` writes by default).
    pub fn from_pem(pem: &str) -> Result<Self> {
        let block = encoding::pem_decode(pem)?;
        match block.label.as_str() {
            "RSA PRIVATE KEY" => Self::from_pkcs1_der(&block.der),
            "PRIVATE KEY" => Self::from_pkcs8_der(&block.der),
            _ => Err(Error::InvalidPem(
                "expected an RSA PRIVATE KEY or PRIVATE KEY block",
            )),
        }
    }

    /// Parse DER PKCS#1 `RSAPrivateKey` (two-prime, version 0), verifying
    /// that its components are consistent.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self> {
        let mut outer = DerReader::new(der);
        let mut seq = DerReader::new(outer.read(TAG_SEQUENCE)?);
        outer.finish()?;
        if !seq.read_uint()?.is_empty() {
            return Err(Error::InvalidRsaKey(
                "only two-prime (version 0) keys are supported",
            ));
        }
        let mut next = || seq.read_uint().map(from_be);
        let (n, e, d, p, q, dp, dq, qinv) = (
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
            next()?,
        );
        seq.finish()?;
        Self::from_all(n, e, d, p, q, dp, dq, qinv)
    }

    /// Parse DER PKCS#8 `PrivateKeyInfo` holding an RSA key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let mut outer = DerReader::new(der);
        let mut info = DerReader::new(outer.read(TAG_SEQUENCE)?);
        outer.finish()?;
        if !info.read_uint()?.is_empty() {
            return Err(Error::InvalidDer("unsupported PKCS#8 version"));
        }
        encoding::expect_rsa_algorithm(info.read(TAG_SEQUENCE)?)?;
        let key = info.read(TAG_OCTET_STRING)?;
        // Optional attributes may follow; they are ignored.
        Self::from_pkcs1_der(key)
    }

    /// DER PKCS#1 encoding (wiped on drop).
    #[must_use]
    pub fn to_pkcs1_der(&self) -> Zeroizing<Vec<u8>> {
        let mut body = Zeroizing::new(Vec::with_capacity(5 * RSA_LEN));
        encoding::write_uint(&mut body, &[0]);
        encoding::write_uint(&mut body, &self.public.modulus());
        encoding::write_uint(&mut body, &self.public.exponent());
        for part in [&self.d, &self.p, &self.q, &self.dp, &self.dq, &self.qinv] {
            encoding::write_uint(&mut body, part);
        }
        let mut out = Zeroizing::new(Vec::with_capacity(body.len() + 4));
        encoding::write(&mut out, TAG_SEQUENCE, &body);
        out
    }

    /// PEM PKCS#1 encoding (`-----BEGIN RSA PRIVATE KEY-----`), readable by
    /// OpenSSL. Wiped on drop.
    #[must_use]
    pub fn to_pkcs1_pem(&self) -> Zeroizing<String> {
        encoding::pem_encode("RSA PRIVATE KEY", &self.to_pkcs1_der())
    }

    /// Textbook RSA decryption of a ciphertext (at most 256 bytes, below
    /// `n`), with blinding from `rng`. Returns the 256-byte block.
    pub fn decrypt_raw<R: RngCore + CryptoRng>(
        &self,
        ciphertext: &[u8],
        rng: &mut R,
    ) -> Result<Zeroizing<[u8; RSA_LEN]>> {
        if self.public.bits() != 2048 {
            return Err(Error::RsaModulusSize {
                bits: self.public.bits(),
            });
        }
        let n = &self.public.n;
        let e = &self.public.e;
        let c = from_be(ciphertext);
        if &c >= n {
            return Err(Error::RsaInputTooLarge);
        }

        // Blinding: decrypt c * r^e instead of c, then divide by r. The
        // exponentiations then work on values unrelated to the input.
        let (r, r_inv) = self.blinding_factor(rng)?;
        let blinded = (&c * r.modpow(e, n)) % n;
        let m = (self.crt_power(&blinded) * &r_inv) % n;

        // A fault or inconsistent key must not leak a wrong result.
        if m.modpow(e, n) != c {
            return Err(Error::InvalidRsaKey("decryption self-check failed"));
        }
        to_be_fixed(&m)
            .map(Zeroizing::new)
            .ok_or(Error::RsaInputTooLarge)
    }

    /// Decrypt an `RSA_PAD` ciphertext (as sent in `req_DH_params`) and
    /// return `data_with_padding`: the 192 bytes whose prefix is the TL
    /// `p_q_inner_data*`. The caller parses the TL object and ignores the
    /// random tail. Fails with [`Error::RsaPadHashMismatch`] if the embedded
    /// SHA-256 does not match (the wrong key, or not `RSA_PAD` at all).
    pub fn decrypt_rsa_pad<R: RngCore + CryptoRng>(
        &self,
        encrypted: &[u8],
        rng: &mut R,
    ) -> Result<Zeroizing<[u8; 192]>> {
        let block = self.decrypt_raw(encrypted, rng)?;
        rsa_pad_unwrap(&block)
    }

    /// Decrypt a ciphertext made with the old SHA-1 padding.
    ///
    /// That padding does not record the data length, so the result holds
    /// the SHA-1 and the 235 bytes after it; the caller learns the length by
    /// parsing the TL object at the start of [`Sha1Padded::tail`] and then
    /// confirms it with [`Sha1Padded::data`]. Fails with
    /// [`Error::RsaSha1Mismatch`] if the block does not start with a zero
    /// byte.
    pub fn decrypt_sha1_padded<R: RngCore + CryptoRng>(
        &self,
        encrypted: &[u8],
        rng: &mut R,
    ) -> Result<Sha1Padded> {
        let block = self.decrypt_raw(encrypted, rng)?;
        if block[0] != 0 {
            return Err(Error::RsaSha1Mismatch);
        }
        let mut hash = [0u8; 20];
        hash.copy_from_slice(&block[1..21]);
        let mut tail = Zeroizing::new([0u8; SHA1_PAD_MAX_DATA]);
        tail.copy_from_slice(&block[21..]);
        Ok(Sha1Padded { hash, tail })
    }

    /// `x^d mod n` through the CRT.
    fn crt_power(&self, x: &BigUint) -> BigUint {
        let p = from_be(&self.p);
        let q = from_be(&self.q);
        let m1 = (x % &p).modpow(&from_be(&self.dp), &p);
        let m2 = (x % &q).modpow(&from_be(&self.dq), &q);
        // h = qinv * (m1 - m2) mod p, kept non-negative.
        let diff = (&m1 + &p - (&m2 % &p)) % &p;
        let h = (from_be(&self.qinv) * diff) % &p;
        m2 + h * q
    }

    fn blinding_factor<R: RngCore + CryptoRng>(&self, rng: &mut R) -> Result<(BigUint, BigUint)> {
        let n = &self.public.n;
        for _ in 0..BLINDING_ATTEMPTS {
            let r = random_bits(rng, n.bits() - 1);
            if r <= BigUint::one() {
                continue;
            }
            if let Some(inv) = mod_inverse(&r, n) {
                return Ok((r, inv));
            }
        }
        Err(Error::RetriesExhausted {
            what: "an RSA blinding factor",
            attempts: BLINDING_ATTEMPTS,
        })
    }
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// A decrypted old-style (SHA-1 padded) RSA block: `SHA1(data)` and the 235
/// bytes holding `data` followed by random padding. Wiped on drop.
pub struct Sha1Padded {
    hash: [u8; 20],
    tail: Zeroizing<[u8; SHA1_PAD_MAX_DATA]>,
}

impl Sha1Padded {
    /// The 235 bytes after the hash: `data` then random padding.
    #[must_use]
    pub fn tail(&self) -> &[u8] {
        self.tail.as_ref()
    }

    /// The SHA-1 the sender put before the data.
    #[must_use]
    pub fn hash(&self) -> &[u8; 20] {
        &self.hash
    }

    /// The first `len` bytes of the tail, if their SHA-1 is the embedded one
    /// ([`Error::RsaSha1Mismatch`] otherwise; [`Error::RsaDataTooLong`] if
    /// `len` exceeds 235).
    pub fn data(&self, len: usize) -> Result<&[u8]> {
        let data = self.tail.get(..len).ok_or(Error::RsaDataTooLong {
            len,
            max: SHA1_PAD_MAX_DATA,
        })?;
        if crate::ct_eq(&sha1(&[data]), &self.hash) {
            Ok(data)
        } else {
            Err(Error::RsaSha1Mismatch)
        }
    }
}

impl fmt::Debug for Sha1Padded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sha1Padded { .. }")
    }
}

/// A random prime of exactly `bits` bits with its two top bits set (so a
/// product of two has exactly `2 * bits` bits) and `p mod 65537 != 1` (so
/// 65537 is invertible mod `p - 1`).
fn generate_prime<R: RngCore + CryptoRng>(rng: &mut R, bits: u64) -> BigUint {
    let primes = small_primes();
    let top = (BigUint::one() << (bits - 1)) | (BigUint::one() << (bits - 2));
    loop {
        let base = random_bits(rng, bits) | &top | BigUint::one();
        let residues: Vec<u32> = primes
            .iter()
            .map(|&sp| u32::try_from(&base % sp).unwrap_or(0))
            .collect();
        // Walk base, base + 2, … skipping candidates with a small factor.
        'candidates: for delta in (0u32..1 << 16).step_by(2) {
            for (&sp, &r) in primes.iter().zip(&residues) {
                if (r + delta % sp) % sp == 0 {
                    continue 'candidates;
                }
            }
            let candidate = &base + delta;
            if candidate.bits() != bits {
                break;
            }
            if (&candidate % PUBLIC_EXPONENT).is_one() {
                continue;
            }
            // One base-2 round rejects almost every composite cheaply.
            let bits_for_bases = candidate.bits();
            let mut first = true;
            let passes = bigint::miller_rabin(&candidate, KEYGEN_MR_ROUNDS + 1, |_| {
                if std::mem::take(&mut first) {
                    BigUint::zero()
                } else {
                    random_bits(rng, bits_for_bases)
                }
            });
            if passes {
                return candidate;
            }
        }
    }
}

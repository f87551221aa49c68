//! Diffie-Hellman for the auth-key exchange, with Telegram's parameter checks.
//!
//! The server sends `(g, dh_prime, g_a)`; the client picks a secret `b`,
//! sends `g_b = g^b mod dh_prime`, and both sides get the auth key
//! `g_ab = g_a^b = g_b^a mod dh_prime`. A client that skips the checks in
//! core.telegram.org/mtproto/security_guidelines can be handed a weak group
//! and leak the key, so [`DhParams::new`] enforces them all:
//!
//! * `dh_prime` is a 2048-bit safe prime (`p` and `(p-1)/2` prime,
//!   `2^2047 < p < 2^2048`). Telegram's well-known prime
//!   ([`TELEGRAM_DH_PRIME`]) is accepted without the slow primality tests;
//!   any other prime is tested (see [`check_safe_prime`]).
//! * `g` is in `2..=7` and generates the subgroup of order `(p-1)/2`: by
//!   quadratic reciprocity, `p mod 8 = 7` for g = 2, `p mod 3 = 2` for g = 3,
//!   nothing for g = 4, `p mod 5 ∈ {1, 4}` for g = 5, `p mod 24 ∈ {19, 23}`
//!   for g = 6 and `p mod 7 ∈ {3, 5, 6}` for g = 7.
//! * every public value `v` (`g_a`, `g_b`) satisfies `1 < v < p - 1` and
//!   `2^(2048-64) ≤ v ≤ p - 2^(2048-64)`.
//!
//! ```
//! use paperplane_crypto::dh::{DhParams, DhSecret, TELEGRAM_DH_PRIME};
//! use paperplane_crypto::error::DhValue;
//!
//! let params = DhParams::new(&TELEGRAM_DH_PRIME, 3)?;
//! let mut rng = rand_core::OsRng;
//! let (a, g_a) = params.generate_keypair(&mut rng, DhValue::GA)?; // server
//! let (b, g_b) = params.generate_keypair(&mut rng, DhValue::GB)?; // client
//! let client_key = params.shared_key(&b, &g_a, DhValue::GA)?;
//! let server_key = params.shared_key(&a, &g_b, DhValue::GB)?;
//! assert_eq!(client_key, server_key);
//! # Ok::<(), paperplane_crypto::Error>(())
//! ```

use core::fmt;

use num_bigint::BigUint;
use num_traits::One;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::auth_key::AuthKey;
use crate::bigint::{self, SecretUint, from_be, to_be_fixed};
use crate::error::{DhRange, DhValue, Error, Result};

/// Size of `dh_prime` and of every DH value, in bytes.
pub const DH_LEN: usize = 256;

/// The 2048-bit safe prime Telegram's servers send as `dh_prime` (with g = 3
/// in practice), published in core.telegram.org/mtproto/security_guidelines
/// and hard-coded by the official clients. `p` and `(p-1)/2` are prime (the
/// test `telegram_prime_passes_the_full_check` re-proves it).
pub const TELEGRAM_DH_PRIME: [u8; DH_LEN] = [
    0xC7, 0x1C, 0xAE, 0xB9, 0xC6, 0xB1, 0xC9, 0x04, 0x8E, 0x6C, 0x52, 0x2F, 0x70, 0xF1, 0x3F, 0x73,
    0x98, 0x0D, 0x40, 0x23, 0x8E, 0x3E, 0x21, 0xC1, 0x49, 0x34, 0xD0, 0x37, 0x56, 0x3D, 0x93, 0x0F,
    0x48, 0x19, 0x8A, 0x0A, 0xA7, 0xC1, 0x40, 0x58, 0x22, 0x94, 0x93, 0xD2, 0x25, 0x30, 0xF4, 0xDB,
    0xFA, 0x33, 0x6F, 0x6E, 0x0A, 0xC9, 0x25, 0x13, 0x95, 0x43, 0xAE, 0xD4, 0x4C, 0xCE, 0x7C, 0x37,
    0x20, 0xFD, 0x51, 0xF6, 0x94, 0x58, 0x70, 0x5A, 0xC6, 0x8C, 0xD4, 0xFE, 0x6B, 0x6B, 0x13, 0xAB,
    0xDC, 0x97, 0x46, 0x51, 0x29, 0x69, 0x32, 0x84, 0x54, 0xF1, 0x8F, 0xAF, 0x8C, 0x59, 0x5F, 0x64,
    0x24, 0x77, 0xFE, 0x96, 0xBB, 0x2A, 0x94, 0x1D, 0x5B, 0xCD, 0x1D, 0x4A, 0xC8, 0xCC, 0x49, 0x88,
    0x07, 0x08, 0xFA, 0x9B, 0x37, 0x8E, 0x3C, 0x4F, 0x3A, 0x90, 0x60, 0xBE, 0xE6, 0x7C, 0xF9, 0xA4,
    0xA4, 0xA6, 0x95, 0x81, 0x10, 0x51, 0x90, 0x7E, 0x16, 0x27, 0x53, 0xB5, 0x6B, 0x0F, 0x6B, 0x41,
    0x0D, 0xBA, 0x74, 0xD8, 0xA8, 0x4B, 0x2A, 0x14, 0xB3, 0x14, 0x4E, 0x0E, 0xF1, 0x28, 0x47, 0x54,
    0xFD, 0x17, 0xED, 0x95, 0x0D, 0x59, 0x65, 0xB4, 0xB9, 0xDD, 0x46, 0x58, 0x2D, 0xB1, 0x17, 0x8D,
    0x16, 0x9C, 0x6B, 0xC4, 0x65, 0xB0, 0xD6, 0xFF, 0x9C, 0xA3, 0x92, 0x8F, 0xEF, 0x5B, 0x9A, 0xE4,
    0xE4, 0x18, 0xFC, 0x15, 0xE8, 0x3E, 0xBE, 0xA0, 0xF8, 0x7F, 0xA9, 0xFF, 0x5E, 0xED, 0x70, 0x05,
    0x0D, 0xED, 0x28, 0x49, 0xF4, 0x7B, 0xF9, 0x59, 0xD9, 0x56, 0x85, 0x0C, 0xE9, 0x29, 0x85, 0x1F,
    0x0D, 0x81, 0x15, 0xF6, 0x35, 0xB1, 0x05, 0xEE, 0x2E, 0x4E, 0x15, 0xD0, 0x4B, 0x24, 0x54, 0xBF,
    0x6F, 0x4F, 0xAD, 0xF0, 0x34, 0xB1, 0x04, 0x03, 0x11, 0x9C, 0xD8, 0xE3, 0xB9, 0x2F, 0xCC, 0x5B,
];

/// Bit size required of `dh_prime`.
const PRIME_BITS: u64 = 2048;
/// Public values must stay `2^(2048-64)` away from 0 and from `dh_prime`.
const SAFETY_MARGIN_BITS: u32 = 2048 - 64;
/// Attempts at drawing a secret whose public value passes the range check
/// (each fails with probability ~2^-63).
const KEYPAIR_ATTEMPTS: u32 = 16;

/// Validated Diffie-Hellman parameters `(g, dh_prime)`.
#[derive(Clone, PartialEq, Eq)]
pub struct DhParams {
    prime: BigUint,
    prime_bytes: [u8; DH_LEN],
    g: u32,
}

impl DhParams {
    /// Validate `(dh_prime, g)` as received from a server.
    ///
    /// Checks, in order: the 2048-bit size ([`Error::DhPrimeSize`]), `g` in
    /// `2..=7` ([`Error::DhGeneratorOutOfRange`]), the residue condition for
    /// `g` ([`Error::DhGeneratorNotResidue`]), then, unless `dh_prime` is
    /// [`TELEGRAM_DH_PRIME`], that it is a safe prime
    /// ([`Error::DhPrimeNotPrime`], [`Error::DhPrimeNotSafe`]). The
    /// primality tests cost a few hundred milliseconds; cache the result
    /// for a prime you have already checked.
    pub fn new(dh_prime: &[u8], g: u32) -> Result<Self> {
        let params = Self::new_unchecked_prime(dh_prime, g)?;
        if params.prime_bytes != TELEGRAM_DH_PRIME {
            check_safe_prime_number(&params.prime)?;
        }
        Ok(params)
    }

    /// Like [`DhParams::new`] but trusting that `dh_prime` is a safe prime
    /// (size and generator are still checked). For a prime the caller has
    /// already verified, for example one cached from an earlier session.
    pub fn new_unchecked_prime(dh_prime: &[u8], g: u32) -> Result<Self> {
        let prime = from_be(dh_prime);
        if prime.bits() != PRIME_BITS {
            return Err(Error::DhPrimeSize { bits: prime.bits() });
        }
        check_generator(&prime, g)?;
        let prime_bytes =
            to_be_fixed::<DH_LEN>(&prime).ok_or(Error::DhPrimeSize { bits: prime.bits() })?;
        Ok(Self {
            prime,
            prime_bytes,
            g,
        })
    }

    /// The parameters Telegram's servers use: [`TELEGRAM_DH_PRIME`] with g = 3.
    #[must_use]
    pub fn telegram() -> Self {
        Self {
            prime: from_be(&TELEGRAM_DH_PRIME),
            prime_bytes: TELEGRAM_DH_PRIME,
            g: 3,
        }
    }

    /// The generator `g`.
    #[must_use]
    pub fn g(&self) -> u32 {
        self.g
    }

    /// `dh_prime` as 256 big-endian bytes.
    #[must_use]
    pub fn prime_bytes(&self) -> &[u8; DH_LEN] {
        &self.prime_bytes
    }

    pub(crate) fn prime(&self) -> &BigUint {
        &self.prime
    }

    /// Check that a public value (`g_a`, `g_b`) is in the safe range
    /// `1 < v < p - 1`, `2^(2048-64) ≤ v ≤ p - 2^(2048-64)`.
    /// `which` names the value in the error.
    pub fn check_public_value(&self, value: &[u8], which: DhValue) -> Result<()> {
        check_range(&from_be(value), &self.prime, which)
    }

    /// `g^secret mod dh_prime` as 256 bytes, checked like a peer's value
    /// (`which` names it in the error).
    pub fn public_value(&self, secret: &DhSecret, which: DhValue) -> Result<[u8; DH_LEN]> {
        let exponent = SecretUint::from_be(&secret.0);
        let value = BigUint::from(self.g).modpow(&exponent, &self.prime);
        check_range(&value, &self.prime, which)?;
        to_be_fixed(&value).ok_or(Error::DhValueOutOfRange {
            value: which,
            range: DhRange::TooLarge,
        })
    }

    /// Draw a random 2048-bit secret and its public value, redrawing in the
    /// (astronomically rare) case the public value fails the range check.
    pub fn generate_keypair<R: RngCore + CryptoRng>(
        &self,
        rng: &mut R,
        which: DhValue,
    ) -> Result<(DhSecret, [u8; DH_LEN])> {
        for _ in 0..KEYPAIR_ATTEMPTS {
            let secret = DhSecret::random(rng);
            if let Ok(public) = self.public_value(&secret, which) {
                return Ok((secret, public));
            }
        }
        Err(Error::RetriesExhausted {
            what: "a DH key pair",
            attempts: KEYPAIR_ATTEMPTS,
        })
    }

    /// The shared key `peer_public^secret mod dh_prime`, left-padded to 256
    /// bytes, after checking `peer_public` (named `peer` in errors). MTProto
    /// uses it directly as the auth key.
    pub fn shared_key(
        &self,
        secret: &DhSecret,
        peer_public: &[u8],
        peer: DhValue,
    ) -> Result<AuthKey> {
        let peer_value = from_be(peer_public);
        check_range(&peer_value, &self.prime, peer)?;
        let exponent = SecretUint::from_be(&secret.0);
        let shared = SecretUint::new(peer_value.modpow(&exponent, &self.prime));
        let bytes = Zeroizing::new(to_be_fixed::<DH_LEN>(&shared).ok_or(
            Error::DhValueOutOfRange {
                value: peer,
                range: DhRange::TooLarge,
            },
        )?);
        Ok(AuthKey::from_bytes(*bytes))
    }
}

impl fmt::Debug for DhParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let telegram = self.prime_bytes == TELEGRAM_DH_PRIME;
        f.debug_struct("DhParams")
            .field("g", &self.g)
            .field("telegram_prime", &telegram)
            .finish_non_exhaustive()
    }
}

/// A 2048-bit DH secret exponent (`a` or `b`). Wiped on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DhSecret([u8; DH_LEN]);

impl DhSecret {
    /// Use the given bytes (big-endian) as the secret: for tests with fixed
    /// values, or randomness obtained elsewhere.
    #[must_use]
    pub fn from_bytes(bytes: [u8; DH_LEN]) -> Self {
        Self(bytes)
    }

    /// 256 random bytes from `rng`.
    pub fn random<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        let mut bytes = [0u8; DH_LEN];
        rng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    pub(crate) fn as_bytes(&self) -> &[u8; DH_LEN] {
        &self.0
    }
}

impl fmt::Debug for DhSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DhSecret(..)")
    }
}

/// Check `(dh_prime, g)` exactly as [`DhParams::new`] does, without keeping
/// the parsed parameters.
pub fn check_dh_params(dh_prime: &[u8], g: u32) -> Result<()> {
    DhParams::new(dh_prime, g).map(|_| ())
}

/// The expensive part of the check: `dh_prime` is a 2048-bit safe prime.
///
/// Runs even for [`TELEGRAM_DH_PRIME`]. `(p-1)/2` gets 32 rounds of
/// Miller-Rabin with bases derived from the number itself (error below
/// 2^-64 even for an adversarial prime, and reproducible); `p` is then
/// proven prime by Pocklington's criterion, which a prime `(p-1)/2` makes
/// a single modular exponentiation.
pub fn check_safe_prime(dh_prime: &[u8]) -> Result<()> {
    let prime = from_be(dh_prime);
    if prime.bits() != PRIME_BITS {
        return Err(Error::DhPrimeSize { bits: prime.bits() });
    }
    check_safe_prime_number(&prime)
}

fn check_safe_prime_number(p: &BigUint) -> Result<()> {
    // A cheap Fermat test on p first, so that a random composite is reported
    // as "not prime" rather than "not safe".
    let two = BigUint::from(2u32);
    let p_minus_1 = p - 1u32;
    if bigint::trial_division(p) == Some(false) || two.modpow(&p_minus_1, p) != BigUint::one() {
        return Err(Error::DhPrimeNotPrime);
    }
    let q = &p_minus_1 >> 1u32;
    if !bigint::is_probable_prime(&q) {
        return Err(Error::DhPrimeNotSafe);
    }
    // Pocklington: q prime, q > sqrt(p), 3^(p-1) ≡ 1 and gcd(3^2 - 1, p) = 1
    // (p is odd) prove p prime.
    if BigUint::from(3u32).modpow(&p_minus_1, p) != BigUint::one() {
        return Err(Error::DhPrimeNotPrime);
    }
    Ok(())
}

/// `g ∈ 2..=7` and the quadratic-residue condition on `p mod 4g`.
fn check_generator(p: &BigUint, g: u32) -> Result<()> {
    let residue = |m: u32| -> u32 {
        // `p % m` is below m, so the fallback never applies.
        u32::try_from(p % m).unwrap_or(u32::MAX)
    };
    let ok = match g {
        2 => residue(8) == 7,
        3 => residue(3) == 2,
        4 => true,
        5 => matches!(residue(5), 1 | 4),
        6 => matches!(residue(24), 19 | 23),
        7 => matches!(residue(7), 3 | 5 | 6),
        _ => return Err(Error::DhGeneratorOutOfRange { g }),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::DhGeneratorNotResidue { g })
    }
}

/// The security guidelines' range check on a DH (or SRP) public value.
pub(crate) fn check_range(value: &BigUint, p: &BigUint, which: DhValue) -> Result<()> {
    let out = |range| {
        Err(Error::DhValueOutOfRange {
            value: which,
            range,
        })
    };
    let one = BigUint::one();
    if value <= &one {
        return out(DhRange::TooSmall);
    }
    if value >= &(p - &one) {
        return out(DhRange::TooLarge);
    }
    let margin = BigUint::one() << SAFETY_MARGIN_BITS;
    if value < &margin {
        return out(DhRange::TooCloseToZero);
    }
    if p < &margin || value > &(p - &margin) {
        return out(DhRange::TooCloseToPrime);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// RFC 3526 group 14: a different 2048-bit safe prime (every g in 2..=7
    /// satisfies its residue condition), for exercising the full check.
    pub(crate) const RFC3526_2048: &str = "\
        ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e088a67cc74\
        020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a6df25f1437\
        4fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7ed\
        ee386bfb5a899fa5ae9f24117c4b1fe649286651ece45b3dc2007cb8a163bf05\
        98da48361c55d39a69163fa8fd24cf5f83655d23dca3ad961c62f356208552bb\
        9ed529077096966d670c354e4abc9804f1746c08ca18217c32905e462e36ce3b\
        e39e772c180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718\
        3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffffffffffff";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn telegram() -> BigUint {
        from_be(&TELEGRAM_DH_PRIME)
    }

    fn bytes(x: &BigUint) -> Vec<u8> {
        x.to_bytes_be()
    }

    #[test]
    fn telegram_prime_passes_the_full_check() {
        assert_eq!(check_safe_prime(&TELEGRAM_DH_PRIME), Ok(()));
        for g in [3, 4, 7] {
            assert_eq!(check_dh_params(&TELEGRAM_DH_PRIME, g), Ok(()));
        }
        assert_eq!(
            DhParams::new(&TELEGRAM_DH_PRIME, 3).unwrap(),
            DhParams::telegram()
        );
    }

    #[test]
    fn another_safe_prime_passes_the_general_path() {
        let p = unhex(RFC3526_2048);
        // The primality tests are slow in debug builds: run them once…
        let params = DhParams::new(&p, 2).unwrap();
        assert_eq!(params.prime_bytes().as_slice(), p.as_slice());
        // …and the (cheap) generator checks for every g.
        for g in 2..=7 {
            assert_eq!(DhParams::new_unchecked_prime(&p, g).unwrap().g(), g);
        }
    }

    #[test]
    fn prime_size_is_checked() {
        // 2^2047 + small: 2048 bits but huge-below; 2047-bit and 2049-bit numbers.
        let short = unhex(&RFC3526_2048[2..]); // 2040 bits
        assert_eq!(
            DhParams::new(&short, 4),
            Err(Error::DhPrimeSize { bits: 2040 })
        );
        let long = [&[1u8][..], &TELEGRAM_DH_PRIME[..]].concat();
        assert_eq!(
            DhParams::new(&long, 4),
            Err(Error::DhPrimeSize { bits: 2049 })
        );
        assert_eq!(DhParams::new(&[], 4), Err(Error::DhPrimeSize { bits: 0 }));
        assert_eq!(
            check_safe_prime(&short),
            Err(Error::DhPrimeSize { bits: 2040 })
        );
        // Leading zero bytes are fine.
        let padded = [&[0u8, 0][..], &TELEGRAM_DH_PRIME[..]].concat();
        assert_eq!(DhParams::new(&padded, 3).unwrap(), DhParams::telegram());
    }

    #[test]
    fn generator_range_is_checked() {
        for g in [0, 1, 8, 255, u32::MAX] {
            assert_eq!(
                DhParams::new(&TELEGRAM_DH_PRIME, g),
                Err(Error::DhGeneratorOutOfRange { g })
            );
        }
    }

    #[test]
    fn generator_residue_conditions_are_checked() {
        // Telegram's prime fails the conditions for 2, 5 and 6.
        for g in [2, 5, 6] {
            assert_eq!(
                DhParams::new(&TELEGRAM_DH_PRIME, g),
                Err(Error::DhGeneratorNotResidue { g })
            );
        }
        // For 3 and 7, shift the prime by 2 (keeping it odd and 2048-bit) to
        // break the residue; the residue check comes before primality.
        let shifted = bytes(&(telegram() + 2u32));
        assert_eq!(telegram() % 3u32, BigUint::from(2u32));
        assert_eq!(
            DhParams::new(&shifted, 3),
            Err(Error::DhGeneratorNotResidue { g: 3 })
        );
        let p7 = telegram() % 7u32;
        let mut bad7 = telegram();
        while [3u32, 5, 6].contains(&u32::try_from(&bad7 % 7u32).unwrap()) {
            bad7 += 2u32;
        }
        assert_ne!(p7, &bad7 % 7u32);
        assert_eq!(
            DhParams::new(&bytes(&bad7), 7),
            Err(Error::DhGeneratorNotResidue { g: 7 })
        );
        // And for 2 / 5 / 6 a passing prime exists (RFC 3526), so the check
        // really depends on p.
        assert!(DhParams::new_unchecked_prime(&unhex(RFC3526_2048), 6).is_ok());
    }

    #[test]
    fn composite_prime_is_refused() {
        // Telegram's prime + 4: odd, 2048 bits, g = 4 has no residue condition.
        let composite = bytes(&(telegram() + 4u32));
        assert_eq!(DhParams::new(&composite, 4), Err(Error::DhPrimeNotPrime));
        assert_eq!(check_safe_prime(&composite), Err(Error::DhPrimeNotPrime));
    }

    #[test]
    fn prime_that_is_not_safe_is_refused() {
        // A 2048-bit prime p with (p-1)/2 composite (computed with sympy).
        let p = unhex(NOT_SAFE_PRIME.trim());
        assert_eq!(DhParams::new(&p, 4), Err(Error::DhPrimeNotSafe));
        // The unchecked constructor trusts it (size and g still checked).
        assert!(DhParams::new_unchecked_prime(&p, 4).is_ok());
    }

    /// A 2048-bit prime above `2**2047 + 2**1000` whose `(p-1)/2` is composite
    /// with no factor below 2^14, so only Miller-Rabin can reject it (found
    /// with sympy: `nextprime` until `(p-1)/2` has no small factor and
    /// `not isprime((p-1)//2)`).
    const NOT_SAFE_PRIME: &str = include_str!("../tests/data/not_safe_prime.hex");

    #[test]
    fn public_value_range_checks() {
        let params = DhParams::telegram();
        let p = telegram();
        let margin = BigUint::one() << 1984u32;
        let cases: [(BigUint, Option<DhRange>); 10] = [
            (BigUint::from(0u32), Some(DhRange::TooSmall)),
            (BigUint::from(1u32), Some(DhRange::TooSmall)),
            (BigUint::from(2u32), Some(DhRange::TooCloseToZero)),
            (&margin - 1u32, Some(DhRange::TooCloseToZero)),
            (margin.clone(), None),
            (&p - &margin, None),
            (&p - &margin + 1u32, Some(DhRange::TooCloseToPrime)),
            (&p - 2u32, Some(DhRange::TooCloseToPrime)),
            (&p - 1u32, Some(DhRange::TooLarge)),
            (&p + 5u32, Some(DhRange::TooLarge)),
        ];
        for (value, expected) in cases {
            let got = params.check_public_value(&bytes(&value), DhValue::GA);
            match expected {
                None => assert_eq!(got, Ok(())),
                Some(range) => assert_eq!(
                    got,
                    Err(Error::DhValueOutOfRange {
                        value: DhValue::GA,
                        range
                    })
                ),
            }
        }
    }

    #[test]
    fn both_sides_compute_the_same_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(42);
        let params = DhParams::telegram();
        let (a, g_a) = params.generate_keypair(&mut rng, DhValue::GA).unwrap();
        let (b, g_b) = params.generate_keypair(&mut rng, DhValue::GB).unwrap();
        assert_ne!(g_a, g_b);
        let k1 = params.shared_key(&b, &g_a, DhValue::GA).unwrap();
        let k2 = params.shared_key(&a, &g_b, DhValue::GB).unwrap();
        assert_eq!(k1, k2);
        let (c, _) = params.generate_keypair(&mut rng, DhValue::GB).unwrap();
        assert_ne!(params.shared_key(&c, &g_a, DhValue::GA).unwrap(), k1);
    }

    #[test]
    fn shared_key_refuses_bad_peer_values() {
        let params = DhParams::telegram();
        let secret = DhSecret::from_bytes([7u8; 256]);
        assert_eq!(
            params.shared_key(&secret, &[1], DhValue::GA).unwrap_err(),
            Error::DhValueOutOfRange {
                value: DhValue::GA,
                range: DhRange::TooSmall
            }
        );
        let p_minus_1 = bytes(&(telegram() - 1u32));
        assert!(params.shared_key(&secret, &p_minus_1, DhValue::GB).is_err());
    }

    #[test]
    fn tiny_secret_gives_out_of_range_public_value() {
        let params = DhParams::telegram();
        let mut tiny = [0u8; 256];
        tiny[255] = 5; // 3^5 is far below 2^1984
        assert_eq!(
            params.public_value(&DhSecret::from_bytes(tiny), DhValue::GB),
            Err(Error::DhValueOutOfRange {
                value: DhValue::GB,
                range: DhRange::TooCloseToZero
            })
        );
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            format!("{:?}", DhSecret::from_bytes([1; 256])),
            "DhSecret(..)"
        );
        assert_eq!(
            format!("{:?}", DhParams::telegram()),
            "DhParams { g: 3, telegram_prime: true, .. }"
        );
    }
}

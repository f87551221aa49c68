//! Big-number helpers shared by `dh`, `rsa` and `srp` (crate-private).
//!
//! Numbers travel as big-endian byte strings in MTProto; arithmetic is done
//! with `num-bigint`, which is not constant-time and has no `Zeroize`.
//! Secret numbers (DH and SRP exponents, shared values, SRP's verifier and
//! everything derived from it) are held in [`SecretUint`], which overwrites
//! its limbs when dropped. That is best effort, and what it cannot reach
//! is listed on [`wipe`]; the long-lived secrets themselves are kept in
//! byte arrays that are wiped on drop (see the crate docs).

use std::ops::Deref;
use std::sync::OnceLock;

use num_bigint::BigUint;
use num_integer::Integer;
use num_traits::{One, Zero};
use rand_core::RngCore;
use zeroize::Zeroizing;

use crate::hash::sha256;

/// Parse a big-endian byte string.
pub(crate) fn from_be(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

/// Big-endian encoding left-padded with zeros to exactly `N` bytes, or
/// `None` if `x` needs more than `N` bytes. The temporary encoding is wiped
/// (`x` may be secret); the caller owns the returned copy.
pub(crate) fn to_be_fixed<const N: usize>(x: &BigUint) -> Option<[u8; N]> {
    let bytes = Zeroizing::new(x.to_bytes_be());
    if x.is_zero() {
        return Some([0u8; N]);
    }
    let pad = N.checked_sub(bytes.len())?;
    let mut out = [0u8; N];
    out[pad..].copy_from_slice(&bytes);
    Some(out)
}

/// A big integer holding a secret. Its limbs are overwritten when it is
/// dropped ([`wipe`]); it derefs to the [`BigUint`] for arithmetic.
pub(crate) struct SecretUint(BigUint);

impl SecretUint {
    /// Takes ownership of a secret value.
    pub(crate) fn new(value: BigUint) -> Self {
        Self(value)
    }

    /// Parses big-endian bytes without leaving an unwiped copy of them
    /// (`BigUint::from_bytes_be` reverses them in a buffer it drops as is).
    pub(crate) fn from_be(bytes: &[u8]) -> Self {
        let mut le = Zeroizing::new(bytes.to_vec());
        le.reverse();
        Self(BigUint::from_bytes_le(&le))
    }
}

impl Deref for SecretUint {
    type Target = BigUint;

    fn deref(&self) -> &BigUint {
        &self.0
    }
}

impl Drop for SecretUint {
    fn drop(&mut self) {
        wipe(&mut self.0);
    }
}

/// Overwrites the limbs of `x` in the buffer that holds them.
///
/// `num-bigint` offers no zeroize, so this goes through its public API:
/// `assign_from_slice` clears the digit vector and refills it in place with
/// our value, a run of zeros topped by a 1 so that the vector keeps its
/// length (a value that shrank to zero would be freed inside the crate
/// before we could make the writes observable). Reading the value back
/// through `black_box` keeps the compiler from dropping the writes as dead
/// stores. The number left behind, a power of two, carries nothing secret.
///
/// What this cannot reach: the working buffers `num-bigint` allocates and
/// frees inside an operation (`modpow`'s Montgomery values, products,
/// remainders), a buffer it freed on reallocation, and any spare capacity
/// beyond the current length. Those are freed without being wiped.
pub(crate) fn wipe(x: &mut BigUint) {
    let len = x.iter_u32_digits().len();
    if len == 0 {
        return;
    }
    let mut cover = vec![0u32; len];
    if let Some(top) = cover.last_mut() {
        *top = 1;
    }
    x.assign_from_slice(&cover);
    std::hint::black_box(&*x);
}

/// Uniformly random integer with at most `bits` bits.
pub(crate) fn random_bits<R: RngCore>(rng: &mut R, bits: u64) -> BigUint {
    let len = bits.div_ceil(8) as usize;
    let mut bytes = vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    let extra = (len as u64) * 8 - bits;
    if let Some(first) = bytes.first_mut() {
        *first &= 0xffu8 >> extra;
    }
    let value = BigUint::from_bytes_be(&bytes);
    zeroize::Zeroize::zeroize(&mut bytes);
    value
}

/// The odd primes below 2^14, for trial division and sieving.
pub(crate) fn small_primes() -> &'static [u32] {
    static PRIMES: OnceLock<Vec<u32>> = OnceLock::new();
    PRIMES.get_or_init(|| {
        const LIMIT: usize = 1 << 14;
        let mut composite = vec![false; LIMIT];
        let mut primes = Vec::new();
        for i in 2..LIMIT {
            if !composite[i] {
                if i > 2 {
                    primes.push(i as u32);
                }
                let mut j = i * i;
                while j < LIMIT {
                    composite[j] = true;
                    j += i;
                }
            }
        }
        primes
    })
}

/// Trial division: `Some(true)` if `n` is a small prime, `Some(false)` if a
/// small prime (or 2) divides it, `None` if undecided.
pub(crate) fn trial_division(n: &BigUint) -> Option<bool> {
    if n < &BigUint::from(2u32) {
        return Some(false);
    }
    if n.is_even() {
        return Some(n == &BigUint::from(2u32));
    }
    for &p in small_primes() {
        if n == &BigUint::from(p) {
            return Some(true);
        }
        if (n % p).is_zero() {
            return Some(false);
        }
    }
    None
}

/// Miller-Rabin with `rounds` bases produced by `next_base` (any value; it
/// is reduced into `[2, n-2]`). `n` must be odd and larger than 3.
pub(crate) fn miller_rabin(
    n: &BigUint,
    rounds: usize,
    mut next_base: impl FnMut(usize) -> BigUint,
) -> bool {
    let one = BigUint::one();
    let two = BigUint::from(2u32);
    let n_minus_1 = n - &one;
    let n_minus_3 = n - 3u32;
    let Some(shift) = n_minus_1.trailing_zeros() else {
        return false;
    };
    let odd = &n_minus_1 >> shift;
    'rounds: for round in 0..rounds {
        let base = &two + next_base(round) % &n_minus_3;
        let mut x = base.modpow(&odd, n);
        if x == one || x == n_minus_1 {
            continue;
        }
        for _ in 1..shift {
            x = x.modpow(&two, n);
            if x == n_minus_1 {
                continue 'rounds;
            }
            if x == one {
                return false;
            }
        }
        return false;
    }
    true
}

/// Probable-prime test for numbers received from a peer: trial division,
/// then Miller-Rabin with bases derived from SHA-256 of the number itself.
///
/// Deriving the bases from `n` keeps the test deterministic (no RNG needed,
/// reproducible in tests) while denying a peer the fixed bases it would need
/// to build a strong pseudoprime; 32 rounds bound the error by 2^-64.
pub(crate) fn is_probable_prime(n: &BigUint) -> bool {
    if let Some(known) = trial_division(n) {
        return known;
    }
    let seed = n.to_bytes_be();
    let len = seed.len() + 8;
    miller_rabin(n, 32, |round| {
        let mut material = Vec::with_capacity(len);
        let mut counter = 0u32;
        while material.len() < len {
            let block = sha256(&[&seed, &(round as u32).to_be_bytes(), &counter.to_be_bytes()]);
            material.extend_from_slice(&block);
            counter += 1;
        }
        BigUint::from_bytes_be(&material)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_encoding() {
        assert_eq!(
            to_be_fixed::<4>(&BigUint::from(0x0102u32)),
            Some([0, 0, 1, 2])
        );
        assert_eq!(to_be_fixed::<2>(&BigUint::from(0x010203u32)), None);
        assert_eq!(to_be_fixed::<3>(&BigUint::zero()), Some([0, 0, 0]));
    }

    #[test]
    fn wiping_leaves_no_trace_of_the_value() {
        let secret = BigUint::from_bytes_be(&[0xa5; 256]);
        let mut x = secret.clone();
        wipe(&mut x);
        assert_eq!(x, BigUint::one() << (32 * 63), "zeros topped by a 1");
        assert!(!x.to_bytes_be().contains(&0xa5));
        let mut small = BigUint::from(7u32);
        wipe(&mut small);
        assert_eq!(small, BigUint::one());
        let mut zero = BigUint::zero();
        wipe(&mut zero);
        assert!(zero.is_zero());
        // Parsing from bytes agrees with num-bigint's own parser.
        assert_eq!(*SecretUint::from_be(&[1, 2, 3]), BigUint::from(0x010203u32));
        assert_eq!(*SecretUint::from_be(&[]), BigUint::zero());
    }

    #[test]
    fn small_primes_table() {
        let primes = small_primes();
        assert_eq!(&primes[..5], &[3, 5, 7, 11, 13]);
        assert_eq!(primes.len(), 1899); // pi(16384) - 1 (2 is handled apart)
    }

    #[test]
    fn probable_prime_known_values() {
        // 2^127 - 1 (Mersenne prime), 2^128 + 1 (composite: 59649589127497217 * ...).
        let m127 = (BigUint::one() << 127u32) - 1u32;
        assert!(is_probable_prime(&m127));
        let f7 = (BigUint::one() << 128u32) + 1u32;
        assert!(!is_probable_prime(&f7));
        // Carmichael number 561 and a product of two 64-bit primes.
        assert!(!is_probable_prime(&BigUint::from(561u32)));
        let p = BigUint::from(18_446_744_073_709_551_557u64);
        assert!(is_probable_prime(&p));
        assert!(!is_probable_prime(&(&p * &p)));
        assert!(is_probable_prime(&BigUint::from(2u32)));
        assert!(!is_probable_prime(&BigUint::from(1u32)));
    }

    #[test]
    fn random_bits_respects_size() {
        let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(1);
        for bits in [1u64, 7, 8, 9, 255, 256] {
            for _ in 0..20 {
                assert!(random_bits(&mut rng, bits).bits() <= bits);
            }
        }
    }
}

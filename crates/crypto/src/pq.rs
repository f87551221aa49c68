//! Factorising the key exchange's `pq` (a proof of work).
//!
//! In `resPQ` the server sends `pq`, a product of two distinct primes that
//! fits in 64 bits (normally below 2^63); the client must answer with `p < q`.
//!
//! The factor is found with Lenstra's elliptic-curve method (ECM), tuned for
//! the ~31-bit factors of a Telegram-sized `pq`: Montgomery curves from
//! Suyama's parametrisation (group orders divisible by 12), an x-only
//! Montgomery ladder over the product of all prime powers up to B1 = 200 in
//! stage 1, then a baby-step/giant-step stage 2 up to B2 = 6000. Two curves
//! run interleaved so the multiplier stays busy while each curve's
//! dependency chain waits; all arithmetic is Montgomery multiplication on
//! `u64`/`u128`, with no division in the inner loops. Telegram's example
//! `pq` takes about 10 µs on a current x86-64 core and a `pq` like
//! [`generate_pq`] makes about 45 µs on average (Pollard's rho needs
//! 0.2–0.6 ms for the same numbers). Pollard's rho (Brent's variant with
//! batched gcds) stays as a fallback, so every input still gets an exact
//! answer. Primality is checked with a Miller-Rabin test whose bases are
//! deterministic for all 64-bit numbers.
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
        .or_else(|| ecm(pq))
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
    // Miller-Rabin with the first k primes as bases, k chosen so the test
    // is deterministic for this n (all 12 cover every u64; Jaeschke's and
    // Zhang-Tang's bounds for the smaller sets).
    let bases = match n {
        0..2_047 => 1,
        2_047..1_373_653 => 2,
        1_373_653..25_326_001 => 3,
        25_326_001..3_215_031_751 => 4,
        3_215_031_751..2_152_302_898_747 => 5,
        2_152_302_898_747..3_474_749_660_383 => 6,
        3_474_749_660_383..341_550_071_728_321 => 7,
        341_550_071_728_321..3_825_123_056_546_413_051 => 9,
        _ => WITNESSES.len(),
    };
    let mont = Montgomery::new(n);
    let one = mont.one();
    let minus_one = mont.to_mont(n - 1);
    let shift = (n - 1).trailing_zeros();
    let odd = (n - 1) >> shift;
    'witness: for &base in &WITNESSES[..bases] {
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

/// Trial division by the primes below 1000, so tiny factors (including 2,
/// which Montgomery arithmetic cannot handle) never reach ECM or rho.
/// Returns the smallest such prime factor below `n`.
fn small_divisor(n: u64) -> Option<u64> {
    if n % 2 == 0 {
        return (n > 2).then_some(2);
    }
    // `n` is a multiple of the odd `p` iff `n · p⁻¹ mod 2^64 ≤ ⌊(2^64 − 1)/p⌋`:
    // one multiplication per prime instead of a division.
    SMALL_PRIMES
        .iter()
        .find(|&&(p, inverse, limit)| n.wrapping_mul(inverse) <= limit && p < n)
        .map(|&(p, _, _)| p)
}

/// The odd primes below 1000 as `(p, p⁻¹ mod 2^64, ⌊(2^64 − 1)/p⌋)`.
const SMALL_PRIMES: [(u64, u64, u64); 167] = small_primes();

const fn small_primes() -> [(u64, u64, u64); 167] {
    let mut out = [(0, 0, 0); 167];
    let mut k = 0;
    let mut p = 3;
    while p < 1000 {
        if const_is_prime(p) {
            // Newton's iteration for p⁻¹ mod 2^64, as in `Montgomery::new`.
            let mut inverse = p;
            let mut i = 0;
            while i < 5 {
                inverse = inverse.wrapping_mul(2u64.wrapping_sub(p.wrapping_mul(inverse)));
                i += 1;
            }
            out[k] = (p, inverse, u64::MAX / p);
            k += 1;
        }
        p += 2;
    }
    assert!(k == 167);
    out
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
    /// `R mod n`: 1 in Montgomery form.
    r1: u64,
    /// `R^2 mod n`, to convert into Montgomery form with one multiplication.
    r2: u64,
}

impl Montgomery {
    fn new(n: u64) -> Self {
        debug_assert!(n % 2 == 1);
        // Newton's iteration doubles the correct low bits: 3 → 6 → … → 96.
        let mut inv = n;
        for _ in 0..5 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n.wrapping_mul(inv)));
        }
        let r1 = ((1u128 << 64) % u128::from(n)) as u64;
        let r2 = ((u128::from(r1) * u128::from(r1)) % u128::from(n)) as u64;
        Self {
            n,
            n_inv: inv,
            r1,
            r2,
        }
    }

    /// `a` (any `u64`) into Montgomery form.
    #[inline(always)]
    fn to_mont(&self, a: u64) -> u64 {
        self.mul(a, self.r2)
    }

    /// Out of Montgomery form.
    #[inline(always)]
    fn out_of_mont(&self, a: u64) -> u64 {
        self.mul(a, 1)
    }

    #[inline(always)]
    fn one(&self) -> u64 {
        self.r1
    }

    /// `a * b / R mod n` for `b < n` (and any `a`; `a < n` gives a result `< n`).
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

    #[inline(always)]
    fn sub(&self, a: u64, b: u64) -> u64 {
        let (d, borrow) = a.overflowing_sub(b);
        if borrow { d.wrapping_add(self.n) } else { d }
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

// ---------------------------------------------------------------------------
// Lenstra's elliptic-curve method.
// ---------------------------------------------------------------------------

/// Stage 1 bound: the curve's point is multiplied by every prime power up to it.
const ECM_B1: u64 = 200;
/// Stage 2 bound: one more prime in `(ECM_B1, ECM_B2]` is allowed in the group order.
const ECM_B2: u64 = 6000;
/// Curves run side by side (interleaved in the instruction stream).
const ECM_LANES: usize = 2;
/// Curves to try before falling back to Pollard's rho. A `pq` with ~31-bit
/// factors needs about four on average and almost never more than thirty.
const ECM_MAX_CURVES: u64 = 128;
/// First Suyama parameter; `σ ∈ {0, ±1, ±3, ±5, ±5/3}` give singular curves.
const ECM_FIRST_SIGMA: u64 = 6;

/// Stage 2 giant-step distance: 2·3·5·7.
const D: u64 = 210;
/// Baby steps: odd `j < D/2` coprime to `D` (φ(210)/2 of them).
const BABY_COUNT: usize = 24;
const BABIES: [u64; BABY_COUNT] = babies();
/// Giant steps `m·D` for `m` in `1..GIANT_COUNT` reach just past `ECM_B2`.
const GIANT_COUNT: usize = (ECM_B2 / D + 2) as usize;
/// Bit `b` of `GIANT_MASKS[m]`: `m·D ± BABIES[b]` includes a prime in
/// `(ECM_B1, ECM_B2]`.
const GIANT_MASKS: [u32; GIANT_COUNT] = giant_masks();
/// The stage 1 multiplier, little-endian 64-bit words.
const STAGE1_WORDS: usize = 8;
const STAGE1: [u64; STAGE1_WORDS] = stage1_scalar();
const STAGE1_BITS: u32 = bit_length(&STAGE1);

// The baby/giant decomposition covers stage 2 only if B1 is past D/2 and a
// baby set fits a `u32` mask.
const _: () = assert!(ECM_B1 >= D / 2 && ECM_B1 < ECM_B2 && BABY_COUNT <= 32);

const fn const_gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

const fn const_is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 1;
    }
    true
}

const fn babies() -> [u64; BABY_COUNT] {
    let mut out = [0; BABY_COUNT];
    let mut k = 0;
    let mut j = 1;
    while j < D / 2 {
        if const_gcd(j, D) == 1 {
            out[k] = j;
            k += 1;
        }
        j += 2;
    }
    assert!(k == BABY_COUNT);
    out
}

const fn in_stage2(p: u64) -> bool {
    p > ECM_B1 && p <= ECM_B2 && const_is_prime(p)
}

const fn giant_masks() -> [u32; GIANT_COUNT] {
    let mut masks = [0; GIANT_COUNT];
    let mut m = 1;
    while m < GIANT_COUNT {
        let mut b = 0;
        while b < BABY_COUNT {
            let centre = m as u64 * D;
            if in_stage2(centre - BABIES[b]) || in_stage2(centre + BABIES[b]) {
                masks[m] |= 1 << b;
            }
            b += 1;
        }
        m += 1;
    }
    masks
}

const fn stage1_scalar() -> [u64; STAGE1_WORDS] {
    let mut k = [0; STAGE1_WORDS];
    k[0] = 1;
    let mut p = 2;
    while p <= ECM_B1 {
        if const_is_prime(p) {
            let mut power = p;
            while power * p <= ECM_B1 {
                power *= p;
            }
            let mut carry = 0u128;
            let mut i = 0;
            while i < STAGE1_WORDS {
                let t = k[i] as u128 * power as u128 + carry;
                k[i] = t as u64;
                carry = t >> 64;
                i += 1;
            }
            assert!(carry == 0, "STAGE1_WORDS too small for ECM_B1");
        }
        p += 1;
    }
    k
}

const fn bit_length(words: &[u64]) -> u32 {
    let mut i = words.len();
    while i > 0 {
        i -= 1;
        if words[i] != 0 {
            return 64 * i as u32 + (64 - words[i].leading_zeros());
        }
    }
    0
}

/// `a^-1 mod n` for `a < n`, or `Err(gcd(a, n))` if there is none.
fn inverse(a: u64, n: u64) -> core::result::Result<u64, u64> {
    // Extended Euclid; the Bézout coefficients stay within ±n.
    let (mut r0, mut r1) = (n, a);
    let (mut t0, mut t1) = (0i128, 1i128);
    while r1 != 0 {
        let q = r0 / r1;
        (r0, r1) = (r1, r0 - q * r1);
        (t0, t1) = (t1, t0 - i128::from(q) * t1);
    }
    if r0 == 1 {
        Ok(t0.rem_euclid(i128::from(n)) as u64)
    } else {
        Err(r0)
    }
}

/// `L` projective x-only points `(X : Z)`, one per curve, in Montgomery form.
#[derive(Clone, Copy)]
struct Points<const L: usize> {
    x: [u64; L],
    z: [u64; L],
}

impl<const L: usize> Points<L> {
    /// Swap `a` and `b` if `swap` is 1 (branch-free: ladder bits are random).
    #[inline(always)]
    fn cswap(a: &mut Self, b: &mut Self, swap: u64) {
        let mask = swap.wrapping_neg();
        for i in 0..L {
            let tx = (a.x[i] ^ b.x[i]) & mask;
            let tz = (a.z[i] ^ b.z[i]) & mask;
            a.x[i] ^= tx;
            b.x[i] ^= tx;
            a.z[i] ^= tz;
            b.z[i] ^= tz;
        }
    }
}

/// `2P` on `B·y² = x³ + A·x² + x`, with `a24 = (A + 2) / 4` (5 multiplications).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lanes are indexed in lockstep
fn xdbl<const L: usize>(m: &Montgomery, p: &Points<L>, a24: &[u64; L]) -> Points<L> {
    let mut out = *p;
    for i in 0..L {
        let s = m.add(p.x[i], p.z[i]);
        let d = m.sub(p.x[i], p.z[i]);
        let ss = m.mul(s, s);
        let dd = m.mul(d, d);
        let t = m.sub(ss, dd); // 4·X·Z
        out.x[i] = m.mul(ss, dd);
        out.z[i] = m.mul(t, m.add(dd, m.mul(a24[i], t)));
    }
    out
}

/// `P + Q` given `P − Q` (6 multiplications).
#[inline(always)]
fn xadd<const L: usize>(
    m: &Montgomery,
    p: &Points<L>,
    q: &Points<L>,
    diff: &Points<L>,
) -> Points<L> {
    let mut out = *p;
    for i in 0..L {
        let u = m.mul(m.sub(p.x[i], p.z[i]), m.add(q.x[i], q.z[i]));
        let v = m.mul(m.add(p.x[i], p.z[i]), m.sub(q.x[i], q.z[i]));
        let s = m.add(u, v);
        let t = m.sub(u, v);
        out.x[i] = m.mul(diff.z[i], m.mul(s, s));
        out.z[i] = m.mul(diff.x[i], m.mul(t, t));
    }
    out
}

/// `P + Q` given `P − Q = (diff_x : 1)` (5 multiplications).
#[inline(always)]
#[allow(clippy::needless_range_loop)] // lanes are indexed in lockstep
fn xadd_affine<const L: usize>(
    m: &Montgomery,
    p: &Points<L>,
    q: &Points<L>,
    diff_x: &[u64; L],
) -> Points<L> {
    let mut out = *p;
    for i in 0..L {
        let u = m.mul(m.sub(p.x[i], p.z[i]), m.add(q.x[i], q.z[i]));
        let v = m.mul(m.add(p.x[i], p.z[i]), m.sub(q.x[i], q.z[i]));
        let s = m.add(u, v);
        let t = m.sub(u, v);
        out.x[i] = m.mul(s, s);
        out.z[i] = m.mul(diff_x[i], m.mul(t, t));
    }
    out
}

/// ECM on an odd `n` with no prime factor below 1000 that is not a prime
/// (callers check): a non-trivial divisor, or `None` after
/// [`ECM_MAX_CURVES`] curves.
fn ecm(n: u64) -> Option<u64> {
    let mont = Montgomery::new(n);
    let mut sigma = ECM_FIRST_SIGMA;
    while sigma < ECM_FIRST_SIGMA + ECM_MAX_CURVES {
        if let Some(divisor) = ecm_curves::<ECM_LANES>(&mont, sigma) {
            return Some(divisor);
        }
        sigma += ECM_LANES as u64;
    }
    None
}

/// Run both ECM stages on the `L` curves with Suyama parameters
/// `sigma, sigma + 1, …`.
fn ecm_curves<const L: usize>(m: &Montgomery, sigma: u64) -> Option<u64> {
    let n = m.n;
    // Suyama: u = σ² − 5, v = 4σ, start at x = u³/v³ on the curve with
    // a24 = (A + 2)/4 = (v − u)³(3u + v) / (16u³v). One inversion of
    // den = 16u³v⁴ (shared by all lanes, Montgomery's trick) gives both.
    let mut numer = [0u64; L]; // (v − u)³(3u + v)
    let mut u3 = [0u64; L];
    let mut w = [0u64; L]; // 16u³v
    let mut den = [0u64; L];
    let five = m.to_mont(5);
    let sixteen = m.to_mont(16);
    for i in 0..L {
        let s = m.to_mont(sigma + i as u64);
        let u = m.sub(m.mul(s, s), five);
        let two_s = m.add(s, s);
        let v = m.add(two_s, two_s);
        u3[i] = m.mul(m.mul(u, u), u);
        let v3 = m.mul(m.mul(v, v), v);
        let v_minus_u = m.sub(v, u);
        let three_u_plus_v = m.add(m.add(u, u), m.add(u, v));
        numer[i] = m.mul(
            m.mul(m.mul(v_minus_u, v_minus_u), v_minus_u),
            m.mul(three_u_plus_v, v3),
        );
        w[i] = m.mul(sixteen, m.mul(u3[i], v));
        den[i] = m.mul(w[i], v3);
    }
    // prefix[i] = den[0]·…·den[i]
    let mut prefix = den;
    for i in 1..L {
        prefix[i] = m.mul(prefix[i - 1], den[i]);
    }
    let mut inv = match inverse(m.out_of_mont(prefix[L - 1]), n) {
        Ok(inv) => m.to_mont(inv),
        // A shared factor with some denominator: usually the answer itself.
        Err(g) => return (g != n).then_some(g),
    };
    let mut x0 = [0u64; L];
    let mut a24 = [0u64; L];
    for i in (0..L).rev() {
        let den_inv = if i == 0 {
            inv
        } else {
            m.mul(inv, prefix[i - 1])
        };
        inv = m.mul(inv, den[i]);
        x0[i] = m.mul(m.mul(u3[i], w[i]), den_inv); // u³/v³
        a24[i] = m.mul(numer[i], den_inv);
    }

    // Stage 1: Q = [k]P0 for k = STAGE1, by a Montgomery ladder whose
    // difference P0 has Z = 1.
    let p0 = Points {
        x: x0,
        z: [m.one(); L],
    };
    let mut r0 = p0;
    let mut r1 = xdbl(m, &p0, &a24);
    let mut swapped = 0u64;
    for b in (0..STAGE1_BITS - 1).rev() {
        let bit = (STAGE1[(b / 64) as usize] >> (b % 64)) & 1;
        Points::cswap(&mut r0, &mut r1, bit ^ swapped);
        swapped = bit;
        r1 = xadd_affine(m, &r0, &r1, &x0);
        r0 = xdbl(m, &r0, &a24);
    }
    Points::cswap(&mut r0, &mut r1, swapped);
    let q = r0;

    // Montgomery form multiplies by a unit, so gcds need no conversion.
    let mut live = [true; L];
    for (alive, &z) in live.iter_mut().zip(&q.z) {
        match gcd(z, n) {
            1 => {}
            g if g == n => *alive = false,
            g => return Some(g),
        }
    }
    if !live.contains(&true) {
        return None;
    }

    // Stage 2 baby steps: [j]Q for the odd j < D/2 coprime to D, with X·Z.
    let mut baby_x = [[0u64; L]; BABY_COUNT];
    let mut baby_z = [[0u64; L]; BABY_COUNT];
    let mut baby_xz = [[0u64; L]; BABY_COUNT];
    let q2 = xdbl(m, &q, &a24);
    let mut prev = q;
    let mut cur = q;
    let mut j = 1;
    let mut k = 0;
    loop {
        if k < BABY_COUNT && BABIES[k] == j {
            baby_x[k] = cur.x;
            baby_z[k] = cur.z;
            baby_xz[k] = core::array::from_fn(|i| m.mul(cur.x[i], cur.z[i]));
            k += 1;
        }
        if j >= D / 2 {
            break;
        }
        let next = if j == 1 {
            xadd(m, &q2, &q, &q)
        } else {
            xadd(m, &cur, &q2, &prev)
        };
        prev = cur;
        cur = next;
        j += 2;
    }
    // cur = [D/2]Q (D/2 = 105 is odd).
    let giant = xdbl(m, &cur, &a24);

    // Giant steps [mD]Q: accumulate X_m·Z_j − X_j·Z_m for every pair that
    // covers a stage 2 prime, as (X_m − X_j)(Z_m + Z_j) − X_m·Z_m + X_j·Z_j.
    let mut acc = [m.one(); L];
    let mut g_prev = giant;
    let mut g_cur = giant;
    for (step, &mask) in GIANT_MASKS.iter().enumerate().skip(1) {
        let g_xz: [u64; L] = core::array::from_fn(|i| m.mul(g_cur.x[i], g_cur.z[i]));
        let mut bits = mask;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            for i in 0..L {
                let t = m.mul(
                    m.sub(g_cur.x[i], baby_x[b][i]),
                    m.add(g_cur.z[i], baby_z[b][i]),
                );
                acc[i] = m.mul(acc[i], m.add(m.sub(t, g_xz[i]), baby_xz[b][i]));
            }
        }
        if step + 1 < GIANT_COUNT {
            let next = if step == 1 {
                xdbl(m, &g_cur, &a24)
            } else {
                xadd(m, &g_cur, &giant, &g_prev)
            };
            g_prev = g_cur;
            g_cur = next;
        }
    }
    (0..L)
        .filter(|&i| live[i])
        .map(|i| gcd(acc[i], n))
        .find(|&g| g != 1 && g != n)
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

    #[test]
    fn ecm_finds_factors_of_many_shapes() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let mut prime = |bits: u32| random_prime(&mut rng, bits);
        // (bits of p, bits of q): server-sized, balanced near 2^64, unbalanced.
        for (pb, qb) in [(30, 31), (31, 31), (31, 32), (20, 40), (24, 38), (12, 50)] {
            for _ in 0..40 {
                let (p, q) = (prime(pb - 1), prime(qb - 1));
                let n = p * q;
                let d = ecm(n).unwrap_or_else(|| panic!("ecm failed on {n} = {p} * {q}"));
                assert!(d == p || d == q, "{n}: {d}");
                assert_eq!(factorize(n), Ok((p.min(q), p.max(q))));
            }
        }
        // Above 2^63 (the Montgomery code must handle every odd u64).
        let n = 4_294_967_279u64 * 4_294_967_291;
        assert!(n > 1 << 63);
        assert!(matches!(ecm(n), Some(4_294_967_279 | 4_294_967_291)));
    }

    #[test]
    fn rho_fallback_still_factorises() {
        let n = 0x17ED48941A08F981;
        let d = (1..=MAX_RHO_ATTEMPTS).find_map(|c| pollard_brent(n, c));
        assert!(matches!(d, Some(0x494C553B | 0x53911073)), "{d:?}");
    }

    #[test]
    fn stage2_tables_cover_every_prime() {
        let babies: Vec<u64> = (1..D / 2)
            .step_by(2)
            .filter(|&j| const_gcd(j, D) == 1)
            .collect();
        assert_eq!(babies, BABIES);
        for p in (ECM_B1 + 1..=ECM_B2).filter(|&p| is_prime(p)) {
            let (m, r) = (p / D, p % D);
            let (m, j) = if r < D / 2 { (m, r) } else { (m + 1, D - r) };
            let b = BABIES.iter().position(|&x| x == j).expect("baby step");
            assert!(GIANT_MASKS[m as usize] & (1 << b) != 0, "prime {p}");
        }
        // The stage 1 multiplier is lcm(1..=B1).
        let mut k = [0u64; STAGE1_WORDS];
        k[0] = 1;
        for p in (2..=ECM_B1).filter(|&p| is_prime(p)) {
            let mut power = p;
            while power * p <= ECM_B1 {
                power *= p;
            }
            let mut carry = 0u128;
            for word in &mut k {
                let t = u128::from(*word) * u128::from(power) + carry;
                *word = t as u64;
                carry = t >> 64;
            }
        }
        assert_eq!(k, STAGE1);
        assert!(STAGE1_BITS > 64 * (STAGE1_WORDS as u32 - 4));
    }

    #[test]
    fn modular_inverse() {
        let n = 0x17ED48941A08F981u64;
        for a in [1u64, 2, 3, 12345, n - 1, 0x494C553B - 1] {
            let inv = inverse(a, n).unwrap();
            assert_eq!((u128::from(a) * u128::from(inv) % u128::from(n)) as u64, 1);
        }
        assert_eq!(inverse(0x494C553B * 5, n), Err(0x494C553B));
        assert_eq!(inverse(0, n), Err(n));
    }

    #[test]
    fn small_divisor_matches_trial_division() {
        let naive = |n: u64| (2..1000u64).find(|&d| n % d == 0 && d < n);
        for n in (0..20_000u64).chain([
            997 * 991,
            997 * 1_000_003,
            1_000_003 * 1_000_033,
            u64::MAX,
            u64::MAX - 1,
        ]) {
            assert_eq!(small_divisor(n), naive(n), "{n}");
        }
    }

    #[test]
    fn primality_at_witness_set_boundaries() {
        // Each bound where fewer bases stop being enough is itself a strong
        // pseudoprime to all the smaller set's bases.
        for spsp in [
            2_047u64,
            1_373_653,
            25_326_001,
            3_215_031_751,
            2_152_302_898_747,
            3_474_749_660_383,
            341_550_071_728_321,
            3_825_123_056_546_413_051,
        ] {
            assert!(!is_prime(spsp), "{spsp}");
        }
        let sieve_limit = 200_000usize;
        let mut composite = vec![false; sieve_limit];
        for i in 2..sieve_limit {
            if !composite[i] {
                for j in (i * i..sieve_limit).step_by(i) {
                    composite[j] = true;
                }
            }
            assert_eq!(is_prime(i as u64), !composite[i], "{i}");
        }
    }
}

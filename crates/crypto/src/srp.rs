//! SRP for two-step verification (the 2FA password), both sides.
//!
//! Telegram checks a 2FA password with SRP-6a over a 2048-bit DH group and
//! the KDF `passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`
//! (core.telegram.org/api/srp). With `H = SHA256`, `|` concatenation and
//! numbers padded to 256 bytes before hashing:
//!
//! ```text
//! SH(data, salt)        = H(salt | data | salt)
//! PH1(password, s1, s2) = SH(SH(password, s1), s2)
//! PH2(password, s1, s2) = SH(PBKDF2-HMAC-SHA512(PH1, s1, 100000), s2)
//! x = PH2 (as a number)      v = g^x mod p            k = H(p | g)
//! client: A = g^a mod p      u = H(A | B)             g_b = (B - k*v) mod p
//!         S = g_b^(a + u*x) mod p                     K = H(S)
//!         M1 = H(H(p) xor H(g) | H(s1) | H(s2) | A | B | K)
//! server: B = (k*v + g^b) mod p,   S = (A * v^u)^b mod p
//! ```
//!
//! [`password_hash`] is the slow part (100 000 PBKDF2 rounds); everything
//! else takes the resulting [`PasswordHash`], so it can be computed once.
//! The client side is [`client_answer`] (the `A` and `M1` of
//! `inputCheckPasswordSRP`); the server side is [`compute_verifier`] (at
//! registration) and [`SrpServer`] (at login).
//!
//! ```
//! use paperplane_crypto::dh::DhParams;
//! use paperplane_crypto::srp::{self, SrpParams, SrpServer};
//!
//! let mut rng = rand_core::OsRng;
//! let params = SrpParams::with_dh(b"salt one", b"salt two", DhParams::telegram());
//!
//! // Registration: the server stores only the verifier. (`password_hash`
//! // runs the 100 000-round KDF; this example uses a cached hash instead.)
//! # let _ = || params.password_hash(b"hunter2");
//! let hash = srp::PasswordHash::from_bytes([7; 32]);
//! let verifier = srp::compute_verifier(&params, &hash);
//!
//! // Login: the server sends B, the client answers (A, M1), the server checks M1.
//! let server = SrpServer::generate(params.clone(), &verifier, &mut rng)?;
//! let answer = srp::client_answer_with_rng(&params, &hash, server.srp_b(), &mut rng)?;
//! server.verify(&answer.a, &answer.m1)?;
//! # Ok::<(), paperplane_crypto::Error>(())
//! ```

use core::fmt;

use num_bigint::BigUint;
use num_traits::Zero;
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::bigint::{SecretUint, from_be, to_be_fixed};
use crate::dh::{self, DH_LEN, DhParams, DhSecret};
use crate::error::{DhRange, DhValue, Error, Result};
use crate::hash::{pbkdf2_hmac_sha512, sha256};

/// PBKDF2 iterations of the `…iter100000…` KDF.
pub const PBKDF2_ITERATIONS: u32 = 100_000;

/// Attempts at drawing a usable random `a` or `b` (each fails with
/// probability ~2^-63).
const SECRET_ATTEMPTS: u32 = 16;

/// The parameters of `passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`:
/// two salts and a validated DH group.
#[derive(Clone, PartialEq, Eq)]
pub struct SrpParams {
    salt1: Vec<u8>,
    salt2: Vec<u8>,
    dh: DhParams,
}

impl SrpParams {
    /// Validate the algorithm parameters from `account.password`: `g` and
    /// `p` get the same checks as the auth-key exchange's DH parameters
    /// ([`DhParams::new`]).
    pub fn new(salt1: &[u8], salt2: &[u8], g: u32, p: &[u8]) -> Result<Self> {
        Ok(Self::with_dh(salt1, salt2, DhParams::new(p, g)?))
    }

    /// Parameters over an already validated group.
    #[must_use]
    pub fn with_dh(salt1: &[u8], salt2: &[u8], dh: DhParams) -> Self {
        Self {
            salt1: salt1.to_vec(),
            salt2: salt2.to_vec(),
            dh,
        }
    }

    /// `salt1`.
    #[must_use]
    pub fn salt1(&self) -> &[u8] {
        &self.salt1
    }

    /// `salt2`.
    #[must_use]
    pub fn salt2(&self) -> &[u8] {
        &self.salt2
    }

    /// The DH group `(g, p)`.
    #[must_use]
    pub fn dh(&self) -> &DhParams {
        &self.dh
    }

    /// `PH2(password, salt1, salt2)`: see [`password_hash`].
    #[must_use]
    pub fn password_hash(&self, password: &[u8]) -> PasswordHash {
        password_hash(password, &self.salt1, &self.salt2)
    }
}

impl fmt::Debug for SrpParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpParams")
            .field("salt1_len", &self.salt1.len())
            .field("salt2_len", &self.salt2.len())
            .field("dh", &self.dh)
            .finish()
    }
}

/// `x = PH2(password, salt1, salt2)`: the password-derived SRP secret.
/// Wiped on drop, never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct PasswordHash([u8; 32]);

impl PasswordHash {
    /// Wrap a previously computed hash (for caching the slow KDF).
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The hash bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(..)")
    }
}

/// `SH(data, salt) = H(salt | data | salt)`.
fn salted_hash(data: &[u8], salt: &[u8]) -> [u8; 32] {
    sha256(&[salt, data, salt])
}

/// `PH1(password, salt1, salt2) = SH(SH(password, salt1), salt2)`.
#[must_use]
pub fn ph1(password: &[u8], salt1: &[u8], salt2: &[u8]) -> Zeroizing<[u8; 32]> {
    let inner = Zeroizing::new(salted_hash(password, salt1));
    Zeroizing::new(salted_hash(inner.as_ref(), salt2))
}

/// `PH2(password, salt1, salt2) =
/// SH(pbkdf2(sha512, PH1(password, salt1, salt2), salt1, 100000), salt2)`.
///
/// Takes ~50–100 ms in an optimised build; cache the result.
#[must_use]
pub fn password_hash(password: &[u8], salt1: &[u8], salt2: &[u8]) -> PasswordHash {
    let first = ph1(password, salt1, salt2);
    let stretched = Zeroizing::new(pbkdf2_hmac_sha512(first.as_ref(), salt1, PBKDF2_ITERATIONS));
    PasswordHash(salted_hash(stretched.as_ref(), salt2))
}

/// The verifier `v = g^x mod p`, padded to 256 bytes.
///
/// A server stores it instead of the password; a client sends it as
/// `new_password_hash` when setting a password. Wiped on drop.
#[must_use]
pub fn compute_verifier(params: &SrpParams, hash: &PasswordHash) -> Zeroizing<[u8; DH_LEN]> {
    let v = verifier_number(params, hash);
    // v < p, so it always fits in 256 bytes.
    Zeroizing::new(to_be_fixed(&v).unwrap_or([0u8; DH_LEN]))
}

/// `v = g^x mod p`: as good as the password against an offline search, so
/// kept in a [`SecretUint`].
fn verifier_number(params: &SrpParams, hash: &PasswordHash) -> SecretUint {
    let x = SecretUint::from_be(&hash.0);
    SecretUint::new(BigUint::from(params.dh.g()).modpow(&x, params.dh.prime()))
}

/// What the client sends in `inputCheckPasswordSRP`: `A` and `M1`.
#[derive(Clone, PartialEq, Eq)]
pub struct SrpAnswer {
    /// `A = g^a mod p`, 256 bytes.
    pub a: [u8; DH_LEN],
    /// The proof `M1`.
    pub m1: [u8; 32],
}

impl fmt::Debug for SrpAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SrpAnswer { .. }")
    }
}

/// The numbers both sides hash, padded to 256 bytes.
struct Transcript {
    p: [u8; DH_LEN],
    g: [u8; DH_LEN],
}

impl Transcript {
    fn new(params: &SrpParams) -> Self {
        let mut g = [0u8; DH_LEN];
        g[DH_LEN - 4..].copy_from_slice(&params.dh.g().to_be_bytes());
        Self {
            p: *params.dh.prime_bytes(),
            g,
        }
    }

    /// `k = H(p | g)`.
    fn k(&self) -> BigUint {
        from_be(&sha256(&[&self.p, &self.g]))
    }

    /// `u = H(A | B)`.
    fn u(a: &[u8; DH_LEN], b: &[u8; DH_LEN]) -> BigUint {
        from_be(&sha256(&[a, b]))
    }

    /// `M1 = H(H(p) xor H(g) | H(salt1) | H(salt2) | A | B | K)`.
    fn m1(&self, params: &SrpParams, a: &[u8; DH_LEN], b: &[u8; DH_LEN], k: &[u8; 32]) -> [u8; 32] {
        let hp = sha256(&[&self.p]);
        let hg = sha256(&[&self.g]);
        let mut mixed = [0u8; 32];
        for ((out, x), y) in mixed.iter_mut().zip(hp).zip(hg) {
            *out = x ^ y;
        }
        sha256(&[
            &mixed,
            &sha256(&[&params.salt1]),
            &sha256(&[&params.salt2]),
            a,
            b,
            k,
        ])
    }
}

/// `K = H(S)` with `S` padded to 256 bytes.
fn session_key(s: &BigUint) -> Zeroizing<[u8; 32]> {
    let padded = Zeroizing::new(to_be_fixed::<DH_LEN>(s).unwrap_or([0u8; DH_LEN]));
    Zeroizing::new(sha256(&[padded.as_ref()]))
}

/// Compute the client's answer `(A, M1)` to the server's `srp_B` with the
/// secret `a` given (use [`client_answer_with_rng`] to draw it).
///
/// Checks, as the official clients do: `0 < B < p`
/// ([`DhValue::SrpB`]); `A` in the DH safe range ([`DhValue::SrpA`]);
/// `u ≠ 0` ([`Error::SrpZeroU`]); and `g_b = B - k*v mod p` in the DH safe
/// range ([`DhValue::SrpGB`]). The group itself was checked when `params`
/// was built.
pub fn client_answer(
    params: &SrpParams,
    hash: &PasswordHash,
    srp_b: &[u8],
    a: &DhSecret,
) -> Result<SrpAnswer> {
    let p = params.dh.prime();
    let b_num = from_be(srp_b);
    if b_num.is_zero() {
        return Err(Error::DhValueOutOfRange {
            value: DhValue::SrpB,
            range: DhRange::TooSmall,
        });
    }
    let b_bytes: [u8; DH_LEN] = match to_be_fixed(&b_num) {
        Some(bytes) if &b_num < p => bytes,
        _ => {
            return Err(Error::DhValueOutOfRange {
                value: DhValue::SrpB,
                range: DhRange::TooLarge,
            });
        }
    };

    let a_secret = SecretUint::from_be(a.as_bytes());
    let a_pub = BigUint::from(params.dh.g()).modpow(&a_secret, p);
    dh::check_range(&a_pub, p, DhValue::SrpA)?;
    let a_bytes: [u8; DH_LEN] = to_be_fixed(&a_pub).ok_or(Error::DhValueOutOfRange {
        value: DhValue::SrpA,
        range: DhRange::TooLarge,
    })?;

    let transcript = Transcript::new(params);
    let u = Transcript::u(&a_bytes, &b_bytes);
    if u.is_zero() {
        return Err(Error::SrpZeroU);
    }

    // Every number from here on derives from the password or from `a`.
    let x = SecretUint::from_be(&hash.0);
    let k_times_v = SecretUint::new(transcript.k() * &*verifier_number(params, hash));
    let kv = SecretUint::new(&*k_times_v % p);
    let b_plus_p = SecretUint::new(&b_num + p);
    let difference = SecretUint::new(&*b_plus_p - &*kv);
    let g_b = SecretUint::new(&*difference % p);
    dh::check_range(&g_b, p, DhValue::SrpGB)?;

    let u_times_x = SecretUint::new(&u * &*x);
    let exponent = SecretUint::new(&*a_secret + &*u_times_x);
    let s = SecretUint::new(g_b.modpow(&exponent, p));
    let k = session_key(&s);
    let m1 = transcript.m1(params, &a_bytes, &b_bytes, &k);
    Ok(SrpAnswer { a: a_bytes, m1 })
}

/// [`client_answer`] with `a` drawn from `rng`, redrawn in the
/// (astronomically rare) cases where `A` fails its range check or `u = 0`.
/// Errors about `B` are returned at once.
pub fn client_answer_with_rng<R: RngCore + CryptoRng>(
    params: &SrpParams,
    hash: &PasswordHash,
    srp_b: &[u8],
    rng: &mut R,
) -> Result<SrpAnswer> {
    for _ in 0..SECRET_ATTEMPTS {
        match client_answer(params, hash, srp_b, &DhSecret::random(rng)) {
            Err(Error::SrpZeroU)
            | Err(Error::DhValueOutOfRange {
                value: DhValue::SrpA,
                ..
            }) => continue,
            other => return other,
        }
    }
    Err(Error::RetriesExhausted {
        what: "an SRP secret a",
        attempts: SECRET_ATTEMPTS,
    })
}

/// The server's side of one SRP login: holds the verifier and the secret
/// `b`, publishes `B`, and checks the client's `M1`.
#[derive(Clone)]
pub struct SrpServer {
    params: SrpParams,
    verifier: Zeroizing<[u8; DH_LEN]>,
    b: DhSecret,
    srp_b: [u8; DH_LEN],
}

impl SrpServer {
    /// Start a login with the stored `verifier` and the secret `b`:
    /// computes `B = (k*v + g^b) mod p`. Fails if `g^b` is outside the DH
    /// safe range (a client would refuse it) or `B` is 0.
    pub fn new(params: SrpParams, verifier: &[u8; DH_LEN], b: DhSecret) -> Result<Self> {
        let p = params.dh.prime();
        let exponent = SecretUint::from_be(b.as_bytes());
        let g_b = SecretUint::new(BigUint::from(params.dh.g()).modpow(&exponent, p));
        dh::check_range(&g_b, p, DhValue::SrpGB)?;
        let k = Transcript::new(&params).k();
        let v = SecretUint::from_be(verifier);
        let kv = SecretUint::new(k * &*v);
        let sum = SecretUint::new(&*kv + &*g_b);
        let big_b = &*sum % p;
        if big_b.is_zero() {
            return Err(Error::DhValueOutOfRange {
                value: DhValue::SrpB,
                range: DhRange::TooSmall,
            });
        }
        let srp_b = to_be_fixed(&big_b).unwrap_or([0u8; DH_LEN]);
        Ok(Self {
            params,
            verifier: Zeroizing::new(*verifier),
            b,
            srp_b,
        })
    }

    /// [`SrpServer::new`] with `b` drawn from `rng` (redrawn if unusable).
    pub fn generate<R: RngCore + CryptoRng>(
        params: SrpParams,
        verifier: &[u8; DH_LEN],
        rng: &mut R,
    ) -> Result<Self> {
        for _ in 0..SECRET_ATTEMPTS {
            if let Ok(server) = Self::new(params.clone(), verifier, DhSecret::random(rng)) {
                return Ok(server);
            }
        }
        Err(Error::RetriesExhausted {
            what: "an SRP secret b",
            attempts: SECRET_ATTEMPTS,
        })
    }

    /// `srp_B`, to send in `account.password`.
    #[must_use]
    pub fn srp_b(&self) -> &[u8; DH_LEN] {
        &self.srp_b
    }

    /// The parameters this login uses.
    #[must_use]
    pub fn params(&self) -> &SrpParams {
        &self.params
    }

    /// Check the client's `(A, M1)`. On success returns the shared session
    /// key `K = H(S)` (Telegram does not use it further, but it proves both
    /// sides derived the same `S`).
    ///
    /// Fails with [`DhValue::SrpA`] range errors for a bad `A`,
    /// [`Error::SrpZeroU`], or [`Error::SrpProofMismatch`] for a wrong
    /// password; `M1` is compared in constant time.
    pub fn verify(&self, a: &[u8], m1: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let p = self.params.dh.prime();
        let a_num = from_be(a);
        dh::check_range(&a_num, p, DhValue::SrpA)?;
        let a_bytes: [u8; DH_LEN] = to_be_fixed(&a_num).ok_or(Error::DhValueOutOfRange {
            value: DhValue::SrpA,
            range: DhRange::TooLarge,
        })?;
        let u = Transcript::u(&a_bytes, &self.srp_b);
        if u.is_zero() {
            return Err(Error::SrpZeroU);
        }
        let v = SecretUint::from_be(self.verifier.as_ref());
        let v_u = SecretUint::new(v.modpow(&u, p));
        let product = SecretUint::new(a_num * &*v_u);
        let base = SecretUint::new(&*product % p);
        let exponent = SecretUint::from_be(self.b.as_bytes());
        let s = SecretUint::new(base.modpow(&exponent, p));
        let k = session_key(&s);
        let expected = Transcript::new(&self.params).m1(&self.params, &a_bytes, &self.srp_b, &k);
        if crate::ct_eq(&expected, m1) {
            Ok(k)
        } else {
            Err(Error::SrpProofMismatch)
        }
    }
}

impl fmt::Debug for SrpServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrpServer")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dh::TELEGRAM_DH_PRIME;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn params() -> SrpParams {
        SrpParams::with_dh(b"first salt", b"second salt", DhParams::telegram())
    }

    // A fixed "password hash": the KDF itself is covered by the known-answer
    // test; here it would only slow the tests down.
    fn hash(tag: u8) -> PasswordHash {
        PasswordHash::from_bytes(sha256(&[b"password", &[tag]]))
    }

    #[test]
    fn client_and_server_agree() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let params = params();
        let verifier = compute_verifier(&params, &hash(1));
        let server = SrpServer::generate(params.clone(), &verifier, &mut rng).unwrap();
        let answer = client_answer_with_rng(&params, &hash(1), server.srp_b(), &mut rng).unwrap();
        assert!(server.verify(&answer.a, &answer.m1).is_ok());
    }

    #[test]
    fn wrong_password_is_refused() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let params = params();
        let verifier = compute_verifier(&params, &hash(1));
        let server = SrpServer::generate(params.clone(), &verifier, &mut rng).unwrap();
        let answer = client_answer_with_rng(&params, &hash(2), server.srp_b(), &mut rng).unwrap();
        assert!(matches!(
            server.verify(&answer.a, &answer.m1),
            Err(Error::SrpProofMismatch)
        ));
        // A tampered proof and a truncated one fail the same way.
        let good = client_answer_with_rng(&params, &hash(1), server.srp_b(), &mut rng).unwrap();
        let mut m1 = good.m1;
        m1[31] ^= 1;
        assert!(matches!(
            server.verify(&good.a, &m1),
            Err(Error::SrpProofMismatch)
        ));
        assert!(matches!(
            server.verify(&good.a, &good.m1[..31]),
            Err(Error::SrpProofMismatch)
        ));
        // Other salts change M1 even with the same numbers.
        let other = SrpParams::with_dh(b"other", b"second salt", DhParams::telegram());
        let server2 = SrpServer::new(other, &verifier, DhSecret::from_bytes([9; 256])).unwrap();
        let answer2 = client_answer(
            &params,
            &hash(1),
            server2.srp_b(),
            &DhSecret::from_bytes([8; 256]),
        )
        .unwrap();
        assert!(matches!(
            server2.verify(&answer2.a, &answer2.m1),
            Err(Error::SrpProofMismatch)
        ));
    }

    #[test]
    fn client_refuses_bad_b() {
        let params = params();
        let a = DhSecret::from_bytes([5; 256]);
        let p = from_be(&TELEGRAM_DH_PRIME);
        let err = |value, range| Err(Error::DhValueOutOfRange { value, range });
        assert_eq!(
            client_answer(&params, &hash(1), &[0], &a),
            err(DhValue::SrpB, DhRange::TooSmall)
        );
        assert_eq!(
            client_answer(&params, &hash(1), &[], &a),
            err(DhValue::SrpB, DhRange::TooSmall)
        );
        assert_eq!(
            client_answer(&params, &hash(1), &TELEGRAM_DH_PRIME, &a),
            err(DhValue::SrpB, DhRange::TooLarge)
        );
        let too_long = [&[1u8][..], &TELEGRAM_DH_PRIME[..]].concat();
        assert_eq!(
            client_answer(&params, &hash(1), &too_long, &a),
            err(DhValue::SrpB, DhRange::TooLarge)
        );
        // B = k*v + small: in range, but g_b = B - k*v is tiny.
        let k = Transcript::new(&params).k();
        let b = (k * &*verifier_number(&params, &hash(1)) + 5u32) % &p;
        assert_eq!(
            client_answer(&params, &hash(1), &b.to_bytes_be(), &a),
            err(DhValue::SrpGB, DhRange::TooCloseToZero)
        );
    }

    #[test]
    fn client_refuses_weak_a() {
        let params = params();
        let mut tiny = [0u8; 256];
        tiny[255] = 3;
        let b = [0x42u8; 256];
        assert_eq!(
            client_answer(&params, &hash(1), &b, &DhSecret::from_bytes(tiny)),
            Err(Error::DhValueOutOfRange {
                value: DhValue::SrpA,
                range: DhRange::TooCloseToZero
            })
        );
    }

    #[test]
    fn server_refuses_bad_a_and_weak_b() {
        let params = params();
        let verifier = compute_verifier(&params, &hash(1));
        let server =
            SrpServer::new(params.clone(), &verifier, DhSecret::from_bytes([7; 256])).unwrap();
        assert!(matches!(
            server.verify(&[1], &[0; 32]),
            Err(Error::DhValueOutOfRange {
                value: DhValue::SrpA,
                range: DhRange::TooSmall
            })
        ));
        let p_minus_1 = (from_be(&TELEGRAM_DH_PRIME) - 1u32).to_bytes_be();
        assert!(matches!(
            server.verify(&p_minus_1, &[0; 32]),
            Err(Error::DhValueOutOfRange {
                value: DhValue::SrpA,
                range: DhRange::TooLarge
            })
        ));
        let mut tiny = [0u8; 256];
        tiny[255] = 2;
        assert!(matches!(
            SrpServer::new(params, &verifier, DhSecret::from_bytes(tiny)),
            Err(Error::DhValueOutOfRange {
                value: DhValue::SrpGB,
                range: DhRange::TooCloseToZero
            })
        ));
    }

    #[test]
    fn params_are_validated() {
        assert_eq!(
            SrpParams::new(b"a", b"b", 2, &TELEGRAM_DH_PRIME),
            Err(Error::DhGeneratorNotResidue { g: 2 })
        );
        assert_eq!(
            SrpParams::new(b"a", b"b", 9, &TELEGRAM_DH_PRIME),
            Err(Error::DhGeneratorOutOfRange { g: 9 })
        );
        assert!(SrpParams::new(b"a", b"b", 3, &TELEGRAM_DH_PRIME).is_ok());
    }

    #[test]
    fn ph1_matches_its_definition() {
        let inner = sha256(&[b"s1", b"pw", b"s1"]);
        assert_eq!(*ph1(b"pw", b"s1", b"s2"), sha256(&[b"s2", &inner, b"s2"]));
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(format!("{:?}", hash(1)), "PasswordHash(..)");
        let params = params();
        let verifier = compute_verifier(&params, &hash(1));
        let server = SrpServer::new(params, &verifier, DhSecret::from_bytes([7; 256])).unwrap();
        let shown = format!("{server:?}");
        assert!(
            shown.starts_with("SrpServer { params: SrpParams { salt1_len: 10"),
            "{shown}"
        );
    }
}

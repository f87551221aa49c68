//! The crate's single error type.
//!
//! Everything in this crate that can be handed hostile input (a server's
//! reply, a file, a user's password) returns [`Error`] instead of panicking.
//! Variants are specific enough that a caller can tell *which* check failed,
//! which matters when deciding whether to retry the key exchange (a bad nonce
//! from a flaky network) or to give up (a server offering a weak DH prime).

use core::fmt;

/// Which value a Diffie-Hellman range check was applied to.
///
/// Used in [`Error::DhValueOutOfRange`] so the message names the offending
/// value without the caller having to wrap the error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DhValue {
    /// `g_a`: the server's public value in the auth-key exchange.
    GA,
    /// `g_b`: the client's public value in the auth-key exchange.
    GB,
    /// SRP's `A = g^a mod p`, sent by the client.
    SrpA,
    /// SRP's `B` as received by the client (`0 < B < p`).
    SrpB,
    /// SRP's `g_b = (B - k*v) mod p` derived by the client from `B`.
    SrpGB,
}

impl fmt::Display for DhValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DhValue::GA => "g_a",
            DhValue::GB => "g_b",
            DhValue::SrpA => "SRP A",
            DhValue::SrpB => "SRP B",
            DhValue::SrpGB => "SRP g_b (B - k*v)",
        })
    }
}

/// How a Diffie-Hellman value violated Telegram's security guidelines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DhRange {
    /// The value is not strictly greater than 1 (for SRP `B`: not greater than 0).
    TooSmall,
    /// The value is not strictly smaller than `dh_prime - 1` (for SRP `B`: `dh_prime`).
    TooLarge,
    /// The value is smaller than `2^(2048-64)`.
    TooCloseToZero,
    /// The value is larger than `dh_prime - 2^(2048-64)`.
    TooCloseToPrime,
}

impl fmt::Display for DhRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DhRange::TooSmall => "is not greater than 1",
            DhRange::TooLarge => "is not smaller than dh_prime - 1",
            DhRange::TooCloseToZero => "is smaller than 2^(2048-64)",
            DhRange::TooCloseToPrime => "is larger than dh_prime - 2^(2048-64)",
        })
    }
}

/// Errors returned by `paperplane-crypto`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A block-cipher buffer was not a whole number of 16-byte blocks.
    #[error("buffer of {len} bytes is not a multiple of the 16-byte AES block")]
    NotBlockAligned {
        /// The offending length.
        len: usize,
    },

    /// An input had the wrong size.
    #[error("{what} must be {expected} bytes, got {got}")]
    InvalidLength {
        /// What the input was.
        what: &'static str,
        /// The size required.
        expected: usize,
        /// The size given.
        got: usize,
    },

    /// After decrypting an MTProto message, the recomputed `msg_key` did not
    /// match the one in the packet: the message was forged, corrupted, or
    /// encrypted with another key or for the other direction.
    #[error(
        "msg_key mismatch: the message was not encrypted with this auth key for this direction"
    )]
    MsgKeyMismatch,

    /// Data to RSA-encrypt was longer than the padding scheme allows.
    #[error("RSA payload of {len} bytes is longer than the {max} bytes the padding allows")]
    RsaDataTooLong {
        /// Length of the data given.
        len: usize,
        /// Largest length the scheme allows.
        max: usize,
    },

    /// An RSA input (plaintext or ciphertext) was not smaller than the modulus.
    #[error("RSA input is not smaller than the modulus")]
    RsaInputTooLarge,

    /// The key's modulus is not the 2048 bits Telegram's padding schemes require.
    #[error("RSA modulus must be 2048 bits for Telegram's padding, got {bits}")]
    RsaModulusSize {
        /// The modulus size in bits.
        bits: u64,
    },

    /// `RSA_PAD` decryption: the SHA-256 inside the padding did not match.
    #[error("RSA_PAD hash check failed")]
    RsaPadHashMismatch,

    /// Old SHA-1 padding: the decrypted block does not start with a zero byte,
    /// or the SHA-1 of the data does not match.
    #[error("SHA-1 padded RSA payload failed its check")]
    RsaSha1Mismatch,

    /// Too many attempts were needed to find a padding smaller than the modulus
    /// (practically impossible with a real random source).
    #[error("gave up after {attempts} attempts to produce an RSA_PAD block below the modulus")]
    RsaPadRetriesExhausted {
        /// How many attempts were made.
        attempts: u32,
    },

    /// An RSA key is mathematically inconsistent or unusable.
    #[error("invalid RSA key: {0}")]
    InvalidRsaKey(&'static str),

    /// RSA key generation was asked for an unsupported size.
    #[error("unsupported RSA key size {bits}: use an even size between 1024 and 4096 bits")]
    UnsupportedKeySize {
        /// The requested size.
        bits: u32,
    },

    /// A PEM document could not be parsed.
    #[error("invalid PEM: {0}")]
    InvalidPem(&'static str),

    /// A DER structure inside a PEM document could not be parsed.
    #[error("invalid DER: {0}")]
    InvalidDer(&'static str),

    /// `dh_prime` is not a 2048-bit number (`2^2047 < p < 2^2048` fails).
    #[error("dh_prime must have exactly 2048 bits, got {bits}")]
    DhPrimeSize {
        /// The size of the number received.
        bits: u64,
    },

    /// `dh_prime` is not prime.
    #[error("dh_prime is not prime")]
    DhPrimeNotPrime,

    /// `dh_prime` is prime but `(dh_prime - 1) / 2` is not: not a safe prime.
    #[error("dh_prime is not a safe prime: (dh_prime - 1) / 2 is not prime")]
    DhPrimeNotSafe,

    /// `g` is outside the `2..=7` range Telegram uses.
    #[error("DH generator g = {g} is not in 2..=7")]
    DhGeneratorOutOfRange {
        /// The generator received.
        g: u32,
    },

    /// `g` does not generate the subgroup of order `(p - 1) / 2`: the
    /// quadratic-residue condition on `p mod 4g` failed.
    #[error("DH generator g = {g} does not generate the prime-order subgroup for this dh_prime")]
    DhGeneratorNotResidue {
        /// The generator received.
        g: u32,
    },

    /// A DH public value (or SRP value) is outside the safe range.
    #[error("{value} {range}")]
    DhValueOutOfRange {
        /// Which value failed.
        value: DhValue,
        /// How it failed.
        range: DhRange,
    },

    /// The number to factorise is not a product of two distinct primes.
    #[error("pq = {pq} is not a product of two distinct primes")]
    PqNotSemiprime {
        /// The number received.
        pq: u64,
    },

    /// The `pq` byte string is longer than 8 bytes.
    #[error("pq of {len} bytes does not fit in 64 bits")]
    PqTooLarge {
        /// The byte length received.
        len: usize,
    },

    /// SRP: the scrambling parameter `u = H(A | B)` was zero.
    #[error("SRP scrambling parameter u is zero")]
    SrpZeroU,

    /// SRP: the client's proof `M1` did not match (wrong password).
    #[error("SRP proof M1 does not match: wrong password")]
    SrpProofMismatch,

    /// A random-retry loop gave up (the random source is broken).
    #[error("gave up after {attempts} random attempts while generating {what}")]
    RetriesExhausted {
        /// What was being generated.
        what: &'static str,
        /// How many attempts were made.
        attempts: u32,
    },
}

/// Shorthand for `Result<T, paperplane_crypto::Error>`.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_failure() {
        let e = Error::DhValueOutOfRange {
            value: DhValue::GA,
            range: DhRange::TooCloseToPrime,
        };
        assert_eq!(e.to_string(), "g_a is larger than dh_prime - 2^(2048-64)");
        assert_eq!(
            Error::NotBlockAligned { len: 17 }.to_string(),
            "buffer of 17 bytes is not a multiple of the 16-byte AES block"
        );
    }
}

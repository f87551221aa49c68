//! Hash helpers: SHA-1, SHA-256, SHA-512, PBKDF2-HMAC-SHA512 and CRC32.
//!
//! MTProto hashes concatenations everywhere (`SHA256(msg_key + substr(auth_key, x, 36))`,
//! `SHA1(new_nonce + server_nonce)`, …). The hash functions here take a list
//! of parts and feed them to one hasher, so callers never allocate a buffer
//! just to concatenate. The algorithms come from RustCrypto (`sha1`, `sha2`
//! — which use the CPU's SHA extensions when present — `pbkdf2`, `hmac`)
//! and `crc32fast`.
//!
//! ```
//! use paperplane_crypto::hash::{sha1, sha256};
//!
//! // Hashing parts is the same as hashing their concatenation.
//! assert_eq!(sha256(&[b"new", b"_nonce"]), sha256(&[b"new_nonce"]));
//! assert_eq!(
//!     sha1(&[b"abc"]),
//!     *b"\xa9\x99\x3e\x36\x47\x06\x81\x6a\xba\x3e\x25\x71\x78\x50\xc2\x6c\x9c\xd0\xd8\x9d"
//! );
//! ```

use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};

/// SHA-1 of the concatenation of `parts`.
///
/// SHA-1 survives in MTProto for `auth_key_id`, RSA key fingerprints, the
/// handshake's temporary AES key and the old RSA padding.
#[must_use]
pub fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// SHA-256 of the concatenation of `parts`.
///
/// The MTProto 2.0 hash: `msg_key`, the AES key/IV derivation, `RSA_PAD` and SRP.
#[must_use]
pub fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// SHA-512 of the concatenation of `parts`.
#[must_use]
pub fn sha512(parts: &[&[u8]]) -> [u8; 64] {
    let mut hasher = Sha512::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

/// PBKDF2 with HMAC-SHA512, producing one 64-byte block.
///
/// This is the slow step of the 2FA password KDF (`iter100000` in
/// `passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`).
/// `rounds` of 0 is treated as 1, as PBKDF2 needs at least one iteration.
#[must_use]
pub fn pbkdf2_hmac_sha512(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 64] {
    let mut out = [0u8; 64];
    pbkdf2::pbkdf2_hmac::<Sha512>(password, salt, rounds.max(1), &mut out);
    out
}

/// CRC32 (IEEE), as used by the TCP "full" transport and TL constructor ids.
#[must_use]
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    // FIPS 180 "abc" vectors.
    #[test]
    fn sha_known_answers() {
        assert_eq!(
            hex(&sha1(&[b"abc"])),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        assert_eq!(
            hex(&sha256(&[b"abc"])),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&sha512(&[b"abc"])),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"
        );
    }

    #[test]
    fn parts_equal_concatenation() {
        assert_eq!(sha1(&[b"a", b"", b"bc"]), sha1(&[b"abc"]));
        assert_eq!(sha256(&[b"ab", b"c"]), sha256(&[b"abc"]));
        assert_eq!(sha512(&[b"a", b"bc"]), sha512(&[b"abc"]));
        assert_ne!(sha256(&[b"ab", b"c"]), sha256(&[b"abd"]));
    }

    #[test]
    fn crc32_known_answer() {
        // The standard CRC-32 check value.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn pbkdf2_known_answer() {
        // Computed with Python: hashlib.pbkdf2_hmac('sha512', b'password', b'salt', 2).hex()
        assert_eq!(
            hex(&pbkdf2_hmac_sha512(b"password", b"salt", 2)),
            "e1d9c16aa681708a45f5c7c4e215ceb66e011a2e9f0040713f18aefdb866d53c\
             f76cab2868a39b9f7840edce4fef5a82be67335c77a6068e04112754f27ccf4e"
        );
        assert_eq!(
            pbkdf2_hmac_sha512(b"password", b"salt", 0),
            pbkdf2_hmac_sha512(b"password", b"salt", 1)
        );
    }
}

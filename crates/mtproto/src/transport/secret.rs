//! MTProxy secrets: the 16-byte key and what its prefix asks for.
//!
//! An MTProxy link carries a secret in one of three shapes (MTProxy's
//! README, tdlib's `ProxySecret`):
//!
//! | bytes | meaning |
//! |---|---|
//! | 16-byte key | obfuscated2, keys derived with the secret |
//! | `dd` + key | the same, and the proxy only accepts padded intermediate |
//! | `ee` + key + domain | FakeTLS towards `domain`, padded intermediate inside |
//!
//! The key is wiped on drop and never printed.

use core::fmt;

use zeroize::{Zeroize, ZeroizeOnDrop};

use super::error::TransportError;

/// Length of an MTProxy key.
pub const SECRET_KEY_LEN: usize = 16;

/// The longest FakeTLS domain accepted (tdlib truncates at the same
/// length), which keeps the ClientHello within one 0x02xx-byte record.
pub const MAX_DOMAIN_LEN: usize = 182;

/// A 16-byte MTProxy key (also the FakeTLS HMAC key).
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct SecretKey([u8; SECRET_KEY_LEN]);

impl SecretKey {
    /// Wrap key bytes.
    #[must_use]
    pub const fn new(bytes: [u8; SECRET_KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// The key bytes, for key derivation and HMAC.
    #[must_use]
    pub const fn expose(&self) -> &[u8; SECRET_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// A parsed MTProxy secret.
#[derive(Clone, PartialEq, Eq)]
pub enum ProxySecret {
    /// Plain 16-byte secret: obfuscated2 with secret-derived keys.
    Simple(SecretKey),
    /// `dd` secret: as simple, padded intermediate required.
    Padded(SecretKey),
    /// `ee` secret: FakeTLS.
    FakeTls {
        /// The key: HMAC key of the TLS hellos and obfuscated2 secret.
        key: SecretKey,
        /// The domain the ClientHello names (SNI).
        domain: String,
    },
}

impl ProxySecret {
    /// Parse the raw secret bytes.
    ///
    /// # Errors
    ///
    /// Any other length or prefix; an `ee` domain that is empty, longer than
    /// [`MAX_DOMAIN_LEN`], or not printable ASCII.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TransportError> {
        let key_at = |from: usize| -> Result<SecretKey, TransportError> {
            let key: [u8; SECRET_KEY_LEN] = bytes
                .get(from..from + SECRET_KEY_LEN)
                .and_then(|k| k.try_into().ok())
                .ok_or(TransportError::InvalidSecret("too short"))?;
            Ok(SecretKey::new(key))
        };
        match (bytes.first(), bytes.len()) {
            (_, SECRET_KEY_LEN) => Ok(Self::Simple(key_at(0)?)),
            (Some(0xdd), len) if len == SECRET_KEY_LEN + 1 => Ok(Self::Padded(key_at(1)?)),
            (Some(0xee), len) if len > SECRET_KEY_LEN + 1 => {
                let domain = bytes.get(SECRET_KEY_LEN + 1..).unwrap_or_default();
                if domain.len() > MAX_DOMAIN_LEN {
                    return Err(TransportError::InvalidSecret("FakeTLS domain too long"));
                }
                if !domain.iter().all(u8::is_ascii_graphic) {
                    return Err(TransportError::InvalidSecret(
                        "FakeTLS domain is not printable ASCII",
                    ));
                }
                let domain = String::from_utf8(domain.to_vec())
                    .map_err(|_| TransportError::InvalidSecret("FakeTLS domain is not ASCII"))?;
                Ok(Self::FakeTls {
                    key: key_at(1)?,
                    domain,
                })
            }
            _ => Err(TransportError::InvalidSecret(
                "expected 16 bytes, dd + 16 bytes, or ee + 16 bytes + domain",
            )),
        }
    }

    /// Parse the hexadecimal form used in `tg://proxy` links.
    ///
    /// # Errors
    ///
    /// Not hexadecimal, or as [`ProxySecret::from_bytes`].
    pub fn from_hex(hex: &str) -> Result<Self, TransportError> {
        let hex = hex.as_bytes();
        if hex.len() % 2 != 0 {
            return Err(TransportError::InvalidSecret("odd number of hex digits"));
        }
        let digit = |c: u8| -> Result<u8, TransportError> {
            match c {
                b'0'..=b'9' => Ok(c - b'0'),
                b'a'..=b'f' => Ok(c - b'a' + 10),
                b'A'..=b'F' => Ok(c - b'A' + 10),
                _ => Err(TransportError::InvalidSecret("not a hex digit")),
            }
        };
        let mut bytes = hex
            .chunks_exact(2)
            .map(|pair| match pair {
                &[hi, lo] => Ok(digit(hi)? << 4 | digit(lo)?),
                _ => Err(TransportError::InvalidSecret("odd number of hex digits")),
            })
            .collect::<Result<Vec<u8>, _>>()?;
        let secret = Self::from_bytes(&bytes);
        bytes.zeroize();
        secret
    }

    /// The 16-byte key.
    #[must_use]
    pub const fn key(&self) -> &SecretKey {
        match self {
            Self::Simple(key) | Self::Padded(key) | Self::FakeTls { key, .. } => key,
        }
    }
}

impl fmt::Debug for ProxySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Simple(_) => f.write_str("ProxySecret::Simple(..)"),
            Self::Padded(_) => f.write_str("ProxySecret::Padded(..)"),
            Self::FakeTls { domain, .. } => f
                .debug_struct("ProxySecret::FakeTls")
                .field("domain", domain)
                .finish_non_exhaustive(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_shapes() {
        let key = "00112233445566778899aabbccddeeff";
        assert!(matches!(
            ProxySecret::from_hex(key),
            Ok(ProxySecret::Simple(_))
        ));
        assert!(matches!(
            ProxySecret::from_hex(&format!("dd{key}")),
            Ok(ProxySecret::Padded(_))
        ));
        let tls = ProxySecret::from_hex(&format!("ee{key}6578616d706c652e636f6d")).unwrap();
        let ProxySecret::FakeTls { key: k, domain } = &tls else {
            panic!("not FakeTLS: {tls:?}");
        };
        assert_eq!(domain, "example.com");
        assert_eq!(k.expose()[15], 0xff);
        assert_eq!(
            format!("{tls:?}"),
            "ProxySecret::FakeTls { domain: \"example.com\", .. }"
        );
        assert_eq!(format!("{:?}", tls.key()), "SecretKey(..)");
    }

    #[test]
    fn rejects_malformed_secrets() {
        for bad in [
            "",
            "00",
            "0g112233445566778899aabbccddeeff",
            "dd00112233445566778899aabbccddeeff00",
            "ee00112233445566778899aabbccddeeff",
            "ee00112233445566778899aabbccddeeff00",
            "ab00112233445566778899aabbccddeeff",
            "abc",
        ] {
            assert!(ProxySecret::from_hex(bad).is_err(), "{bad}");
        }
        let mut long = vec![0xee];
        long.extend_from_slice(&[1; 16]);
        long.extend_from_slice(&[b'a'; MAX_DOMAIN_LEN + 1]);
        assert!(ProxySecret::from_bytes(&long).is_err());
        long.pop();
        assert!(ProxySecret::from_bytes(&long).is_ok());
    }
}

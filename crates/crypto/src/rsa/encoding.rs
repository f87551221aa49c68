//! Minimal DER and PEM codec for RSA keys (crate-private).
//!
//! Only what RSA keys need: SEQUENCE, INTEGER (non-negative), NULL, OBJECT
//! IDENTIFIER, BIT STRING and OCTET STRING, with strict DER lengths. Telegram
//! publishes its keys as PKCS#1 `RSA PUBLIC KEY`; OpenSSL 3 writes
//! `PRIVATE KEY` (PKCS#8) and `PUBLIC KEY` (SubjectPublicKeyInfo) by
//! default, so those wrappers are read too.

use base64ct::{Base64, Encoding};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

pub(crate) const TAG_INTEGER: u8 = 0x02;
pub(crate) const TAG_BIT_STRING: u8 = 0x03;
pub(crate) const TAG_OCTET_STRING: u8 = 0x04;
pub(crate) const TAG_NULL: u8 = 0x05;
pub(crate) const TAG_OID: u8 = 0x06;
pub(crate) const TAG_SEQUENCE: u8 = 0x30;

/// DER contents of OID 1.2.840.113549.1.1.1 (rsaEncryption).
pub(crate) const OID_RSA_ENCRYPTION: [u8; 9] =
    [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];

/// A cursor over DER bytes.
pub(crate) struct DerReader<'a> {
    data: &'a [u8],
}

impl<'a> DerReader<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Read one element with the expected `tag` and return its contents.
    pub(crate) fn read(&mut self, tag: u8) -> Result<&'a [u8]> {
        let (&found, rest) = self
            .data
            .split_first()
            .ok_or(Error::InvalidDer("unexpected end"))?;
        if found != tag {
            return Err(Error::InvalidDer("unexpected tag"));
        }
        let (&first, mut rest) = rest
            .split_first()
            .ok_or(Error::InvalidDer("missing length"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return Err(Error::InvalidDer("unsupported length form"));
            }
            if rest.len() < count {
                return Err(Error::InvalidDer("truncated length"));
            }
            let (len_bytes, after) = rest.split_at(count);
            rest = after;
            if len_bytes.first() == Some(&0) {
                return Err(Error::InvalidDer("non-minimal length"));
            }
            let len = len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if len < 0x80 {
                return Err(Error::InvalidDer("non-minimal length"));
            }
            len
        };
        if rest.len() < len {
            return Err(Error::InvalidDer("truncated element"));
        }
        let (contents, after) = rest.split_at(len);
        self.data = after;
        Ok(contents)
    }

    /// Read a non-negative INTEGER, returned big-endian without sign padding.
    pub(crate) fn read_uint(&mut self) -> Result<&'a [u8]> {
        let bytes = self.read(TAG_INTEGER)?;
        match bytes {
            [] => Err(Error::InvalidDer("empty integer")),
            [first, ..] if first & 0x80 != 0 => Err(Error::InvalidDer("negative integer")),
            [0, second, ..] if second & 0x80 == 0 => Err(Error::InvalidDer("non-minimal integer")),
            [0, rest @ ..] => Ok(rest),
            _ => Ok(bytes),
        }
    }

    /// Require that everything was consumed.
    pub(crate) fn finish(&self) -> Result<()> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidDer("trailing data"))
        }
    }
}

/// Append a DER length.
fn write_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// Append one element.
pub(crate) fn write(out: &mut Vec<u8>, tag: u8, contents: &[u8]) {
    out.push(tag);
    write_len(out, contents.len());
    out.extend_from_slice(contents);
}

/// Append a non-negative INTEGER given big-endian (leading zeros allowed).
pub(crate) fn write_uint(out: &mut Vec<u8>, be: &[u8]) {
    let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    let digits = &be[start..];
    match digits.first() {
        None => write(out, TAG_INTEGER, &[0]),
        Some(&first) if first & 0x80 != 0 => {
            let mut contents = Zeroizing::new(Vec::with_capacity(digits.len() + 1));
            contents.push(0);
            contents.extend_from_slice(digits);
            write(out, TAG_INTEGER, &contents);
        }
        Some(_) => write(out, TAG_INTEGER, digits),
    }
}

/// Check an `AlgorithmIdentifier` body is rsaEncryption (NULL or absent parameters).
pub(crate) fn expect_rsa_algorithm(algorithm: &[u8]) -> Result<()> {
    let mut reader = DerReader::new(algorithm);
    if reader.read(TAG_OID)? != OID_RSA_ENCRYPTION {
        return Err(Error::InvalidDer("not an RSA key"));
    }
    if !reader.is_empty() {
        reader.read(TAG_NULL)?;
    }
    reader.finish()
}

/// A decoded PEM block: its label and DER contents (wiped on drop, since
/// private keys pass through here).
pub(crate) struct Pem {
    pub(crate) label: String,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// Decode the first PEM block in `text`.
pub(crate) fn pem_decode(text: &str) -> Result<Pem> {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    const DASHES: &str = "-----";

    let start = text.find(BEGIN).ok_or(Error::InvalidPem("no BEGIN line"))?;
    let after_begin = &text[start + BEGIN.len()..];
    let label_end = after_begin
        .find(DASHES)
        .ok_or(Error::InvalidPem("unterminated BEGIN line"))?;
    let label = &after_begin[..label_end];
    if label.is_empty() || label.contains('\n') {
        return Err(Error::InvalidPem("bad label"));
    }
    let body_and_rest = &after_begin[label_end + DASHES.len()..];
    let end_line = format!("{END}{label}{DASHES}");
    let body_end = body_and_rest
        .find(&end_line)
        .ok_or(Error::InvalidPem("no matching END line"))?;
    let body = &body_and_rest[..body_end];
    if body.contains(':') {
        return Err(Error::InvalidPem(
            "encrypted or annotated PEM is not supported",
        ));
    }
    let compact: Zeroizing<String> =
        Zeroizing::new(body.chars().filter(|c| !c.is_ascii_whitespace()).collect());
    let der = Base64::decode_vec(&compact).map_err(|_| Error::InvalidPem("bad base64"))?;
    Ok(Pem {
        label: label.to_owned(),
        der: Zeroizing::new(der),
    })
}

/// Encode DER as a PEM block with 64-column lines and a trailing newline.
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> Zeroizing<String> {
    let b64 = Zeroizing::new(Base64::encode_string(der));
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for line in b64.as_bytes().chunks(64) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        out.push_str(core::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    Zeroizing::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for len in [0usize, 1, 127, 128, 255, 256, 65535, 65536] {
            let contents = vec![7u8; len];
            let mut out = Vec::new();
            write(&mut out, TAG_OCTET_STRING, &contents);
            let mut reader = DerReader::new(&out);
            assert_eq!(reader.read(TAG_OCTET_STRING).unwrap(), contents.as_slice());
            reader.finish().unwrap();
        }
    }

    #[test]
    fn integers_round_trip_with_sign_padding() {
        for be in [&[][..], &[0], &[0, 0, 5], &[0x7f], &[0x80], &[0xff, 1]] {
            let mut out = Vec::new();
            write_uint(&mut out, be);
            let got = DerReader::new(&out).read_uint().unwrap();
            // Zero decodes as no digits at all.
            let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
            assert_eq!(got, &be[start..], "{be:?}");
        }
    }

    #[test]
    fn malformed_der_is_refused() {
        let cases: &[(&[u8], &str)] = &[
            (&[], "unexpected end"),
            (&[0x02], "missing length"),
            (&[0x02, 0x01], "truncated element"),
            (&[0x02, 0x80], "unsupported length form"),
            (&[0x02, 0x85, 1, 1, 1, 1, 1], "unsupported length form"),
            (&[0x02, 0x82, 0x01], "truncated length"),
            (&[0x02, 0x81, 0x05, 1, 2, 3, 4, 5], "non-minimal length"),
            (&[0x02, 0x82, 0x00, 0x80], "non-minimal length"),
            (&[0x02, 0x00], "empty integer"),
            (&[0x02, 0x01, 0x80], "negative integer"),
            (&[0x02, 0x02, 0x00, 0x01], "non-minimal integer"),
            (&[0x04, 0x01, 0x00], "unexpected tag"),
        ];
        for (der, why) in cases {
            assert_eq!(
                DerReader::new(der).read_uint(),
                Err(Error::InvalidDer(why)),
                "{der:?}"
            );
        }
        let mut reader = DerReader::new(&[0x05, 0x00, 0x05, 0x00]);
        reader.read(TAG_NULL).unwrap();
        assert_eq!(reader.finish(), Err(Error::InvalidDer("trailing data")));
    }

    #[test]
    fn pem_round_trip_and_errors() {
        let der: Vec<u8> = (0..=255u8).collect();
        let pem = pem_encode("TEST THING", &der);
        assert!(pem.lines().all(|l| l.len() <= 64 || l.starts_with("-----")));
        let decoded = pem_decode(&format!("junk before\n{}junk after", pem.as_str())).unwrap();
        assert_eq!(decoded.label, "TEST THING");
        assert_eq!(decoded.der.as_slice(), der.as_slice());

        assert_eq!(
            pem_decode("nothing here").err(),
            Some(Error::InvalidPem("no BEGIN line"))
        );
        assert_eq!(
            pem_decode("-----BEGIN A-----\nAAAA\n-----END B-----\n").err(),
            Some(Error::InvalidPem("no matching END line"))
        );
        assert_eq!(
            pem_decode("-----BEGIN A-----\n!!!!\n-----END A-----\n").err(),
            Some(Error::InvalidPem("bad base64"))
        );
        assert_eq!(
            pem_decode("-----BEGIN A-----\nProc-Type: 4,ENCRYPTED\nAAAA\n-----END A-----\n").err(),
            Some(Error::InvalidPem(
                "encrypted or annotated PEM is not supported"
            ))
        );
        assert_eq!(
            pem_decode("-----BEGIN A").err(),
            Some(Error::InvalidPem("unterminated BEGIN line"))
        );
    }
}

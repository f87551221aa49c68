//! FakeTLS: MTProxy's disguise of obfuscated2 as a TLS 1.3 connection, used
//! with `ee` secrets.
//!
//! What is implemented, from MTProxy's server (`net-tcp-rpc-ext-server.c`)
//! and tdlib's client (`TlsInit.cpp`, `TcpTransport.cpp`), which define the
//! protocol (there is no written spec):
//!
//! 1. The client sends a TLS ClientHello in one record `16 03 01 02 00`
//!    (517 bytes in all, padded with the padding extension, with a
//!    32-byte `legacy_session_id` and the secret's domain as SNI). Its
//!    32-byte `random` (bytes 11..43 of the record) is
//!    `HMAC-SHA256(key, record with random zeroed)`, with bytes 28..32
//!    XORed with the little-endian `u32` unix time ([`client_hello`]).
//! 2. The server recomputes the HMAC, compares the first 28 bytes in
//!    constant time, recovers the timestamp from the last 4 and checks it
//!    against a window ([`verify_client_hello`]). It should also refuse a
//!    `client_random` it has seen before (MTProxy remembers them for two
//!    days); the server transport exposes it for such a cache.
//! 3. The server answers with a ServerHello record (TLS 1.3, cipher
//!    `13 01`, key_share and supported_versions extensions), a
//!    ChangeCipherSpec record and one application-data record of random
//!    bytes (2500–3620 of them, MTProxy's default) standing in for the
//!    encrypted certificate. Its `random` is
//!    `HMAC-SHA256(key, client_random ++ whole answer with random zeroed)`
//!    ([`server_hello`], [`verify_server_hello`]). Unlike MTProxy, which
//!    puts the client's random in `legacy_session_id_echo`, the echo here
//!    is the client's session id, as RFC 8446 §4.1.3 says; tdlib does not
//!    look at it.
//! 4. From then on both directions are TLS application-data records
//!    `17 03 03` + 2-byte big-endian length, carrying the obfuscated2
//!    stream; the client's first record is preceded by a dummy
//!    ChangeCipherSpec `14 03 03 00 01 01` (MTProxy requires it) and begins
//!    with the 64-byte obfuscated2 header, keyed with the same 16-byte key.
//!    tdlib cuts its records at 2878 bytes ([`CLIENT_RECORD_PAYLOAD`]);
//!    records read may be up to 65535 bytes, as tdlib and MTProxy accept.
//!
//! The server may pipeline nothing before the client's first record, and
//! the client must wait for the server's answer before sending data: MTProxy
//! rejects a ClientHello followed by more bytes.

mod client_hello;
mod records;
mod server_hello;

pub(crate) use client_hello::client_hello_record_len;
pub use client_hello::{
    CLIENT_HELLO_LEN, ClientHello, TimeWindow, VerifiedClientHello, client_hello,
    client_hello_from_parts, verify_client_hello,
};
pub use records::{CLIENT_RECORD_PAYLOAD, MAX_RECORD_PAYLOAD};
pub(crate) use records::{RecordReader, RecordWriter};
pub use server_hello::{server_hello, verify_server_hello};

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::secret::SecretKey;

/// Where the 32-byte `random` sits in a hello record: after the record
/// header (5), the handshake header (4) and `legacy_version` (2).
pub(crate) const RANDOM_OFFSET: usize = 11;
/// Length of a hello's `random`.
pub(crate) const RANDOM_LEN: usize = 32;

/// HMAC-SHA256 keyed with the 16-byte secret over the concatenation of
/// `parts`.
pub(crate) fn hmac(key: &SecretKey, parts: &[&[u8]]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match <Hmac<Sha256> as Mac>::new_from_slice(key.expose()) {
        Ok(mac) => mac,
        Err(_) => return [0; 32],
    };
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// A big-endian `u16` at `at`.
pub(crate) fn be_u16(buf: &[u8], at: usize) -> Option<u16> {
    let &[hi, lo] = buf.get(at..at.checked_add(2)?)? else {
        return None;
    };
    Some(u16::from_be_bytes([hi, lo]))
}

/// Append `body` prefixed with its length as a big-endian `u16`.
pub(crate) fn push_u16_prefixed(out: &mut Vec<u8>, body: &[u8]) {
    // Every caller builds bodies far below 64 KiB.
    let len = u16::try_from(body.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(body);
}

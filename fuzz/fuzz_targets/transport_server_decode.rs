//! The server's whole input path: `ServerTransport::accept`, then
//! `ServerTransport::decode` in a loop, over bytes that arrive in
//! fuzzer-chosen chunks.
//!
//! Input: `mode`, `chunk seed`, `record size` (2 bytes), then the payload.
//! `mode & 3` picks what the payload is:
//!
//! * 0 — the raw connection bytes (transport detection, plain framings,
//!   headers and ClientHellos that must be refused);
//! * 1 — framing plaintext behind a valid obfuscated2 header (encrypted
//!   here with the client's keystream, so the fuzzer steers the framing);
//! * 2 — raw bytes after a valid FakeTLS ClientHello (record layer, the
//!   obfuscated2 header inside records);
//! * 3 — framing plaintext inside valid FakeTLS: ClientHello,
//!   ChangeCipherSpec, records carrying a valid obfuscated2 header and the
//!   encrypted payload.
//!
//! Bits 2–3 choose the inner framing, bit 4 an obfuscation secret, bit 5
//! the full-transport sequence check. Properties: never a panic, and no
//! decoded packet larger than the configured maximum.
#![no_main]

mod common;

use std::sync::OnceLock;

use common::{CHANGE_CIPHER_SPEC, Input, NOW, chunks, tls_records};
use libfuzzer_sys::fuzz_target;
use paperplane_mtproto::transport::fake_tls::{TimeWindow, client_hello_from_parts};
use paperplane_mtproto::transport::obfuscated2::client_header_from_random;
use paperplane_mtproto::transport::{
    FakeTlsConfig, FramingOptions, ObfuscatedFraming, ReadBuf, SecretKey, ServerConfig,
    ServerTransport,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// Small, so that lengths on both sides of the limit are easy to reach.
const MAX_FRAME: usize = 4096;
const OBFUSCATION_SECRET: [u8; 16] = [0x5a; 16];
const TLS_KEY: [u8; 16] = [0xa5; 16];
const DOMAIN: &str = "example.com";

fn config(secret: bool, check_full_seq: bool) -> ServerConfig {
    ServerConfig {
        framing: FramingOptions {
            max_frame_len: MAX_FRAME,
            check_full_seq,
            ..FramingOptions::server()
        },
        allow_plain: true,
        allow_obfuscated: true,
        obfuscation_secret: secret.then(|| SecretKey::new(OBFUSCATION_SECRET)),
        fake_tls: Some(FakeTlsConfig {
            key: SecretKey::new(TLS_KEY),
            time_window: TimeWindow::default(),
        }),
    }
}

fn client_hello() -> &'static [u8] {
    static HELLO: OnceLock<Vec<u8>> = OnceLock::new();
    HELLO.get_or_init(|| {
        client_hello_from_parts(&SecretKey::new(TLS_KEY), DOMAIN, NOW, &[7; 32], &[9; 32])
            .map(|hello| hello.bytes)
            .unwrap_or_default()
    })
}

/// A valid obfuscated2 header followed by `payload` encrypted as the client
/// would.
fn obfuscated(framing: ObfuscatedFraming, secret: Option<&SecretKey>, payload: &[u8]) -> Vec<u8> {
    let random: [u8; 64] = core::array::from_fn(|i| (i as u8).wrapping_mul(73).wrapping_add(1));
    let Ok((header, mut cipher)) = client_header_from_random(&random, framing, Some(2), secret)
    else {
        return payload.to_vec();
    };
    let mut stream = header.to_vec();
    let start = stream.len();
    stream.extend_from_slice(payload);
    cipher.encrypt(&mut stream[start..]);
    stream
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let seed = input.byte();
    let record_size = usize::from(input.u16() % 16384) + 1;
    let payload = input.rest();

    let use_secret = mode & 0x10 != 0;
    let config = config(use_secret, mode & 0x20 != 0);
    let framing = match (mode >> 2) & 3 {
        0 => ObfuscatedFraming::Abridged,
        1 => ObfuscatedFraming::Intermediate,
        _ => ObfuscatedFraming::PaddedIntermediate,
    };
    let tls_key = SecretKey::new(TLS_KEY);
    let stream = match mode & 3 {
        0 => payload.to_vec(),
        1 => obfuscated(framing, config.obfuscation_secret.as_ref(), payload),
        2 => [client_hello(), payload].concat(),
        _ => {
            let inner = obfuscated(framing, Some(&tls_key), payload);
            [
                client_hello(),
                &CHANGE_CIPHER_SPEC,
                &tls_records(&inner, record_size),
            ]
            .concat()
        }
    };

    let mut rng = ChaCha20Rng::seed_from_u64(0);
    let mut buf = ReadBuf::new();
    let mut out = Vec::new();
    let mut server: Option<ServerTransport> = None;
    for chunk in chunks(&stream, seed) {
        buf.extend_from_slice(chunk);
        let server = match &mut server {
            Some(server) => server,
            None => match ServerTransport::accept(&config, &mut buf, NOW, &mut rng, &mut out) {
                Ok(Some(accepted)) => server.insert(accepted),
                Ok(None) => continue,
                Err(_) => return,
            },
        };
        loop {
            match server.decode(&mut buf) {
                Ok(Some(packet)) => {
                    assert!(
                        packet.payload.len() <= MAX_FRAME,
                        "decoded {} bytes, limit {MAX_FRAME}",
                        packet.payload.len()
                    );
                    // Answer as a server would, to run the encoders in the
                    // state the decoder left.
                    if let Some(request) = packet.quick_ack {
                        let _ = server.encode_quick_ack(request, 0x1234_5678, &mut out);
                    }
                    let _ = server.encode(&packet.payload, &mut rng, &mut out);
                    out.clear();
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
});

//! What a client reads from a server: `ClientFramer::decode` and
//! `ClientTransport::decode` for every framing and wrapping, over bytes that
//! arrive in fuzzer-chosen chunks.
//!
//! Input: `mode`, `chunk seed`, `record size` (2 bytes), then the payload.
//! `mode & 3` is the framing (abridged, intermediate, padded intermediate,
//! full; obfuscated modes use intermediate instead of full), bit 6 the
//! full-transport sequence check, and `(mode >> 2) & 7` the wrapping:
//!
//! * 0 — a bare `ClientFramer`;
//! * 1 — a plain `ClientTransport`;
//! * 2, 3 — obfuscated2 without / with an MTProxy secret; the payload is
//!   framing plaintext, encrypted here with the server's keystream;
//! * 4 — FakeTLS, the payload taken as the server's raw answer (ServerHello
//!   checks);
//! * 5–7 — FakeTLS after a valid ServerHello: the payload is framing
//!   plaintext, encrypted and cut into TLS records here.
//!
//! Properties: never a panic, and no packet larger than the configured
//! maximum.
#![no_main]

mod common;

use std::sync::OnceLock;

use common::{Input, NOW, chunks, tls_records};
use libfuzzer_sys::fuzz_target;
use paperplane_mtproto::transport::fake_tls::{TimeWindow, server_hello, verify_client_hello};
use paperplane_mtproto::transport::obfuscated2::{HEADER_LEN, ObfuscatedCipher, accept_header};
use paperplane_mtproto::transport::{
    ClientConfig, ClientFramer, ClientMode, ClientTransport, Frame, Framing, FramingOptions,
    ObfuscatedFraming, ReadBuf, SecretKey, TransportError,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// Small, so that lengths on both sides of the limit are easy to reach.
const MAX_FRAME: usize = 4096;
const SECRET: [u8; 16] = [0x5a; 16];
const TLS_KEY: [u8; 16] = [0xa5; 16];
const DOMAIN: &str = "example.com";
/// The client's RNG seed: with it fixed, its header and ClientHello are the
/// same in every run, so the server's side can be prepared once.
const CLIENT_SEED: u64 = 0;

const FRAMINGS: [Framing; 4] = [
    Framing::Abridged,
    Framing::Intermediate,
    Framing::PaddedIntermediate,
    Framing::Full,
];

fn fake_tls_mode(framing: ObfuscatedFraming) -> ClientMode {
    ClientMode::FakeTls {
        framing,
        dc_id: Some(2),
        key: SecretKey::new(TLS_KEY),
        domain: DOMAIN.into(),
    }
}

/// The server's side of a FakeTLS connection from the fixed client: its
/// answer to the ClientHello and its obfuscated2 keystreams.
fn fake_tls_server(framing: ObfuscatedFraming) -> Option<&'static (Vec<u8>, ObfuscatedCipher)> {
    static SETUP: OnceLock<Vec<Option<(Vec<u8>, ObfuscatedCipher)>>> = OnceLock::new();
    let setup = SETUP.get_or_init(|| {
        let all = [
            ObfuscatedFraming::Abridged,
            ObfuscatedFraming::Intermediate,
            ObfuscatedFraming::PaddedIntermediate,
        ];
        all.iter().map(|&f| prepare_fake_tls(f)).collect()
    });
    let index = match framing {
        ObfuscatedFraming::Abridged => 0,
        ObfuscatedFraming::Intermediate => 1,
        ObfuscatedFraming::PaddedIntermediate => 2,
    };
    setup.get(index)?.as_ref()
}

fn prepare_fake_tls(framing: ObfuscatedFraming) -> Option<(Vec<u8>, ObfuscatedCipher)> {
    let key = SecretKey::new(TLS_KEY);
    let config = ClientConfig::new(fake_tls_mode(framing));
    let mut rng = ChaCha20Rng::seed_from_u64(CLIENT_SEED);
    let mut hello = Vec::new();
    let mut client = ClientTransport::new(&config, NOW, &mut rng, &mut hello).ok()?;
    let verified = verify_client_hello(&key, &hello, NOW, TimeWindow::default()).ok()?;
    let mut answer = Vec::new();
    server_hello(
        &key,
        &verified,
        &mut ChaCha20Rng::seed_from_u64(1),
        &mut answer,
    );
    // Let the client accept the answer and send a packet, to learn its
    // obfuscated2 header: ChangeCipherSpec (6), record header (5), header.
    client.decode(&mut ReadBuf::from(answer.clone())).ok()?;
    let mut sent = Vec::new();
    client.encode(&[0; 8], false, &mut rng, &mut sent).ok()?;
    let header: [u8; HEADER_LEN] = sent.get(11..11 + HEADER_LEN)?.try_into().ok()?;
    let accepted = accept_header(&header, Some(&key)).ok()?;
    Some((answer, accepted.cipher))
}

fn check(result: Result<Option<Frame>, TransportError>) -> Result<bool, ()> {
    match result {
        Ok(Some(Frame::Packet(packet))) => {
            assert!(
                packet.len() <= MAX_FRAME,
                "decoded {} bytes, limit {MAX_FRAME}",
                packet.len()
            );
            Ok(true)
        }
        Ok(Some(_)) => Ok(true),
        Ok(None) => Ok(false),
        Err(_) => Err(()),
    }
}

/// Feed `stream` in chunks to `decode`, draining every frame after each chunk.
fn run(
    stream: &[u8],
    seed: u8,
    mut decode: impl FnMut(&mut ReadBuf) -> Result<Option<Frame>, TransportError>,
) {
    let mut buf = ReadBuf::new();
    for chunk in chunks(stream, seed) {
        buf.extend_from_slice(chunk);
        loop {
            match check(decode(&mut buf)) {
                Ok(true) => {}
                Ok(false) => break,
                Err(()) => return,
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let seed = input.byte();
    let record_size = usize::from(input.u16() % 16384) + 1;
    let payload = input.rest();

    let framing = FRAMINGS[usize::from(mode & 3)];
    let obfuscated = framing
        .obfuscated()
        .unwrap_or(ObfuscatedFraming::Intermediate);
    let options = FramingOptions {
        max_frame_len: MAX_FRAME,
        check_full_seq: mode & 0x40 != 0,
        ..FramingOptions::client()
    };
    let mut rng = ChaCha20Rng::seed_from_u64(CLIENT_SEED);
    let mut out = Vec::new();
    let mut open = |mode: ClientMode| {
        let config = ClientConfig {
            mode,
            framing: options,
        };
        ClientTransport::new(&config, NOW, &mut rng, &mut out).ok()
    };

    match (mode >> 2) & 7 {
        0 => {
            let mut framer = ClientFramer::new(framing, options);
            run(payload, seed, |buf| framer.decode(buf));
        }
        1 => {
            let Some(mut client) = open(ClientMode::Plain(framing)) else {
                return;
            };
            run(payload, seed, |buf| client.decode(buf));
        }
        wrapping @ (2 | 3) => {
            let secret = (wrapping == 3).then(|| SecretKey::new(SECRET));
            let Some(mut client) = open(ClientMode::Obfuscated {
                framing: obfuscated,
                dc_id: Some(2),
                secret: secret.clone(),
            }) else {
                return;
            };
            let Some(header) = out
                .get(..HEADER_LEN)
                .and_then(|h| <[u8; HEADER_LEN]>::try_from(h).ok())
            else {
                return;
            };
            let Ok(accepted) = accept_header(&header, secret.as_ref()) else {
                return;
            };
            let mut cipher = accepted.cipher;
            let mut stream = payload.to_vec();
            cipher.encrypt(&mut stream);
            run(&stream, seed, |buf| client.decode(buf));
        }
        4 => {
            let Some(mut client) = open(fake_tls_mode(obfuscated)) else {
                return;
            };
            run(payload, seed, |buf| client.decode(buf));
        }
        _ => {
            let Some((answer, cipher)) = fake_tls_server(obfuscated) else {
                return;
            };
            let Some(mut client) = open(fake_tls_mode(obfuscated)) else {
                return;
            };
            let mut cipher = cipher.clone();
            let mut inner = payload.to_vec();
            cipher.encrypt(&mut inner);
            let stream = [answer.as_slice(), &tls_records(&inner, record_size)].concat();
            run(&stream, seed, |buf| client.decode(buf));
        }
    }
});

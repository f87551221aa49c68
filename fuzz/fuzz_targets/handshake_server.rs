//! The server's half of the key exchange: `ServerHandshake::handle` on
//! message bodies a client may send, with a fixed RSA key (generated once
//! from a fixed seed) and a fixed-seed RNG.
//!
//! Input: `mode`, `flags`, then the payload. `mode & 3`:
//!
//! * 0 — up to 4 length-prefixed arbitrary bodies;
//! * 1 — a genuine `req_pq_multi` first, then up to 3 arbitrary bodies
//!   (the fuzzer has to find the nonces: they are fixed);
//! * 2 — a genuine `req_pq_multi`, then `req_DH_params` with the right
//!   nonces, p, q and fingerprint whose `encrypted_data` is the payload
//!   under `RSA_PAD` (flags bit 0: the payload bytes as they are instead),
//!   so the inner-data parsing and checks behind RSA are reached;
//! * 3 — a complete genuine exchange up to `set_client_DH_params`, whose
//!   encrypted `client_DH_inner_data` comes from the payload: flags bit 0
//!   makes the payload the whole TL object (else it is `g_b` inside a
//!   correct one, `retry_id` from the flags), bit 1 skips the SHA-1 and
//!   padding (the payload bytes become `encrypted_data` as they are), bit 2
//!   claims every key id is in use (the retry path). Then up to 2 more
//!   arbitrary bodies.
//!
//! Property: never a panic.
#![no_main]

mod common;

use std::sync::OnceLock;

use common::Input;
use libfuzzer_sys::fuzz_target;
use paperplane_crypto::hash::sha1;
use paperplane_crypto::rsa::RsaPrivateKey;
use paperplane_crypto::{ige, pq};
use paperplane_mtproto::handshake::{ServerConfig, ServerHandshake, ServerStep};
use paperplane_tl::{Deserializable, Serializable, enums, functions, types};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

const NOW: i32 = 1_700_000_000;
const NONCE: [u8; 16] = [0x11; 16];
const NEW_NONCE: [u8; 32] = [0x22; 32];

fn config() -> &'static ServerConfig {
    static CONFIG: OnceLock<ServerConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let mut rng = ChaCha20Rng::seed_from_u64(0x5eed);
        let rsa = RsaPrivateKey::generate(&mut rng, 2048).expect("RSA key generation");
        ServerConfig::new(rsa)
    })
}

struct Server {
    machine: ServerHandshake,
    rng: ChaCha20Rng,
    key_in_use: bool,
}

impl Server {
    fn handle(&mut self, body: &[u8]) -> Option<Vec<u8>> {
        let in_use = self.key_in_use;
        match self
            .machine
            .handle(config(), body, NOW, &|_| in_use, &mut self.rng)
        {
            Ok(ServerStep::Send(reply)) => Some(reply),
            Ok(ServerStep::Done { reply, .. }) => Some(reply),
            Err(_) => None,
        }
    }
}

/// The minimal big-endian bytes of `n`, as TL carries p and q.
fn be_bytes(n: u64) -> Vec<u8> {
    let bytes = n.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    bytes[skip..].to_vec()
}

/// What the client learns from `resPQ`.
struct ResPq {
    server_nonce: [u8; 16],
    pq: Vec<u8>,
    p: Vec<u8>,
    q: Vec<u8>,
}

fn start(server: &mut Server) -> Option<ResPq> {
    let reply = server.handle(&functions::ReqPqMulti { nonce: NONCE }.to_bytes())?;
    let enums::ResPq::ResPq(res) = enums::ResPq::from_bytes(&reply).ok()?;
    let (p, q) = pq::factorize_bytes(&res.pq).ok()?;
    Some(ResPq {
        server_nonce: res.server_nonce,
        pq: res.pq,
        p: be_bytes(p),
        q: be_bytes(q),
    })
}

fn req_dh_params(res: &ResPq, encrypted_data: Vec<u8>) -> Vec<u8> {
    functions::ReqDhParams {
        nonce: NONCE,
        server_nonce: res.server_nonce,
        p: res.p.clone(),
        q: res.q.clone(),
        public_key_fingerprint: config().rsa.public_key().fingerprint(),
        encrypted_data,
    }
    .to_bytes()
}

fn rsa_pad(data: &[u8], rng: &mut ChaCha20Rng) -> Vec<u8> {
    let data = &data[..data.len().min(144)];
    config()
        .rsa
        .public_key()
        .encrypt_rsa_pad(data, rng)
        .map(|block| block.to_vec())
        .unwrap_or_default()
}

/// The AES key and IV protecting the DH inner data (as in the spec).
fn temp_aes(server_nonce: &[u8; 16]) -> ([u8; 32], [u8; 32]) {
    let ns = sha1(&[&NEW_NONCE, server_nonce]);
    let sn = sha1(&[server_nonce, &NEW_NONCE]);
    let nn = sha1(&[&NEW_NONCE, &NEW_NONCE]);
    let mut key = [0u8; 32];
    key[..20].copy_from_slice(&ns);
    key[20..].copy_from_slice(&sn[..12]);
    let mut iv = [0u8; 32];
    iv[..8].copy_from_slice(&sn[12..]);
    iv[8..28].copy_from_slice(&nn);
    iv[28..].copy_from_slice(&NEW_NONCE[..4]);
    (key, iv)
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let flags = input.byte();
    let mut server = Server {
        machine: ServerHandshake::new(),
        rng: ChaCha20Rng::seed_from_u64(7),
        key_in_use: false,
    };
    // A separate RNG for the client's side, so the server's stays the same.
    let mut client_rng = ChaCha20Rng::seed_from_u64(8);

    match mode & 3 {
        0 => {
            for body in input.pieces(4) {
                server.handle(body);
            }
        }
        1 => {
            if start(&mut server).is_none() {
                return;
            }
            for body in input.pieces(3) {
                server.handle(body);
            }
        }
        2 => {
            let Some(res) = start(&mut server) else {
                return;
            };
            let payload = input.rest();
            let encrypted = if flags & 1 != 0 {
                payload.to_vec()
            } else {
                rsa_pad(payload, &mut client_rng)
            };
            server.handle(&req_dh_params(&res, encrypted));
        }
        _ => {
            let Some(res) = start(&mut server) else {
                return;
            };
            let inner = enums::PQInnerData::Dc(Box::new(types::PQInnerDataDc {
                pq: res.pq.clone(),
                p: res.p.clone(),
                q: res.q.clone(),
                nonce: NONCE,
                server_nonce: res.server_nonce,
                new_nonce: NEW_NONCE,
                dc: 2,
            }));
            let encrypted = rsa_pad(&inner.to_bytes(), &mut client_rng);
            if server.handle(&req_dh_params(&res, encrypted)).is_none() {
                return;
            }
            let mut pieces = input.pieces(3).into_iter();
            let payload = pieces.next().unwrap_or_default();
            let plain = if flags & 1 != 0 {
                payload.to_vec()
            } else {
                enums::ClientDhInnerData::ClientDhInnerData(types::ClientDhInnerData {
                    nonce: NONCE,
                    server_nonce: res.server_nonce,
                    retry_id: i64::from(flags >> 4),
                    g_b: payload.to_vec(),
                })
                .to_bytes()
            };
            let encrypted_data = if flags & 2 != 0 {
                payload.to_vec()
            } else {
                let mut data = sha1(&[&plain]).to_vec();
                data.extend_from_slice(&plain);
                let padded = data.len().next_multiple_of(16);
                let start = data.len();
                data.resize(padded, 0);
                client_rng.fill_bytes(&mut data[start..]);
                let (key, iv) = temp_aes(&res.server_nonce);
                if ige::encrypt(&mut data, &key, &iv).is_err() {
                    return;
                }
                data
            };
            server.key_in_use = flags & 4 != 0;
            let set_params = functions::SetClientDhParams {
                nonce: NONCE,
                server_nonce: res.server_nonce,
                encrypted_data,
            };
            server.handle(&set_params.to_bytes());
            for body in pieces {
                server.handle(body);
            }
        }
    }
});

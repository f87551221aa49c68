//! Hot and expensive paths of the protocol core: whole MTProto 2.0 messages
//! through the session envelope (`session::envelope::encrypt` + `decrypt`:
//! header, padding, msg_key, key derivation, AES-IGE, and every check on
//! the way in), and a complete key exchange between the client and server
//! machines in memory.
//!
//! `cargo bench -p paperplane-mtproto`
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use paperplane_crypto::rsa::RsaPrivateKey;
use paperplane_crypto::{AuthKey, Direction};
use paperplane_mtproto::handshake::{
    ClientConfig, ClientHandshake, ClientStep, KeyKind, ServerConfig, ServerHandshake, ServerStep,
};
use paperplane_mtproto::session::envelope::{self, Header};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const NOW: i32 = 1_700_000_000;

fn envelope_benches(c: &mut Criterion) {
    let key = AuthKey::from_bytes(core::array::from_fn(|i| (i * 7 + 1) as u8));
    let header = Header {
        salt: 0x0102_0304_0506_0708,
        session_id: 0x1122_3344_5566_7788,
        msg_id: (i64::from(NOW) << 32) | 4,
        seq_no: 1,
    };
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut group = c.benchmark_group("envelope");
    for (size, label) in [(1024usize, "1KiB"), (128 * 1024, "128KiB")] {
        let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("encrypt+decrypt", label), |b| {
            b.iter(|| {
                let packet = envelope::encrypt(
                    &key,
                    Direction::ClientToServer,
                    header,
                    black_box(&body),
                    &mut rng,
                );
                envelope::decrypt(&key, Direction::ClientToServer, black_box(&packet))
            })
        });
    }
    group.finish();
}

/// One whole permanent-key exchange: `req_pq_multi` to `dh_gen_ok`,
/// including the client's pq factorisation, RSA_PAD both ways, the DH
/// safety checks and both 2048-bit exponentiations on each side.
fn exchange(
    client_config: &ClientConfig,
    server_config: &ServerConfig,
    rng: &mut ChaCha20Rng,
) -> Option<(AuthKey, AuthKey)> {
    let mut server = ServerHandshake::new();
    let (mut client, mut to_server) = ClientHandshake::start(client_config.clone(), rng);
    let mut server_key = None;
    for _ in 0..4 {
        let to_client = match server
            .handle(server_config, &to_server, NOW, &|_| false, rng)
            .ok()?
        {
            ServerStep::Send(body) => body,
            ServerStep::Done { reply, negotiated } => {
                server_key = Some(negotiated.auth_key);
                reply
            }
        };
        match client.handle(&to_client, NOW, rng).ok()? {
            ClientStep::Send(body) => to_server = body,
            ClientStep::Done(negotiated) => return Some((negotiated.auth_key, server_key?)),
        }
    }
    None
}

fn handshake_benches(c: &mut Criterion) {
    // Key generation is a server's one-off cost: outside the timed loop.
    let rsa = RsaPrivateKey::generate(&mut ChaCha20Rng::seed_from_u64(7), 2048)
        .expect("RSA key generation");
    let client_config = ClientConfig {
        dc_id: 2,
        kind: KeyKind::Permanent,
        keys: vec![rsa.public_key().clone()],
    };
    let server_config = ServerConfig::new(rsa);
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (client_key, server_key) =
        exchange(&client_config, &server_config, &mut rng).expect("the exchange completes");
    assert_eq!(client_key, server_key);

    let mut group = c.benchmark_group("handshake");
    group.sample_size(10);
    group.bench_function("key_exchange", |b| {
        b.iter(|| exchange(&client_config, &server_config, &mut rng))
    });
    group.finish();
}

criterion_group!(benches, envelope_benches, handshake_benches);
criterion_main!(benches);

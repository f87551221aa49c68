//! Throughput of the hot paths: AES-256-IGE, whole MTProto 2.0 messages
//! (msg_key + key derivation + IGE, both ways), and `pq` factorisation.
//!
//! Run with `cargo bench -p paperplane-crypto`. For a ceiling, compare with
//! `openssl speed -evp aes-256-cbc -bytes 8192` (CBC encryption has the same
//! one-block-at-a-time dependency chain as IGE).
#![allow(missing_docs)] // criterion_group! generates an undocumented pub fn

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use paperplane_crypto::auth_key::{self, AuthKey, Direction};
use paperplane_crypto::dh::{self, TELEGRAM_DH_PRIME};
use paperplane_crypto::rsa::RsaPrivateKey;
use paperplane_crypto::{ige, pq};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const SIZES: [(usize, &str); 3] = [(1024, "1KiB"), (8 * 1024, "8KiB"), (128 * 1024, "128KiB")];

fn ige_benches(c: &mut Criterion) {
    let key: [u8; 32] = core::array::from_fn(|i| i as u8);
    let iv: [u8; 32] = core::array::from_fn(|i| (i * 3) as u8);

    let mut group = c.benchmark_group("aes256_ige");
    for (size, label) in SIZES {
        let mut buf = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("encrypt", label), |b| {
            b.iter(|| ige::encrypt(black_box(&mut buf), black_box(&key), black_box(&iv)))
        });
        group.bench_function(BenchmarkId::new("decrypt", label), |b| {
            b.iter(|| ige::decrypt(black_box(&mut buf), black_box(&key), black_box(&iv)))
        });
        let mut ctx = ige::AesIge::new(&key, &iv);
        group.bench_function(BenchmarkId::new("encrypt_keyed", label), |b| {
            b.iter(|| {
                ctx.set_iv(black_box(&iv));
                ctx.encrypt(black_box(&mut buf))
            })
        });
    }
    group.finish();
}

fn message_benches(c: &mut Criterion) {
    let key = AuthKey::from_bytes(core::array::from_fn(|i| (i * 7 + 1) as u8));
    let mut group = c.benchmark_group("mtproto2_message");
    for (size, label) in [(1024usize, "1KiB"), (128 * 1024, "128KiB")] {
        let mut buf = vec![0x11u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("encrypt+decrypt", label), |b| {
            b.iter(|| {
                let msg_key = auth_key::encrypt_message_data_in_place(
                    &key,
                    Direction::ClientToServer,
                    black_box(&mut buf),
                )
                .unwrap_or_default();
                auth_key::decrypt_message_data_in_place(
                    &key,
                    Direction::ClientToServer,
                    &msg_key,
                    black_box(&mut buf),
                )
            })
        });
        group.bench_function(BenchmarkId::new("encrypt", label), |b| {
            b.iter(|| {
                auth_key::encrypt_message_data_in_place(
                    &key,
                    Direction::ServerToClient,
                    black_box(&mut buf),
                )
            })
        });
    }
    group.finish();
}

fn pq_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("pq_factorize");
    // Telegram's published example (factors ~2^30.2 and ~2^30.4).
    group.bench_function("telegram_example", |b| {
        b.iter(|| pq::factorize(black_box(0x17ED_4894_1A08_F981)))
    });
    // Fixed products of a ~2^30 and a ~2^31 prime, like `generate_pq` makes.
    let samples: [u64; 4] = [
        1_073_741_827 * 2_147_483_659,
        1_610_612_741 * 3_221_225_473,
        1_342_177_283 * 2_684_354_591,
        2_013_265_921 * 3_758_096_383,
    ];
    group.bench_function("server_sized_x4", |b| {
        b.iter(|| {
            for pq in samples {
                let _ = black_box(pq::factorize(black_box(pq)));
            }
        })
    });
    group.finish();
}

/// The slow, rare operations: a server's RSA key generation and the full
/// safe-prime test a client runs on an unknown `dh_prime`.
fn slow_benches(c: &mut Criterion) {
    let mut group = c.benchmark_group("slow");
    group.sample_size(10);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    group.bench_function("rsa_generate_2048", |b| {
        b.iter(|| RsaPrivateKey::generate(&mut rng, 2048))
    });
    group.bench_function("dh_check_safe_prime", |b| {
        b.iter(|| dh::check_safe_prime(black_box(&TELEGRAM_DH_PRIME)))
    });
    group.finish();
}

criterion_group!(
    name = benches;
    config = Criterion::default();
    targets = ige_benches, message_benches, pq_benches, slow_benches
);
criterion_main!(benches);

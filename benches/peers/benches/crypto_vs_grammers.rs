//! paperplane-crypto against grammers-crypto on identical inputs.
//!
//! `cargo bench -p paperplane-peer-benches --bench crypto_vs_grammers`
//!
//! * `aes256_ige/{encrypt,decrypt}`: `paperplane_crypto::ige` against
//!   `grammers_crypto::aes::ige_{en,de}crypt`, same key, IV and buffer,
//!   in place (the tests in `src/lib.rs` check both give the same bytes).
//! * `mtproto2_message/encrypt+decrypt`: one client message encrypted and
//!   one server message of the same size decrypted, as a client does —
//!   grammers' `encrypt_data_v2` is client-side (x = 0) and
//!   `decrypt_data_v2` server-to-client (x = 8), so both crates do exactly
//!   that. Each iteration, for both crates: copy the plaintext in, add
//!   grammers' padding (16 + (16 − len mod 16) bytes, drawn from the OS RNG —
//!   grammers' API does that itself, so paperplane does it too), msg_key,
//!   KDF, AES-IGE, `auth_key_id ‖ msg_key` in front; then copy a server
//!   packet into a scratch buffer, check its `auth_key_id`, KDF, AES-IGE,
//!   recompute and compare msg_key. The `envelope` variant is paperplane's
//!   full session envelope instead (header, allocation, length and padding
//!   checks on top: more work than grammers does), for reference.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use grammers_crypto::DequeBuffer;
use paperplane_crypto::auth_key::{self, AuthKey, Direction};
use paperplane_crypto::ige;
use paperplane_mtproto::session::envelope::{self, Header};
use rand_core::{OsRng, RngCore};

fn ige_benches(c: &mut Criterion) {
    let key: [u8; 32] = core::array::from_fn(|i| i as u8);
    let iv: [u8; 32] = core::array::from_fn(|i| (i * 3) as u8);
    let mut group = c.benchmark_group("aes256_ige");
    for (size, label) in [(8 * 1024usize, "8KiB"), (128 * 1024, "128KiB")] {
        let mut buf: Vec<u8> = (0..size).map(|i| (i % 253) as u8).collect();
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("encrypt/paperplane", label), |b| {
            b.iter(|| ige::encrypt(black_box(&mut buf), black_box(&key), black_box(&iv)))
        });
        group.bench_function(BenchmarkId::new("encrypt/grammers", label), |b| {
            b.iter(|| {
                grammers_crypto::aes::ige_encrypt(
                    black_box(&mut buf),
                    black_box(&key),
                    black_box(&iv),
                )
            })
        });
        group.bench_function(BenchmarkId::new("decrypt/paperplane", label), |b| {
            b.iter(|| ige::decrypt(black_box(&mut buf), black_box(&key), black_box(&iv)))
        });
        group.bench_function(BenchmarkId::new("decrypt/grammers", label), |b| {
            b.iter(|| {
                grammers_crypto::aes::ige_decrypt(
                    black_box(&mut buf),
                    black_box(&key),
                    black_box(&iv),
                )
            })
        });
    }
    group.finish();
}

/// grammers' padding rule for MTProto 2.0 (`determine_padding_v2_length`).
fn grammers_padding(len: usize) -> usize {
    16 + (16 - len % 16)
}

fn message_benches(c: &mut Criterion) {
    let key_bytes: [u8; 256] = core::array::from_fn(|i| (i * 7 + 1) as u8);
    let ours = AuthKey::from_bytes(key_bytes);
    let theirs = grammers_crypto::AuthKey::from_bytes(key_bytes);
    let key_id = ours.key_id_bytes();

    let mut group = c.benchmark_group("mtproto2_message");
    for (size, label) in [(1024usize, "1KiB"), (128 * 1024, "128KiB")] {
        let plain: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        let padded_len = size + grammers_padding(size);
        // A server-to-client packet of the same size for the decrypt half,
        // the very same bytes for both crates.
        let mut server_packet = vec![0u8; 24 + padded_len];
        server_packet[24..24 + size].copy_from_slice(&plain);
        let msg_key = auth_key::encrypt_message_data_in_place(
            &ours,
            Direction::ServerToClient,
            &mut server_packet[24..],
        )
        .expect("block aligned");
        server_packet[..8].copy_from_slice(&key_id);
        server_packet[8..24].copy_from_slice(&msg_key);

        group.throughput(Throughput::Bytes(size as u64));

        let mut out = vec![0u8; 24 + padded_len];
        let mut scratch = vec![0u8; server_packet.len()];
        group.bench_function(BenchmarkId::new("encrypt+decrypt/paperplane", label), |b| {
            b.iter(|| {
                out[24..24 + size].copy_from_slice(black_box(&plain));
                OsRng.fill_bytes(&mut out[24 + size..]);
                let msg_key = auth_key::encrypt_message_data_in_place(
                    &ours,
                    Direction::ClientToServer,
                    &mut out[24..],
                )
                .expect("block aligned");
                out[..8].copy_from_slice(&key_id);
                out[8..24].copy_from_slice(&msg_key);

                scratch.copy_from_slice(black_box(&server_packet));
                assert_eq!(scratch[..8], key_id);
                let received: [u8; 16] = scratch[8..24].try_into().expect("16 bytes");
                auth_key::decrypt_message_data_in_place(
                    &ours,
                    Direction::ServerToClient,
                    &received,
                    &mut scratch[24..],
                )
                .expect("authentic");
                black_box((&out, &scratch));
            })
        });

        let mut deque = DequeBuffer::with_capacity(padded_len, 24);
        group.bench_function(BenchmarkId::new("encrypt+decrypt/grammers", label), |b| {
            b.iter(|| {
                deque.clear();
                deque.extend(black_box(&plain).iter());
                grammers_crypto::encrypt_data_v2(&mut deque, &theirs);

                scratch.copy_from_slice(black_box(&server_packet));
                grammers_crypto::decrypt_data_v2(&mut scratch, &theirs).expect("authentic");
                black_box((&deque, &scratch));
            })
        });

        // For reference: the session layer's envelope, with the 32-byte
        // inner header, a fresh allocation per packet and the length and
        // padding checks.
        let header = Header {
            salt: 1,
            session_id: 2,
            msg_id: 3 << 32,
            seq_no: 1,
        };
        let envelope_packet = envelope::encrypt(
            &ours,
            Direction::ServerToClient,
            header,
            &plain[..size - 32],
            &mut OsRng,
        );
        group.bench_function(
            BenchmarkId::new("encrypt+decrypt/paperplane-envelope", label),
            |b| {
                b.iter(|| {
                    let sent = envelope::encrypt(
                        &ours,
                        Direction::ClientToServer,
                        header,
                        black_box(&plain[..size - 32]),
                        &mut OsRng,
                    );
                    let received =
                        envelope::decrypt(&ours, Direction::ServerToClient, &envelope_packet)
                            .expect("authentic");
                    black_box((sent, received))
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, ige_benches, message_benches);
criterion_main!(benches);

//! A server session handling what a client sends:
//! `ServerSession::handle_packet` for a fixed auth key.
//!
//! Input: `mode`, then up to 8 length-prefixed packets. `mode & 3`:
//!
//! * 0 — each piece is a raw packet;
//! * 1 — the same with its first 8 bytes forced to the right
//!   `auth_key_id`, to get past that check;
//! * 2, 3 — each piece is plaintext (see `common::session::packet`),
//!   encrypted here with the right key and session id and a valid client
//!   msg_id for the fixed clock, so the fuzzer explores containers,
//!   `gzip_packed`, acks, pings and the other service messages behind the
//!   crypto.
//!
//! Requests are answered with their own body (large ones get compressed),
//! and the session's outgoing path runs after each packet. Property: never
//! a panic.
#![no_main]

mod common;

use common::session::{SALT, auth_key, packet, with_key_id};
use common::{Input, NOW_MS};
use libfuzzer_sys::fuzz_target;
use paperplane_crypto::Direction;
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use paperplane_mtproto::session::{ServerEvent, ServerSession};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let key = auth_key();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut session = ServerSession::new(key.clone(), SALT);
    let mut ids = MsgIdGen::new(Role::Client, 0);
    for piece in input.pieces(8) {
        let packet = match mode & 3 {
            0 => piece.to_vec(),
            1 => with_key_id(&key, piece),
            _ => packet(
                &key,
                Direction::ClientToServer,
                &mut ids,
                IdKind::Other,
                piece,
                &[],
                &mut rng,
            ),
        };
        if let Ok(events) = session.handle_packet(&packet, NOW_MS, &mut rng) {
            for event in events {
                if let ServerEvent::Request { msg_id, body } = event {
                    session.respond(msg_id, &body);
                }
            }
        }
        for _ in 0..16 {
            if session.poll_transmit(NOW_MS, &mut rng).is_none() {
                break;
            }
        }
    }
});

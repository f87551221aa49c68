//! A client session handling what a server sends: `ClientSession::handle_packet`
//! for a fixed auth key, after three requests went out.
//!
//! Input: `mode`, then up to 8 length-prefixed packets. `mode & 3`:
//!
//! * 0 — each piece is a raw packet;
//! * 1 — the same with its first 8 bytes forced to the right
//!   `auth_key_id`, to get past that check;
//! * 2, 3 — each piece is plaintext (see `common::session::packet`),
//!   encrypted here with the right key and session id and a valid server
//!   msg_id for the fixed clock, so the fuzzer explores containers,
//!   `rpc_result`, `gzip_packed` and the service messages behind the crypto.
//!
//! After each packet the session's outgoing path runs too (acks, resends).
//! Property: never a panic.
#![no_main]

mod common;

use common::session::{SALT, SESSION_ID, auth_key, packet, with_key_id};
use common::{Input, NOW_MS};
use libfuzzer_sys::fuzz_target;
use paperplane_crypto::Direction;
use paperplane_mtproto::session::ClientSession;
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// `ping#7abe77ec ping_id:long`, a request body for the pending requests.
fn ping(id: u8) -> Vec<u8> {
    let mut body = 0x7abe_77ecu32.to_le_bytes().to_vec();
    body.extend_from_slice(&[id; 8]);
    body
}

/// Drain what the session wants to send (bounded, in case of a bug that
/// always has more).
fn transmit(session: &mut ClientSession, rng: &mut ChaCha20Rng) {
    for _ in 0..16 {
        if session.poll_transmit(NOW_MS, rng).is_none() {
            break;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mode = input.byte();
    let key = auth_key();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut session = ClientSession::new(key.clone(), SESSION_ID, SALT, 0);
    let requests: Vec<_> = (0..3).map(|i| session.request(ping(i))).collect();
    transmit(&mut session, &mut rng);
    let request_ids: Vec<i64> = requests
        .iter()
        .filter_map(|&r| session.msg_id_of(r))
        .collect();

    let mut ids = MsgIdGen::new(Role::Server, 0);
    for (i, piece) in input.pieces(8).into_iter().enumerate() {
        let packet = match mode & 3 {
            0 => piece.to_vec(),
            1 => with_key_id(&key, piece),
            _ => {
                // Alternate answers and other messages, as a server does.
                let kind = if i % 2 == 0 {
                    IdKind::Response
                } else {
                    IdKind::Other
                };
                let direction = Direction::ServerToClient;
                packet(
                    &key,
                    direction,
                    &mut ids,
                    kind,
                    piece,
                    &request_ids,
                    &mut rng,
                )
            }
        };
        let _ = session.handle_packet(&packet, NOW_MS);
        transmit(&mut session, &mut rng);
    }
});

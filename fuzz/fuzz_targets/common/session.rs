//! Building encrypted MTProto packets from fuzz input, so the session
//! targets can reach the parsing behind the crypto.

use std::sync::OnceLock;

use paperplane_crypto::{AuthKey, Direction};
use paperplane_mtproto::session::container;
use paperplane_mtproto::session::envelope::{self, Header};
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen};
use rand_core::RngCore;

use super::{Input, NOW_MS};

pub const SESSION_ID: i64 = 0x1122_3344_5566_7788;
pub const SALT: i64 = 0x0102_0304_0506_0708;

/// The fixed authorization key of both session targets.
pub fn auth_key() -> AuthKey {
    static KEY: OnceLock<AuthKey> = OnceLock::new();
    KEY.get_or_init(|| {
        AuthKey::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(29) ^ 0x3c))
    })
    .clone()
}

/// A raw packet whose first 8 bytes are replaced by (or, if shorter,
/// become) the key's `auth_key_id`.
pub fn with_key_id(key: &AuthKey, piece: &[u8]) -> Vec<u8> {
    let mut packet = key.key_id_bytes().to_vec();
    packet.extend_from_slice(piece.get(8..).unwrap_or_default());
    packet
}

/// One correctly encrypted packet whose content the fuzz `piece` decides.
///
/// `piece[0]` holds flags: bit 0 wraps the body in `rpc_result` for one of
/// `requests` (bits 6–7 pick it), bit 1 in `gzip_packed` (when that is
/// smaller), bit 2 makes the rest a `msg_container` of up to 8
/// length-prefixed messages (each wrapped per bits 0–1), bit 3 uses a wrong
/// salt, bit 4 a wrong session id, bit 5 an even (not content-related)
/// seq_no. The rest of `piece` is the TL body, zero-padded to 4 bytes.
pub fn packet(
    key: &AuthKey,
    direction: Direction,
    ids: &mut MsgIdGen,
    kind: IdKind,
    piece: &[u8],
    requests: &[i64],
    rng: &mut impl RngCore,
) -> Vec<u8> {
    let mut input = Input::new(piece);
    let flags = input.byte();
    let body = input.rest();
    let seq_no = |i: usize| 2 * i as i32 + i32::from(flags & 0x20 == 0);
    let body = if flags & 4 != 0 {
        let inner: Vec<(i64, i32, Vec<u8>)> = Input::new(body)
            .pieces(8)
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                let body = transform(flags, b, requests, i);
                (ids.next(NOW_MS, kind), seq_no(i), body)
            })
            .collect();
        container::pack(inner.iter().map(|(id, seq, b)| (*id, *seq, b.as_slice())))
    } else {
        transform(flags, body, requests, usize::from(flags >> 6))
    };
    let header = Header {
        salt: if flags & 8 != 0 { SALT ^ 1 } else { SALT },
        session_id: if flags & 0x10 != 0 {
            SESSION_ID ^ 1
        } else {
            SESSION_ID
        },
        msg_id: ids.next(NOW_MS, kind),
        seq_no: seq_no(0),
    };
    envelope::encrypt(key, direction, header, &body, rng)
}

fn transform(flags: u8, body: &[u8], requests: &[i64], index: usize) -> Vec<u8> {
    let mut body = body.to_vec();
    body.resize(body.len().next_multiple_of(4), 0);
    if flags & 1 != 0 && !requests.is_empty() {
        body = container::rpc_result(requests[index % requests.len()], &body);
    }
    if flags & 2 != 0 {
        if let Some(packed) = container::gzip_if_smaller(&body) {
            body = packed;
        }
    }
    body
}

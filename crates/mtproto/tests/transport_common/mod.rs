//! Helpers shared by the transport integration tests.
#![allow(dead_code)]

use paperplane_mtproto::transport::{
    ClientPacket, ClientTransport, Frame, ReadBuf, ServerTransport, TransportError,
};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

pub const NOW: u64 = 1_700_000_000;

pub fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

pub fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// An unencrypted MTProto message (auth_key_id 0) with `data_len` bytes of
/// data (a multiple of 4): 20 + data_len bytes.
pub fn plain_message(rng: &mut impl RngCore, data_len: usize) -> Vec<u8> {
    assert_eq!(data_len % 4, 0);
    let mut m = vec![0u8; 8];
    m.extend_from_slice(&rng.next_u64().to_le_bytes());
    m.extend_from_slice(&(data_len as u32).to_le_bytes());
    let start = m.len();
    m.resize(start + data_len, 0);
    rng.fill_bytes(&mut m[start..]);
    m
}

/// An encrypted-message-shaped packet: a non-zero auth_key_id, msg_key and
/// `blocks` AES blocks: 24 + 16·blocks bytes.
pub fn encrypted_message(rng: &mut impl RngCore, blocks: usize) -> Vec<u8> {
    let mut m = vec![0u8; 24 + 16 * blocks];
    rng.fill_bytes(&mut m);
    m[0] |= 1;
    m
}

/// A mix of MTProto-shaped packets of many sizes, including the abridged
/// short/long boundary (126 and 127 words) and, if `big`, one of 1 MiB.
pub fn packets(rng: &mut impl RngCore, count: usize, big: bool) -> Vec<Vec<u8>> {
    let mut out = vec![
        plain_message(rng, 0),        // 20 bytes, the smallest
        encrypted_message(rng, 30),   // 504 bytes = 126 words
        plain_message(rng, 508 - 20), // 508 bytes = 127 words
        encrypted_message(rng, 1),    // 40 bytes
    ];
    for _ in 0..count {
        if rng.next_u32() % 2 == 0 {
            let data_len = (rng.next_u32() % 600) as usize * 4;
            out.push(plain_message(rng, data_len));
        } else {
            let blocks = 1 + (rng.next_u32() % 300) as usize;
            out.push(encrypted_message(rng, blocks));
        }
    }
    if big {
        out.push(encrypted_message(rng, (1 << 20) / 16));
    }
    out
}

/// Feed `wire` to a decode function in chunks of the given sizes (cycled),
/// decoding as much as possible after each chunk.
pub fn feed<T>(
    wire: &[u8],
    chunks: &[usize],
    input: &mut ReadBuf,
    mut decode: impl FnMut(&mut ReadBuf) -> Result<Option<T>, TransportError>,
) -> Result<Vec<T>, TransportError> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut i = 0;
    while at < wire.len() {
        let n = chunks[i % chunks.len()].max(1).min(wire.len() - at);
        i += 1;
        input.extend_from_slice(&wire[at..at + n]);
        at += n;
        while let Some(item) = decode(input)? {
            out.push(item);
        }
    }
    Ok(out)
}

/// Everything the client decodes from `input`.
pub fn client_frames(client: &mut ClientTransport, input: &mut ReadBuf) -> Vec<Frame> {
    let mut frames = Vec::new();
    while let Some(frame) = client.decode(input).unwrap() {
        frames.push(frame);
    }
    frames
}

/// Everything the server decodes from `input`.
pub fn server_packets(server: &mut ServerTransport, input: &mut ReadBuf) -> Vec<ClientPacket> {
    let mut packets = Vec::new();
    while let Some(packet) = server.decode(input).unwrap() {
        packets.push(packet);
    }
    packets
}

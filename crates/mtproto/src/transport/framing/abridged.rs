//! Abridged: the length in 4-byte words, in one byte (`0x01..=0x7e`) or as
//! `0x7f` followed by three bytes little-endian.
//!
//! Client → server, bit 7 of the first byte asks for a quick-ack (so `0xff`
//! opens a long header with the request). Server → client, a first byte
//! with bit 7 set starts a 4-byte big-endian quick-ack token instead of a
//! packet. Overlong headers (`0x7f` with fewer than 127 words), which tdlib
//! and Telethon never produce, are accepted.

use super::{FromClient, FromServer, take_body};
use crate::transport::error::TransportError;
use crate::transport::read_buf::ReadBuf;

/// The most words the 3-byte long form can express.
const MAX_WORDS: usize = (1 << 24) - 1;
/// Short-form lengths are `0..LONG_MARKER`; the marker announces 3 more bytes.
const LONG_MARKER: u8 = 0x7f;
const QUICK_ACK_BIT: u8 = 0x80;

/// Append the header and the payload (already checked: non-empty, aligned,
/// within the configured maximum).
pub(super) fn encode(
    payload: &[u8],
    quick_ack: bool,
    out: &mut Vec<u8>,
) -> Result<(), TransportError> {
    let words = payload.len() / 4;
    if words > MAX_WORDS {
        return Err(TransportError::FrameTooLarge {
            len: payload.len() as u64,
            max: MAX_WORDS * 4,
        });
    }
    let ack = if quick_ack { QUICK_ACK_BIT } else { 0 };
    match u8::try_from(words) {
        Ok(short) if short < LONG_MARKER => out.push(short | ack),
        _ => {
            let [b0, b1, b2, _] = (words as u32).to_le_bytes();
            out.extend_from_slice(&[LONG_MARKER | ack, b0, b1, b2]);
        }
    }
    out.extend_from_slice(payload);
    Ok(())
}

/// Header length and body length in words, once enough header bytes are
/// there. `first` is the first byte without the quick-ack bit.
fn header(buf: &[u8], first: u8) -> Option<(usize, u64)> {
    if first == LONG_MARKER {
        let &[_, b0, b1, b2, ..] = buf else {
            return None;
        };
        Some((4, u64::from(u32::from_le_bytes([b0, b1, b2, 0]))))
    } else {
        Some((1, u64::from(first)))
    }
}

pub(super) fn decode_from_client(
    input: &mut ReadBuf,
    max: usize,
) -> Result<Option<FromClient>, TransportError> {
    let buf = input.as_slice();
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    let quick_ack = first & QUICK_ACK_BIT != 0;
    let Some((header_len, words)) = header(buf, first & !QUICK_ACK_BIT) else {
        return Ok(None);
    };
    Ok(take_body(input, header_len, words * 4, max as u64, true)?
        .map(|body| FromClient { body, quick_ack }))
}

pub(super) fn decode_from_server(
    input: &mut ReadBuf,
    max: usize,
) -> Result<Option<FromServer>, TransportError> {
    let buf = input.as_slice();
    let Some(&first) = buf.first() else {
        return Ok(None);
    };
    if first & QUICK_ACK_BIT != 0 {
        let &[b0, b1, b2, b3, ..] = buf else {
            return Ok(None);
        };
        input.consume(4);
        return Ok(Some(FromServer::QuickAck(u32::from_be_bytes([
            b0, b1, b2, b3,
        ]))));
    }
    let Some((header_len, words)) = header(buf, first) else {
        return Ok(None);
    };
    Ok(take_body(input, header_len, words * 4, max as u64, true)?.map(FromServer::Packet))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(len: usize, quick_ack: bool) -> Vec<u8> {
        let mut out = Vec::new();
        encode(&vec![0xab; len], quick_ack, &mut out).unwrap();
        out
    }

    #[test]
    fn short_and_long_headers() {
        assert_eq!(encoded(4, false)[0], 0x01);
        assert_eq!(encoded(4, true)[0], 0x81);
        assert_eq!(encoded(126 * 4, false)[0], 0x7e);
        assert_eq!(&encoded(127 * 4, false)[..4], &[0x7f, 0x7f, 0, 0]);
        assert_eq!(&encoded(127 * 4, true)[..4], &[0xff, 0x7f, 0, 0]);
        assert_eq!(&encoded(0x12345 * 4, false)[..4], &[0x7f, 0x45, 0x23, 0x01]);
    }

    #[test]
    fn overlong_header_is_accepted() {
        let mut input = ReadBuf::from(vec![0x7f, 1, 0, 0, 1, 2, 3, 4]);
        let frame = decode_from_server(&mut input, 100).unwrap();
        assert_eq!(frame, Some(FromServer::Packet(vec![1, 2, 3, 4])));
    }
}

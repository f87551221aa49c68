//! Intermediate and padded intermediate: a 4-byte little-endian length.
//!
//! Bit 31 of the length is the quick-ack bit: client → server it asks for
//! one, server → client it marks the 4 bytes as a quick-ack token with no
//! body. Padded intermediate counts its 0–15 random padding bytes in the
//! length; the framer trims them after decoding.

use rand_core::RngCore;

use super::{FromClient, FromServer, MAX_PADDING, take_body};
use crate::transport::error::TransportError;
use crate::transport::read_buf::ReadBuf;

const QUICK_ACK_BIT: u32 = 0x8000_0000;

/// Append the header, the payload (already checked) and `padding` random
/// bytes.
pub(super) fn encode<R: RngCore + ?Sized>(
    payload: &[u8],
    quick_ack: bool,
    padding: usize,
    rng: &mut R,
    out: &mut Vec<u8>,
) -> Result<(), TransportError> {
    let total = payload.len().saturating_add(padding);
    let len = match u32::try_from(total) {
        Ok(len) if len & QUICK_ACK_BIT == 0 => len,
        _ => {
            return Err(TransportError::FrameTooLarge {
                len: total as u64,
                max: (QUICK_ACK_BIT - 1) as usize,
            });
        }
    };
    let len = if quick_ack { len | QUICK_ACK_BIT } else { len };
    out.reserve(4 + total);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(payload);
    let padding_start = out.len();
    out.resize(padding_start + padding, 0);
    if let Some(tail) = out.get_mut(padding_start..) {
        rng.fill_bytes(tail);
    }
    Ok(())
}

fn header(buf: &[u8]) -> Option<u32> {
    let &[b0, b1, b2, b3, ..] = buf else {
        return None;
    };
    Some(u32::from_le_bytes([b0, b1, b2, b3]))
}

/// The body limit: padding comes on top of the payload limit.
fn body_limit(max: usize, padded: bool) -> u64 {
    let padding = if padded { u64::from(MAX_PADDING) } else { 0 };
    (max as u64).saturating_add(padding)
}

pub(super) fn decode_from_client(
    input: &mut ReadBuf,
    max: usize,
    padded: bool,
) -> Result<Option<FromClient>, TransportError> {
    let Some(raw) = header(input.as_slice()) else {
        return Ok(None);
    };
    let quick_ack = raw & QUICK_ACK_BIT != 0;
    let len = u64::from(raw & !QUICK_ACK_BIT);
    Ok(take_body(input, 4, len, body_limit(max, padded), !padded)?
        .map(|body| FromClient { body, quick_ack }))
}

pub(super) fn decode_from_server(
    input: &mut ReadBuf,
    max: usize,
    padded: bool,
) -> Result<Option<FromServer>, TransportError> {
    let Some(raw) = header(input.as_slice()) else {
        return Ok(None);
    };
    if raw & QUICK_ACK_BIT != 0 {
        input.consume(4);
        return Ok(Some(FromServer::QuickAck(raw)));
    }
    Ok(
        take_body(input, 4, u64::from(raw), body_limit(max, padded), !padded)?
            .map(FromServer::Packet),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::framing::NoRng;

    #[test]
    fn layout() {
        let mut out = Vec::new();
        encode(&[1, 2, 3, 4], true, 3, &mut NoRng, &mut out).unwrap();
        assert_eq!(out, [7, 0, 0, 0x80, 1, 2, 3, 4, 0, 0, 0]);
    }

    #[test]
    fn absurd_lengths_are_rejected_before_the_body() {
        let mut input = ReadBuf::from(vec![0xff, 0xff, 0xff, 0x7f]);
        assert!(matches!(
            decode_from_client(&mut input, 1 << 20, false),
            Err(TransportError::FrameTooLarge {
                len: 0x7fff_ffff,
                ..
            })
        ));
        let mut input = ReadBuf::from(vec![0xff, 0xff, 0xff, 0xff]);
        // From the server, the top bit makes it a quick-ack token.
        assert_eq!(
            decode_from_server(&mut input, 1 << 20, false).unwrap(),
            Some(FromServer::QuickAck(u32::MAX))
        );
        let mut input = ReadBuf::from(vec![5, 0, 0, 0]);
        assert_eq!(
            decode_from_server(&mut input, 1 << 20, false),
            Err(TransportError::Unaligned { len: 5 })
        );
    }
}

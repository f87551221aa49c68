//! Full: `len(4) seq_no(4) payload crc32(4)`, all little-endian, where `len`
//! counts all four parts and the CRC32 covers the three before it.
//!
//! Each side numbers the packets it sends from 0 and the receiver checks the
//! numbers (optionally: Telethon ignores the server's). A connection opens
//! with no tag: the server recognises full by its first packet's
//! `seq_no` = 0 (an obfuscated2 header never has zeros there).

use paperplane_crypto::hash::crc32;

use super::FromServer;
use crate::transport::error::TransportError;
use crate::transport::read_buf::ReadBuf;

/// len + seq_no + crc32.
pub(crate) const OVERHEAD: usize = 12;

/// Append one packet (payload already checked) numbered `seq`.
pub(super) fn encode(payload: &[u8], seq: u32, out: &mut Vec<u8>) -> Result<(), TransportError> {
    let total = payload.len().saturating_add(OVERHEAD);
    // Telethon reads the length as a signed int.
    let len = match i32::try_from(total) {
        Ok(len) => len as u32,
        Err(_) => {
            return Err(TransportError::FrameTooLarge {
                len: payload.len() as u64,
                max: i32::MAX as usize - OVERHEAD,
            });
        }
    };
    let start = out.len();
    out.reserve(total);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(payload);
    let crc = crc32(out.get(start..).unwrap_or_default());
    out.extend_from_slice(&crc.to_le_bytes());
    Ok(())
}

fn le_u32(buf: &[u8], at: usize) -> Option<u32> {
    let bytes: [u8; 4] = buf.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(bytes))
}

/// Validate the length header, then take and check one whole packet.
fn decode_packet(
    input: &mut ReadBuf,
    len: u32,
    max: usize,
    rx_seq: &mut u32,
    check_seq: bool,
) -> Result<Option<Vec<u8>>, TransportError> {
    let payload_len = u64::from(len).saturating_sub(OVERHEAD as u64);
    if u64::from(len) < OVERHEAD as u64 {
        return Err(TransportError::TooShort {
            len: u64::from(len),
        });
    }
    if payload_len == 0 {
        return Err(TransportError::EmptyFrame);
    }
    if payload_len > max as u64 {
        return Err(TransportError::FrameTooLarge {
            len: payload_len,
            max,
        });
    }
    if len % 4 != 0 {
        return Err(TransportError::Unaligned { len: payload_len });
    }
    let len = len as usize;
    let buf = input.as_slice();
    let (Some(packet), Some(seq), Some(found)) =
        (buf.get(..len - 4), le_u32(buf, 4), le_u32(buf, len - 4))
    else {
        return Ok(None);
    };
    let body = packet.get(8..).unwrap_or_default();
    let computed = crc32(packet);
    if computed != found {
        return Err(TransportError::BadChecksum { found, computed });
    }
    if check_seq && seq != *rx_seq {
        return Err(TransportError::BadSequence {
            expected: *rx_seq,
            found: seq,
        });
    }
    *rx_seq = seq.wrapping_add(1);
    let body = body.to_vec();
    input.consume(len);
    Ok(Some(body))
}

pub(super) fn decode_from_client(
    input: &mut ReadBuf,
    max: usize,
    rx_seq: &mut u32,
    check_seq: bool,
) -> Result<Option<Vec<u8>>, TransportError> {
    let Some(len) = le_u32(input.as_slice(), 0) else {
        return Ok(None);
    };
    decode_packet(input, len, max, rx_seq, check_seq)
}

pub(super) fn decode_from_server(
    input: &mut ReadBuf,
    max: usize,
    rx_seq: &mut u32,
    check_seq: bool,
) -> Result<Option<FromServer>, TransportError> {
    let Some(len) = le_u32(input.as_slice(), 0) else {
        return Ok(None);
    };
    let signed = len as i32;
    if signed < 0 {
        input.consume(4);
        return Ok(Some(FromServer::Error(signed)));
    }
    Ok(decode_packet(input, len, max, rx_seq, check_seq)?.map(FromServer::Packet))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_sequence() {
        let mut out = Vec::new();
        encode(&[1, 2, 3, 4], 7, &mut out).unwrap();
        assert_eq!(&out[..8], &[16, 0, 0, 0, 7, 0, 0, 0]);
        assert_eq!(out.len(), 16);
        let mut input = ReadBuf::from(out);
        let mut seq = 7;
        assert_eq!(
            decode_from_client(&mut input, 100, &mut seq, true).unwrap(),
            Some(vec![1, 2, 3, 4])
        );
        assert_eq!(seq, 8);
    }

    #[test]
    fn negative_length_from_server_is_an_error_code() {
        let mut input = ReadBuf::from((-429i32).to_le_bytes().to_vec());
        let mut seq = 0;
        assert_eq!(
            decode_from_server(&mut input, 100, &mut seq, true).unwrap(),
            Some(FromServer::Error(-429))
        );
        // From a client it is just an absurd length.
        let mut input = ReadBuf::from((-429i32).to_le_bytes().to_vec());
        assert!(matches!(
            decode_from_client(&mut input, 100, &mut seq, true),
            Err(TransportError::FrameTooLarge { .. })
        ));
    }
}

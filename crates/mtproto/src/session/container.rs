//! Service wrappers decoded by hand: `msg_container`, `rpc_result` and
//! `gzip_packed` (their payload is any object, which TL cannot type).

use std::io::{Read, Write};

use super::{Result, SessionError};

/// `msg_container#73f1f8dc messages:vector<%Message>`.
pub const MSG_CONTAINER: u32 = 0x73f1f8dc;
/// `rpc_result#f35c6d01 req_msg_id:long result:Object`.
pub const RPC_RESULT: u32 = 0xf35c6d01;
/// `gzip_packed#3072cfa1 packed_data:bytes`.
pub const GZIP_PACKED: u32 = 0x3072cfa1;
/// The most messages a container may hold (Telegram's limit).
pub const MAX_CONTAINER_LEN: usize = 1020;
/// The largest body a `gzip_packed` may inflate to.
pub const MAX_INFLATED: usize = 16 << 20;

/// One message inside a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inner<'a> {
    /// Its msg_id.
    pub msg_id: i64,
    /// Its seq_no.
    pub seq_no: i32,
    /// Its body.
    pub body: &'a [u8],
}

/// The constructor id at the start of `body`.
pub fn id_of(body: &[u8]) -> Option<u32> {
    body.get(..4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Splits a `msg_container` body into its messages.
pub fn unpack(body: &[u8]) -> Result<Vec<Inner<'_>>> {
    let bad = || SessionError::BadContainer;
    if id_of(body) != Some(MSG_CONTAINER) {
        return Err(bad());
    }
    let count = body
        .get(4..8)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(bad)?;
    let count = count as usize;
    if count > MAX_CONTAINER_LEN || count > (body.len() - 8) / 16 {
        return Err(bad());
    }
    let mut rest = &body[8..];
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let header = rest.get(..16).ok_or_else(bad)?;
        let msg_id = i64::from_le_bytes(header[..8].try_into().map_err(|_| bad())?);
        let seq_no = i32::from_le_bytes(header[8..12].try_into().map_err(|_| bad())?);
        let len = u32::from_le_bytes(header[12..16].try_into().map_err(|_| bad())?) as usize;
        let inner = rest.get(16..16 + len).ok_or_else(bad)?;
        if len % 4 != 0 || id_of(inner) == Some(MSG_CONTAINER) {
            return Err(bad());
        }
        out.push(Inner {
            msg_id,
            seq_no,
            body: inner,
        });
        rest = &rest[16 + len..];
    }
    if !rest.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

/// Builds a `msg_container` from `(msg_id, seq_no, body)` triples.
pub fn pack<'a>(messages: impl IntoIterator<Item = (i64, i32, &'a [u8])>) -> Vec<u8> {
    let mut out = MSG_CONTAINER.to_le_bytes().to_vec();
    out.extend_from_slice(&[0; 4]);
    let mut count = 0u32;
    for (msg_id, seq_no, body) in messages {
        out.extend_from_slice(&msg_id.to_le_bytes());
        out.extend_from_slice(&seq_no.to_le_bytes());
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(body);
        count += 1;
    }
    out[4..8].copy_from_slice(&count.to_le_bytes());
    out
}

/// Reads `rpc_result`: `(req_msg_id, result)`.
pub fn open_rpc_result(body: &[u8]) -> Result<(i64, &[u8])> {
    if id_of(body) != Some(RPC_RESULT) || body.len() < 16 {
        return Err(SessionError::BadRpcResult);
    }
    let req_msg_id = i64::from_le_bytes(
        body[4..12]
            .try_into()
            .map_err(|_| SessionError::BadRpcResult)?,
    );
    Ok((req_msg_id, &body[12..]))
}

/// Builds `rpc_result`.
pub fn rpc_result(req_msg_id: i64, result: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + result.len());
    out.extend_from_slice(&RPC_RESULT.to_le_bytes());
    out.extend_from_slice(&req_msg_id.to_le_bytes());
    out.extend_from_slice(result);
    out
}

/// Inflates a `gzip_packed` body, refusing output over [`MAX_INFLATED`].
pub fn gunzip(body: &[u8]) -> Result<Vec<u8>> {
    if id_of(body) != Some(GZIP_PACKED) {
        return Err(SessionError::BadGzip);
    }
    let packed = paperplane_tl::Cursor::new(&body[4..])
        .read_bytes()
        .map_err(|_| SessionError::BadGzip)?;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(packed)
        .take(MAX_INFLATED as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| SessionError::BadGzip)?;
    if out.len() > MAX_INFLATED {
        return Err(SessionError::BadGzip);
    }
    Ok(out)
}

/// Wraps `body` in `gzip_packed` if that makes it smaller.
pub fn gzip_if_smaller(body: &[u8]) -> Option<Vec<u8>> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(body).ok()?;
    let packed = enc.finish().ok()?;
    if packed.len() + 8 >= body.len() {
        return None;
    }
    let mut out = GZIP_PACKED.to_le_bytes().to_vec();
    paperplane_tl::serialize::write_bytes(&packed, &mut out);
    Some(out)
}

/// If `body` is `gzip_packed`, its inflated content; otherwise `body`.
pub fn maybe_gunzip(body: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>> {
    if id_of(body) == Some(GZIP_PACKED) {
        gunzip(body).map(std::borrow::Cow::Owned)
    } else {
        Ok(std::borrow::Cow::Borrowed(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_round_trip() {
        let a = [1u8, 2, 3, 4];
        let b = [5u8; 8];
        let packed = pack([(4, 1, &a[..]), (8, 3, &b[..])]);
        let inner = unpack(&packed).unwrap();
        assert_eq!(
            inner,
            vec![
                Inner {
                    msg_id: 4,
                    seq_no: 1,
                    body: &a
                },
                Inner {
                    msg_id: 8,
                    seq_no: 3,
                    body: &b
                },
            ]
        );
    }

    #[test]
    fn hostile_containers_are_rejected() {
        let a = [1u8, 2, 3, 4];
        let good = pack([(4, 1, &a[..])]);
        // Count larger than the bytes can hold.
        let mut lying = good.clone();
        lying[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(unpack(&lying).is_err());
        // Inner length past the end.
        let mut long = good.clone();
        long[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert!(unpack(&long).is_err());
        // Trailing bytes.
        let mut trailing = good.clone();
        trailing.extend([0; 4]);
        assert!(unpack(&trailing).is_err());
        // A container inside a container.
        let nested = pack([(4, 1, &good[..])]);
        assert!(unpack(&nested).is_err());
        for cut in 0..good.len() {
            assert!(unpack(&good[..cut]).is_err(), "prefix {cut}");
        }
    }

    #[test]
    fn gzip_round_trip_and_bomb_limit() {
        let body = vec![7u8; 4096];
        let packed = gzip_if_smaller(&body).unwrap();
        assert!(packed.len() < 200);
        assert_eq!(gunzip(&packed).unwrap(), body);
        assert!(
            gzip_if_smaller(&[1, 2, 3, 4]).is_none(),
            "tiny bodies stay plain"
        );

        let bomb = vec![0u8; MAX_INFLATED + 1];
        let packed = gzip_if_smaller(&bomb).unwrap();
        assert!(matches!(gunzip(&packed), Err(SessionError::BadGzip)));
        assert!(matches!(
            gunzip(&GZIP_PACKED.to_le_bytes()),
            Err(SessionError::BadGzip)
        ));
    }
}

//! Helpers shared by the fuzz targets: reading the input as a little
//! structure, cutting a stream into fuzzer-chosen pieces, FakeTLS records.
#![allow(dead_code)] // each target uses a different subset

/// The fixed "current time" of every target (unix seconds).
pub const NOW: u64 = 1_700_000_000;
/// The same, in milliseconds, for the session layer.
pub const NOW_MS: i64 = 1_700_000_000_000;

/// Reads control bytes off the front of the fuzz input. Reading past the
/// end yields zeros, so every input is valid.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    pub fn rest(self) -> &'a [u8] {
        self.data
    }

    /// Up to `max` pieces: each one a little-endian `u16` length and that
    /// many bytes (fewer at the end); the last piece takes whatever is left.
    pub fn pieces(mut self, max: usize) -> Vec<&'a [u8]> {
        let mut out = Vec::new();
        while !self.data.is_empty() && out.len() + 1 < max {
            let len = usize::from(self.u16()).min(self.data.len());
            let (piece, rest) = self.data.split_at(len);
            out.push(piece);
            self.data = rest;
        }
        if !self.data.is_empty() || out.is_empty() {
            out.push(self.data);
        }
        out
    }
}

/// Cut `stream` into consecutive chunks: all at once for `seed == 0`,
/// otherwise pseudo-random sizes in `1..=seed` (so 1 means byte by byte).
pub fn chunks(stream: &[u8], seed: u8) -> Vec<&[u8]> {
    if seed == 0 {
        return vec![stream];
    }
    let mut state = u32::from(seed).wrapping_mul(0x9E37_79B9) | 1;
    let mut out = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let len = (state % u32::from(seed)) as usize + 1;
        let (chunk, tail) = rest.split_at(len.min(rest.len()));
        out.push(chunk);
        rest = tail;
    }
    out
}

/// Wrap `stream` in TLS application-data records of at most `max_payload`
/// (1..=16384) bytes each.
pub fn tls_records(stream: &[u8], max_payload: usize) -> Vec<u8> {
    let max_payload = max_payload.clamp(1, 16384);
    let mut out = Vec::with_capacity(stream.len() + 5 * (stream.len() / max_payload + 1));
    for record in stream.chunks(max_payload) {
        out.extend_from_slice(&[0x17, 0x03, 0x03]);
        out.extend_from_slice(&(record.len() as u16).to_be_bytes());
        out.extend_from_slice(record);
    }
    out
}

/// TLS ChangeCipherSpec, which a FakeTLS client sends before its first record.
pub const CHANGE_CIPHER_SPEC: [u8; 6] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01];

pub mod session;

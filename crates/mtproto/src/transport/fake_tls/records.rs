//! TLS application-data records carrying the obfuscated2 stream after the
//! FakeTLS handshake.
//!
//! The records are framing only: the stream inside is already encrypted by
//! obfuscated2, so payloads are cut and joined at any byte, and a record
//! boundary means nothing to the framing inside. The reader therefore
//! streams payload bytes as they arrive instead of waiting for whole
//! records.

use super::be_u16;
use crate::transport::error::FakeTlsError;
use crate::transport::read_buf::ReadBuf;

/// The largest record payload TLS allows (2^14) and the server's cut.
pub const MAX_RECORD_PAYLOAD: usize = 16384;
/// tdlib's cut for the records a client sends (`MAX_TLS_PACKET_LENGTH`), so
/// that the sizes look like a browser's.
pub const CLIENT_RECORD_PAYLOAD: usize = 2878;

const CHANGE_CIPHER_SPEC: [u8; 6] = [0x14, 0x03, 0x03, 0x00, 0x01, 0x01];
const APPLICATION_DATA: [u8; 3] = [0x17, 0x03, 0x03];
const RECORD_HEADER_LEN: usize = 5;

/// Cuts an outgoing stream into application-data records.
#[derive(Clone, Debug)]
pub(crate) struct RecordWriter {
    max_payload: usize,
    change_cipher_spec_pending: bool,
}

impl RecordWriter {
    /// A writer cutting at `max_payload` (clamped to 1..=16384), sending a
    /// ChangeCipherSpec before the first record if `change_cipher_spec`.
    pub(crate) fn new(max_payload: usize, change_cipher_spec: bool) -> Self {
        Self {
            max_payload: max_payload.clamp(1, MAX_RECORD_PAYLOAD),
            change_cipher_spec_pending: change_cipher_spec,
        }
    }

    /// Append `data` as records to `out`.
    pub(crate) fn write(&mut self, data: &[u8], out: &mut Vec<u8>) {
        if data.is_empty() {
            return;
        }
        if self.change_cipher_spec_pending {
            self.change_cipher_spec_pending = false;
            out.extend_from_slice(&CHANGE_CIPHER_SPEC);
        }
        out.reserve(data.len() + data.len().div_ceil(self.max_payload) * RECORD_HEADER_LEN);
        for chunk in data.chunks(self.max_payload) {
            out.extend_from_slice(&APPLICATION_DATA);
            // chunk.len() <= 16384.
            out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
            out.extend_from_slice(chunk);
        }
    }
}

/// Unwraps incoming application-data records into the stream they carry.
#[derive(Clone, Debug)]
pub(crate) struct RecordReader {
    change_cipher_spec_pending: bool,
    /// Payload bytes of the current record not yet read.
    remaining: usize,
}

impl RecordReader {
    /// A reader that first expects the client's ChangeCipherSpec if
    /// `change_cipher_spec`.
    pub(crate) const fn new(change_cipher_spec: bool) -> Self {
        Self {
            change_cipher_spec_pending: change_cipher_spec,
            remaining: 0,
        }
    }

    /// Move every payload byte available in `input` to the end of `out`;
    /// return how many were moved.
    ///
    /// Errors as soon as the bytes present can no longer be a valid record
    /// header.
    pub(crate) fn read(
        &mut self,
        input: &mut ReadBuf,
        out: &mut ReadBuf,
    ) -> Result<usize, FakeTlsError> {
        let mut moved = 0;
        loop {
            let buf = input.as_slice();
            if self.change_cipher_spec_pending {
                let n = buf.len().min(CHANGE_CIPHER_SPEC.len());
                if buf.get(..n) != CHANGE_CIPHER_SPEC.get(..n) {
                    let mut found = [0; 6];
                    for (f, b) in found.iter_mut().zip(buf) {
                        *f = *b;
                    }
                    return Err(FakeTlsError::MissingChangeCipherSpec { found });
                }
                if n < CHANGE_CIPHER_SPEC.len() {
                    return Ok(moved);
                }
                input.consume(n);
                self.change_cipher_spec_pending = false;
                continue;
            }
            if self.remaining == 0 {
                let n = buf.len().min(APPLICATION_DATA.len());
                if buf.get(..n) != APPLICATION_DATA.get(..n) {
                    let mut found = [0; 3];
                    for (f, b) in found.iter_mut().zip(buf) {
                        *f = *b;
                    }
                    return Err(FakeTlsError::UnexpectedRecord { found });
                }
                let Some(len) = be_u16(buf, 3) else {
                    return Ok(moved);
                };
                input.consume(RECORD_HEADER_LEN);
                self.remaining = usize::from(len);
                continue;
            }
            let n = self.remaining.min(buf.len());
            if n == 0 {
                return Ok(moved);
            }
            out.extend_from_slice(buf.get(..n).unwrap_or_default());
            input.consume(n);
            self.remaining -= n;
            moved += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_byte_by_byte() {
        let data: Vec<u8> = (0..10_000u32).map(|i| i as u8).collect();
        let mut writer = RecordWriter::new(CLIENT_RECORD_PAYLOAD, true);
        let mut wire = Vec::new();
        writer.write(&data[..100], &mut wire);
        writer.write(&[], &mut wire);
        writer.write(&data[100..], &mut wire);
        assert_eq!(&wire[..6], &CHANGE_CIPHER_SPEC);
        assert_eq!(&wire[6..11], &[0x17, 0x03, 0x03, 0x00, 100]);
        // 100, then 9900 in records of at most 2878.
        assert_eq!(wire.len(), 6 + 10_000 + 5 * (1 + 4));

        let mut reader = RecordReader::new(true);
        let mut input = ReadBuf::new();
        let mut out = ReadBuf::new();
        for byte in wire {
            input.extend_from_slice(&[byte]);
            reader.read(&mut input, &mut out).unwrap();
        }
        assert_eq!(out.as_slice(), &data[..]);
        assert!(input.is_empty());
    }

    #[test]
    fn rejects_other_records_at_the_first_wrong_byte() {
        let mut reader = RecordReader::new(true);
        let mut out = ReadBuf::new();
        assert_eq!(
            reader.read(&mut ReadBuf::from(vec![0x14, 0x03, 0x04]), &mut out),
            Err(FakeTlsError::MissingChangeCipherSpec {
                found: [0x14, 0x03, 0x04, 0, 0, 0]
            })
        );
        let mut reader = RecordReader::new(false);
        assert_eq!(
            reader.read(
                &mut ReadBuf::from(vec![0x15, 0x03, 0x03, 0, 2, 2, 40]),
                &mut out
            ),
            Err(FakeTlsError::UnexpectedRecord {
                found: [0x15, 0x03, 0x03]
            })
        );
        // Empty records are fine.
        let mut input = ReadBuf::from(vec![0x17, 0x03, 0x03, 0, 0, 0x17, 0x03, 0x03, 0, 1, 42]);
        assert_eq!(reader.read(&mut input, &mut out), Ok(1));
        assert_eq!(out.as_slice(), &[42]);
    }
}

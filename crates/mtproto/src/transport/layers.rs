//! The byte-level layers under the framing: obfuscated2 encryption and,
//! outside it, FakeTLS records.
//!
//! Outgoing: framed plaintext → AES-CTR → (records). Incoming: (records) →
//! AES-CTR → a buffer of plaintext the framer reads. Without layers the
//! framer reads the caller's buffer directly, with no copy.

use core::mem;

use super::error::TransportError;
use super::fake_tls::{RecordReader, RecordWriter};
use super::obfuscated2::ObfuscatedCipher;
use super::read_buf::ReadBuf;

#[derive(Debug)]
pub(crate) struct Layers {
    cipher: Option<ObfuscatedCipher>,
    records: Option<(RecordReader, RecordWriter)>,
    /// Bytes to send (unencrypted by `cipher`) before the first outgoing
    /// data: the client's obfuscated2 header inside FakeTLS.
    prefix: Vec<u8>,
    /// The incoming stream with the layers removed.
    plain: ReadBuf,
}

impl Layers {
    pub(crate) const fn none() -> Self {
        Self {
            cipher: None,
            records: None,
            prefix: Vec::new(),
            plain: ReadBuf::new(),
        }
    }

    pub(crate) const fn obfuscated(cipher: ObfuscatedCipher) -> Self {
        Self {
            cipher: Some(cipher),
            records: None,
            prefix: Vec::new(),
            plain: ReadBuf::new(),
        }
    }

    pub(crate) const fn fake_tls(
        cipher: ObfuscatedCipher,
        reader: RecordReader,
        writer: RecordWriter,
        prefix: Vec<u8>,
    ) -> Self {
        Self {
            cipher: Some(cipher),
            records: Some((reader, writer)),
            prefix,
            plain: ReadBuf::new(),
        }
    }

    /// Feed stream bytes that were unwrapped before these layers existed
    /// (what followed the obfuscated2 header in the first TLS records).
    pub(crate) fn preload(&mut self, stream: &[u8]) {
        let start = self.plain.len();
        self.plain.extend_from_slice(stream);
        if let Some(cipher) = &mut self.cipher {
            cipher.decrypt(self.plain.tail_mut(start));
        }
    }

    /// `out[start..]` is framed plaintext just appended: apply the layers
    /// to it in place.
    pub(crate) fn seal(&mut self, out: &mut Vec<u8>, start: usize) {
        if let Some(cipher) = &mut self.cipher {
            cipher.encrypt(out.get_mut(start..).unwrap_or_default());
        }
        if let Some((_, writer)) = &mut self.records {
            let sealed = out.split_off(start.min(out.len()));
            if self.prefix.is_empty() {
                writer.write(&sealed, out);
            } else {
                let mut data = mem::take(&mut self.prefix);
                data.extend_from_slice(&sealed);
                writer.write(&data, out);
            }
        }
    }

    /// Remove the layers from everything in `input` and return the buffer
    /// the framer reads.
    pub(crate) fn open<'a>(
        &'a mut self,
        input: &'a mut ReadBuf,
    ) -> Result<&'a mut ReadBuf, TransportError> {
        if self.cipher.is_none() && self.records.is_none() {
            return Ok(input);
        }
        let start = self.plain.len();
        match &mut self.records {
            Some((reader, _)) => {
                reader.read(input, &mut self.plain)?;
            }
            None => {
                self.plain.extend_from_slice(input.as_slice());
                input.clear();
            }
        }
        if let Some(cipher) = &mut self.cipher {
            cipher.decrypt(self.plain.tail_mut(start));
        }
        Ok(&mut self.plain)
    }
}

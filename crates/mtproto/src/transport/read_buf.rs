//! [`ReadBuf`]: the bytes received but not yet decoded.
//!
//! Decoders are fed whatever the socket produced — one byte, half a frame,
//! three frames — so they need a buffer they can peek into and consume from
//! the front. Draining a `Vec` from the front moves every remaining byte each
//! time; `ReadBuf` instead keeps a read position and compacts lazily, so
//! consuming is O(1) and each byte is moved at most a few times.

use core::fmt;

/// Compact once at least this many consumed bytes sit at the front (and they
/// are at least half of the buffer).
const COMPACT_THRESHOLD: usize = 4096;

/// A growable byte buffer that is filled at the back and consumed at the
/// front.
///
/// ```
/// use paperplane_mtproto::transport::ReadBuf;
///
/// let mut buf = ReadBuf::new();
/// buf.extend_from_slice(b"hello");
/// buf.consume(2);
/// assert_eq!(buf.as_slice(), b"llo");
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ReadBuf {
    bytes: Vec<u8>,
    /// Start of the unconsumed bytes; always `<= bytes.len()`.
    pos: usize,
}

impl ReadBuf {
    /// An empty buffer.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            bytes: Vec::new(),
            pos: 0,
        }
    }

    /// An empty buffer with room for `capacity` bytes.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(capacity),
            pos: 0,
        }
    }

    /// How many bytes the buffer can hold without reallocating.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Append received bytes.
    pub fn extend_from_slice(&mut self, data: &[u8]) {
        self.compact();
        self.bytes.extend_from_slice(data);
    }

    /// The unconsumed bytes.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// How many unconsumed bytes there are.
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len().saturating_sub(self.pos)
    }

    /// Whether every byte has been consumed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drop the first `n` unconsumed bytes (all of them if fewer are left).
    pub fn consume(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.bytes.len());
        if self.pos == self.bytes.len() {
            self.clear();
        }
    }

    /// Drop every byte.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.pos = 0;
    }

    /// Copy out and consume `range` relative to the unconsumed bytes, after
    /// consuming everything before it; `None` (and nothing consumed) when the
    /// buffer is shorter than `end`.
    pub(crate) fn take_range(&mut self, start: usize, end: usize) -> Option<Vec<u8>> {
        let out = self.as_slice().get(start..end)?.to_vec();
        self.consume(end);
        Some(out)
    }

    /// The unconsumed bytes from `offset` on, mutably (for decrypting in
    /// place what was just appended).
    pub(crate) fn tail_mut(&mut self, offset: usize) -> &mut [u8] {
        let start = self.pos.saturating_add(offset);
        self.bytes.get_mut(start..).unwrap_or_default()
    }

    /// Move the consumed bytes out of the way once they are worth moving.
    fn compact(&mut self) {
        if self.pos >= COMPACT_THRESHOLD && self.pos * 2 >= self.bytes.len() {
            self.bytes.drain(..self.pos);
            self.pos = 0;
        }
    }
}

impl From<Vec<u8>> for ReadBuf {
    fn from(bytes: Vec<u8>) -> Self {
        Self { bytes, pos: 0 }
    }
}

impl From<&[u8]> for ReadBuf {
    fn from(bytes: &[u8]) -> Self {
        Self::from(bytes.to_vec())
    }
}

impl fmt::Debug for ReadBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The contents may be ciphertext or private messages: length only.
        f.debug_struct("ReadBuf").field("len", &self.len()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_and_compact() {
        let mut buf = ReadBuf::new();
        buf.extend_from_slice(&[7; 10_000]);
        buf.consume(9_000);
        assert_eq!(buf.len(), 1_000);
        buf.extend_from_slice(&[8; 10]);
        // Compacted: the consumed bytes are gone from the storage.
        assert_eq!(buf.bytes.len(), 1_010);
        assert_eq!(buf.as_slice().last(), Some(&8));
        buf.consume(usize::MAX);
        assert!(buf.is_empty());
        assert_eq!(format!("{buf:?}"), "ReadBuf { len: 0 }");
    }

    #[test]
    fn take_range_only_when_available() {
        let mut buf = ReadBuf::from(vec![1, 2, 3, 4, 5]);
        assert_eq!(buf.take_range(1, 6), None);
        assert_eq!(buf.len(), 5);
        assert_eq!(buf.take_range(1, 3), Some(vec![2, 3]));
        assert_eq!(buf.as_slice(), &[4, 5]);
        buf.tail_mut(1)[0] = 9;
        assert_eq!(buf.as_slice(), &[4, 9]);
        assert!(buf.tail_mut(5).is_empty());
    }
}

//! Decoding TL's binary format from untrusted bytes.
//!
//! Decoding never panics, never recurses deeper than [`MAX_DEPTH`] and never
//! holds more heap than the input justifies:
//!
//! - a vector whose count cannot fit in the bytes left is rejected before
//!   anything is allocated;
//! - every vector element and boxed value is charged, at its size in memory,
//!   to a budget of [`BUDGET_PER_INPUT_BYTE`] × the input length, before it
//!   is reserved. A vector's count is only checked against the bytes left
//!   (four per element), while its elements are wider in memory (an
//!   `Update` is 104 bytes for as few as four on the wire);
//! - a vector first reserves no more than [`RESERVE_PER_INPUT_BYTE`] × the
//!   bytes left, and the rest of its count only once that much has decoded,
//!   so garbage after a large count costs little.
//!
//! Together with copied strings (at most three bytes per input byte, when
//! invalid UTF-8 becomes U+FFFD), the heap held while an input of `N` bytes
//! decodes stays under `64 × N`, however short the input (checked by
//! `tests/alloc_bound.rs`).

use std::fmt;

/// How deep recursive types (rich text, page blocks, JSON values, …) may nest.
pub const MAX_DEPTH: u32 = 64;

/// Heap bytes a decode may charge per input byte (see [`Cursor::new`]).
///
/// No valid input needs more: generated enums box their variants wider
/// than 96 bytes, so the constructor whose smallest encoding asks the most
/// memory per byte is an empty `botInfo`, 41× (a 104-byte vector element
/// and its 224-byte box for 8 bytes; checked against the schema by this
/// module's tests). Real payloads need far less: 3.6× for a page of 100
/// messages, 3.8× for a busy `updates` push (see `benches`).
pub const BUDGET_PER_INPUT_BYTE: usize = 48;

/// A vector's first reservation, in bytes per input byte left after its count.
pub const RESERVE_PER_INPUT_BYTE: usize = 8;

/// Why decoding failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeserializeErrorKind {
    /// The input ended before the value did.
    UnexpectedEof,
    /// A constructor id that the expected type does not have.
    UnexpectedConstructor {
        /// The id found in the input.
        id: u32,
    },
    /// A vector count larger than the remaining input can hold.
    VectorTooLong {
        /// The count found in the input.
        len: u32,
    },
    /// Recursive types nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// The value would hold more memory than the decoding budget has left
    /// (see [`Cursor::with_budget`]).
    TooLarge {
        /// Bytes of memory the refused part needed.
        bytes: usize,
    },
}

/// A decoding failure: what, where (byte offset) and in which type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeserializeError {
    /// What went wrong.
    pub kind: DeserializeErrorKind,
    /// Offset in the input where the offending value starts.
    pub offset: usize,
    /// The innermost boxed type being decoded, when known (`"Message"`).
    pub ty: Option<&'static str>,
}

impl DeserializeError {
    fn new(kind: DeserializeErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset,
            ty: None,
        }
    }

    /// Names the type being decoded, unless an inner one was named already.
    #[cold]
    pub fn within(mut self, ty: &'static str) -> Self {
        self.ty.get_or_insert(ty);
        self
    }
}

impl fmt::Display for DeserializeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            DeserializeErrorKind::UnexpectedEof => f.write_str("unexpected end of input")?,
            DeserializeErrorKind::UnexpectedConstructor { id } => {
                write!(f, "unexpected constructor {id:#010x}")?
            }
            DeserializeErrorKind::VectorTooLong { len } => {
                write!(f, "vector of {len} elements does not fit in the input")?
            }
            DeserializeErrorKind::TooDeep => {
                write!(f, "values nested deeper than {MAX_DEPTH} levels")?
            }
            DeserializeErrorKind::TooLarge { bytes } => write!(
                f,
                "{bytes} bytes of memory asked for, more than the input's decoding budget"
            )?,
        }
        write!(f, " at byte {}", self.offset)?;
        if let Some(ty) = self.ty {
            write!(f, " while decoding {ty}")?;
        }
        Ok(())
    }
}

impl std::error::Error for DeserializeError {}

/// The result of decoding.
pub type Result<T> = std::result::Result<T, DeserializeError>;

/// A read position in a byte slice, with the heap budget left for what is
/// decoded from it.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    rest: &'a [u8],
    len: usize,
    depth: u32,
    budget: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `buf`, allowed to charge
    /// [`BUDGET_PER_INPUT_BYTE`] × `buf.len()` bytes.
    pub fn new(buf: &'a [u8]) -> Self {
        Self::with_budget(buf, buf.len().saturating_mul(BUDGET_PER_INPUT_BYTE))
    }

    /// A cursor at the start of `buf` that refuses values needing more than
    /// `budget` bytes of vector elements and boxes ([`DeserializeErrorKind::TooLarge`]),
    /// for callers that know a tighter (or looser) limit than the default.
    pub fn with_budget(buf: &'a [u8], budget: usize) -> Self {
        Self {
            rest: buf,
            len: buf.len(),
            depth: 0,
            budget,
        }
    }

    /// Budget bytes not charged yet.
    #[inline]
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Takes `bytes` of memory from the budget, or refuses them.
    #[inline]
    pub fn charge(&mut self, bytes: usize) -> Result<()> {
        match self.budget.checked_sub(bytes) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(self.too_large(bytes)),
        }
    }

    #[cold]
    fn too_large(&self, bytes: usize) -> DeserializeError {
        DeserializeError::new(DeserializeErrorKind::TooLarge { bytes }, self.position())
    }

    /// Bytes consumed so far.
    #[inline]
    pub fn position(&self) -> usize {
        self.len - self.rest.len()
    }

    /// The bytes not consumed yet.
    #[inline]
    pub fn remaining(&self) -> &'a [u8] {
        self.rest
    }

    #[cold]
    fn eof(&self) -> DeserializeError {
        DeserializeError::new(DeserializeErrorKind::UnexpectedEof, self.position())
    }

    /// Reads exactly `N` bytes.
    #[inline]
    pub fn read_array<const N: usize>(&mut self) -> Result<[u8; N]> {
        match self.rest.split_first_chunk::<N>() {
            Some((head, tail)) => {
                self.rest = tail;
                Ok(*head)
            }
            None => Err(self.eof()),
        }
    }

    /// Reads `n` raw bytes.
    #[inline]
    pub fn read_slice(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.rest.len() {
            return Err(self.eof());
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    /// Reads a little-endian `u32`.
    #[inline]
    pub fn read_u32(&mut self) -> Result<u32> {
        self.read_array().map(u32::from_le_bytes)
    }

    /// Reads a constructor id, naming `ty` if the input ends first.
    #[inline]
    pub fn read_id(&mut self, ty: &'static str) -> Result<u32> {
        self.read_u32().map_err(|e| e.within(ty))
    }

    /// The error for a constructor id (just read) that `ty` does not have.
    #[cold]
    pub fn unexpected(&self, id: u32, ty: &'static str) -> DeserializeError {
        let offset = self.position().saturating_sub(4);
        DeserializeError::new(DeserializeErrorKind::UnexpectedConstructor { id }, offset).within(ty)
    }

    /// Reads TL `bytes` (or `string`) without copying.
    pub fn read_bytes(&mut self) -> Result<&'a [u8]> {
        let start = self.rest;
        let (len, header) = match *self.rest {
            [254, a, b, c, ..] => (u32::from_le_bytes([a, b, c, 0]) as usize, 4),
            [n, ..] if n != 255 => (n as usize, 1),
            [255, ..] => {
                // 255 is not a valid length prefix.
                let offset = self.position();
                return Err(DeserializeError::new(
                    DeserializeErrorKind::UnexpectedConstructor { id: 255 },
                    offset,
                ));
            }
            _ => return Err(self.eof()),
        };
        let total = (header + len).next_multiple_of(4);
        if total > start.len() {
            return Err(self.eof());
        }
        self.rest = &start[total..];
        Ok(&start[header..header + len])
    }

    /// Reads a vector count (after any id), refusing counts the remaining
    /// input cannot hold: every TL value takes at least four bytes.
    #[inline]
    pub fn read_len(&mut self) -> Result<usize> {
        let len = self.read_u32()?;
        if len as usize > self.rest.len() / 4 {
            let offset = self.position() - 4;
            return Err(DeserializeError::new(
                DeserializeErrorKind::VectorTooLong { len },
                offset,
            ));
        }
        Ok(len as usize)
    }

    /// Enters one level of a recursive type.
    #[inline]
    pub fn enter(&mut self) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err(DeserializeError::new(
                DeserializeErrorKind::TooDeep,
                self.position(),
            ));
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves a level entered with [`Cursor::enter`].
    #[inline]
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }
}

/// A value that can be read from TL's binary format.
pub trait Deserializable: Sized {
    /// Reads a value at the cursor, advancing it.
    fn deserialize(cur: &mut Cursor<'_>) -> Result<Self>;

    /// Reads a value from the start of `bytes`; bytes after it are ignored.
    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Self::deserialize(&mut Cursor::new(bytes))
    }
}

impl Deserializable for bool {
    #[inline]
    fn deserialize(cur: &mut Cursor<'_>) -> Result<Self> {
        match cur.read_id("Bool")? {
            crate::serialize::BOOL_TRUE => Ok(true),
            crate::serialize::BOOL_FALSE => Ok(false),
            id => Err(cur.unexpected(id, "Bool")),
        }
    }
}

macro_rules! le_bytes {
    ($($t:ty),*) => {$(
        impl Deserializable for $t {
            #[inline]
            fn deserialize(cur: &mut Cursor<'_>) -> Result<Self> {
                cur.read_array().map(<$t>::from_le_bytes)
            }
        }
    )*};
}
le_bytes!(i32, u32, i64, f64);

impl<const N: usize> Deserializable for [u8; N] {
    #[inline]
    fn deserialize(cur: &mut Cursor<'_>) -> Result<Self> {
        cur.read_array()
    }
}

impl Deserializable for Vec<u8> {
    fn deserialize(cur: &mut Cursor<'_>) -> Result<Self> {
        cur.read_bytes().map(<[u8]>::to_vec)
    }
}

/// TL strings are UTF-8; invalid sequences become U+FFFD rather than an
/// error, so one bad name never makes a whole update unreadable.
impl Deserializable for String {
    fn deserialize(cur: &mut Cursor<'_>) -> Result<Self> {
        let bytes = cur.read_bytes()?;
        // simdutf8 validates several times faster than the standard
        // library on non-ASCII text (names, messages in most languages).
        Ok(match simdutf8::basic::from_utf8(bytes) {
            Ok(s) => s.to_owned(),
            Err(_) => String::from_utf8_lossy(bytes).into_owned(),
        })
    }
}

/// A boxed `Vector<T>`.
impl<T: Deserializable> Deserializable for Vec<T> {
    #[inline]
    fn deserialize(cur: &mut Cursor<'_>) -> Result<Self> {
        match cur.read_id("Vector")? {
            crate::serialize::VECTOR => read_bare_vec(cur),
            id => Err(cur.unexpected(id, "Vector")),
        }
    }
}

/// Reads a bare `vector<T>`: a count and the elements.
///
/// The whole count is charged to the budget first; the first reservation is
/// capped by the bytes left, and the rest reserved once that many elements
/// have decoded.
#[inline]
pub fn read_bare_vec<T: Deserializable>(cur: &mut Cursor<'_>) -> Result<Vec<T>> {
    let len = cur.read_len()?;
    let size = size_of::<T>();
    cur.charge(len.saturating_mul(size))?;
    let first = cur.rest.len().saturating_mul(RESERVE_PER_INPUT_BYTE) / size.max(1);
    let mut items = Vec::with_capacity(len.min(first));
    for _ in 0..len {
        if items.len() == items.capacity() {
            items.reserve_exact(len - items.len());
        }
        items.push(T::deserialize(cur)?);
    }
    Ok(items)
}

/// A boxed value, charged to the budget at its size.
impl<T: Deserializable> Deserializable for Box<T> {
    #[inline]
    fn deserialize(cur: &mut Cursor<'_>) -> Result<Self> {
        cur.charge(size_of::<T>())?;
        T::deserialize(cur).map(Box::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_covers_the_densest_constructor_of_the_schema() {
        // Worked out by the generator from the schema and the generated
        // layouts, so a new layer with a denser constructor fails here
        // rather than having its valid messages refused.
        let (name, heap, wire) = crate::generated::DENSEST;
        assert!(
            heap <= BUDGET_PER_INPUT_BYTE * wire,
            "{name}: {heap} bytes of heap for {wire} bytes of input"
        );
        println!("densest: {name}, {heap} bytes for {wire}");
    }
}

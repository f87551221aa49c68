//! Encoding values in TL's binary format.

/// A value that can be written in TL's binary format.
///
/// Constructors (`types::*`) write their fields bare, without their id;
/// boxed types (`enums::*`) and functions write the constructor id first.
pub trait Serializable {
    /// Appends the encoding of `self` to `buf`.
    fn serialize(&self, buf: &mut Vec<u8>);

    /// The exact length of the encoding of `self`, computed without
    /// encoding it.
    fn serialized_len(&self) -> usize {
        self.encoded_len(true)
    }

    /// The length of the encoding of `self`: exact if `exact` is set or no
    /// vector in the value is longer than [`MEASURED`] elements; otherwise
    /// each longer vector is measured on its first [`MEASURED`] elements and
    /// the rest counted at a quarter over their average (adding at most
    /// [`EXTRAPOLATED`] bytes). Measuring every message of a history page costs a third of
    /// encoding it, more than growing the buffer would; a request is
    /// measured exactly in a few nanoseconds.
    fn encoded_len(&self, exact: bool) -> usize;

    /// The length of every value of this type, if it is fixed (`int`,
    /// `long`, `int128`, …): vectors of them are measured in one step.
    #[inline]
    fn fixed_len() -> Option<usize>
    where
        Self: Sized,
    {
        None
    }

    /// The encoding of `self` in a new buffer, sized from
    /// [`Serializable::encoded_len`] so that it is allocated once (large
    /// values with long vectors of unequal elements may still grow it).
    /// The size only decides capacity, never the bytes written.
    fn to_bytes(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.encoded_len(false) + SCRATCH);
        self.serialize(&mut buf);
        buf
    }
}

/// How many elements of a vector [`Serializable::encoded_len`] measures
/// when it need not be exact.
pub const MEASURED: usize = 16;

/// The most [`Serializable::encoded_len`] adds for the elements of a vector
/// it does not measure, so that a vector whose first elements are much
/// larger than the rest is never sized more than this much over.
pub const EXTRAPOLATED: usize = 1 << 20;

/// Bytes past the end of an encoding that writing it may touch (short
/// strings are written 32 bytes at a time and cut to length), so a buffer
/// of `serialized_len() + SCRATCH` never grows while it is written.
pub const SCRATCH: usize = 32;

/// `boolTrue`'s constructor id.
pub const BOOL_TRUE: u32 = 0x997275b5;
/// `boolFalse`'s constructor id.
pub const BOOL_FALSE: u32 = 0xbc799737;
/// `vector`'s constructor id.
pub const VECTOR: u32 = 0x1cb5c415;

impl Serializable for bool {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        (if *self { BOOL_TRUE } else { BOOL_FALSE }).serialize(buf)
    }
    #[inline]
    fn encoded_len(&self, _: bool) -> usize {
        4
    }
    #[inline]
    fn fixed_len() -> Option<usize> {
        Some(4)
    }
}

macro_rules! le_bytes {
    ($($t:ty),*) => {$(
        impl Serializable for $t {
            #[inline]
            fn serialize(&self, buf: &mut Vec<u8>) {
                buf.extend_from_slice(&self.to_le_bytes());
            }
            #[inline]
            fn encoded_len(&self, _: bool) -> usize {
                size_of::<$t>()
            }
            #[inline]
            fn fixed_len() -> Option<usize> {
                Some(size_of::<$t>())
            }
        }
    )*};
}
le_bytes!(i32, u32, i64, f64);

impl<const N: usize> Serializable for [u8; N] {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        buf.extend_from_slice(self);
    }
    #[inline]
    fn encoded_len(&self, _: bool) -> usize {
        N
    }
    #[inline]
    fn fixed_len() -> Option<usize> {
        Some(N)
    }
}

/// Writes TL `bytes`: a 1-byte length (or 254 and a 3-byte length), the
/// data, and zero padding to a multiple of four.
///
/// Data longer than TL can express (16 MiB) is cut at that limit rather
/// than producing an unreadable encoding; nothing Telegram accepts is that
/// long.
#[inline]
pub fn write_bytes(data: &[u8], buf: &mut Vec<u8>) {
    let len = data.len();
    if len < 32 {
        // Most strings are short (names, codes, MIME types, file
        // references): write 32 zero bytes, fill in header and data in place
        // (no call to memcpy, and no wide load of narrowly written bytes),
        // then cut to length.
        let start = buf.len();
        buf.extend_from_slice(&[0u8; 32]);
        if let Some(chunk) = buf.get_mut(start..start + 32) {
            chunk[0] = len as u8;
            copy_short(&mut chunk[1..], data);
        }
        buf.truncate(start + ((len + 4) & !3));
    } else {
        write_long_bytes(data, buf);
    }
}

/// The length [`write_bytes`] writes for `len` bytes of data.
#[inline]
pub fn bytes_len(len: usize) -> usize {
    let len = len.min(MAX_BYTES);
    if len < 254 {
        (len + 4) & !3
    } else {
        (len + 7) & !3
    }
}

/// The longest `bytes` TL can express (a 3-byte length).
const MAX_BYTES: usize = 0xff_ffff;

/// [`write_bytes`] for 32 bytes or more.
#[inline(never)]
fn write_long_bytes(data: &[u8], buf: &mut Vec<u8>) {
    let data = &data[..data.len().min(MAX_BYTES)];
    let len = data.len();
    let start = buf.len();
    // Header, data and padding rounded up to four bytes. The padding is
    // written as a fixed three zero bytes and cut back, which is cheaper than
    // a copy of variable length.
    let total = if len < 254 {
        (len + 4) & !3
    } else {
        (len + 7) & !3
    };
    buf.reserve(total + 3);
    if len < 254 {
        buf.push(len as u8);
    } else {
        buf.extend_from_slice(&[254, len as u8, (len >> 8) as u8, (len >> 16) as u8]);
    }
    buf.extend_from_slice(data);
    buf.extend_from_slice(&[0; 3]);
    buf.truncate(start + total);
}

/// Copies up to 31 bytes with fixed-size (overlapping) moves.
#[inline]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    match n {
        0 => {}
        1..=3 => {
            dst[0] = src[0];
            dst[n / 2] = src[n / 2];
            dst[n - 1] = src[n - 1];
        }
        4..=7 => {
            dst[..4].copy_from_slice(&src[..4]);
            dst[n - 4..n].copy_from_slice(&src[n - 4..]);
        }
        8..=15 => {
            dst[..8].copy_from_slice(&src[..8]);
            dst[n - 8..n].copy_from_slice(&src[n - 8..]);
        }
        _ => {
            dst[..16].copy_from_slice(&src[..16]);
            dst[n - 16..n].copy_from_slice(&src[n - 16..]);
        }
    }
}

impl Serializable for [u8] {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        write_bytes(self, buf)
    }
    #[inline]
    fn encoded_len(&self, _: bool) -> usize {
        bytes_len(self.len())
    }
}

impl Serializable for Vec<u8> {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        write_bytes(self, buf)
    }
    #[inline]
    fn encoded_len(&self, _: bool) -> usize {
        bytes_len(self.len())
    }
}

impl Serializable for str {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        write_bytes(self.as_bytes(), buf)
    }
    #[inline]
    fn encoded_len(&self, _: bool) -> usize {
        bytes_len(self.len())
    }
}

impl Serializable for String {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        write_bytes(self.as_bytes(), buf)
    }
    #[inline]
    fn encoded_len(&self, _: bool) -> usize {
        bytes_len(self.len())
    }
}

/// A boxed `Vector<T>`: the `vector` id, the count, the elements.
impl<T: Serializable> Serializable for Vec<T> {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        let mut head = [0u8; 8];
        head[..4].copy_from_slice(&VECTOR.to_le_bytes());
        head[4..].copy_from_slice(&(self.len() as u32).to_le_bytes());
        buf.extend_from_slice(&head);
        for item in self {
            item.serialize(buf);
        }
    }
    #[inline]
    fn encoded_len(&self, exact: bool) -> usize {
        4 + bare_vec_len(self, exact)
    }
}

/// The length [`write_bare_vec`] writes for `items`, exact or estimated
/// as [`Serializable::encoded_len`] says.
#[inline]
pub fn bare_vec_len<T: Serializable>(items: &[T], exact: bool) -> usize {
    if let Some(each) = T::fixed_len() {
        return 4 + items.len() * each;
    }
    let measured = if exact {
        items.len()
    } else {
        items.len().min(MEASURED)
    };
    let (head, rest) = items.split_at(measured);
    let head_len = head.iter().fold(0, |n, item| n + item.encoded_len(exact));
    let rest_len = match measured {
        0 => 0,
        // A quarter over the average: elements vary, and a buffer a little
        // too large costs nothing while one a little too small is copied.
        _ => (head_len / measured + head_len / measured / 4)
            .saturating_mul(rest.len())
            .min(EXTRAPOLATED),
    };
    4 + head_len + rest_len
}

/// Writes a bare `vector<T>`: the count and the elements, no id.
#[inline]
pub fn write_bare_vec<T: Serializable>(items: &[T], buf: &mut Vec<u8>) {
    (items.len() as u32).serialize(buf);
    for item in items {
        item.serialize(buf);
    }
}

impl<T: Serializable + ?Sized> Serializable for &T {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        (**self).serialize(buf)
    }
    #[inline]
    fn encoded_len(&self, exact: bool) -> usize {
        (**self).encoded_len(exact)
    }
}

impl<T: Serializable + ?Sized> Serializable for Box<T> {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        (**self).serialize(buf)
    }
    #[inline]
    fn encoded_len(&self, exact: bool) -> usize {
        (**self).encoded_len(exact)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Deserializable;

    #[test]
    fn bytes_of_every_length_round_trip() {
        for len in (0..600).chain([0xff_fffe, 0xff_ffff]) {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + 1) as u8).collect();
            let mut buf = vec![0xaa];
            write_bytes(&data, &mut buf);
            let header: usize = if len < 254 { 1 } else { 4 };
            assert_eq!(
                buf.len() - 1,
                (header + len).next_multiple_of(4),
                "len {len}"
            );
            assert_eq!(buf.len() - 1, bytes_len(len), "len {len}");
            assert_eq!(buf.len() - 1, data.serialized_len(), "len {len}");
            assert!(
                buf[1 + header + len..].iter().all(|&b| b == 0),
                "padding of {len}"
            );
            assert_eq!(Vec::<u8>::from_bytes(&buf[1..]).unwrap(), data, "len {len}");
        }
    }
}

//! Encoding values in TL's binary format.

/// A value that can be written in TL's binary format.
///
/// Constructors (`types::*`) write their fields bare, without their id;
/// boxed types (`enums::*`) and functions write the constructor id first.
pub trait Serializable {
    /// Appends the encoding of `self` to `buf`.
    fn serialize(&self, buf: &mut Vec<u8>);

    /// The encoding of `self` in a new buffer.
    fn to_bytes(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        self.serialize(&mut buf);
        buf
    }
}

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
}

macro_rules! le_bytes {
    ($($t:ty),*) => {$(
        impl Serializable for $t {
            #[inline]
            fn serialize(&self, buf: &mut Vec<u8>) {
                buf.extend_from_slice(&self.to_le_bytes());
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
}

/// Writes TL `bytes`: a 1-byte length (or 254 and a 3-byte length), the
/// data, and zero padding to a multiple of four.
///
/// Data longer than TL can express (16 MiB) is cut at that limit rather
/// than producing an unreadable encoding; nothing Telegram accepts is that
/// long.
pub fn write_bytes(data: &[u8], buf: &mut Vec<u8>) {
    const MAX: usize = 0xff_ffff;
    let data = &data[..data.len().min(MAX)];
    let len = data.len();
    let header = if len < 254 { 1 } else { 4 };
    let padding = (4 - (header + len) % 4) % 4;
    buf.reserve(header + len + padding);
    if len < 254 {
        buf.push(len as u8);
    } else {
        buf.extend_from_slice(&[254, len as u8, (len >> 8) as u8, (len >> 16) as u8]);
    }
    buf.extend_from_slice(data);
    buf.extend_from_slice(&[0u8; 3][..padding]);
}

impl Serializable for [u8] {
    fn serialize(&self, buf: &mut Vec<u8>) {
        write_bytes(self, buf)
    }
}

impl Serializable for Vec<u8> {
    fn serialize(&self, buf: &mut Vec<u8>) {
        write_bytes(self, buf)
    }
}

impl Serializable for str {
    fn serialize(&self, buf: &mut Vec<u8>) {
        write_bytes(self.as_bytes(), buf)
    }
}

impl Serializable for String {
    fn serialize(&self, buf: &mut Vec<u8>) {
        write_bytes(self.as_bytes(), buf)
    }
}

/// A boxed `Vector<T>`: the `vector` id, the count, the elements.
impl<T: Serializable> Serializable for Vec<T> {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        VECTOR.serialize(buf);
        write_bare_vec(self, buf);
    }
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
}

impl<T: Serializable + ?Sized> Serializable for Box<T> {
    #[inline]
    fn serialize(&self, buf: &mut Vec<u8>) {
        (**self).serialize(buf)
    }
}

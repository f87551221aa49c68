//! Arbitrary bytes decoded as any boxed TL type (or function).
//!
//! Decoding must never panic, overflow the stack or allocate what the input
//! cannot justify; whatever decodes must re-encode to bytes that decode to
//! the same encoding again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use paperplane_tl::{Cursor, deserialize_any};

fuzz_target!(|data: &[u8]| {
    let Ok(value) = deserialize_any(&mut Cursor::new(data)) else {
        return;
    };
    let once = value.to_bytes();
    let again = deserialize_any(&mut Cursor::new(&once)).expect("re-encoded value decodes");
    assert_eq!(again.to_bytes(), once, "encoding is not stable");
});

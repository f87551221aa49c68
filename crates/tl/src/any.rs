//! Decoding a value whose type is not known in advance.

use std::fmt;

use crate::deserialize::{Cursor, Result};
use crate::serialize::Serializable;

/// Any generated value: it can be encoded again and printed.
pub trait Object: Serializable + fmt::Debug + Send + Sync {}

impl<T: Serializable + fmt::Debug + Send + Sync> Object for T {}

/// Decodes one boxed value of any known type from its constructor id: for
/// logs, tools and tests that see bytes before they know what they hold.
///
/// Functions are included with the `deserializable-functions` feature
/// (except the generic wrappers such as `invokeWithLayer`, whose inner
/// query has no type until the caller names one).
pub fn deserialize_any(cur: &mut Cursor<'_>) -> Result<Box<dyn Object>> {
    crate::generated::deserialize_any(cur)
}

//! Telegram's TL schema as Rust types: every constructor, boxed type and
//! function of Layer 230 (`schema/api.tl`) and of MTProto (`schema/mtproto.tl`,
//! feature `tl-mtproto`), generated at build time.
//!
//! - [`types`]: one struct per constructor (`types::InputPeerUser`), encoded
//!   bare (no constructor id).
//! - [`enums`]: one enum per boxed type (`enums::InputPeer`), encoded with
//!   the constructor id first.
//! - [`functions`]: one struct per method (`functions::messages::SendMessage`),
//!   implementing [`RemoteCall`] with the type it returns.
//!
//! Flag words are never set by hand: they are computed from the `Option`
//! and `bool` fields when encoding.
//!
//! ```
//! use paperplane_tl::{Deserializable, Serializable, enums, types};
//!
//! let peer = enums::InputPeer::User(types::InputPeerUser { user_id: 42, access_hash: -7 });
//! let bytes = peer.to_bytes();
//! assert_eq!(&bytes[..4], &0xdde8a54c_u32.to_le_bytes());
//! assert_eq!(enums::InputPeer::from_bytes(&bytes).unwrap(), peer);
//! ```

#![forbid(unsafe_code)]

pub mod deserialize;
pub mod serialize;

#[cfg(feature = "deserialize-any")]
mod any;
#[allow(
    missing_docs,
    unused_variables,
    unused_imports,
    unreachable_patterns,
    clippy::all,
    clippy::pedantic
)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/generated.rs"));
}

#[cfg(feature = "deserialize-any")]
pub use any::{Object, deserialize_any};
pub use deserialize::{Cursor, Deserializable, DeserializeError, DeserializeErrorKind};
#[cfg(feature = "name-for-id")]
pub use generated::name_for_id;
pub use generated::{LAYER, enums, functions, types};
pub use serialize::Serializable;

/// A TL constructor or function with a fixed id.
pub trait Identifiable {
    /// The id written before the value when it is boxed.
    const CONSTRUCTOR_ID: u32;
}

/// A function that can be invoked on the other side.
pub trait RemoteCall: Serializable {
    /// What the call returns.
    type Return: Deserializable;
}

//! Sessions for paperplane: what a Telegram client remembers between runs,
//! and where it keeps it.
//!
//! A [`Session`] holds the account's home DC, each DC's addresses and
//! permanent auth key (with its server salt and clock offset), the update
//! state (`pts`, `qts`, `date`, `seq` and per-channel `pts`) needed to catch
//! up on missed updates, a [peer cache](peer) of access hashes with
//! username and phone lookups, and the logged-in account. It knows nothing
//! about networking.
//!
//! Sessions are stored through a [`SessionBackend`]:
//! [`BinaryFileBackend`] (the default; atomic, `0600` files),
//! [`InMemoryBackend`], or [`StringSessionBackend`] (URL-safe base64, for
//! environment variables). All of them use one versioned, checksummed
//! [binary format](mod@format), so a truncated or corrupted session is always
//! an error, never a silently wrong or empty session.
//!
//! Sessions contain auth keys, which are as good as a password. `Debug`
//! output of every type here shows key ids only, and the string backend
//! redacts its string; the bytes and strings you export yourself are
//! secrets to keep out of logs.
//!
//! # Example
//!
//! ```
//! use paperplane_crypto::AuthKey;
//! use paperplane_session::{
//!     BinaryFileBackend, CachedPeer, DcOption, PeerId, Session, SessionBackend, UpdateState,
//! };
//!
//! let mut session = Session::new();
//! session.set_home_dc(2);
//! session.set_dc_option(DcOption::new(2, "149.154.167.51:443".parse()?));
//! session.set_auth_key(2, AuthKey::from_bytes([7; 256]));
//! session.set_user(777, false);
//! session.set_update_state(UpdateState { pts: 10, qts: 0, date: 1_700_000_000, seq: 3 });
//! session.cache_peer(CachedPeer::user(42, 0x1234).with_username("@Alice"));
//!
//! // Resolve without a network round trip.
//! let alice = session.peer_by_username("alice").expect("cached");
//! assert_eq!(alice.id(), PeerId::User(42));
//! assert_eq!(alice.access_hash(), Some(0x1234));
//!
//! // A portable string session...
//! let exported = session.to_session_string();
//! assert_eq!(Session::from_string(&exported)?, session);
//!
//! // ...or a file, saved atomically.
//! let dir = std::env::temp_dir().join(format!("paperplane-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let backend = BinaryFileBackend::new(dir.join("my.session"));
//! let runtime = tokio::runtime::Builder::new_current_thread().build()?;
//! runtime.block_on(async {
//!     backend.save(&session).await?;
//!     assert_eq!(backend.load().await?, Some(session));
//!     backend.delete().await
//! })?;
//! std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod backend;
pub mod dc;
mod error;
pub mod format;
pub mod peer;
mod session;
mod string;

pub use backend::{
    BinaryFileBackend, BoxFuture, InMemoryBackend, SessionBackend, StringSessionBackend,
};
pub use dc::{DcAuth, DcOption, DcRecord};
pub use error::{Result, SessionError};
pub use format::FORMAT_VERSION;
pub use peer::{CachedPeer, PeerId, PeerKind};
pub use session::{LoggedInUser, Session, UpdateState};
pub use string::export_session_string;

/// Overwrite a buffer that held key material before it is freed.
///
/// Best effort: without a dependency on `zeroize` the compiler may in
/// principle elide the writes; `black_box` makes that unlikely.
pub(crate) fn wipe(buf: &mut [u8]) {
    buf.fill(0);
    std::hint::black_box(buf);
}

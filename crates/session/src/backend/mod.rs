//! Where sessions are stored: the [`SessionBackend`] trait and the built-in
//! backends.
//!
//! | backend | stores in | for |
//! |---|---|---|
//! | [`BinaryFileBackend`] | a file, replaced atomically | the default: bots and scripts on one machine |
//! | [`InMemoryBackend`] | memory | tests, throwaway clients |
//! | [`StringSessionBackend`] | a base64 string | serverless and containers: the session lives in an env var |
//!
//! Other storage (SQL, Redis, S3, …) plugs in by implementing
//! [`SessionBackend`]; the client holds it as `Arc<dyn SessionBackend>`.

mod file;
mod memory;
mod string;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use file::BinaryFileBackend;
pub use memory::InMemoryBackend;
pub use string::StringSessionBackend;

use crate::error::Result;
use crate::session::Session;

/// A boxed, `Send` future: what [`SessionBackend`]'s methods return.
///
/// Boxed rather than `async fn` in the trait so the trait stays usable as
/// `Arc<dyn SessionBackend>`, with no macro crate needed.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Storage for one [`Session`].
///
/// Implementations must be safe to call from several tasks at once: a save
/// racing another save must leave one of the two sessions stored intact,
/// never a mix. `Debug` is required so clients holding a backend can derive
/// it; it must not print secrets.
///
/// ```
/// use paperplane_session::{BoxFuture, Result, Session, SessionBackend, SessionError};
///
/// /// A backend that keeps the session in some key-value store.
/// #[derive(Debug)]
/// struct KvBackend { /* client handle */ }
///
/// impl SessionBackend for KvBackend {
///     fn load(&self) -> BoxFuture<'_, Result<Option<Session>>> {
///         Box::pin(async move {
///             let stored: Option<Vec<u8>> = None; // fetch from the store
///             stored.map(|bytes| Session::from_bytes(&bytes)).transpose()
///         })
///     }
///
///     fn save<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, Result<()>> {
///         let bytes = session.to_bytes();
///         Box::pin(async move {
///             let _ = bytes; // write to the store; map its errors with SessionError::Backend
///             Ok(())
///         })
///     }
///
///     fn delete(&self) -> BoxFuture<'_, Result<()>> {
///         Box::pin(async move { Ok(()) })
///     }
/// }
///
/// let backend: std::sync::Arc<dyn SessionBackend> = std::sync::Arc::new(KvBackend {});
/// # let _ = backend;
/// # let _ = SessionError::Backend("unused".into());
/// ```
pub trait SessionBackend: Send + Sync + fmt::Debug {
    /// The stored session, or `None` if nothing was ever saved (a first
    /// run). A stored session that cannot be decoded is an error, never
    /// `None`: treating it as absent would throw away a login.
    fn load(&self) -> BoxFuture<'_, Result<Option<Session>>>;

    /// Store `session`, replacing what was stored before.
    fn save<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, Result<()>>;

    /// Remove the stored session (on log out). Deleting nothing is not an
    /// error.
    fn delete(&self) -> BoxFuture<'_, Result<()>>;
}

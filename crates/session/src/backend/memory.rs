//! [`InMemoryBackend`].

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use crate::backend::{BoxFuture, SessionBackend};
use crate::error::Result;
use crate::session::Session;

/// Keeps the session in memory only: it is gone when the process exits.
/// For tests and short-lived clients that should leave nothing on disk.
#[derive(Default)]
pub struct InMemoryBackend {
    session: Mutex<Option<Session>>,
}

impl InMemoryBackend {
    /// An empty backend: [`load`](SessionBackend::load) returns `None`
    /// until something is saved.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A backend that already holds `session`, e.g. to start a client from
    /// a session built in code.
    #[must_use]
    pub fn with_session(session: Session) -> Self {
        Self {
            session: Mutex::new(Some(session)),
        }
    }

    fn slot(&self) -> MutexGuard<'_, Option<Session>> {
        // The critical sections only clone or assign, so a poisoned lock
        // still holds a whole session.
        self.session
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl fmt::Debug for InMemoryBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InMemoryBackend")
            .field("saved", &self.slot().is_some())
            .finish()
    }
}

impl SessionBackend for InMemoryBackend {
    fn load(&self) -> BoxFuture<'_, Result<Option<Session>>> {
        Box::pin(async move { Ok(self.slot().clone()) })
    }

    fn save<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            *self.slot() = Some(session.clone());
            Ok(())
        })
    }

    fn delete(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            *self.slot() = None;
            Ok(())
        })
    }
}

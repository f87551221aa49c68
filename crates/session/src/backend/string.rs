//! [`StringSessionBackend`].

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use crate::backend::{BoxFuture, SessionBackend};
use crate::error::Result;
use crate::session::Session;
use crate::string::export_session_string;

/// Keeps the session as a string session (see
/// [`export_session_string`]), for deployments that cannot write files:
/// start from the string in an environment variable, and read the updated
/// string back with [`session_string`](Self::session_string) to store it.
///
/// An empty (or all-whitespace) string means "no session yet". `Debug`
/// shows only the string's length.
#[derive(Default)]
pub struct StringSessionBackend {
    current: Mutex<String>,
}

impl StringSessionBackend {
    /// A backend holding `session` (may be empty for a first run).
    #[must_use]
    pub fn new(session: impl Into<String>) -> Self {
        Self {
            current: Mutex::new(session.into()),
        }
    }

    /// The current string: what was given to [`new`](Self::new), or the
    /// last session saved. Empty after [`delete`](SessionBackend::delete).
    #[must_use]
    pub fn session_string(&self) -> String {
        self.slot().clone()
    }

    fn slot(&self) -> MutexGuard<'_, String> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn replace(&self, new: String) {
        let old = std::mem::replace(&mut *self.slot(), new);
        crate::wipe(&mut old.into_bytes());
    }
}

impl fmt::Debug for StringSessionBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StringSessionBackend")
            .field(
                "session_string",
                &format_args!("<redacted, {} chars>", self.slot().len()),
            )
            .finish()
    }
}

impl SessionBackend for StringSessionBackend {
    fn load(&self) -> BoxFuture<'_, Result<Option<Session>>> {
        Box::pin(async move {
            let current = self.slot();
            if current.trim().is_empty() {
                Ok(None)
            } else {
                Session::from_string(&current).map(Some)
            }
        })
    }

    fn save<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            self.replace(export_session_string(session));
            Ok(())
        })
    }

    fn delete(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.replace(String::new());
            Ok(())
        })
    }
}

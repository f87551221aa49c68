//! String sessions: the binary format as URL-safe base64 without padding,
//! for deployments that keep secrets in environment variables.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Result, SessionError};
use crate::session::Session;

/// Encode `session` as a string session (URL-safe base64, no padding, of
/// [`Session::to_bytes`]).
///
/// The string contains the auth keys: anyone holding it is logged in as
/// the account. Keep it in a secret store, never in logs.
#[must_use]
pub fn export_session_string(session: &Session) -> String {
    let mut bytes = session.to_bytes();
    let encoded = URL_SAFE_NO_PAD.encode(&bytes);
    crate::wipe(&mut bytes);
    encoded
}

impl Session {
    /// Encode this session as a string session; the same as
    /// [`export_session_string`].
    #[must_use]
    pub fn to_session_string(&self) -> String {
        export_session_string(self)
    }

    /// Decode a string session made by [`export_session_string`].
    ///
    /// Surrounding whitespace (a trailing newline from an env file) and
    /// `=` padding added by other tools are tolerated; anything else that
    /// is not URL-safe base64 is [`SessionError::InvalidString`], and the
    /// decoded bytes are checked like [`Session::from_bytes`].
    pub fn from_string(s: &str) -> Result<Session> {
        let trimmed = s.trim().trim_end_matches('=');
        let mut bytes = URL_SAFE_NO_PAD
            .decode(trimmed)
            .map_err(SessionError::InvalidString)?;
        let session = Session::from_bytes(&bytes);
        crate::wipe(&mut bytes);
        session
    }
}

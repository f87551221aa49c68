//! Errors as Telegram names them: an `rpc_error` code and message.

use std::fmt;

/// An `rpc_error` to answer a request with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// 303, 400, 401, 420, 500, …
    pub code: i32,
    /// `PEER_ID_INVALID`, `PHONE_MIGRATE_2`, …
    pub message: String,
}

impl ApiError {
    /// An error with this code and message.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `400 <message>`: the request itself is wrong.
    pub fn bad_request(message: &str) -> Self {
        Self::new(400, message)
    }

    /// `401 <message>`: the key lacks the login this needs.
    pub fn unauthorized(message: &str) -> Self {
        Self::new(401, message)
    }

    /// `401 AUTH_KEY_UNREGISTERED`: the key is logged in as nobody.
    pub fn auth_key_unregistered() -> Self {
        Self::unauthorized("AUTH_KEY_UNREGISTERED")
    }

    /// `303 <kind>_MIGRATE_<dc>`: repeat the request on DC `dc`.
    pub fn migrate(kind: &str, dc: i32) -> Self {
        Self::new(303, format!("{kind}_MIGRATE_{dc}"))
    }

    /// `420 FLOOD_WAIT_<seconds>`.
    pub fn flood_wait(seconds: u32) -> Self {
        Self::new(420, format!("FLOOD_WAIT_{seconds}"))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// What handlers and world operations return.
pub type ApiResult<T> = Result<T, ApiError>;

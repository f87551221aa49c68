//! What can go wrong with a request.

use std::fmt;

/// An error Telegram answered a request with (`rpc_error`).
///
/// Names carrying a number (`FLOOD_WAIT_30`, `PHONE_MIGRATE_4`) are split:
/// `name` is `FLOOD_WAIT`, `value` is `Some(30)`; `message` keeps the
/// original text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcError {
    /// The numeric code: 303 (migrate), 400, 401, 403, 420 (flood), 500, …
    pub code: i32,
    /// The error exactly as the server sent it.
    pub message: String,
    /// The name without a trailing number.
    pub name: String,
    /// The trailing number, if there was one.
    pub value: Option<u32>,
}

impl RpcError {
    /// Parses an error as the server sent it.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        let message = message.into();
        let (name, value) = split_value(&message);
        Self {
            code,
            name: name.to_owned(),
            value,
            message,
        }
    }

    /// Whether this is the named error (ignoring a trailing number).
    /// `is("FLOOD_WAIT")` matches `FLOOD_WAIT_30`.
    pub fn is(&self, name: &str) -> bool {
        self.name == name || self.message == name
    }

    /// For `FLOOD_WAIT_X` / `SLOWMODE_WAIT_X` / `FLOOD_PREMIUM_WAIT_X`: how
    /// many seconds to wait.
    pub fn flood_wait(&self) -> Option<u32> {
        match self.name.as_str() {
            "FLOOD_WAIT" | "SLOWMODE_WAIT" | "FLOOD_PREMIUM_WAIT" | "FLOOD_TEST_PHONE_WAIT" => {
                self.value
            }
            _ => None,
        }
    }

    /// For `PHONE_MIGRATE_X`, `USER_MIGRATE_X`, `NETWORK_MIGRATE_X`: the DC
    /// to move the account to. (`FILE_MIGRATE_X` and `STATS_MIGRATE_X`
    /// name a DC for one request only and are not included.)
    pub fn migrate_to(&self) -> Option<i32> {
        match self.name.as_str() {
            "PHONE_MIGRATE" | "USER_MIGRATE" | "NETWORK_MIGRATE" => {
                self.value.and_then(|v| i32::try_from(v).ok())
            }
            _ => None,
        }
    }
}

/// `FLOOD_WAIT_30` → (`FLOOD_WAIT`, 30).
fn split_value(message: &str) -> (&str, Option<u32>) {
    if let Some((name, digits)) = message.rsplit_once('_') {
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(value) = digits.parse() {
                return (name, Some(value));
            }
        }
    }
    (message, None)
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rpc error {}: {}", self.code, self.message)
    }
}

impl std::error::Error for RpcError {}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum InvocationError {
    /// Telegram answered with an error.
    #[error(transparent)]
    Rpc(#[from] RpcError),
    /// The network failed and the request could not be retried.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The answer did not decode as the request's return type.
    #[error("malformed answer{}: {error}", constructor_name(*.constructor))]
    Deserialize {
        /// The constructor id the answer started with, if known.
        constructor: Option<u32>,
        /// What did not decode.
        error: paperplane_tl::DeserializeError,
    },
    /// The answer could not even be unwrapped (a `gzip_packed` that does
    /// not inflate, an `rpc_error` that does not decode).
    #[error("malformed answer{}: {error}", constructor_name(*.constructor))]
    MalformedAnswer {
        /// The constructor id the answer started with, if any.
        constructor: Option<u32>,
        /// What was wrong.
        error: paperplane_mtproto::session::SessionError,
    },
    /// No answer came within the request timeout (the request may or may
    /// not have been executed).
    #[error("no answer within {0:?}")]
    Timeout(std::time::Duration),
    /// The server refused the message itself (`bad_msg_notification` with
    /// this code) in a way resending cannot fix.
    #[error("the server rejected the message (bad_msg_notification {0})")]
    Rejected(i32),
    /// The connection was shut down before the answer arrived.
    #[error("the connection was closed before an answer arrived")]
    Dropped,
    /// The DC is not known (not in the configuration nor the session).
    #[error("unknown DC {0}")]
    UnknownDc(i32),
    /// The request could not be built from what was given (an unknown peer,
    /// a malformed argument).
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// The request was given up on after too many `*_MIGRATE` answers.
    #[error("too many DC migrations")]
    MigrationLoop,
}

impl From<paperplane_tl::DeserializeError> for InvocationError {
    fn from(error: paperplane_tl::DeserializeError) -> Self {
        Self::Deserialize {
            constructor: None,
            error,
        }
    }
}

fn constructor_name(id: Option<u32>) -> String {
    id.map(|id| format!(" (constructor {id:#010x})"))
        .unwrap_or_default()
}

impl InvocationError {
    /// Decodes an answer as `T`, naming the answer's constructor if it
    /// does not decode.
    pub fn decode<T: paperplane_tl::Deserializable>(answer: &[u8]) -> Result<T, Self> {
        T::from_bytes(answer).map_err(|error| Self::Deserialize {
            constructor: answer
                .get(..4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes),
            error,
        })
    }

    /// The RPC error, if Telegram answered with one.
    pub fn rpc(&self) -> Option<&RpcError> {
        match self {
            Self::Rpc(e) => Some(e),
            _ => None,
        }
    }

    /// Whether this is the named RPC error (see [`RpcError::is`]).
    pub fn is(&self, name: &str) -> bool {
        self.rpc().is_some_and(|e| e.is(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_trailing_numbers() {
        let e = RpcError::new(420, "FLOOD_WAIT_30");
        assert_eq!((e.name.as_str(), e.value), ("FLOOD_WAIT", Some(30)));
        assert_eq!(e.flood_wait(), Some(30));
        assert!(e.is("FLOOD_WAIT") && e.is("FLOOD_WAIT_30"));

        let e = RpcError::new(303, "PHONE_MIGRATE_4");
        assert_eq!(e.migrate_to(), Some(4));
        assert_eq!(RpcError::new(303, "FILE_MIGRATE_4").migrate_to(), None);

        let e = RpcError::new(400, "PEER_ID_INVALID");
        assert_eq!((e.name.as_str(), e.value), ("PEER_ID_INVALID", None));
        let e = RpcError::new(400, "WEIRD_");
        assert_eq!((e.name.as_str(), e.value), ("WEIRD_", None));
        let e = RpcError::new(400, "X_99999999999");
        assert_eq!(e.value, None);
    }
}

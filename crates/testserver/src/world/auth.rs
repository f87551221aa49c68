//! Who is logged in where: authorizations by auth key, and the short-lived
//! state of logins in progress (codes, exported authorizations, QR tokens).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::State;
use super::users::TestPhone;

/// An auth key logged in as a user.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Authorization {
    /// The user.
    pub user_id: i64,
    /// The DC the login happened on (the key's DC).
    pub dc_id: i32,
    /// When.
    pub date: i32,
}

/// A code sent by `auth.sendCode`.
#[derive(Clone, Debug)]
pub struct PendingCode {
    /// The phone it was sent to.
    pub phone: TestPhone,
    /// Set once `auth.signIn` answered `authorizationSignUpRequired`.
    pub sign_up_allowed: bool,
}

/// A QR-login token from `auth.exportLoginToken`.
#[derive(Clone, Debug)]
pub struct LoginToken {
    /// The key that asked for it (and gets logged in).
    pub key_id: i64,
    /// Unix time it stops working.
    pub expires: i32,
    /// The user who accepted it, once accepted.
    pub accepted_by: Option<i64>,
    /// The asking client's `api_id` (for the `authorization` shown to the
    /// accepting user).
    pub api_id: i32,
    /// The asking client's device model.
    pub device_model: String,
}

/// A token handed out with `auth.loginTokenMigrateTo`.
#[derive(Clone, Debug)]
pub struct MigratedToken {
    /// The user who accepted the original token.
    pub user_id: i64,
    /// The DC to import it on.
    pub dc_id: i32,
}

/// Logins in progress (not persisted).
#[derive(Default)]
pub struct Logins {
    /// Codes by `phone_code_hash`.
    pub codes: HashMap<String, PendingCode>,
    /// Keys that passed the code and owe a 2FA password, with their user.
    pub awaiting_password: HashMap<i64, i64>,
    /// `auth.exportAuthorization` bytes → (user, target DC).
    pub exports: HashMap<Vec<u8>, (i64, i32)>,
    /// QR tokens by token bytes.
    pub tokens: HashMap<Vec<u8>, LoginToken>,
    /// Redirected QR tokens by token bytes.
    pub migrated: HashMap<Vec<u8>, MigratedToken>,
}

impl State {
    /// Logs `key_id` in as `user_id` on `dc_id`.
    pub fn authorize(&mut self, key_id: i64, user_id: i64, dc_id: i32, now: i32) {
        self.logins.awaiting_password.remove(&key_id);
        self.authorizations.insert(
            key_id,
            Authorization {
                user_id,
                dc_id,
                date: now,
            },
        );
    }

    /// The login of `key_id`, if any.
    pub fn authorization(&self, key_id: i64) -> Option<&Authorization> {
        self.authorizations.get(&key_id)
    }

    /// Logs `key_id` out; returns whether it was logged in.
    pub fn log_out(&mut self, key_id: i64) -> bool {
        self.authorizations.remove(&key_id).is_some()
    }

    /// Every key logged in as `user_id`.
    pub fn keys_of(&self, user_id: i64) -> Vec<i64> {
        self.authorizations
            .iter()
            .filter(|(_, a)| a.user_id == user_id)
            .map(|(k, _)| *k)
            .collect()
    }
}

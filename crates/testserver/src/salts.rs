//! Server salts that rotate, as Telegram's do.
//!
//! Time is cut into windows of one period (Telegram: about 30 minutes);
//! each key has one salt per window, a keyed hash of `(auth_key_id,
//! window)` under a secret drawn at start, so every session and DC agrees
//! on it and `get_future_salts` can announce salts before they are used.
//! The window a key was created in uses the key exchange's first salt
//! (`new_nonce ^ server_nonce`), so a client's first message with it is
//! accepted. Sessions accept the current salt and the previous one
//! ([`paperplane_mtproto::session::ServerSession::with_salts`]).

use std::time::Duration;

use paperplane_crypto::hash::sha256;
use paperplane_tl::types;
use rand_core::RngCore;

use crate::keys::KeyInfo;

/// Telegram's salt period.
pub const DEFAULT_PERIOD: Duration = Duration::from_secs(30 * 60);

/// The salt schedule of every key on one server.
#[derive(Clone)]
pub struct Salts {
    secret: [u8; 32],
    /// Window length in seconds (at least 1).
    period: i64,
}

impl std::fmt::Debug for Salts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Salts")
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

/// One key's schedule.
#[derive(Clone, Copy)]
struct KeySchedule {
    secret: [u8; 32],
    period: i64,
    key_id: i64,
    first_salt: i64,
    first_window: i64,
}

impl KeySchedule {
    fn salt(&self, window: i64) -> i64 {
        if window == self.first_window {
            return self.first_salt;
        }
        let hash = sha256(&[
            &self.secret,
            &self.key_id.to_le_bytes(),
            &window.to_le_bytes(),
        ]);
        let mut salt = [0u8; 8];
        salt.copy_from_slice(&hash[..8]);
        i64::from_le_bytes(salt)
    }

    fn window_at(&self, now: i64) -> types::FutureSalt {
        let window = now.div_euclid(self.period);
        let time = |t: i64| t.clamp(0, i64::from(i32::MAX)) as i32;
        types::FutureSalt {
            valid_since: time(window.saturating_mul(self.period)),
            valid_until: time(window.saturating_add(1).saturating_mul(self.period)),
            salt: self.salt(window),
        }
    }
}

impl Salts {
    /// Salts changing every `period` (rounded down to whole seconds, at
    /// least one), under a fresh secret.
    pub fn new(period: Duration, rng: &mut impl RngCore) -> Self {
        let mut secret = [0u8; 32];
        rng.fill_bytes(&mut secret);
        Self {
            secret,
            period: i64::try_from(period.as_secs()).unwrap_or(i64::MAX).max(1),
        }
    }

    /// The schedule of `key`, for its sessions.
    pub fn schedule(&self, key: &KeyInfo) -> Box<dyn Fn(i64) -> types::FutureSalt + Send> {
        let schedule = self.key_schedule(key);
        Box::new(move |now| schedule.window_at(now))
    }

    /// The salt window of `key` that contains `now` (Unix seconds).
    pub fn window_at(&self, key: &KeyInfo, now: i64) -> types::FutureSalt {
        self.key_schedule(key).window_at(now)
    }

    fn key_schedule(&self, key: &KeyInfo) -> KeySchedule {
        KeySchedule {
            secret: self.secret,
            period: self.period,
            key_id: key.id(),
            first_salt: key.salt,
            first_window: match key.created {
                0 => i64::MIN,
                created => created.div_euclid(self.period),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use paperplane_crypto::AuthKey;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;

    #[test]
    fn windows_touch_change_and_start_with_the_first_salt() {
        let salts = Salts::new(Duration::from_secs(60), &mut ChaCha20Rng::seed_from_u64(1));
        let key = KeyInfo {
            key: Arc::new(AuthKey::from_bytes([7; 256])),
            dc_id: 2,
            salt: 0x1234,
            created: 1_700_000_030,
            temp: None,
        };
        let first = salts.window_at(&key, 1_700_000_030);
        assert_eq!(first.salt, 0x1234);
        assert_eq!(
            (first.valid_since, first.valid_until),
            (1_699_999_980, 1_700_000_040)
        );
        let next = salts.window_at(&key, i64::from(first.valid_until));
        assert_eq!(next.valid_since, first.valid_until);
        assert_ne!(next.salt, first.salt);
        let after = salts.window_at(&key, i64::from(next.valid_until));
        assert_ne!(after.salt, next.salt);
        // Same schedule through the boxed form.
        assert_eq!(salts.schedule(&key)(1_700_000_050), next);
        // Another server secret, other salts.
        let other = Salts::new(Duration::from_secs(60), &mut ChaCha20Rng::seed_from_u64(2));
        assert_ne!(other.window_at(&key, 1_700_000_050).salt, next.salt);
    }
}

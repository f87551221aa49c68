//! The wall clock a client believes.
//!
//! MTProto ids carry the time, so a client whose clock is wrong must learn
//! the server's. Tests (and simulations) give a connection a clock of their
//! own, skewed or stepped at will, instead of changing the machine's.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of Unix time in milliseconds. Cheap to clone.
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Clock {
    /// The machine's clock.
    pub fn system() -> Self {
        Self(Arc::new(system_ms))
    }

    /// The machine's clock moved by `skew_ms` milliseconds (negative:
    /// behind).
    pub fn skewed(skew_ms: i64) -> Self {
        Self(Arc::new(move || system_ms().saturating_add(skew_ms)))
    }

    /// Any function returning Unix milliseconds.
    pub fn from_fn(now_ms: impl Fn() -> i64 + Send + Sync + 'static) -> Self {
        Self(Arc::new(now_ms))
    }

    /// Unix time now, in milliseconds.
    pub fn now_ms(&self) -> i64 {
        (self.0)()
    }

    /// Unix time now, in whole seconds.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

impl Default for Clock {
    fn default() -> Self {
        Self::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let skew = self.now_ms().saturating_sub(system_ms());
        f.debug_struct("Clock")
            .field("skew", &Duration::from_millis(skew.unsigned_abs()))
            .field("behind", &(skew < 0))
            .finish()
    }
}

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skewed_clock_stays_skewed() {
        let behind = Clock::skewed(-600_000);
        let diff = Clock::system().now_ms() - behind.now_ms();
        assert!((599_000..=601_000).contains(&diff), "{diff}");
        assert_eq!(Clock::from_fn(|| 1_234_567).now_secs(), 1234);
        assert_eq!(Clock::from_fn(|| -1).now_secs(), -1);
    }
}

//! The server's clock: the machine's time plus a skew a test can set.
//!
//! Everything time-based the server emits or checks reads this one clock:
//! its msg_ids and the window it checks clients' msg_ids against, the
//! `server_time` of the key exchange, salts' validity windows, the dates of
//! messages, updates and `updates.state`, `help.getConfig`, temporary keys'
//! expiry. So [`Clock::set_skew`] moves the whole server in time at once,
//! as a server with a wrong clock would be: a correctly-clocked client
//! must learn the server's time from its messages.
//!
//! Durations (how long a session has been idle) are measured on a
//! monotonic clock instead ([`Clock::monotonic_secs`]), as a real server
//! measures them: a step of the wall clock must not age every session.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use crate::server::unix_now_ms;

/// A shared clock; clones read and set the same skew.
#[derive(Clone, Debug)]
pub struct Clock {
    skew_ms: Arc<AtomicI64>,
    started: Instant,
}

impl Default for Clock {
    fn default() -> Self {
        Self {
            skew_ms: Arc::default(),
            started: Instant::now(),
        }
    }
}

impl Clock {
    /// Seconds since the clock was made, whatever the skew does.
    pub fn monotonic_secs(&self) -> i64 {
        i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX)
    }

    /// The server's time in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        unix_now_ms().saturating_add(self.skew_ms.load(Ordering::Relaxed))
    }

    /// The server's time in Unix seconds.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// The server's time in Unix seconds, as TL's `int` dates carry it.
    pub fn now_i32(&self) -> i32 {
        i32::try_from(self.now().max(0)).unwrap_or(i32::MAX)
    }

    /// From now on the server's time is the machine's plus `seconds`
    /// (negative: behind); 0 puts it right again.
    pub fn set_skew(&self, seconds: i64) {
        self.skew_ms
            .store(seconds.saturating_mul(1000), Ordering::Relaxed);
    }

    /// The skew in seconds.
    pub fn skew(&self) -> i64 {
        self.skew_ms.load(Ordering::Relaxed).div_euclid(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_skew_moves_every_reading_and_is_shared_by_clones() {
        let clock = Clock::default();
        let other = clock.clone();
        other.set_skew(3600);
        assert_eq!(clock.skew(), 3600);
        let behind = unix_now_ms() + 3_600_000 - clock.now_ms();
        assert!((-5_000..=0).contains(&behind), "{behind}");
        assert!((clock.now() - (unix_now_ms() / 1000 + 3600)).abs() <= 5);
        clock.set_skew(-600);
        assert!((i64::from(clock.now_i32()) - (unix_now_ms() / 1000 - 600)).abs() <= 5);
        clock.set_skew(i64::MAX);
        assert_eq!(clock.now_i32(), i32::MAX, "saturates, never panics");
        clock.set_skew(0);
        assert!((clock.now_ms() - unix_now_ms()).abs() <= 5_000);
    }

    #[test]
    fn durations_ignore_the_skew() {
        let clock = Clock::default();
        let before = clock.monotonic_secs();
        clock.set_skew(3600);
        assert!(clock.monotonic_secs() - before <= 5);
        clock.set_skew(-3600);
        assert!(clock.monotonic_secs() >= before, "went back");
    }
}

//! Reconnect delays: exponential backoff with jitter.

use std::time::Duration;

/// Delays between reconnect attempts: `base`, doubling up to `max`, each
/// drawn uniformly from its upper half so that many clients that lost the
/// same server do not come back in lockstep.
#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    /// Starts at `base`, never above `max`.
    pub fn new(base: Duration, max: Duration) -> Self {
        Self {
            base,
            max,
            attempt: 0,
        }
    }

    /// The delay before the next attempt; `random` is any random number.
    pub fn next_delay(&mut self, random: u32) -> Duration {
        let factor = 1u32 << self.attempt.min(16);
        self.attempt = self.attempt.saturating_add(1);
        let ceiling = self.base.saturating_mul(factor).min(self.max);
        let half = ceiling / 2;
        let spread = half.as_millis().max(1) as u64;
        half + Duration::from_millis(u64::from(random) % spread)
    }

    /// After a successful connection: start over from `base`.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Self::new(Duration::from_millis(200), Duration::from_secs(30))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps_with_jitter() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let mut ceilings = Vec::new();
        for i in 0..10u32 {
            let d = b.next_delay(i.wrapping_mul(2_654_435_761));
            let ceiling = Duration::from_millis(100 << i.min(16)).min(Duration::from_secs(2));
            assert!(d >= ceiling / 2 && d <= ceiling, "{d:?} vs {ceiling:?}");
            ceilings.push(ceiling);
        }
        assert_eq!(ceilings.last(), Some(&Duration::from_secs(2)));
        b.reset();
        assert!(b.next_delay(u32::MAX) <= Duration::from_millis(100));
    }
}

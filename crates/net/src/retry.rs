//! What to do when Telegram says "wait": retry policies.
//!
//! A request that fails with `FLOOD_WAIT_X` (or an internal server error)
//! is handed to the [`RetryPolicy`] with a [`RetryContext`]; the policy
//! answers "sleep this long, then try again" or "give up".
//! [`AutoSleep`] (the default) sleeps through flood waits up to a
//! threshold; [`NoRetries`] surfaces every error at once;
//! [`CircuitBreaker`] retries like `AutoSleep` until failures pile up, then
//! fails fast for a while.

use std::ops::ControlFlow;
use std::time::Duration;

use crate::error::InvocationError;

/// Why a request failed, and how often it failed before.
#[derive(Debug)]
pub struct RetryContext<'a> {
    /// How many times this request has failed, this failure included (≥ 1).
    pub fail_count: u32,
    /// How long the request has already slept between attempts.
    pub slept_so_far: Duration,
    /// The failure.
    pub error: &'a InvocationError,
    /// Seconds a `FLOOD_WAIT_X` (or `SLOWMODE_WAIT_X`) asks for; 0 otherwise.
    pub flood_wait_seconds: u64,
}

/// Decides whether a failed request is tried again.
pub trait RetryPolicy: Send + Sync {
    /// `Continue(delay)`: sleep `delay`, then retry. `Break(())`: give up and
    /// return the error.
    fn should_retry(&self, ctx: &RetryContext<'_>) -> ControlFlow<(), Duration>;
}

/// Sleeps through `FLOOD_WAIT_X` when X is at most `threshold`, and retries
/// an internal server error (code 500) once after a second.
#[derive(Clone, Debug)]
pub struct AutoSleep {
    /// The longest flood wait slept through; longer ones are returned.
    pub threshold: Duration,
    /// How many flood waits one request sleeps through at most.
    pub max_flood_retries: u32,
}

impl Default for AutoSleep {
    fn default() -> Self {
        Self {
            threshold: Duration::from_secs(60),
            max_flood_retries: 5,
        }
    }
}

impl RetryPolicy for AutoSleep {
    fn should_retry(&self, ctx: &RetryContext<'_>) -> ControlFlow<(), Duration> {
        let Some(rpc) = ctx.error.rpc() else {
            return ControlFlow::Break(());
        };
        if ctx.flood_wait_seconds > 0 || rpc.flood_wait().is_some() {
            let wait = Duration::from_secs(ctx.flood_wait_seconds);
            if wait <= self.threshold && ctx.fail_count <= self.max_flood_retries {
                return ControlFlow::Continue(wait);
            }
            return ControlFlow::Break(());
        }
        if rpc.code == 500 && ctx.fail_count == 1 {
            return ControlFlow::Continue(Duration::from_secs(1));
        }
        ControlFlow::Break(())
    }
}

/// Never retries: every error reaches the caller.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoRetries;

impl RetryPolicy for NoRetries {
    fn should_retry(&self, _: &RetryContext<'_>) -> ControlFlow<(), Duration> {
        ControlFlow::Break(())
    }
}

/// [`AutoSleep`] that stops retrying when failures pile up: after
/// `threshold` retryable failures within `window`, the circuit opens and
/// every failure is returned at once for `cooldown`, so a struggling server
/// (or an account deep in flood limits) is not hammered by every caller.
#[derive(Debug)]
pub struct CircuitBreaker {
    /// What to do while the circuit is closed.
    pub inner: AutoSleep,
    /// Failures within `window` that open the circuit.
    pub threshold: u32,
    /// How far back failures count.
    pub window: Duration,
    /// How long the circuit stays open.
    pub cooldown: Duration,
    state: std::sync::Mutex<Breaker>,
}

#[derive(Debug, Default)]
struct Breaker {
    failures: std::collections::VecDeque<std::time::Instant>,
    open_until: Option<std::time::Instant>,
}

impl CircuitBreaker {
    /// Opens after `threshold` failures within `window`, for `cooldown`.
    pub fn new(threshold: u32, window: Duration, cooldown: Duration) -> Self {
        Self {
            inner: AutoSleep::default(),
            threshold: threshold.max(1),
            window,
            cooldown,
            state: Default::default(),
        }
    }

    /// Whether the circuit is open at `now`.
    pub fn is_open(&self, now: std::time::Instant) -> bool {
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.open_until.is_some_and(|until| now < until)
    }

    fn decide(&self, ctx: &RetryContext<'_>, now: std::time::Instant) -> ControlFlow<(), Duration> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.open_until.is_some_and(|until| now < until) {
            return ControlFlow::Break(());
        }
        state.open_until = None;
        let verdict = self.inner.should_retry(ctx);
        if verdict.is_break() {
            return verdict;
        }
        while state
            .failures
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) > self.window)
        {
            state.failures.pop_front();
        }
        state.failures.push_back(now);
        if state.failures.len() >= self.threshold as usize {
            state.failures.clear();
            state.open_until = Some(now + self.cooldown);
            return ControlFlow::Break(());
        }
        verdict
    }
}

impl Default for CircuitBreaker {
    /// Five retryable failures within a minute open it for thirty seconds.
    fn default() -> Self {
        Self::new(5, Duration::from_secs(60), Duration::from_secs(30))
    }
}

impl RetryPolicy for CircuitBreaker {
    fn should_retry(&self, ctx: &RetryContext<'_>) -> ControlFlow<(), Duration> {
        self.decide(ctx, std::time::Instant::now())
    }
}

/// The context for a failure.
pub(crate) fn context(
    fail_count: u32,
    slept_so_far: Duration,
    error: &InvocationError,
) -> RetryContext<'_> {
    let flood_wait_seconds = error
        .rpc()
        .and_then(|e| e.flood_wait())
        .map_or(0, u64::from);
    RetryContext {
        fail_count,
        slept_so_far,
        error,
        flood_wait_seconds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::RpcError;

    fn rpc(code: i32, message: &str) -> InvocationError {
        InvocationError::Rpc(RpcError::new(code, message))
    }

    #[test]
    fn auto_sleep_sleeps_short_flood_waits_only() {
        let policy = AutoSleep::default();
        let e = rpc(420, "FLOOD_WAIT_3");
        assert_eq!(
            policy.should_retry(&context(1, Duration::ZERO, &e)),
            ControlFlow::Continue(Duration::from_secs(3))
        );
        let e = rpc(420, "FLOOD_WAIT_3600");
        assert_eq!(
            policy.should_retry(&context(1, Duration::ZERO, &e)),
            ControlFlow::Break(())
        );
        let e = rpc(420, "FLOOD_WAIT_3");
        assert_eq!(
            policy.should_retry(&context(6, Duration::ZERO, &e)),
            ControlFlow::Break(())
        );
    }

    #[test]
    fn auto_sleep_retries_internal_errors_once() {
        let policy = AutoSleep::default();
        let e = rpc(500, "INTERNAL");
        assert!(
            policy
                .should_retry(&context(1, Duration::ZERO, &e))
                .is_continue()
        );
        assert!(
            policy
                .should_retry(&context(2, Duration::ZERO, &e))
                .is_break()
        );
        let e = rpc(400, "PEER_ID_INVALID");
        assert!(
            policy
                .should_retry(&context(1, Duration::ZERO, &e))
                .is_break()
        );
        assert!(
            policy
                .should_retry(&context(1, Duration::ZERO, &InvocationError::Dropped))
                .is_break()
        );
    }

    #[test]
    fn circuit_breaker_opens_after_repeated_failures_then_closes() {
        let breaker = CircuitBreaker::new(3, Duration::from_secs(10), Duration::from_secs(30));
        let start = std::time::Instant::now();
        let flood = rpc(420, "FLOOD_WAIT_1");
        let ctx = context(1, Duration::ZERO, &flood);
        let at = |secs| start + Duration::from_secs(secs);
        assert!(breaker.decide(&ctx, at(0)).is_continue());
        assert!(breaker.decide(&ctx, at(1)).is_continue());
        // The third failure within ten seconds opens the circuit.
        assert!(breaker.decide(&ctx, at(2)).is_break());
        assert!(breaker.is_open(at(3)));
        assert!(breaker.decide(&ctx, at(20)).is_break());
        // After the cooldown it retries again.
        assert!(!breaker.is_open(at(33)));
        assert!(breaker.decide(&ctx, at(33)).is_continue());
        // Failures spread wider than the window do not open it.
        assert!(breaker.decide(&ctx, at(50)).is_continue());
        assert!(breaker.decide(&ctx, at(70)).is_continue());
        assert!(!breaker.is_open(at(71)));
        // What AutoSleep would not retry is never retried.
        let fatal = rpc(400, "PEER_ID_INVALID");
        assert!(
            breaker
                .decide(&context(1, Duration::ZERO, &fatal), at(80))
                .is_break()
        );
    }

    #[test]
    fn no_retries_never_retries() {
        let e = rpc(420, "FLOOD_WAIT_1");
        assert!(
            NoRetries
                .should_retry(&context(1, Duration::ZERO, &e))
                .is_break()
        );
    }
}

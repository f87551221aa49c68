//! What to do when Telegram says "wait": retry policies.
//!
//! A request that fails with `FLOOD_WAIT_X` (or an internal server error)
//! is handed to the [`RetryPolicy`] with a [`RetryContext`]; the policy
//! answers "sleep this long, then try again" or "give up".
//! [`AutoSleep`] (the default) sleeps through flood waits up to a
//! threshold; [`NoRetries`] surfaces every error at once.

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
    fn no_retries_never_retries() {
        let e = rpc(420, "FLOOD_WAIT_1");
        assert!(
            NoRetries
                .should_retry(&context(1, Duration::ZERO, &e))
                .is_break()
        );
    }
}

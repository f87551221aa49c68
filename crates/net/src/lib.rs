//! Tokio networking for paperplane.
//!
//! - [`Connection`]: one task per DC that owns the socket, creates the
//!   authorization key, sends `initConnection`, pipelines requests (many in
//!   flight, batched into containers with acks), pings, reconnects with
//!   exponential backoff and jitter, and resends whatever was unanswered.
//! - [`Pool`]: the DCs of one account; home-DC routing, transparent
//!   `*_MIGRATE_X` handling, login export/import for other DCs,
//!   [`RetryPolicy`] ([`AutoSleep`], [`NoRetries`]) for flood waits.
//! - [`MtProxy`]: an MTProxy from a `t.me/proxy` link; with one in
//!   [`PoolConfig::proxy`] every DC connection goes through it.
//!
//! The protocol itself lives in `paperplane-mtproto` as sans-IO state
//! machines; this crate only moves bytes, keeps time and holds state.
//!
//! ```no_run
//! # async fn demo() -> Result<(), paperplane_net::InvocationError> {
//! use paperplane_net::{Pool, PoolConfig, PoolState};
//! use paperplane_tl::functions;
//!
//! let (pool, _events) = Pool::new(PoolConfig::default(), PoolState::telegram());
//! let nearest = pool.invoke(&functions::help::GetNearestDc {}).await?;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod backoff;
mod clock;
mod connection;
mod error;
mod pool;
mod proxy;
pub mod retry;
mod transport_kind;

pub use backoff::Backoff;
pub use clock::Clock;
pub use connection::{Connection, ConnectionConfig, ConnectionEvent, InitParams, KeyState};
pub use error::{InvocationError, RpcError};
pub use paperplane_mtproto::transport::ProxySecret;
pub use pool::{
    DEFAULT_REQUEST_TIMEOUT, DcState, Pool, PoolConfig, PoolEvent, PoolState, TELEGRAM_DCS,
};
pub use proxy::{MtProxy, ProxyLinkError};
pub use retry::{AutoSleep, CircuitBreaker, NoRetries, RetryContext, RetryPolicy};
pub use transport_kind::TransportKind;

//! A local Telegram server that speaks the real protocol.
//!
//! It listens on loopback with five DCs, detects each connection's
//! transport, runs the key exchange and the encrypted session of
//! `paperplane-mtproto` in the server role, and answers API calls the way
//! Telegram does. Tests start it in-process; people run the
//! `paperplane-testserver` binary.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let server = paperplane_testserver::TestServer::start(Default::default()).await?;
//! for dc in server.dcs() {
//!     println!("dc {} {}", dc.id, dc.addr);
//! }
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

mod conn;
pub mod keys;
pub mod rpc;
mod server;

pub use server::{DC_IDS, DcAddr, Options, Shared, TestServer, unix_now, unix_now_ms};

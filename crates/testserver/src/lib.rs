//! A local Telegram server that speaks the real protocol.
//!
//! It listens on loopback with five DCs, detects each connection's
//! transport, runs the key exchange and the encrypted session of
//! `paperplane-mtproto` in the server role, and answers API calls the way
//! Telegram does, over an in-memory world: accounts (people with test
//! phone numbers, bots with tokens, 2FA passwords), logins per auth key,
//! private chats with per-user message ids, basic channels and
//! supergroups with their own message ids and `pts`, and each account's
//! update sequence, pushed to every connected session. Tests start it in-process
//! and drive it through [`Control`]; people run the
//! `paperplane-testserver` binary.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = paperplane_testserver::TestServer::start(Default::default()).await?;
//! for dc in server.dcs() {
//!     println!("dc {} {}", dc.id, dc.addr);
//! }
//! let alice = server.control().add_user("9996621234", "Alice", Some("alice"))?;
//! println!("log in as +{} with code 22222", alice.phone.unwrap_or_default());
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod clock;
mod conn;
pub mod control;
mod cut;
pub mod error;
pub mod fault_proxy;
pub mod faults;
pub mod hub;
pub mod keys;
pub mod persist;
pub mod rpc;
pub mod salts;
pub mod seed;
mod server;
pub mod world;

pub use control::{
    ChannelInfo, ChannelPost, Control, ControlError, SentMessage, StoredMessage, UserInfo,
};
pub use error::ApiError;
pub use seed::{UserSeed, WorldFile};
pub use server::{
    DC_IDS, DcAddr, Options, Shared, TestServer, proxy_target_dc, unix_now, unix_now_ms,
};

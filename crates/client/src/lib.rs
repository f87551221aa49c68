//! paperplane: an async Telegram client for bots and user accounts,
//! speaking MTProto directly.
//!
//! ```no_run
//! use paperplane::{Client, update::Update};
//!
//! # async fn demo() -> anyhow::Result<()> {
//! let (client, _shutdown) = Client::builder()
//!     .api_id(12345)
//!     .api_hash("0123456789abcdef0123456789abcdef")
//!     .session("bot.session")
//!     .connect()
//!     .await?;
//! client.bot_sign_in("123456:ABC-DEF").await?;
//!
//! let mut stream = client.stream_updates();
//! while let Some(update) = stream.next().await {
//!     if let Update::NewMessage(msg) = update {
//!         if !msg.outgoing() {
//!             msg.reply(msg.text().unwrap_or_default()).await.ok();
//!         }
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! The client is a thin façade over per-area modules: [`auth`] (sign-in in
//! every form), [`peers`] (resolving and the access-hash cache),
//! [`messages`] (sending, [`InputMessage`]), [`update`] (the update stream
//! and gap recovery). Anything the high-level API lacks is one
//! [`Client::invoke`] away, with every Layer 230 function in [`tl`].
//!
//! To point the client at the local test server (or any private server),
//! give its address and RSA public key:
//! `.dc_addr("127.0.0.1:4430").server_key(pem)`. To go through an
//! MTProxy: `.proxy_link("https://t.me/proxy?server=HOST&port=PORT&secret=SECRET")`.

#![forbid(unsafe_code)]

pub mod auth;
mod builder;
mod client;
pub mod messages;
pub mod peers;
mod store;
pub mod update;

pub use auth::{LoginToken, PasswordToken, QrLogin, SignInError, User};
pub use builder::{BuildError, ClientBuilder};
pub use client::{Client, ShutdownToken};
pub use messages::InputMessage;
pub use paperplane_net::{
    Clock, InvocationError, MtProxy, ProxyLinkError, ProxySecret, RpcError, TransportKind, retry,
};
pub use paperplane_parsers as parsers;
pub use paperplane_session as session;
pub use paperplane_tl as tl;
pub use update::{IncomingMessage, MessageDeletion, Update, UpdateStream};

//! The updates engine of paperplane, without I/O.
//!
//! Telegram pushes updates over the network, where they can arrive out of
//! order, twice, or not at all. The [`Engine`] follows the rules of
//! Telegram's "Working with Updates": it tracks the account's `pts`,
//! `qts`, `seq` and `date` and each channel's `pts`, applies updates in
//! order, drops what was applied already, holds what comes early for a
//! short while, and asks for `updates.getDifference` /
//! `updates.getChannelDifference` when a gap does not close by itself.
//! It never reads a clock nor touches a socket: the client feeds it and
//! answers its requests, so every rule is tested with fixed inputs.
//!
//! ```
//! use paperplane_tl::{enums, types};
//! use paperplane_updates::{Config, Engine, Incoming, Output, State};
//!
//! let mut engine = Engine::new(Some(State { pts: 10, ..State::default() }), Config::default());
//! let delete = |pts| -> enums::Update {
//!     types::UpdateDeleteMessages { messages: vec![pts], pts, pts_count: 1 }.into()
//! };
//! // pts 12 comes before 11: it waits...
//! engine.handle_updates(Incoming::one(delete(12), 0), 0);
//! assert!(engine.poll_output().is_none());
//! // ...until 11 arrives, and both go out in order.
//! engine.handle_updates(Incoming::one(delete(11), 0), 100);
//! let Some(Output::Updates(batch)) = engine.poll_output() else { panic!() };
//! assert_eq!(batch.updates, vec![delete(11), delete(12)]);
//! assert_eq!(engine.state().unwrap().pts, 12);
//! ```

#![forbid(unsafe_code)]

mod engine;
pub mod sequence;

pub use engine::{Batch, Config, Engine, Incoming, Output, State};

#[cfg(test)]
mod tests;

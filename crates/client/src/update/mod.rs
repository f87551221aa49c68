//! Updates: what happens to the account, as a stream.
//!
//! Everything Telegram pushes goes through one background task that
//! caches the users and chats it mentions, orders pts-numbered events
//! (see [`PtsCheck`]), fetches the difference when one is missing, and hands the
//! result to every [`UpdateStream`] as [`Update`]s.

mod engine;
mod message;
mod process;

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use paperplane_tl::enums;
use tokio::sync::mpsc;

pub use engine::{PtsCheck, check};
pub(crate) use message::short_message;
pub use message::{IncomingMessage, MessageDeletion};
pub(crate) use process::{process, reset_state};

use crate::client::Client;

/// Updates kept while nobody is listening yet (for example between
/// sign-in and the first `stream_updates`), beyond which the oldest go.
const BACKLOG: usize = 10_000;

/// Something that happened.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Update {
    /// A new message, incoming or sent (see [`IncomingMessage::outgoing`]).
    NewMessage(IncomingMessage),
    /// A message was edited.
    MessageEdited(IncomingMessage),
    /// Messages were deleted.
    MessageDeleted(MessageDeletion),
    /// Any other update, as Telegram sent it.
    Raw(Box<enums::Update>),
}

/// Work for the background task.
#[derive(Debug)]
pub(crate) enum Work {
    /// Save the session.
    Save,
    /// Serialized TL pushed by the server.
    Raw(Vec<u8>),
    /// `Updates` returned by a request.
    Result(Box<enums::Updates>),
    /// Fetch what was missed (`getDifference`) and deliver it.
    CatchUp,
    /// Start from the server's current state (`getState`), skipping what
    /// was missed.
    ResetState,
}

/// Who listens.
#[derive(Default)]
pub(crate) struct Hub {
    inner: Mutex<HubInner>,
}

#[derive(Default)]
struct HubInner {
    subscribers: Vec<mpsc::UnboundedSender<Update>>,
    backlog: VecDeque<Update>,
    closed: bool,
}

impl Hub {
    fn lock(&self) -> MutexGuard<'_, HubInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn subscribe(&self) -> UpdateStream {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut inner = self.lock();
        if inner.subscribers.is_empty() {
            for update in inner.backlog.drain(..) {
                let _ = tx.send(update);
            }
        }
        if !inner.closed {
            inner.subscribers.push(tx);
        }
        UpdateStream { rx }
    }

    pub(crate) fn publish(&self, update: Update) {
        let mut inner = self.lock();
        inner.subscribers.retain(|s| !s.is_closed());
        match inner.subscribers.as_slice() {
            [] => {
                if inner.backlog.len() == BACKLOG {
                    inner.backlog.pop_front();
                }
                inner.backlog.push_back(update);
            }
            [only] => {
                let _ = only.send(update);
            }
            many => {
                for s in many {
                    let _ = s.send(update.clone());
                }
            }
        }
    }

    pub(crate) fn close(&self) {
        let mut inner = self.lock();
        inner.closed = true;
        inner.subscribers.clear();
    }
}

/// The account's updates, in order. Use `.next().await`, or as a
/// `futures::Stream`. Ends when the client disconnects.
#[derive(Debug)]
pub struct UpdateStream {
    rx: mpsc::UnboundedReceiver<Update>,
}

impl UpdateStream {
    /// The next update, or `None` once the client is disconnected.
    pub async fn next(&mut self) -> Option<Update> {
        self.rx.recv().await
    }
}

impl futures_core::Stream for UpdateStream {
    type Item = Update;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Update>> {
        self.rx.poll_recv(cx)
    }
}

impl Client {
    /// A stream of every update from now on (updates that arrived before
    /// the first stream was opened are delivered to it first). Each call
    /// makes an independent stream that sees every update.
    pub fn stream_updates(&self) -> UpdateStream {
        self.inner.updates.subscribe()
    }
}

//! Updates: what happens to the account, as a stream.
//!
//! Everything Telegram pushes goes through one background task that
//! caches the users and chats it mentions, puts events in order with
//! `paperplane-updates` (fetching the difference when some are missing),
//! and hands the result to every [`UpdateStream`] as [`Update`]s.

mod driver;
mod message;

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use paperplane_tl::enums;
use tokio::sync::mpsc;

pub(crate) use driver::{constructor_of, observe, run};
pub(crate) use message::short_message;
pub use message::{IncomingMessage, MessageDeletion};

use crate::client::Client;

/// Updates kept while nobody is listening yet (for example between
/// sign-in and the first `stream_updates`). Past it nothing is dropped:
/// the client stops taking pushes, and fetches what it skipped with
/// `getDifference` once someone listens.
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
    /// The account missed more than Telegram replays: the counters jumped
    /// to `pts`, and what an application shows (dialogs, histories) should
    /// be reloaded.
    DifferenceTooLong {
        /// The account's new pts.
        pts: i32,
    },
    /// A channel missed more than Telegram replays; its latest messages
    /// instead (older ones are in its history).
    ChannelTooLong {
        /// The channel.
        channel_id: i64,
        /// Its most recent messages.
        recent: Vec<IncomingMessage>,
    },
    /// Any other update, as Telegram sent it.
    Raw(Box<enums::Update>),
    /// Updates can no longer be followed, for a reason retrying cannot fix
    /// (the login was revoked, the account deactivated): the last item of
    /// every stream, which then ends.
    Fatal(std::sync::Arc<paperplane_net::InvocationError>),
}

/// Work for the background task.
#[derive(Debug)]
pub(crate) enum Work {
    /// `Updates` returned by a request.
    Result(Box<enums::Updates>),
    /// A request moved the account's pts (`messages.affectedMessages`, …).
    Affected {
        /// The new pts.
        pts: i32,
        /// How many events.
        pts_count: i32,
    },
    /// Fetch what was missed (`getDifference`) and deliver it.
    CatchUp,
    /// Follow updates from now on (after a sign-in, or at start): from
    /// the server's state as of then, or (`None`) from the saved counters,
    /// catching up on what was missed since.
    Start {
        /// The server's `updates.state`.
        state: Option<Box<enums::updates::State>>,
    },
}

/// Who listens.
#[derive(Default)]
pub(crate) struct Hub {
    inner: Mutex<HubInner>,
    /// Woken when a listener arrives.
    listening: tokio::sync::Notify,
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
        drop(inner);
        self.listening.notify_waiters();
        UpdateStream { rx }
    }

    /// Whether more updates may be taken in: someone listens, or the
    /// backlog has room.
    pub(crate) fn has_room(&self) -> bool {
        let inner = self.lock();
        inner.subscribers.iter().any(|s| !s.is_closed()) || inner.backlog.len() < BACKLOG
    }

    /// Resolves when a listener arrives.
    pub(crate) async fn listener_arrived(&self) {
        self.listening.notified().await;
    }

    pub(crate) fn publish(&self, update: Update) {
        let mut inner = self.lock();
        inner.subscribers.retain(|s| !s.is_closed());
        match inner.subscribers.as_slice() {
            [] => inner.backlog.push_back(update),
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
    /// Tells the client the network is back (a laptop woke up, the network
    /// changed): it asks for the updates it may have missed at once,
    /// instead of waiting to notice.
    pub fn signal_network_restored(&self) {
        self.inner.pool.reconnect_all();
        self.queue(Work::CatchUp);
    }

    /// A stream of every update from now on (updates that arrived before
    /// the first stream was opened are delivered to it first). Each call
    /// makes an independent stream that sees every update.
    pub fn stream_updates(&self) -> UpdateStream {
        self.inner.updates.subscribe()
    }
}

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
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use paperplane_tl::enums;
use tokio::sync::{Notify, mpsc};

pub(crate) use driver::{constructor_of, observe, run};
pub(crate) use message::short_message;
pub use message::{IncomingMessage, MessageDeletion};

use crate::client::Client;

/// Updates a stream (or, before the first stream, the backlog) may hold
/// unread by default. Past it nothing is dropped: the client stops taking
/// pushes and fetching differences, leaving the updates on the server, and
/// fetches them with `getDifference` once there is room again.
pub const DEFAULT_QUEUE_LIMIT: usize = 10_000;

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
pub(crate) struct Hub {
    inner: Mutex<HubInner>,
    /// How many unread updates a stream or the backlog may hold.
    limit: usize,
    /// Woken when a listener arrives or a full stream is read from.
    room: Arc<Notify>,
}

struct Subscriber {
    tx: mpsc::UnboundedSender<Update>,
    unread: Arc<AtomicUsize>,
}

#[derive(Default)]
struct HubInner {
    subscribers: Vec<Subscriber>,
    backlog: VecDeque<Update>,
    closed: bool,
}

impl Hub {
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            inner: Mutex::default(),
            limit: limit.max(1),
            room: Arc::new(Notify::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HubInner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn subscribe(&self) -> UpdateStream {
        let (tx, rx) = mpsc::unbounded_channel();
        let unread = Arc::new(AtomicUsize::new(0));
        let mut inner = self.lock();
        if inner.subscribers.is_empty() {
            unread.store(inner.backlog.len(), Ordering::Relaxed);
            for update in inner.backlog.drain(..) {
                let _ = tx.send(update);
            }
        }
        if !inner.closed {
            inner.subscribers.push(Subscriber {
                tx,
                unread: unread.clone(),
            });
        }
        drop(inner);
        self.room.notify_one();
        UpdateStream {
            rx,
            unread,
            room: self.room.clone(),
            low_water: self.limit / 2,
        }
    }

    /// Whether more updates may be taken in: every stream (or, with none,
    /// the backlog) holds fewer unread than the limit.
    pub(crate) fn has_room(&self) -> bool {
        let inner = self.lock();
        let mut live = inner.subscribers.iter().filter(|s| !s.tx.is_closed());
        match live.next() {
            None => inner.backlog.len() < self.limit,
            Some(first) => std::iter::once(first)
                .chain(live)
                .all(|s| s.unread.load(Ordering::Relaxed) < self.limit),
        }
    }

    /// Resolves when a listener arrives or a full stream has been read
    /// down to half its limit.
    pub(crate) async fn room_made(&self) {
        self.room.notified().await;
    }

    pub(crate) fn publish(&self, update: Update) {
        let mut inner = self.lock();
        inner.subscribers.retain(|s| !s.tx.is_closed());
        match inner.subscribers.as_slice() {
            [] => inner.backlog.push_back(update),
            [only] => only.send(update),
            many => {
                for s in many {
                    s.send(update.clone());
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

impl Subscriber {
    fn send(&self, update: Update) {
        if self.tx.send(update).is_ok() {
            self.unread.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// The account's updates, in order. Use `.next().await`, or as a
/// `futures::Stream`. Ends when the client disconnects.
///
/// A stream that is not read holds the client back: once it has the
/// builder's [`update_queue_limit`](crate::ClientBuilder::update_queue_limit)
/// unread updates, no more are taken from the server until it is read.
#[derive(Debug)]
pub struct UpdateStream {
    rx: mpsc::UnboundedReceiver<Update>,
    unread: Arc<AtomicUsize>,
    room: Arc<Notify>,
    low_water: usize,
}

impl UpdateStream {
    /// The next update, or `None` once the client is disconnected.
    pub async fn next(&mut self) -> Option<Update> {
        std::future::poll_fn(|cx| futures_core::Stream::poll_next(Pin::new(&mut *self), cx)).await
    }

    /// How many updates wait to be read.
    pub fn unread(&self) -> usize {
        self.unread.load(Ordering::Relaxed)
    }
}

impl futures_core::Stream for UpdateStream {
    type Item = Update;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Update>> {
        let polled = self.rx.poll_recv(cx);
        if let Poll::Ready(Some(_)) = &polled {
            let before = self.unread.fetch_sub(1, Ordering::Relaxed);
            if before == self.low_water + 1 {
                self.room.notify_one();
            }
        }
        polled
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

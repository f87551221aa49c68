//! Every open connection, so the world can reach them: updates to push
//! (each connection encrypts them with its own session) and orders to
//! close.
//!
//! The hub also picks the form of each pushed message per connection, as
//! Telegram does: a private message goes as `updateShortMessage` once the
//! connection's client can be expected to know the other side, and as
//! full `updates` with the `User` the first time (see [`Outgoing`]).

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use tokio::sync::mpsc;

/// What a connection task is told from outside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Push {
    /// An `Updates` constructor to send as a message that answers nothing.
    Update(Vec<u8>),
    /// Close the connection now (simulated network loss).
    Close,
}

/// Identifies one connection for the life of the server.
pub type ConnId = u64;

/// An update to push, in the forms a connection may get it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    /// The full form: `updates` with every user it mentions.
    pub full: Vec<u8>,
    /// The users `full` carries (the connection has seen them after it).
    pub users: Vec<i64>,
    /// A short form (`updateShortMessage`) for connections that have seen
    /// this user already.
    pub short: Option<(i64, Vec<u8>)>,
    /// The channel whose update sequence this belongs to, if any: channel
    /// updates have no short form (they always go as full `updates` with
    /// the channel in `chats`), and faults aimed at a channel pick them
    /// out by it.
    pub channel: Option<i64>,
}

struct Entry {
    /// The key the connection's messages are encrypted with.
    key_id: Option<i64>,
    /// The key whose login it acts with (a bound temporary key's
    /// permanent key).
    auth_key_id: Option<i64>,
    /// Users whose `User` this connection has been pushed.
    seen: HashSet<i64>,
    tx: mpsc::UnboundedSender<Push>,
}

#[derive(Default)]
struct Inner {
    next: ConnId,
    conns: HashMap<ConnId, Entry>,
    /// Updates of the account's own sequence still to withhold from each
    /// user (fault injection).
    withheld: HashMap<i64, u32>,
    /// Updates of a channel still to withhold from a user, by (user,
    /// channel) (fault injection).
    withheld_channel: HashMap<(i64, i64), u32>,
    /// Pairs of updates still to swap for each user, how long the first
    /// of each pair trails the second, and the update held back for its
    /// successor (fault injection).
    swapped: HashMap<i64, Swap>,
    /// Short forms go to every connection, whether or not it has seen
    /// their user, as Telegram's own servers may do (fault injection).
    short_always: bool,
}

/// Pairs of a user's updates to push in swapped order.
struct Swap {
    pairs: u32,
    delay: std::time::Duration,
    held: Option<Held>,
}

/// An update held back, with where it was going.
struct Held {
    keys: Vec<i64>,
    except: Option<ConnId>,
    update: Outgoing,
}

/// The registry of open connections.
#[derive(Default)]
pub struct Hub {
    inner: Mutex<Inner>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a new connection; it reads its orders from the receiver.
    pub fn register(&self) -> (ConnId, mpsc::UnboundedReceiver<Push>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut inner = self.lock();
        inner.next += 1;
        let id = inner.next;
        inner.conns.insert(
            id,
            Entry {
                key_id: None,
                auth_key_id: None,
                seen: HashSet::new(),
                tx,
            },
        );
        (id, rx)
    }

    /// Records which auth key the connection now uses (`key_id`) and whose
    /// login it acts with (`auth_key_id`).
    pub fn set_key(&self, conn: ConnId, key_id: i64, auth_key_id: i64) {
        if let Some(entry) = self.lock().conns.get_mut(&conn) {
            entry.key_id = Some(key_id);
            entry.auth_key_id = Some(auth_key_id);
        }
    }

    /// Every connection using key `key_id` now acts with `auth_key_id`'s
    /// login (after a temporary key was bound or unbound).
    pub fn set_auth_key(&self, key_id: i64, auth_key_id: i64) {
        for entry in self.lock().conns.values_mut() {
            if entry.key_id == Some(key_id) {
                entry.auth_key_id = Some(auth_key_id);
            }
        }
    }

    /// Forgets a closed connection.
    pub fn unregister(&self, conn: ConnId) {
        self.lock().conns.remove(&conn);
    }

    /// Sends `push` to every connection acting with one of `key_ids`,
    /// except `except`.
    pub fn send_to_keys(&self, key_ids: &[i64], except: Option<ConnId>, push: &Push) {
        for (id, entry) in &self.lock().conns {
            let wanted = entry.auth_key_id.is_some_and(|k| key_ids.contains(&k));
            if wanted && Some(*id) != except {
                // A closed receiver only means the connection is going away.
                let _ = entry.tx.send(push.clone());
            }
        }
    }

    /// Sends `update` to every connection acting with one of `key_ids`,
    /// except `except`: the short form where the connection has seen its
    /// user, the full one (and the users it carries are seen) elsewhere.
    /// Returns how many connections it was handed to.
    pub fn send_updates(
        &self,
        key_ids: &[i64],
        except: Option<ConnId>,
        update: &Outgoing,
    ) -> usize {
        let mut sent = 0;
        let inner = &mut *self.lock();
        let short_always = inner.short_always;
        for (id, entry) in &mut inner.conns {
            let wanted = entry.auth_key_id.is_some_and(|k| key_ids.contains(&k));
            if !wanted || Some(*id) == except {
                continue;
            }
            let body = match &update.short {
                Some((user, short)) if short_always || entry.seen.contains(user) => short.clone(),
                _ => {
                    entry.seen.extend(update.users.iter().copied());
                    update.full.clone()
                }
            };
            // A closed receiver only means the connection is going away.
            if entry.tx.send(Push::Update(body)).is_ok() {
                sent += 1;
            }
        }
        sent
    }

    /// Whether short forms go to connections that never saw their user.
    pub fn set_short_always(&self, on: bool) {
        self.lock().short_always = on;
    }

    /// The next `count` updates of the account's own sequence meant for
    /// `user_id` are not pushed (they stay in the account's history for
    /// `getDifference`), opening a gap. Channel updates are not counted.
    pub fn withhold(&self, user_id: i64, count: u32) {
        let mut inner = self.lock();
        match count {
            0 => inner.withheld.remove(&user_id),
            n => inner.withheld.insert(user_id, n),
        };
    }

    /// The next `count` updates of channel `channel_id` meant for
    /// `user_id` are not pushed (they stay in the channel's history for
    /// `getChannelDifference`), opening a gap in that channel's pts.
    pub fn withhold_channel(&self, user_id: i64, channel_id: i64, count: u32) {
        let mut inner = self.lock();
        match count {
            0 => inner.withheld_channel.remove(&(user_id, channel_id)),
            n => inner.withheld_channel.insert((user_id, channel_id), n),
        };
    }

    /// Whether the next update for `user_id` (of `channel`'s sequence, or
    /// of the account's with `None`) is to be withheld (counting it).
    pub fn take_withheld(&self, user_id: i64, channel: Option<i64>) -> bool {
        let mut inner = self.lock();
        let left = match channel {
            None => inner.withheld.get_mut(&user_id),
            Some(channel) => inner.withheld_channel.get_mut(&(user_id, channel)),
        };
        let Some(left) = left else {
            return false;
        };
        *left -= 1;
        if *left == 0 {
            match channel {
                None => inner.withheld.remove(&user_id),
                Some(channel) => inner.withheld_channel.remove(&(user_id, channel)),
            };
        }
        true
    }

    /// The next `pairs` pairs of updates meant for `user_id` are pushed in
    /// swapped order: the second, then the first `delay` later.
    pub fn swap(&self, user_id: i64, pairs: u32, delay: std::time::Duration) {
        let mut inner = self.lock();
        match pairs {
            0 => inner.swapped.remove(&user_id),
            pairs => inner.swapped.insert(
                user_id,
                Swap {
                    pairs,
                    delay,
                    held: None,
                },
            ),
        };
    }

    /// Pushes `update` to `user_id`'s connections (`keys`), unless a fault
    /// holds it back or swaps it with the next one. Returns whether it
    /// reached (or, swapped, is on its way to) at least one connection.
    pub fn send_user_update(
        &self,
        user_id: i64,
        keys: Vec<i64>,
        except: Option<ConnId>,
        update: Outgoing,
    ) -> bool {
        if self.take_withheld(user_id, update.channel) {
            return false;
        }
        let held = {
            let mut inner = self.lock();
            match inner.swapped.get_mut(&user_id) {
                None => None,
                Some(swap) if swap.held.is_none() => {
                    swap.held = Some(Held {
                        keys,
                        except,
                        update,
                    });
                    return true;
                }
                Some(swap) => {
                    let held = swap.held.take().map(|h| (h, swap.delay));
                    swap.pairs -= 1;
                    if swap.pairs == 0 {
                        inner.swapped.remove(&user_id);
                    }
                    held
                }
            }
        };
        let sent = self.send_updates(&keys, except, &update);
        if let Some((held, delay)) = held {
            self.send_updates_after(&held.keys, held.except, &held.update, delay);
        }
        sent > 0
    }

    /// [`Hub::send_updates`], `delay` from now (at once outside a Tokio
    /// runtime).
    fn send_updates_after(
        &self,
        key_ids: &[i64],
        except: Option<ConnId>,
        update: &Outgoing,
        delay: std::time::Duration,
    ) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.send_updates(key_ids, except, update);
            return;
        };
        for (id, entry) in &mut self.lock().conns {
            let wanted = entry.auth_key_id.is_some_and(|k| key_ids.contains(&k));
            if !wanted || Some(*id) == except {
                continue;
            }
            // The full form: the connection may not know the sender yet
            // when this one arrives.
            entry.seen.extend(update.users.iter().copied());
            let body = update.full.clone();
            let tx = entry.tx.clone();
            runtime.spawn(async move {
                tokio::time::sleep(delay).await;
                let _ = tx.send(Push::Update(body));
            });
        }
    }

    /// Tells every open connection to close.
    pub fn close_all(&self) {
        for entry in self.lock().conns.values() {
            let _ = entry.tx.send(Push::Close);
        }
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.lock().conns.len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Unregisters its connection when dropped, however the task ends.
pub struct Registration<'a> {
    hub: &'a Hub,
    /// The connection's id.
    pub id: ConnId,
}

impl<'a> Registration<'a> {
    /// Wraps a registered connection id.
    pub fn new(hub: &'a Hub, id: ConnId) -> Self {
        Self { hub, id }
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.hub.unregister(self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(channel: Option<i64>, body: u8) -> Outgoing {
        Outgoing {
            full: vec![body],
            users: vec![7],
            short: None,
            channel,
        }
    }

    /// A connection acting with key 1, and what it is sent.
    fn connection(hub: &Hub) -> mpsc::UnboundedReceiver<Push> {
        let (id, rx) = hub.register();
        hub.set_key(id, 1, 1);
        rx
    }

    fn received(rx: &mut mpsc::UnboundedReceiver<Push>) -> Vec<Vec<u8>> {
        std::iter::from_fn(|| match rx.try_recv() {
            Ok(Push::Update(body)) => Some(body),
            _ => None,
        })
        .collect()
    }

    #[test]
    fn withholding_picks_the_account_or_one_channel() {
        let hub = Hub::default();
        let mut rx = connection(&hub);
        hub.withhold(5, 1);
        hub.withhold_channel(5, 100, 1);
        for (channel, body) in [
            (Some(200), 1),
            (Some(100), 2),
            (None, 3),
            (Some(100), 4),
            (None, 5),
        ] {
            hub.send_user_update(5, vec![1], None, update(channel, body));
        }
        // The first update of channel 100 and the first of the account's
        // own sequence are held back; channel 200 is not touched.
        assert_eq!(received(&mut rx), [vec![1], vec![4], vec![5]]);
    }
}

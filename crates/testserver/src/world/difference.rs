//! `updates.getDifference`: what an account missed on its common
//! sequence, and which channels it may have missed something in.
//!
//! - `pts` events after the client's `pts`: new messages (as they are now)
//!   in `new_messages`, the rest in `other_updates`;
//! - `qts` events after the client's `qts` (bot events), in
//!   `other_updates` after the `pts` ones;
//! - `updateChannelTooLong { channel_id, pts }` (the channel in `chats`)
//!   for every channel the account is a member of that either has events
//!   past the highest `pts` of it the account was handed (pushed to one of
//!   its connections, or answered by `updates.getChannelDifference`), or
//!   had an event at or after the request's `date` (a push may have gone
//!   to a connection that was already dead). Either way the client learns
//!   the channel's current `pts` and fetches the channel's difference if
//!   it is behind; a channel it is not behind in costs nothing, so the
//!   rule errs on the side of telling.
//!
//! At most [`DIFFERENCE_LIMIT`] `pts` events (fewer with
//! `pts_total_limit`) and as many `qts` events (fewer with `qts_limit`)
//! go in one answer; past either, the answer is an
//! `updates.differenceSlice` whose intermediate state stops at the last
//! event it carries. A client `pts` ahead of the server's gets
//! `updates.differenceTooLong`. The state carries the account's real
//! `qts` and `seq`, and the server's current time as `date`.

use paperplane_tl::{Deserializable, enums, types};

use super::State;
use super::channels::view as channel_view;
use super::messages::MessageRecord;
use super::updates::{EventKind, UpdateLog};

/// Events of each sequence per answer unless the client asks for fewer;
/// more make it an `updates.differenceSlice`.
pub const DIFFERENCE_LIMIT: usize = 1000;

/// What the client asks (`updates.getDifference`).
#[derive(Clone, Copy, Debug)]
pub struct DifferenceQuery {
    /// Who asks.
    pub viewer: i64,
    /// The client's `pts`.
    pub pts: i32,
    /// The client's `qts`.
    pub qts: i32,
    /// The client's `date`.
    pub date: i32,
    /// At most this many `pts` events.
    pub pts_total_limit: Option<i32>,
    /// At most this many `qts` events.
    pub qts_limit: Option<i32>,
    /// The server's time.
    pub now: i32,
}

fn limit(asked: Option<i32>) -> usize {
    asked
        .and_then(|l| usize::try_from(l).ok())
        .filter(|l| *l > 0)
        .map_or(DIFFERENCE_LIMIT, |l| l.min(DIFFERENCE_LIMIT))
}

/// The users an update mentions.
fn update_users(update: &enums::Update) -> Vec<i64> {
    use enums::Update as U;
    let peer = match update {
        U::ReadHistoryInbox(u) => Some(&u.peer),
        U::ReadHistoryOutbox(u) => Some(&u.peer),
        _ => None,
    };
    let mut ids = Vec::new();
    if let Some(enums::Peer::User(p)) = peer {
        ids.push(p.user_id);
    }
    match update {
        U::EditMessage(u) => {
            if let enums::Message::Message(m) = &u.message {
                if let enums::Peer::User(p) = &m.peer_id {
                    ids.push(p.user_id);
                }
            }
        }
        U::BotStopped(u) => ids.push(u.user_id),
        U::ChannelParticipant(u) => ids.extend([u.actor_id, u.user_id]),
        _ => {}
    }
    ids
}

/// The channels an update mentions.
fn update_channels(update: &enums::Update) -> Vec<i64> {
    match update {
        enums::Update::ChannelParticipant(u) => vec![u.channel_id],
        _ => Vec::new(),
    }
}

impl State {
    /// The account's `updates.state` as of `now`.
    pub fn update_state(&self, user: i64, now: i32) -> enums::updates::State {
        let sequences = self.sequences(user);
        types::updates::State {
            pts: self.logs.get(&user).map_or(1, |l| l.pts()),
            qts: sequences.qts(),
            date: now,
            seq: sequences.seq(),
            unread_count: self.mailboxes.get(&user).map_or(0, |mb| mb.total_unread()),
        }
        .into()
    }

    /// The channels `viewer` is a member of and may have missed events
    /// in (see the module's rule), each as `updateChannelTooLong`.
    fn channels_behind(&self, viewer: i64, date: i32) -> (Vec<enums::Update>, Vec<i64>) {
        let sequences = self.sequences(viewer);
        self.channels
            .iter()
            .filter(|c| c.is_member(viewer))
            .filter(|c| c.pts() > sequences.channel_given(c.id) || c.last_event_date >= date)
            .map(|c| {
                let update = types::UpdateChannelTooLong {
                    channel_id: c.id,
                    pts: Some(c.pts()),
                }
                .into();
                (update, c.id)
            })
            .unzip()
    }

    /// Answers `updates.getDifference` (see the module's rules).
    pub fn difference(&self, q: DifferenceQuery) -> enums::updates::Difference {
        let empty = UpdateLog::default();
        let log = self.logs.get(&q.viewer).unwrap_or(&empty);
        if q.pts > log.pts() {
            return types::updates::DifferenceTooLong { pts: log.pts() }.into();
        }
        let pts_events = log.since(q.pts);
        let pts_limit = limit(q.pts_total_limit);
        let pts_sliced = pts_events.len() > pts_limit;
        let pts_events = pts_events.get(..pts_limit).unwrap_or(pts_events);
        let sequences = self.sequences(q.viewer);
        let qts_events = sequences.qts_since(q.qts);
        let qts_limit = limit(q.qts_limit);
        let qts_sliced = qts_events.len() > qts_limit;
        let qts_events = qts_events.get(..qts_limit).unwrap_or(qts_events);
        let (channel_updates, channel_ids) = self.channels_behind(q.viewer, q.date);
        if pts_events.is_empty() && qts_events.is_empty() && channel_updates.is_empty() {
            return types::updates::DifferenceEmpty {
                date: q.now,
                seq: sequences.seq(),
            }
            .into();
        }
        let mailbox = self.mailboxes.get(&q.viewer);
        let mut new_messages: Vec<&MessageRecord> = Vec::new();
        let mut other_updates = Vec::new();
        for event in pts_events {
            match &event.kind {
                EventKind::NewMessage(id) => {
                    new_messages.extend(mailbox.and_then(|mb| mb.get(*id)));
                }
                EventKind::Update(bytes) => {
                    other_updates.extend(enums::Update::from_bytes(bytes).ok());
                }
            }
        }
        other_updates.extend(
            qts_events
                .iter()
                .filter_map(|e| enums::Update::from_bytes(&e.update).ok()),
        );
        let mut mentioned = vec![q.viewer];
        mentioned.extend(other_updates.iter().flat_map(update_users));
        mentioned.extend(new_messages.iter().flat_map(|m| [m.peer, m.from]));
        let mut chat_ids: Vec<i64> = other_updates.iter().flat_map(update_channels).collect();
        chat_ids.extend(channel_ids);
        chat_ids.sort_unstable();
        chat_ids.dedup();
        let chats = chat_ids
            .iter()
            .filter_map(|id| self.channels.get(*id))
            .map(|c| channel_view::chat_for(q.viewer, c))
            .collect();
        other_updates.extend(channel_updates);
        let users = self.users_for(q.viewer, &mentioned);
        let new_messages = new_messages
            .iter()
            .map(|m| super::view::message(m))
            .collect();
        let mut state = self.update_state(q.viewer, q.now);
        if pts_sliced || qts_sliced {
            let enums::updates::State::State(s) = &mut state;
            if let Some(last) = pts_events.last().filter(|_| pts_sliced) {
                s.pts = last.pts;
            }
            if let Some(last) = qts_events.last().filter(|_| qts_sliced) {
                s.qts = last.qts;
            }
            return types::updates::DifferenceSlice {
                new_messages,
                new_encrypted_messages: Vec::new(),
                other_updates,
                chats,
                users,
                intermediate_state: state,
            }
            .into();
        }
        types::updates::Difference {
            new_messages,
            new_encrypted_messages: Vec::new(),
            other_updates,
            chats,
            users,
            state,
        }
        .into()
    }
}

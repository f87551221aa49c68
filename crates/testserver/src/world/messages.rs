//! One user's private-chat messages: its own id counter, its copies of
//! every message it sent or received, and how far it read each chat.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// One copy of a message, as one user has it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MessageRecord {
    /// The id in its owner's id space.
    pub id: i32,
    /// The other side of the chat (the owner itself for Saved Messages).
    pub peer: i64,
    /// Who sent it.
    pub from: i64,
    /// Whether the owner sent it.
    pub out: bool,
    /// The text.
    pub text: String,
    /// Its entities, as TL bytes of `Vector<MessageEntity>`.
    pub entities: Option<Vec<u8>>,
    /// When it was sent.
    pub date: i32,
    /// When it was last edited.
    pub edit_date: Option<i32>,
    /// The other side's copy: (owner, id).
    pub twin: Option<(i64, i32)>,
    /// The owner's `pts` right after the message arrived.
    #[serde(default)]
    pub pts: i32,
}

/// One user's messages.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Mailbox {
    last_id: i32,
    messages: BTreeMap<i32, MessageRecord>,
    /// `read_inbox_max_id` by peer.
    read_inbox: BTreeMap<i64, i32>,
    /// `read_outbox_max_id` by peer.
    read_outbox: BTreeMap<i64, i32>,
    /// Message id by the `random_id` that created it.
    random_ids: HashMap<i64, i32>,
}

/// A dialog's summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialogSummary {
    /// The other side.
    pub peer: i64,
    /// The newest message's id.
    pub top_message: i32,
    /// Read up to here (incoming).
    pub read_inbox_max_id: i32,
    /// The peer read up to here (outgoing).
    pub read_outbox_max_id: i32,
    /// Incoming messages newer than `read_inbox_max_id`.
    pub unread_count: i32,
}

impl Mailbox {
    /// The next message id (not yet used).
    pub fn next_id(&mut self) -> i32 {
        self.last_id += 1;
        self.last_id
    }

    /// Stores a message copy.
    pub fn insert(&mut self, message: MessageRecord) {
        self.messages.insert(message.id, message);
    }

    /// Remembers which message a `random_id` created.
    pub fn remember_random_id(&mut self, random_id: i64, id: i32) {
        self.random_ids.insert(random_id, id);
    }

    /// The message a `random_id` created, if it still exists.
    pub fn by_random_id(&self, random_id: i64) -> Option<&MessageRecord> {
        self.random_ids
            .get(&random_id)
            .and_then(|id| self.messages.get(id))
    }

    /// The message with this id.
    pub fn get(&self, id: i32) -> Option<&MessageRecord> {
        self.messages.get(&id)
    }

    /// The message with this id, to change.
    pub fn get_mut(&mut self, id: i32) -> Option<&mut MessageRecord> {
        self.messages.get_mut(&id)
    }

    /// Removes a message, returning it.
    pub fn remove(&mut self, id: i32) -> Option<MessageRecord> {
        self.messages.remove(&id)
    }

    /// Every message, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &MessageRecord> {
        self.messages.values()
    }

    /// The chat with `peer`, newest first.
    pub fn chat(&self, peer: i64) -> impl Iterator<Item = &MessageRecord> {
        self.messages.values().rev().filter(move |m| m.peer == peer)
    }

    /// `read_inbox_max_id` of the chat with `peer`.
    pub fn read_inbox(&self, peer: i64) -> i32 {
        self.read_inbox.get(&peer).copied().unwrap_or(0)
    }

    /// `read_outbox_max_id` of the chat with `peer`.
    pub fn read_outbox(&self, peer: i64) -> i32 {
        self.read_outbox.get(&peer).copied().unwrap_or(0)
    }

    /// Marks incoming messages up to `max_id` read; returns whether that
    /// moved the mark.
    pub fn mark_inbox_read(&mut self, peer: i64, max_id: i32) -> bool {
        let mark = self.read_inbox.entry(peer).or_insert(0);
        let moved = max_id > *mark;
        *mark = (*mark).max(max_id);
        moved
    }

    /// Records that `peer` read outgoing messages up to `max_id`.
    pub fn mark_outbox_read(&mut self, peer: i64, max_id: i32) -> bool {
        let mark = self.read_outbox.entry(peer).or_insert(0);
        let moved = max_id > *mark;
        *mark = (*mark).max(max_id);
        moved
    }

    /// Incoming messages from `peer` newer than the read mark.
    pub fn unread_count(&self, peer: i64) -> i32 {
        let mark = self.read_inbox(peer);
        let n = self.chat(peer).filter(|m| !m.out && m.id > mark).count();
        i32::try_from(n).unwrap_or(i32::MAX)
    }

    /// Unread incoming messages in every chat.
    pub fn total_unread(&self) -> i32 {
        let n = self
            .messages
            .values()
            .filter(|m| !m.out && m.id > self.read_inbox(m.peer))
            .count();
        i32::try_from(n).unwrap_or(i32::MAX)
    }

    /// Every chat with at least one message, newest activity first.
    pub fn dialogs(&self) -> Vec<DialogSummary> {
        let mut tops: BTreeMap<i64, i32> = BTreeMap::new();
        for m in self.messages.values() {
            let top = tops.entry(m.peer).or_insert(m.id);
            *top = (*top).max(m.id);
        }
        let mut dialogs: Vec<DialogSummary> = tops
            .into_iter()
            .map(|(peer, top_message)| DialogSummary {
                peer,
                top_message,
                read_inbox_max_id: self.read_inbox(peer),
                read_outbox_max_id: self.read_outbox(peer),
                unread_count: self.unread_count(peer),
            })
            .collect();
        dialogs.sort_by_key(|d| std::cmp::Reverse(d.top_message));
        dialogs
    }
}

/// Which part of a chat `messages.getHistory` asks for.
#[derive(Clone, Copy, Debug, Default)]
pub struct HistoryQuery {
    /// Start below this id (0: from the newest).
    pub offset_id: i32,
    /// Start below this date (0: no limit), when `offset_id` is 0.
    pub offset_date: i32,
    /// Shift of the start (negative: newer messages too).
    pub add_offset: i32,
    /// How many.
    pub limit: i32,
    /// Only ids below this (0: no limit).
    pub max_id: i32,
    /// Only ids above this (0: no limit).
    pub min_id: i32,
}

/// What a history page needs of a message: its id and date.
pub trait Dated {
    /// The message id.
    fn id(&self) -> i32;
    /// When it was sent.
    fn date(&self) -> i32;
}

impl Dated for MessageRecord {
    fn id(&self) -> i32 {
        self.id
    }
    fn date(&self) -> i32 {
        self.date
    }
}

impl Dated for super::channels::ChannelMessage {
    fn id(&self) -> i32 {
        self.id
    }
    fn date(&self) -> i32 {
        self.date
    }
}

/// Picks a page of `chat` (newest first) the way Telegram does; returns
/// the page and how many messages the chat has.
pub fn history_page<'a, M: Dated>(chat: &[&'a M], query: HistoryQuery) -> (Vec<&'a M>, usize) {
    let filtered: Vec<&M> = chat
        .iter()
        .copied()
        .filter(|m| query.max_id <= 0 || m.id() < query.max_id)
        .filter(|m| query.min_id <= 0 || m.id() > query.min_id)
        .collect();
    let start = if query.offset_id > 0 {
        filtered
            .iter()
            .position(|m| m.id() < query.offset_id)
            .unwrap_or(filtered.len())
    } else if query.offset_date > 0 {
        filtered
            .iter()
            .position(|m| m.date() < query.offset_date)
            .unwrap_or(filtered.len())
    } else {
        0
    };
    let limit = i64::from(query.limit.clamp(1, 100));
    let len = filtered.len() as i64;
    let from = (start as i64 + i64::from(query.add_offset)).clamp(0, len);
    let to = (start as i64 + i64::from(query.add_offset) + limit).clamp(0, len);
    let page = filtered
        .get(from as usize..to as usize)
        .map(<[_]>::to_vec)
        .unwrap_or_default();
    (page, chat.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chat(n: i32) -> Vec<MessageRecord> {
        (1..=n)
            .rev()
            .map(|id| MessageRecord {
                id,
                peer: 7,
                from: 7,
                out: false,
                text: id.to_string(),
                entities: None,
                date: 1000 + id,
                edit_date: None,
                twin: None,
                pts: 0,
            })
            .collect()
    }

    fn ids(chat: &[MessageRecord], query: HistoryQuery) -> Vec<i32> {
        let refs: Vec<&MessageRecord> = chat.iter().collect();
        history_page(&refs, query).0.iter().map(|m| m.id).collect()
    }

    #[test]
    fn history_pages_like_telegram() {
        let c = chat(10);
        let q = |offset_id, add_offset, limit, max_id, min_id| HistoryQuery {
            offset_id,
            add_offset,
            limit,
            max_id,
            min_id,
            offset_date: 0,
        };
        assert_eq!(ids(&c, q(0, 0, 3, 0, 0)), vec![10, 9, 8]);
        assert_eq!(ids(&c, q(8, 0, 3, 0, 0)), vec![7, 6, 5]);
        assert_eq!(ids(&c, q(8, -2, 4, 0, 0)), vec![9, 8, 7, 6]);
        assert_eq!(ids(&c, q(0, 0, 100, 5, 2)), vec![4, 3]);
        assert_eq!(ids(&c, q(2, 0, 10, 0, 0)), vec![1]);
        assert_eq!(ids(&c, q(0, 20, 10, 0, 0)), Vec::<i32>::new());
    }
}

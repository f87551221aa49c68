//! An account's counters beside its `pts` log: `qts` (bot events),
//! `seq` (numbered `updates` containers), and which `pts` of each channel
//! it was handed.
//!
//! Telegram ("Working with Updates") keeps several sequences per account:
//!
//! - `qts` numbers events that bots (and secret chats) receive, one per
//!   update (`updateBotStopped`, `updateChannelParticipant`, …); they are
//!   kept here like the `pts` events, so that `updates.getDifference`
//!   replays the ones after the client's `qts` in `other_updates`;
//! - `seq` numbers whole `updates` / `updatesCombined` containers. Only a
//!   container every session of the account gets with its number is
//!   numbered (see [`State::push_account`]): a private message (which may
//!   go out as `updateShortMessage`, a form without `seq`), the account's
//!   own action answered with `messages.affectedMessages` (no `seq`
//!   either), and a channel's own sequence stay at 0, which clients apply
//!   without a `seq` check;
//! - the channel `pts` handed to the account (pushed to one of its
//!   connections, or answered by `updates.getChannelDifference`), so that
//!   `updates.getDifference` can tell the client which channels it may
//!   have missed (see [`crate::world::difference`]).
//!
//! All fields default, so data directories written before they existed
//! still load.

use std::collections::BTreeMap;

use paperplane_tl::{Serializable, enums};
use serde::{Deserialize, Serialize};

use super::{Pushes, State};
use crate::hub::ConnId;

/// One `qts` event: the update as TL bytes (it carries its `qts`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QtsEvent {
    /// `qts` after the event.
    pub qts: i32,
    /// The update's TL bytes.
    pub update: Vec<u8>,
}

/// An account's `qts` log, `seq` and handed-out channel `pts`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Sequences {
    #[serde(default)]
    qts: i32,
    #[serde(default)]
    qts_events: Vec<QtsEvent>,
    #[serde(default)]
    seq: i32,
    #[serde(default)]
    channels_given: BTreeMap<i64, i32>,
}

impl Sequences {
    /// The current `qts` (0 before the first event).
    pub fn qts(&self) -> i32 {
        self.qts
    }

    /// The current `seq` (0 before the first numbered container).
    pub fn seq(&self) -> i32 {
        self.seq
    }

    /// Records the event `update(qts)` takes the next `qts` for; returns
    /// the update.
    pub fn record_qts(&mut self, update: impl FnOnce(i32) -> enums::Update) -> enums::Update {
        let qts = self.qts.saturating_add(1);
        let update = update(qts);
        self.qts = qts;
        self.qts_events.push(QtsEvent {
            qts,
            update: update.to_bytes(),
        });
        update
    }

    /// The `qts` events after `qts`, oldest first.
    pub fn qts_since(&self, qts: i32) -> &[QtsEvent] {
        let start = self.qts_events.partition_point(|e| e.qts <= qts);
        self.qts_events.get(start..).unwrap_or_default()
    }

    /// Takes the next `seq`.
    pub fn next_seq(&mut self) -> i32 {
        self.seq = self.seq.saturating_add(1);
        self.seq
    }

    /// The highest `pts` of `channel` handed to the account (0: none).
    pub fn channel_given(&self, channel: i64) -> i32 {
        self.channels_given.get(&channel).copied().unwrap_or(0)
    }

    /// The account was handed `channel`'s events up to `pts`.
    pub fn note_channel_given(&mut self, channel: i64, pts: i32) {
        let given = self.channels_given.entry(channel).or_default();
        *given = (*given).max(pts);
    }
}

/// Sets the `seq` of a container that has one (`updates`: `seq`;
/// `updatesCombined`: `seq_start` and `seq`, one number).
pub fn set_seq(updates: &mut enums::Updates, seq: i32) {
    match updates {
        enums::Updates::Updates(u) => u.seq = seq,
        enums::Updates::Combined(u) => {
            u.seq_start = seq;
            u.seq = seq;
        }
        _ => {}
    }
}

impl State {
    /// The account's sequences (empty ones for an account without).
    pub fn sequences(&self, user: i64) -> &Sequences {
        static NONE: Sequences = Sequences {
            qts: 0,
            qts_events: Vec::new(),
            seq: 0,
            channels_given: BTreeMap::new(),
        };
        self.sequences.get(&user).unwrap_or(&NONE)
    }

    /// Pushes `updates` (an `updates` container of the account's) to
    /// `owner`'s sessions except `except`; `numbered` gives it the
    /// account's next `seq`. Number a container only when every session
    /// gets that number: with no `except`, or when the excepted session's
    /// answer carries the returned `seq` too. Returns the container as
    /// pushed and its `seq` (0 when not numbered).
    pub fn push_account(
        &mut self,
        pushes: &mut Pushes,
        owner: i64,
        except: Option<ConnId>,
        mut updates: enums::Updates,
        numbered: bool,
    ) -> (enums::Updates, i32) {
        let seq = match numbered {
            true => self.sequences.entry(owner).or_default().next_seq(),
            false => 0,
        };
        set_seq(&mut updates, seq);
        pushes.to_user(owner, except, &updates);
        (updates, seq)
    }

    /// Records a `qts` event of `owner` (`update(qts)`) and pushes it, in a
    /// numbered `updates` with the users `mentions` names and `chats`, to
    /// every session of `owner`. Returns the update.
    pub fn push_qts(
        &mut self,
        pushes: &mut Pushes,
        owner: i64,
        mentions: &[i64],
        chats: Vec<enums::Chat>,
        now: i32,
        update: impl FnOnce(i32) -> enums::Update,
    ) -> enums::Update {
        let update = self.sequences.entry(owner).or_default().record_qts(update);
        let updates = paperplane_tl::types::Updates {
            updates: vec![update.clone()],
            users: self.users_for(owner, mentions),
            chats,
            date: now,
            seq: 0,
        }
        .into();
        self.push_account(pushes, owner, None, updates, true);
        update
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paperplane_tl::types;

    fn stopped(qts: i32) -> enums::Update {
        types::UpdateBotStopped {
            user_id: 7,
            date: 1,
            stopped: true,
            qts,
        }
        .into()
    }

    #[test]
    fn qts_counts_from_one_and_replays_what_follows() {
        let mut s = Sequences::default();
        assert_eq!(s.qts(), 0);
        s.record_qts(stopped);
        s.record_qts(stopped);
        s.record_qts(stopped);
        assert_eq!(s.qts(), 3);
        assert_eq!(s.qts_since(0).len(), 3);
        assert_eq!(
            s.qts_since(2).iter().map(|e| e.qts).collect::<Vec<_>>(),
            [3]
        );
        assert!(s.qts_since(3).is_empty());
        assert!(s.qts_since(9).is_empty());
    }

    #[test]
    fn seq_and_channels_given_only_grow() {
        let mut s = Sequences::default();
        assert_eq!((s.next_seq(), s.next_seq()), (1, 2));
        s.note_channel_given(5, 10);
        s.note_channel_given(5, 4);
        assert_eq!((s.channel_given(5), s.channel_given(6)), (10, 0));
    }

    #[test]
    fn old_accounts_without_the_fields_load() {
        let s: Sequences = serde_json::from_str("{}").unwrap();
        assert_eq!((s.qts(), s.seq()), (0, 0));
    }
}

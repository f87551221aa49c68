//! `updates.getChannelDifference`: what a member missed in a channel.
//!
//! Limits (Telegram documents `limit` as "max 100000; ordinary (non-bot)
//! users are supposed to pass 10-100", and replays channel updates up to
//! about 100,000 pts back, calling the exact figure an implementation
//! detail):
//!
//! - one answer carries at most `limit` events, capped at
//!   [`LIMIT_USER`] for people and [`LIMIT_BOT`] for bots; when more
//!   remain it is not `final` and its `pts` is the last event it carries;
//! - a client more than [`REPLAY_USER`] (people) or [`REPLAY_BOT`] (bots)
//!   pts behind gets `channelDifferenceTooLong` instead: the channel's
//!   dialog (with its current `pts`) and its latest `limit` messages,
//!   newest first, as in a history.

use paperplane_tl::{enums, types};

use super::{ChannelEvent, ChannelRecord, view};
use crate::error::{ApiError, ApiResult};
use crate::world::State;

/// The most events one answer carries for a person.
pub const LIMIT_USER: i32 = 100;

/// The most events one answer carries for a bot.
pub const LIMIT_BOT: i32 = 100_000;

/// How far behind (in pts) a person may be and still be replayed every
/// event; further behind, the answer is `channelDifferenceTooLong`.
pub const REPLAY_USER: i32 = 1_000;

/// How far behind (in pts) a bot may be and still be replayed every
/// event.
pub const REPLAY_BOT: i32 = 100_000;

/// What `viewer` asks: events of `channel_id` after `pts`, at most `limit`.
#[derive(Clone, Copy, Debug)]
pub struct DifferenceQuery {
    /// Who asks.
    pub viewer: i64,
    /// Whether the asker is a bot (larger limits).
    pub bot: bool,
    /// The channel.
    pub channel_id: i64,
    /// The client's pts for it.
    pub pts: i32,
    /// The most events wanted.
    pub limit: i32,
}

impl State {
    /// Answers `updates.getChannelDifference`: `406 CHANNEL_PRIVATE` when
    /// the asker may not read the channel, `400
    /// PERSISTENT_TIMESTAMP_INVALID` for a `pts` below 1; then
    /// `channelDifferenceEmpty`, a slice of the events, or
    /// `channelDifferenceTooLong` (see the module's limits).
    pub fn channel_difference(
        &self,
        q: DifferenceQuery,
    ) -> ApiResult<enums::updates::ChannelDifference> {
        let channel = self.channel(q.channel_id)?;
        channel.check_read(q.viewer)?;
        if q.pts < 1 {
            return Err(ApiError::bad_request("PERSISTENT_TIMESTAMP_INVALID"));
        }
        let (cap, replay) = match q.bot {
            true => (LIMIT_BOT, REPLAY_BOT),
            false => (LIMIT_USER, REPLAY_USER),
        };
        let limit = usize::try_from(q.limit.clamp(1, cap)).unwrap_or(1);
        let current = channel.pts();
        // A client ahead of the server has a counter that means nothing
        // here: it starts over like one too far behind.
        if q.pts > current || current - q.pts > replay {
            return Ok(self.too_long(q, channel, limit));
        }
        let events = channel.log.since(q.pts);
        if events.is_empty() {
            return Ok(types::updates::ChannelDifferenceEmpty {
                r#final: true,
                pts: current,
                timeout: None,
            }
            .into());
        }
        let complete = events.len() <= limit;
        let events = events.get(..limit).unwrap_or(events);
        let mut new_messages = Vec::new();
        let mut other_updates = Vec::new();
        let mut mentioned = vec![q.viewer];
        for event in events {
            match &event.kind {
                ChannelEvent::NewMessage(id) => {
                    if let Some(m) = channel.get(*id) {
                        mentioned.extend(view::mentioned(channel, m));
                        new_messages.push(view::message(q.viewer, channel, m));
                    }
                }
                ChannelEvent::Edited(_) | ChannelEvent::Deleted(_) => {
                    if let Some((update, users)) = channel.event_update(q.viewer, event) {
                        mentioned.extend(users);
                        other_updates.push(update);
                    }
                }
            }
        }
        let pts = events.last().map_or(current, |e| e.pts);
        Ok(types::updates::ChannelDifference {
            r#final: complete,
            pts,
            timeout: None,
            new_messages,
            other_updates,
            chats: vec![view::channel(q.viewer, channel)],
            users: self.users_for(q.viewer, &mentioned),
        }
        .into())
    }

    fn too_long(
        &self,
        q: DifferenceQuery,
        channel: &ChannelRecord,
        limit: usize,
    ) -> enums::updates::ChannelDifference {
        let recent: Vec<_> = channel.messages().rev().take(limit).collect();
        let mut mentioned = vec![q.viewer];
        mentioned.extend(recent.iter().flat_map(|m| view::mentioned(channel, m)));
        types::updates::ChannelDifferenceTooLong {
            r#final: true,
            timeout: None,
            dialog: view::dialog(q.viewer, channel),
            messages: recent
                .iter()
                .map(|m| view::message(q.viewer, channel, m))
                .collect(),
            chats: vec![view::channel(q.viewer, channel)],
            users: self.users_for(q.viewer, &mentioned),
        }
        .into()
    }
}

impl State {
    /// `viewer` was answered `answer` about `channel_id`: it has been
    /// handed the channel up to the `pts` the answer carries.
    pub fn note_channel_answered(
        &mut self,
        viewer: i64,
        channel_id: i64,
        answer: &enums::updates::ChannelDifference,
    ) {
        use enums::updates::ChannelDifference as D;
        let pts = match answer {
            D::Empty(d) => Some(d.pts),
            D::ChannelDifference(d) => Some(d.pts),
            D::TooLong(d) => match &d.dialog {
                enums::Dialog::Dialog(dialog) => dialog.pts,
                _ => None,
            },
        };
        if let Some(pts) = pts {
            self.sequences
                .entry(viewer)
                .or_default()
                .note_channel_given(channel_id, pts);
        }
    }
}

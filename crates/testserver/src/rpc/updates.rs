//! `updates.*`: the account's update state and what it missed, and what
//! it missed in a channel.

use paperplane_tl::{Deserializable, enums, functions, types};

use super::{Context, peers};
use crate::error::ApiResult;
use crate::world::State;
use crate::world::channels::difference::DifferenceQuery;
use crate::world::messages::MessageRecord;
use crate::world::updates::{EventKind, UpdateLog};

/// Events per `updates.getDifference` answer unless the client asks for
/// fewer (`pts_total_limit`); more make it an `updates.differenceSlice`.
const DIFFERENCE_LIMIT: usize = 1000;

fn current_state(state: &State, me: i64, now: i32) -> enums::updates::State {
    enums::updates::State::State(types::updates::State {
        pts: state.logs.get(&me).map_or(1, |l| l.pts()),
        qts: 0,
        date: now,
        seq: 0,
        unread_count: state.mailboxes.get(&me).map_or(0, |mb| mb.total_unread()),
    })
}

/// `updates.getState`: `pts` (at least 1), `date`, `seq` 0.
pub fn get_state(
    ctx: &mut Context<'_>,
    _: functions::updates::GetState,
) -> ApiResult<enums::updates::State> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        Ok(current_state(state, me, ctx.now()))
    })
}

/// The users an update mentions.
fn update_users(update: &enums::Update) -> Vec<i64> {
    let peer = match update {
        enums::Update::ReadHistoryInbox(u) => Some(&u.peer),
        enums::Update::ReadHistoryOutbox(u) => Some(&u.peer),
        _ => None,
    };
    let message = match update {
        enums::Update::EditMessage(u) => Some(&u.message),
        _ => None,
    };
    let mut ids = Vec::new();
    if let Some(enums::Peer::User(p)) = peer {
        ids.push(p.user_id);
    }
    if let Some(enums::Message::Message(m)) = message {
        if let enums::Peer::User(p) = &m.peer_id {
            ids.push(p.user_id);
        }
    }
    ids
}

/// `updates.getDifference`: every event after the client's `pts`: new
/// messages (as they are now) in `new_messages`, the rest in
/// `other_updates`, sliced past `pts_total_limit`.
pub fn get_difference(
    ctx: &mut Context<'_>,
    req: functions::updates::GetDifference,
) -> ApiResult<enums::updates::Difference> {
    let now = ctx.now();
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let empty = UpdateLog::default();
        let log = state.logs.get(&me).unwrap_or(&empty);
        if req.pts > log.pts() {
            return Ok(enums::updates::Difference::TooLong(
                types::updates::DifferenceTooLong { pts: log.pts() },
            ));
        }
        let events = log.since(req.pts);
        if events.is_empty() {
            return Ok(enums::updates::Difference::Empty(
                types::updates::DifferenceEmpty { date: now, seq: 0 },
            ));
        }
        let limit = req
            .pts_total_limit
            .and_then(|l| usize::try_from(l).ok())
            .filter(|l| *l > 0)
            .map_or(DIFFERENCE_LIMIT, |l| l.min(DIFFERENCE_LIMIT));
        let sliced = events.len() > limit;
        let events = events.get(..limit).unwrap_or(events);
        let mailbox = state.mailboxes.get(&me);
        let mut new_messages: Vec<&MessageRecord> = Vec::new();
        let mut other_updates = Vec::new();
        let mut mentioned = vec![me];
        for event in events {
            match &event.kind {
                EventKind::NewMessage(id) => {
                    new_messages.extend(mailbox.and_then(|mb| mb.get(*id)));
                }
                EventKind::Update(bytes) => {
                    if let Ok(update) = enums::Update::from_bytes(bytes) {
                        mentioned.extend(update_users(&update));
                        other_updates.push(update);
                    }
                }
            }
        }
        mentioned.extend(new_messages.iter().flat_map(|m| [m.peer, m.from]));
        let users = state.users_for(me, &mentioned);
        let new_messages = new_messages
            .iter()
            .map(|m| crate::world::view::message(m))
            .collect();
        if sliced {
            let last_pts = events.last().map_or(req.pts, |e| e.pts);
            let mut intermediate = current_state(state, me, now);
            let enums::updates::State::State(s) = &mut intermediate;
            s.pts = last_pts;
            return Ok(enums::updates::Difference::Slice(Box::new(
                types::updates::DifferenceSlice {
                    new_messages,
                    new_encrypted_messages: Vec::new(),
                    other_updates,
                    chats: Vec::new(),
                    users,
                    intermediate_state: intermediate,
                },
            )));
        }
        Ok(enums::updates::Difference::Difference(Box::new(
            types::updates::Difference {
                new_messages,
                new_encrypted_messages: Vec::new(),
                other_updates,
                chats: Vec::new(),
                users,
                state: current_state(state, me, now),
            },
        )))
    })
}

/// `updates.getChannelDifference`: the channel's events after `pts`, at
/// most `limit` of them, or `channelDifferenceTooLong`; the limits are
/// those of [`crate::world::channels::difference`].
pub fn get_channel_difference(
    ctx: &mut Context<'_>,
    req: functions::updates::GetChannelDifference,
) -> ApiResult<enums::updates::ChannelDifference> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let channel_id = peers::input_channel(state, &req.channel)?;
        state.channel_difference(DifferenceQuery {
            viewer: me,
            bot: state.users.get(me).is_some_and(|u| u.bot),
            channel_id,
            pts: req.pts,
            limit: req.limit,
        })
    })
}

//! `messages.*`: send, history, get, edit, delete, dialogs, read in
//! private chats; send, history and edit in channels too.

use paperplane_tl::{enums, functions, types};

use super::Context;
use super::peers::{self, PeerRef};
use crate::error::{ApiError, ApiResult};
use crate::world::channels::{ChannelMessage, view as channel_view};
use crate::world::chat::Origin;
use crate::world::messages::{HistoryQuery, MessageRecord, history_page};
use crate::world::{Pushes, State, view};

/// The users a list of messages mentions, as `me` sees them, `me` first.
fn users_of(state: &State, me: i64, messages: &[&MessageRecord]) -> Vec<enums::User> {
    let mut ids = vec![me];
    ids.extend(messages.iter().flat_map(|m| [m.peer, m.from]));
    state.users_for(me, &ids)
}

/// `messages.messages`, or `messages.messagesSlice` when `count` exceeds
/// what is returned.
fn messages_answer(
    state: &State,
    me: i64,
    page: &[&MessageRecord],
    extra: Vec<enums::Message>,
    count: usize,
) -> enums::messages::Messages {
    let users = users_of(state, me, page);
    let mut messages: Vec<enums::Message> = page.iter().map(|m| view::message(m)).collect();
    messages.extend(extra);
    if count > page.len() {
        enums::messages::Messages::Slice(Box::new(types::messages::MessagesSlice {
            inexact: false,
            count: i32::try_from(count).unwrap_or(i32::MAX),
            next_rate: None,
            offset_id_offset: None,
            search_flood: None,
            messages,
            topics: Vec::new(),
            chats: Vec::new(),
            users,
        }))
    } else {
        enums::messages::Messages::Messages(types::messages::Messages {
            messages,
            topics: Vec::new(),
            chats: Vec::new(),
            users,
        })
    }
}

/// `messages.sendMessage`: `updateShortSentMessage` for the sender; the
/// recipient's and the sender's other sessions get `updateNewMessage`.
pub fn send_message(
    ctx: &mut Context<'_>,
    req: functions::messages::SendMessage,
) -> ApiResult<enums::Updates> {
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let to = match peers::input_peer(state, origin.user_id, &req.peer)? {
            PeerRef::User(to) => to,
            PeerRef::Channel(channel) => {
                return send_to_channel(state, pushes, origin, channel, req);
            }
        };
        let sent = state.send_message(
            pushes,
            origin,
            to,
            &req.message,
            req.entities,
            Some(req.random_id),
        )?;
        Ok(enums::Updates::UpdateShortSentMessage(Box::new(
            types::UpdateShortSentMessage {
                out: true,
                id: sent.message.id,
                pts: sent.message.pts,
                pts_count: 1,
                date: sent.message.date,
                media: None,
                entities: None,
                ttl_period: None,
            },
        )))
    })
}

/// A message to a channel: `updates` with `updateMessageID` and
/// `updateNewChannelMessage` (the channel's pts), the channel in `chats`;
/// every other member's sessions get the latter.
fn send_to_channel(
    state: &mut State,
    pushes: &mut Pushes,
    origin: Origin,
    channel: i64,
    req: functions::messages::SendMessage,
) -> ApiResult<enums::Updates> {
    let posted = state.post_channel_message(
        pushes,
        origin,
        channel,
        &req.message,
        req.entities,
        Some(req.random_id),
    )?;
    let id_update = types::UpdateMessageId {
        id: posted.message.id,
        random_id: req.random_id,
    }
    .into();
    let updates = vec![id_update, posted.update];
    let me = origin.user_id;
    Ok(state.channel_updates(me, channel, updates, &[me], origin.now))
}

/// `messages.getHistory`: newest first, honouring `offset_id`,
/// `offset_date`, `add_offset`, `limit`, `max_id` and `min_id`.
pub fn get_history(
    ctx: &mut Context<'_>,
    req: functions::messages::GetHistory,
) -> ApiResult<enums::messages::Messages> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let query = HistoryQuery {
            offset_id: req.offset_id,
            offset_date: req.offset_date,
            add_offset: req.add_offset,
            limit: req.limit,
            max_id: req.max_id,
            min_id: req.min_id,
        };
        let peer = match peers::input_peer(state, me, &req.peer)? {
            PeerRef::User(peer) => peer,
            PeerRef::Channel(channel) => return channel_history(state, me, channel, query),
        };
        let chat: Vec<&MessageRecord> = state
            .mailboxes
            .get(&me)
            .map(|mb| mb.chat(peer).collect())
            .unwrap_or_default();
        let (page, count) = history_page(&chat, query);
        Ok(messages_answer(state, me, &page, Vec::new(), count))
    })
}

/// A channel's history: `messages.channelMessages` with the channel's
/// `pts`; `406 CHANNEL_PRIVATE` for a private channel the caller is not
/// in.
fn channel_history(
    state: &State,
    me: i64,
    channel_id: i64,
    query: HistoryQuery,
) -> ApiResult<enums::messages::Messages> {
    let channel = state.channel(channel_id)?;
    channel.check_read(me)?;
    let all: Vec<&ChannelMessage> = channel.messages().rev().collect();
    let (page, count) = history_page(&all, query);
    let mut mentioned = vec![me];
    mentioned.extend(
        page.iter()
            .flat_map(|m| channel_view::mentioned(channel, m)),
    );
    Ok(types::messages::ChannelMessages {
        inexact: false,
        pts: channel.pts(),
        count: i32::try_from(count).unwrap_or(i32::MAX),
        offset_id_offset: None,
        messages: page
            .iter()
            .map(|m| channel_view::message(me, channel, m))
            .collect(),
        topics: Vec::new(),
        chats: vec![channel_view::channel(me, channel)],
        users: state.users_for(me, &mentioned),
    }
    .into())
}

/// `messages.getMessages`: the caller's messages by id, `messageEmpty`
/// for ids it does not have.
pub fn get_messages(
    ctx: &mut Context<'_>,
    req: functions::messages::GetMessages,
) -> ApiResult<enums::messages::Messages> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        let mailbox = state.mailboxes.get(&me);
        let mut found = Vec::new();
        let mut messages = Vec::new();
        for input in &req.id {
            let id = match input {
                enums::InputMessage::Id(m) => m.id,
                _ => 0,
            };
            match mailbox.and_then(|mb| mb.get(id)) {
                Some(m) => {
                    found.push(m);
                    messages.push(view::message(m));
                }
                None => messages.push(view::message_empty(id)),
            }
        }
        let users = users_of(state, me, &found);
        Ok(enums::messages::Messages::Messages(
            types::messages::Messages {
                messages,
                topics: Vec::new(),
                chats: Vec::new(),
                users,
            },
        ))
    })
}

/// `messages.editMessage`: `400 MESSAGE_ID_INVALID`,
/// `MESSAGE_AUTHOR_REQUIRED` or `MESSAGE_NOT_MODIFIED` as Telegram; the
/// edit reaches both sides as `updateEditMessage`.
pub fn edit_message(
    ctx: &mut Context<'_>,
    req: functions::messages::EditMessage,
) -> ApiResult<enums::Updates> {
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let me = origin.user_id;
        let peer = match peers::input_peer(state, me, &req.peer)? {
            PeerRef::User(peer) => peer,
            PeerRef::Channel(channel) => {
                let text = req.message.as_deref();
                let update = state.edit_channel_message(
                    pushes,
                    origin,
                    channel,
                    req.id,
                    text,
                    req.entities,
                )?;
                return Ok(state.channel_updates(me, channel, vec![update], &[me], origin.now));
            }
        };
        let update = state.edit_message(
            pushes,
            origin,
            peer,
            req.id,
            req.message.as_deref(),
            req.entities,
        )?;
        let users = state.users_for(origin.user_id, &[origin.user_id, peer]);
        Ok(view::updates(vec![update], users, origin.now))
    })
}

/// `messages.deleteMessages`: the caller's copies (with `revoke`, the
/// other side's too); `pts_count` is the number deleted.
pub fn delete_messages(
    ctx: &mut Context<'_>,
    req: functions::messages::DeleteMessages,
) -> ApiResult<enums::messages::AffectedMessages> {
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let (pts, pts_count) = state.delete_messages(pushes, origin, &req.id, req.revoke);
        Ok(affected(pts, pts_count))
    })
}

fn affected(pts: i32, pts_count: i32) -> enums::messages::AffectedMessages {
    enums::messages::AffectedMessages::AffectedMessages(types::messages::AffectedMessages {
        pts,
        pts_count,
    })
}

/// `messages.getDialogs`: chats by newest message, with every peer's
/// `User`; bots get `400 BOT_METHOD_INVALID`.
pub fn get_dialogs(
    ctx: &mut Context<'_>,
    req: functions::messages::GetDialogs,
) -> ApiResult<enums::messages::Dialogs> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        if state.users.get(me).is_some_and(|u| u.bot) {
            return Err(ApiError::bad_request("BOT_METHOD_INVALID"));
        }
        let Some(mailbox) = state
            .mailboxes
            .get(&me)
            .filter(|_| req.folder_id.unwrap_or(0) == 0)
        else {
            return Ok(dialogs_answer(Vec::new(), Vec::new(), Vec::new(), 0));
        };
        let all = mailbox.dialogs();
        let total = all.len();
        let limit = usize::try_from(req.limit.clamp(1, 100)).unwrap_or(100);
        let page: Vec<_> = all
            .into_iter()
            .filter(|d| {
                let top_date = mailbox.get(d.top_message).map_or(0, |m| m.date);
                match (req.offset_id, req.offset_date) {
                    (id, _) if id > 0 => d.top_message < id,
                    (_, date) if date > 0 => top_date < date,
                    _ => true,
                }
            })
            .take(limit)
            .collect();
        let tops: Vec<&MessageRecord> = page
            .iter()
            .filter_map(|d| mailbox.get(d.top_message))
            .collect();
        let mut ids = vec![me];
        ids.extend(page.iter().map(|d| d.peer));
        let users = state.users_for(me, &ids);
        let messages = tops.iter().map(|m| view::message(m)).collect();
        let dialogs = page.iter().map(view::dialog).collect();
        Ok(dialogs_answer(dialogs, messages, users, total))
    })
}

fn dialogs_answer(
    dialogs: Vec<enums::Dialog>,
    messages: Vec<enums::Message>,
    users: Vec<enums::User>,
    total: usize,
) -> enums::messages::Dialogs {
    if total > dialogs.len() {
        enums::messages::Dialogs::Slice(Box::new(types::messages::DialogsSlice {
            count: i32::try_from(total).unwrap_or(i32::MAX),
            dialogs,
            messages,
            chats: Vec::new(),
            users,
        }))
    } else {
        enums::messages::Dialogs::Dialogs(types::messages::Dialogs {
            dialogs,
            messages,
            chats: Vec::new(),
            users,
        })
    }
}

/// `messages.readHistory`: marks incoming messages read; the sender gets
/// `updateReadHistoryOutbox`.
pub fn read_history(
    ctx: &mut Context<'_>,
    req: functions::messages::ReadHistory,
) -> ApiResult<enums::messages::AffectedMessages> {
    ctx.shared.world.with(|state, pushes| {
        let origin = ctx.origin(state)?;
        let peer = peers::input_peer_user(state, origin.user_id, &req.peer)?;
        let (pts, pts_count) = state.read_history(pushes, origin, peer, req.max_id);
        Ok(affected(pts, pts_count))
    })
}

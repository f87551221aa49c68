//! `messages.*`: send, history, get, edit, delete, dialogs, read in
//! private chats; send, history and edit in channels too.

use paperplane_tl::{enums, functions, types};

use super::Context;
use super::peers::{self, PeerRef};
use crate::error::{ApiError, ApiResult};
use crate::world::channels::{ChannelMessage, view as channel_view};
use crate::world::chat::Origin;
use crate::world::dialogs::DialogPeer;
use crate::world::messages::{HistoryQuery, MessageRecord, history_page};
use crate::world::sequences::set_seq;
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
        let (update, seq) = state.edit_message(
            pushes,
            origin,
            peer,
            req.id,
            req.message.as_deref(),
            req.entities,
        )?;
        let users = state.users_for(origin.user_id, &[origin.user_id, peer]);
        let mut answer = view::updates(vec![update], users, origin.now);
        set_seq(&mut answer, seq);
        Ok(answer)
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

/// `messages.getDialogs`: private chats and the channels and supergroups
/// the caller is a member of (each with its `pts`), by newest message,
/// with their top messages, every peer's `User` and the channels in
/// `chats`; bots get `400 BOT_METHOD_INVALID`. A page starts after the
/// dialog `offset_peer` names; without one, below `offset_date`, or with
/// only `offset_id`, at top messages below it (each chat's own ids).
pub fn get_dialogs(
    ctx: &mut Context<'_>,
    req: functions::messages::GetDialogs,
) -> ApiResult<enums::messages::Dialogs> {
    ctx.shared.world.read(|state| {
        let me = ctx.user_id(state)?;
        if state.users.get(me).is_some_and(|u| u.bot) {
            return Err(ApiError::bad_request("BOT_METHOD_INVALID"));
        }
        if req.folder_id.unwrap_or(0) != 0 {
            return Ok(dialogs_answer(DialogsPage::default(), 0));
        }
        let all = state.dialog_list(me);
        let total = all.len();
        let after = match peers::input_peer(state, me, &req.offset_peer) {
            Ok(PeerRef::User(id)) => all.iter().position(|e| e.is(id, false)),
            Ok(PeerRef::Channel(id)) => all.iter().position(|e| e.is(id, true)),
            Err(_) => None,
        };
        let limit = usize::try_from(req.limit.clamp(1, 100)).unwrap_or(100);
        let page = all
            .iter()
            .enumerate()
            .filter(|(i, e)| match after {
                Some(after) => *i > after,
                None if req.offset_date > 0 => e.date < req.offset_date,
                None if req.offset_id > 0 => e.top_id < req.offset_id,
                None => true,
            })
            .map(|(_, e)| e)
            .take(limit);
        let mut answer = DialogsPage::default();
        let mut ids = vec![me];
        for entry in page {
            match &entry.peer {
                DialogPeer::User(d, top) => {
                    ids.push(d.peer);
                    answer.dialogs.push(view::dialog(d));
                    answer.messages.extend(top.map(view::message));
                }
                DialogPeer::Channel(c, top) => {
                    answer.dialogs.push(channel_view::dialog(me, c));
                    answer.chats.push(channel_view::channel(me, c));
                    if let Some(m) = top {
                        ids.extend(channel_view::mentioned(c, m));
                        answer.messages.push(channel_view::message(me, c, m));
                    }
                }
            }
        }
        answer.users = state.users_for(me, &ids);
        Ok(dialogs_answer(answer, total))
    })
}

/// One page of dialogs and what they mention.
#[derive(Default)]
struct DialogsPage {
    dialogs: Vec<enums::Dialog>,
    messages: Vec<enums::Message>,
    chats: Vec<enums::Chat>,
    users: Vec<enums::User>,
}

fn dialogs_answer(page: DialogsPage, total: usize) -> enums::messages::Dialogs {
    if total > page.dialogs.len() {
        enums::messages::Dialogs::Slice(Box::new(types::messages::DialogsSlice {
            count: i32::try_from(total).unwrap_or(i32::MAX),
            dialogs: page.dialogs,
            messages: page.messages,
            chats: page.chats,
            users: page.users,
        }))
    } else {
        enums::messages::Dialogs::Dialogs(types::messages::Dialogs {
            dialogs: page.dialogs,
            messages: page.messages,
            chats: page.chats,
            users: page.users,
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

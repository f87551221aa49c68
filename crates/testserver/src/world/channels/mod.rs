//! Channels and supergroups: who is in them, their messages (one id space
//! per channel, shared by every member) and their own update sequence.
//!
//! Each channel keeps its own `pts`: every new message, edit and deletion
//! is an event of the channel's log (a deletion of n messages takes n
//! pts), pushed to every member's sessions as `updateNewChannelMessage`,
//! `updateEditChannelMessage` or `updateDeleteChannelMessages` with the
//! channel in `chats`, and replayed by `updates.getChannelDifference`
//! (see [`difference`]). In a broadcast channel only the creator posts; in
//! a supergroup (`megagroup`) every member does, and joining and leaving
//! are service messages, as on Telegram. Bots that are members (and a
//! bot joining or leaving itself) are told of every join and leave with
//! `updateChannelParticipant`, an event of their own `qts` sequence.
//!
//! A channel with a username is public: anyone may read it and join it.
//! One without is private: outsiders get `406 CHANNEL_PRIVATE` and are
//! added by the control API (invite links are a later feature).

pub mod difference;
pub mod view;

use std::collections::{BTreeMap, HashMap};

use paperplane_tl::{Deserializable, enums, types};
use rand_core::RngCore;
use serde::{Deserialize, Serialize};

use super::chat::{Origin, check_text, entity_bytes};
use super::sequences::set_seq;
use super::updates::{PtsEvent, UpdateLog};
use super::{Pushes, State};
use crate::error::{ApiError, ApiResult};

/// Channel ids start here (apart from user ids, though Telegram's peer
/// types keep the two apart anyway).
const FIRST_CHANNEL_ID: i64 = 2_000_000_000;

/// Telegram's `chat_about` limit, in characters.
pub const ABOUT_LENGTH_MAX: usize = 255;

/// The longest title kept, in characters (Telegram's clients allow 128).
pub const TITLE_LENGTH_MAX: usize = 128;

/// What a service message says happened.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceAction {
    /// The channel was created (`messageActionChannelCreate`).
    Created {
        /// The title it was created with.
        title: String,
    },
    /// Users joined or were added (`messageActionChatAddUser`).
    AddUser(Vec<i64>),
    /// A user left or was removed (`messageActionChatDeleteUser`).
    DeleteUser(i64),
}

/// One message of a channel, as every member shares it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChannelMessage {
    /// Its id in the channel's id space.
    pub id: i32,
    /// Who sent it.
    pub from: i64,
    /// The text (empty for service messages).
    pub text: String,
    /// Its entities, as TL bytes of `Vector<MessageEntity>`.
    pub entities: Option<Vec<u8>>,
    /// When it was sent.
    pub date: i32,
    /// When it was last edited.
    pub edit_date: Option<i32>,
    /// What a service message says happened.
    pub action: Option<ServiceAction>,
    /// The channel's `pts` right after it arrived.
    pub pts: i32,
}

impl ChannelMessage {
    /// Its entities.
    pub fn entities(&self) -> Option<Vec<enums::MessageEntity>> {
        self.entities
            .as_deref()
            .and_then(|bytes| Vec::<enums::MessageEntity>::from_bytes(bytes).ok())
    }
}

/// One event of a channel's sequence. Events name messages rather than
/// hold updates: how an update looks depends on who reads it (`out`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ChannelEvent {
    /// A new message.
    NewMessage(i32),
    /// A message was edited.
    Edited(i32),
    /// Messages were deleted.
    Deleted(Vec<i32>),
}

/// A channel or supergroup.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChannelRecord {
    /// The channel id.
    pub id: i64,
    /// Its access hash (the same for every user here).
    pub access_hash: i64,
    /// Title.
    pub title: String,
    /// Description.
    pub about: String,
    /// Username without `@`: the channel is public.
    pub username: Option<String>,
    /// A supergroup (every member posts) rather than a broadcast channel.
    pub megagroup: bool,
    /// Who created it.
    pub creator: i64,
    /// When it was created.
    pub date: i32,
    /// Members, with when each joined.
    pub members: BTreeMap<i64, i32>,
    last_id: i32,
    messages: BTreeMap<i32, ChannelMessage>,
    /// Message id by the `random_id` that created it.
    random_ids: HashMap<i64, i32>,
    /// The channel's update sequence.
    pub log: UpdateLog<ChannelEvent>,
    /// When its latest event happened (0 in worlds saved before this was
    /// kept): `updates.getDifference` reports channels active since the
    /// client's `date`.
    #[serde(default)]
    pub last_event_date: i32,
}

impl ChannelRecord {
    /// Whether `user` is a member.
    pub fn is_member(&self, user: i64) -> bool {
        self.members.contains_key(&user)
    }

    /// Whether it has a username (anyone may read and join it).
    pub fn is_public(&self) -> bool {
        self.username.is_some()
    }

    /// Whether `user` may read it.
    pub fn can_read(&self, user: i64) -> bool {
        self.is_member(user) || self.is_public()
    }

    /// `406 CHANNEL_PRIVATE` unless `user` may read it.
    pub fn check_read(&self, user: i64) -> ApiResult<()> {
        match self.can_read(user) {
            true => Ok(()),
            false => Err(channel_private()),
        }
    }

    /// Whether `user` may post: members of a supergroup, the creator of a
    /// broadcast channel.
    fn check_post(&self, user: i64) -> ApiResult<()> {
        self.check_read(user)?;
        if !self.is_member(user) || (!self.megagroup && self.creator != user) {
            return Err(ApiError::new(403, "CHAT_WRITE_FORBIDDEN"));
        }
        Ok(())
    }

    /// The current `pts`.
    pub fn pts(&self) -> i32 {
        self.log.pts()
    }

    /// Every message, oldest first.
    pub fn messages(&self) -> impl DoubleEndedIterator<Item = &ChannelMessage> {
        self.messages.values()
    }

    /// The message with this id.
    pub fn get(&self, id: i32) -> Option<&ChannelMessage> {
        self.messages.get(&id)
    }

    /// The update `event` is for `viewer`, and the users it mentions;
    /// `None` when it is about a message since deleted.
    pub fn event_update(
        &self,
        viewer: i64,
        event: &PtsEvent<ChannelEvent>,
    ) -> Option<(enums::Update, Vec<i64>)> {
        let pts = event.pts;
        let pts_count = event.pts_count;
        match &event.kind {
            ChannelEvent::NewMessage(id) => self.get(*id).map(|m| {
                let update = types::UpdateNewChannelMessage {
                    message: view::message(viewer, self, m),
                    pts,
                    pts_count,
                };
                (update.into(), view::mentioned(self, m))
            }),
            ChannelEvent::Edited(id) => self.get(*id).map(|m| {
                let update = types::UpdateEditChannelMessage {
                    message: view::message(viewer, self, m),
                    pts,
                    pts_count,
                };
                (update.into(), view::mentioned(self, m))
            }),
            ChannelEvent::Deleted(ids) => {
                let update = types::UpdateDeleteChannelMessages {
                    channel_id: self.id,
                    messages: ids.clone(),
                    pts,
                    pts_count,
                };
                Some((update.into(), Vec::new()))
            }
        }
    }
}

/// `406 CHANNEL_PRIVATE`: the channel cannot be read without being in it.
pub fn channel_private() -> ApiError {
    ApiError::new(406, "CHANNEL_PRIVATE")
}

/// `400 CHANNEL_INVALID`: no such channel, or the wrong access hash.
pub fn channel_invalid() -> ApiError {
    ApiError::bad_request("CHANNEL_INVALID")
}

/// Every channel.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Channels {
    last_id: i64,
    by_id: BTreeMap<i64, ChannelRecord>,
}

impl Channels {
    /// The channel with this id.
    pub fn get(&self, id: i64) -> Option<&ChannelRecord> {
        self.by_id.get(&id)
    }

    /// Every channel, by id.
    pub fn iter(&self) -> impl Iterator<Item = &ChannelRecord> {
        self.by_id.values()
    }

    fn get_mut(&mut self, id: i64) -> Option<&mut ChannelRecord> {
        self.by_id.get_mut(&id)
    }

    /// The channel with this username (with or without `@`).
    pub fn by_username(&self, name: &str) -> Option<&ChannelRecord> {
        let name = name.strip_prefix('@').unwrap_or(name);
        self.by_id.values().find(|c| {
            c.username
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    fn next_id(&mut self) -> i64 {
        let mut id = self.last_id.max(FIRST_CHANNEL_ID) + 1;
        while self.by_id.contains_key(&id) {
            id += 1;
        }
        self.last_id = id;
        id
    }
}

/// What a new channel is to be.
#[derive(Clone, Copy, Debug)]
pub struct NewChannel<'a> {
    /// Title.
    pub title: &'a str,
    /// Description.
    pub about: &'a str,
    /// A supergroup rather than a broadcast channel.
    pub megagroup: bool,
    /// A username, making it public.
    pub username: Option<&'a str>,
}

/// A message just posted in a channel.
#[derive(Clone, Debug)]
pub struct Posted {
    /// The message.
    pub message: ChannelMessage,
    /// The update as the sender sees it.
    pub update: enums::Update,
}

impl State {
    /// The channel with this id: `400 CHANNEL_INVALID` when none.
    pub fn channel(&self, id: i64) -> ApiResult<&ChannelRecord> {
        self.channels.get(id).ok_or_else(channel_invalid)
    }

    /// `updates` about channel `channel_id` for `viewer`: `updates`, the
    /// users `mentions` names, and the channel as `viewer` sees it.
    pub fn channel_updates(
        &self,
        viewer: i64,
        channel_id: i64,
        updates: Vec<enums::Update>,
        mentions: &[i64],
        now: i32,
    ) -> enums::Updates {
        let chats = self
            .channels
            .get(channel_id)
            .map(|c| vec![view::chat_for(viewer, c)])
            .unwrap_or_default();
        types::Updates {
            updates,
            users: self.users_for(viewer, mentions),
            chats,
            date: now,
            seq: 0,
        }
        .into()
    }

    /// Pushes `updateChannel` (the channel changed for them: joined, left,
    /// created) to `user`'s sessions except `except`, numbered on the
    /// account's `seq`; returns the `seq` (an answer to the excepted
    /// session must carry it).
    fn push_update_channel(
        &mut self,
        pushes: &mut Pushes,
        user: i64,
        except: Option<crate::hub::ConnId>,
        channel_id: i64,
        now: i32,
    ) -> i32 {
        let update = types::UpdateChannel { channel_id }.into();
        let updates = self.channel_updates(user, channel_id, vec![update], &[], now);
        self.push_account(pushes, user, except, updates, true).1
    }

    /// Tells the channel's bots (and `user`, when it is a bot itself) on
    /// their `qts` that `user` joined (`since`: `None`) or left (`since`:
    /// when it had joined), as `updateChannelParticipant` by
    /// `origin.user_id`.
    fn push_participant_change(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        channel_id: i64,
        user: i64,
        since: Option<i32>,
    ) -> ApiResult<()> {
        let channel = self.channel(channel_id)?;
        let mut bots: Vec<i64> = channel
            .members
            .keys()
            .copied()
            .chain(std::iter::once(user))
            .filter(|id| self.users.get(*id).is_some_and(|u| u.bot))
            .collect();
        bots.sort_unstable();
        bots.dedup();
        let participant = |date| -> enums::ChannelParticipant {
            types::ChannelParticipant {
                user_id: user,
                date,
                subscription_until_date: None,
                rank: None,
            }
            .into()
        };
        let (prev, new) = match since {
            None => (None, Some(participant(origin.now))),
            Some(date) => (Some(participant(date)), None),
        };
        for bot in bots {
            let chats = vec![view::chat_for(bot, self.channel(channel_id)?)];
            let (prev, new) = (prev.clone(), new.clone());
            self.push_qts(
                pushes,
                bot,
                &[origin.user_id, user],
                chats,
                origin.now,
                |qts| {
                    types::UpdateChannelParticipant {
                        via_chatlist: false,
                        channel_id,
                        date: origin.now,
                        actor_id: origin.user_id,
                        user_id: user,
                        prev_participant: prev,
                        new_participant: new,
                        invite: None,
                        qts,
                    }
                    .into()
                },
            );
        }
        Ok(())
    }

    /// Records `event` in the channel's sequence (taking `pts_count`),
    /// pushes it to every member (the acting user's asking connection
    /// excepted) and returns it as the acting user sees it.
    fn record_channel_event(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        channel_id: i64,
        pts_count: i32,
        kind: ChannelEvent,
    ) -> ApiResult<(i32, Option<enums::Update>)> {
        let channel = self
            .channels
            .get_mut(channel_id)
            .ok_or_else(channel_invalid)?;
        let event_kind = kind.clone();
        let pts = channel.log.record(pts_count, |_| kind);
        channel.last_event_date = channel.last_event_date.max(origin.now);
        let event = PtsEvent {
            pts,
            pts_count,
            kind: event_kind,
        };
        let channel = self.channel(channel_id)?;
        for &member in channel.members.keys() {
            let Some((update, mentions)) = channel.event_update(member, &event) else {
                continue;
            };
            let except = (member == origin.user_id).then_some(origin.conn).flatten();
            let updates =
                self.channel_updates(member, channel_id, vec![update], &mentions, origin.now);
            pushes.channel_to_user(member, except, (channel_id, pts), &updates);
        }
        let own = channel.event_update(origin.user_id, &event).map(|(u, _)| u);
        Ok((pts, own))
    }

    /// Stores a new message in a channel and records it; returns it with
    /// the update as its sender sees it.
    fn add_channel_message(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        channel_id: i64,
        text: &str,
        entities: Option<Vec<u8>>,
        action: Option<ServiceAction>,
    ) -> ApiResult<Posted> {
        let channel = self
            .channels
            .get_mut(channel_id)
            .ok_or_else(channel_invalid)?;
        channel.last_id += 1;
        let id = channel.last_id;
        let mut message = ChannelMessage {
            id,
            from: origin.user_id,
            text: text.to_owned(),
            entities,
            date: origin.now,
            edit_date: None,
            action,
            pts: channel.pts() + 1,
        };
        channel.messages.insert(id, message.clone());
        let (pts, update) =
            self.record_channel_event(pushes, origin, channel_id, 1, ChannelEvent::NewMessage(id))?;
        message.pts = pts;
        let update = update.ok_or_else(channel_invalid)?;
        Ok(Posted { message, update })
    }

    /// Creates a channel (or with `megagroup` a supergroup) owned by
    /// `origin.user_id`; returns its id and the creator's answer:
    /// `updateChannel` and the creation's service message, with the
    /// channel in `chats`.
    pub fn create_channel(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        new: NewChannel<'_>,
    ) -> ApiResult<(i64, enums::Updates)> {
        let title = new.title.trim();
        if title.is_empty() {
            return Err(ApiError::bad_request("CHAT_TITLE_EMPTY"));
        }
        // Longer titles are cut, not refused.
        let title: String = title.chars().take(TITLE_LENGTH_MAX).collect();
        let title = title.as_str();
        if new.about.chars().count() > ABOUT_LENGTH_MAX {
            return Err(ApiError::bad_request("CHAT_ABOUT_TOO_LONG"));
        }
        self.check_username(new.username)?;
        if self.users.get(origin.user_id).is_none() {
            return Err(ApiError::auth_key_unregistered());
        }
        let id = self.channels.next_id();
        let record = ChannelRecord {
            id,
            access_hash: self.rng.0.next_u64() as i64,
            title: title.to_owned(),
            about: new.about.to_owned(),
            username: new.username.map(|u| u.trim_start_matches('@').to_owned()),
            megagroup: new.megagroup,
            creator: origin.user_id,
            date: origin.now,
            members: BTreeMap::from([(origin.user_id, origin.now)]),
            last_id: 0,
            messages: BTreeMap::new(),
            random_ids: HashMap::new(),
            log: UpdateLog::default(),
            last_event_date: origin.now,
        };
        self.channels.by_id.insert(id, record);
        let seq = self.push_update_channel(pushes, origin.user_id, origin.conn, id, origin.now);
        let created = ServiceAction::Created {
            title: title.to_owned(),
        };
        let posted = self.add_channel_message(pushes, origin, id, "", None, Some(created))?;
        let updates = vec![
            types::UpdateChannel { channel_id: id }.into(),
            posted.update,
        ];
        let mut answer =
            self.channel_updates(origin.user_id, id, updates, &[origin.user_id], origin.now);
        set_seq(&mut answer, seq);
        Ok((id, answer))
    }

    /// Makes `user` a member (`channels.joinChannel` when `origin` is the
    /// user itself, an addition by `origin` otherwise): the user's
    /// sessions get `updateChannel`, and a supergroup gets the service
    /// message. Returns what the acting user sees: `updateChannel` and the
    /// service message, with the channel in `chats`.
    pub fn add_channel_member(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        channel_id: i64,
        user: i64,
    ) -> ApiResult<enums::Updates> {
        let channel = self.channel(channel_id)?;
        if self.users.get(user).is_none() {
            return Err(ApiError::bad_request("USER_ID_INVALID"));
        }
        if channel.is_member(user) {
            return Err(ApiError::bad_request("USER_ALREADY_PARTICIPANT"));
        }
        let joining = origin.user_id == user;
        if joining && !channel.is_public() {
            return Err(channel_private());
        }
        let megagroup = channel.megagroup;
        if let Some(c) = self.channels.get_mut(channel_id) {
            c.members.insert(user, origin.now);
        }
        let except = joining.then_some(origin.conn).flatten();
        let seq = self.push_update_channel(pushes, user, except, channel_id, origin.now);
        let mut updates = vec![types::UpdateChannel { channel_id }.into()];
        if megagroup {
            let action = Some(ServiceAction::AddUser(vec![user]));
            let posted = self.add_channel_message(pushes, origin, channel_id, "", None, action)?;
            updates.push(posted.update);
        }
        self.push_participant_change(pushes, origin, channel_id, user, None)?;
        let mentions = [origin.user_id, user];
        let mut answer =
            self.channel_updates(origin.user_id, channel_id, updates, &mentions, origin.now);
        // The joiner's own answer stands for the push it was spared.
        if joining {
            set_seq(&mut answer, seq);
        }
        Ok(answer)
    }

    /// Takes `user` out of a channel (`channels.leaveChannel` when
    /// `origin` is the user itself, a removal by `origin` otherwise): the
    /// user's sessions get `updateChannel` with the channel as it now is
    /// to them (`left`, or `channelForbidden` when private), and a
    /// supergroup's remaining members get the service message. Returns
    /// what the user gets.
    pub fn remove_channel_member(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        channel_id: i64,
        user: i64,
    ) -> ApiResult<enums::Updates> {
        let channel = self.channel(channel_id)?;
        if !channel.is_member(user) {
            return Err(ApiError::bad_request("USER_NOT_PARTICIPANT"));
        }
        let megagroup = channel.megagroup;
        let since = channel.members.get(&user).copied();
        if let Some(c) = self.channels.get_mut(channel_id) {
            c.members.remove(&user);
        }
        let leaving = origin.user_id == user;
        let except = leaving.then_some(origin.conn).flatten();
        let seq = self.push_update_channel(pushes, user, except, channel_id, origin.now);
        if megagroup {
            let action = Some(ServiceAction::DeleteUser(user));
            self.add_channel_message(pushes, origin, channel_id, "", None, action)?;
        }
        self.push_participant_change(pushes, origin, channel_id, user, since)?;
        let update = types::UpdateChannel { channel_id }.into();
        let mut answer = self.channel_updates(user, channel_id, vec![update], &[], origin.now);
        set_seq(&mut answer, seq);
        Ok(answer)
    }

    /// Posts `text` in a channel as `origin.user_id`: `403
    /// CHAT_WRITE_FORBIDDEN` for a broadcast channel's subscribers and
    /// for outsiders of a public one, `406 CHANNEL_PRIVATE` for outsiders
    /// of a private one. A `random_id` seen before in this channel returns
    /// the message it created.
    pub fn post_channel_message(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        channel_id: i64,
        text: &str,
        entities: Option<Vec<enums::MessageEntity>>,
        random_id: Option<i64>,
    ) -> ApiResult<Posted> {
        check_text(text)?;
        let channel = self.channel(channel_id)?;
        channel.check_post(origin.user_id)?;
        let original = random_id
            .and_then(|rid| channel.random_ids.get(&rid))
            .and_then(|id| channel.get(*id));
        if let Some(m) = original {
            let update = types::UpdateNewChannelMessage {
                message: view::message(origin.user_id, channel, m),
                pts: m.pts,
                pts_count: 1,
            };
            return Ok(Posted {
                message: m.clone(),
                update: update.into(),
            });
        }
        let entities = entity_bytes(entities);
        let posted = self.add_channel_message(pushes, origin, channel_id, text, entities, None)?;
        if let (Some(rid), Some(c)) = (random_id, self.channels.get_mut(channel_id)) {
            c.random_ids.insert(rid, posted.message.id);
        }
        Ok(posted)
    }

    /// Edits message `id` of a channel: only its author may
    /// (`MESSAGE_AUTHOR_REQUIRED`); returns `updateEditChannelMessage` as
    /// the editor sees it.
    pub fn edit_channel_message(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        channel_id: i64,
        id: i32,
        text: Option<&str>,
        entities: Option<Vec<enums::MessageEntity>>,
    ) -> ApiResult<enums::Update> {
        let channel = self.channel(channel_id)?;
        channel.check_read(origin.user_id)?;
        let old = channel
            .get(id)
            .filter(|m| m.action.is_none())
            .ok_or_else(|| ApiError::bad_request("MESSAGE_ID_INVALID"))?;
        if old.from != origin.user_id {
            return Err(ApiError::new(403, "MESSAGE_AUTHOR_REQUIRED"));
        }
        let Some(text) = text else {
            return Err(ApiError::bad_request("MESSAGE_NOT_MODIFIED"));
        };
        check_text(text)?;
        let entities = entity_bytes(entities);
        if old.text == text && old.entities == entities {
            return Err(ApiError::bad_request("MESSAGE_NOT_MODIFIED"));
        }
        if let Some(m) = self
            .channels
            .get_mut(channel_id)
            .and_then(|c| c.messages.get_mut(&id))
        {
            m.text = text.to_owned();
            m.entities = entities;
            m.edit_date = Some(origin.now);
        }
        let (_, update) =
            self.record_channel_event(pushes, origin, channel_id, 1, ChannelEvent::Edited(id))?;
        update.ok_or_else(|| ApiError::bad_request("MESSAGE_ID_INVALID"))
    }

    /// Deletes messages of a channel: their author, or the channel's
    /// creator, may (`403 MESSAGE_DELETE_FORBIDDEN` otherwise); ids that
    /// do not exist are skipped. One event of `pts_count` n for n
    /// messages; returns `(pts, pts_count)`.
    pub fn delete_channel_messages(
        &mut self,
        pushes: &mut Pushes,
        origin: Origin,
        channel_id: i64,
        ids: &[i32],
    ) -> ApiResult<(i32, i32)> {
        let channel = self.channel(channel_id)?;
        channel.check_read(origin.user_id)?;
        let user = origin.user_id;
        let mut found: Vec<i32> = ids
            .iter()
            .copied()
            .filter(|id| channel.get(*id).is_some())
            .collect();
        found.sort_unstable();
        found.dedup();
        let allowed = |id: &i32| {
            channel.creator == user && channel.is_member(user)
                || channel.get(*id).is_some_and(|m| m.from == user)
        };
        if !found.iter().all(allowed) {
            return Err(ApiError::new(403, "MESSAGE_DELETE_FORBIDDEN"));
        }
        if found.is_empty() {
            return Ok((channel.pts(), 0));
        }
        if let Some(c) = self.channels.get_mut(channel_id) {
            for id in &found {
                c.messages.remove(id);
            }
        }
        let count = i32::try_from(found.len()).unwrap_or(i32::MAX);
        let (pts, _) = self.record_channel_event(
            pushes,
            origin,
            channel_id,
            count,
            ChannelEvent::Deleted(found),
        )?;
        Ok((pts, count))
    }
}

#[cfg(test)]
mod tests;

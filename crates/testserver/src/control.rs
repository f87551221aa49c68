//! The control API: what a Rust test does to the world from outside the
//! protocol — create accounts, act as a user, watch messages arrive,
//! inject faults.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! let server = paperplane_testserver::TestServer::start(Default::default()).await?;
//! let control = server.control();
//! let alice = control.add_user("9996621234", "Alice", Some("alice"))?;
//! let bot = control.add_bot("echo_bot", "123456:secret")?;
//! control.send_as(alice.id, "@echo_bot", "/start")?;
//! let reply = control
//!     .wait_message(alice.id, |m| !m.out, Duration::from_secs(5))
//!     .await;
//! # let _ = (bot, reply);
//! # Ok(()) }
//! ```

use std::sync::Arc;
use std::time::Duration;

use paperplane_tl::enums;

use crate::error::ApiError;
use crate::faults::CutAfter;
use crate::server::Shared;
use crate::world::State;
use crate::world::channels::{ChannelMessage, ChannelRecord, NewChannel};
use crate::world::chat::Origin;
use crate::world::messages::MessageRecord;
use crate::world::users::{TestPhone, UserRecord};

/// Why a control call failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The world refused, as it would refuse a client (`USERNAME_OCCUPIED`,
    /// `MESSAGE_EMPTY`, …).
    #[error("{0}")]
    Api(#[from] ApiError),
    /// No account matches.
    #[error("no such user: {0}")]
    NoSuchUser(String),
    /// The phone is not a test number (`99966XYYYY`).
    #[error("not a test phone number: {0}")]
    InvalidPhone(String),
    /// No channel has this id.
    #[error("no such channel: {0}")]
    NoSuchChannel(i64),
}

/// An account, as the control API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserInfo {
    /// User id.
    pub id: i64,
    /// Its access hash.
    pub access_hash: i64,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: Option<String>,
    /// Username without `@`.
    pub username: Option<String>,
    /// Phone digits.
    pub phone: Option<String>,
    /// Whether it is a bot.
    pub bot: bool,
    /// Its home DC.
    pub dc_id: i32,
}

impl From<&UserRecord> for UserInfo {
    fn from(u: &UserRecord) -> Self {
        Self {
            id: u.id,
            access_hash: u.access_hash,
            first_name: u.first_name.clone(),
            last_name: u.last_name.clone(),
            username: u.username.clone(),
            phone: u.phone.clone(),
            bot: u.bot,
            dc_id: u.dc_id,
        }
    }
}

/// One message as a user has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its id in the owner's id space.
    pub id: i32,
    /// The other side of the chat.
    pub peer_user_id: i64,
    /// The sender.
    pub from_user_id: i64,
    /// Whether the owner sent it.
    pub out: bool,
    /// The text.
    pub text: String,
    /// When it was sent.
    pub date: i32,
}

impl From<&MessageRecord> for StoredMessage {
    fn from(m: &MessageRecord) -> Self {
        Self {
            id: m.id,
            peer_user_id: m.peer,
            from_user_id: m.from,
            out: m.out,
            text: m.text.clone(),
            date: m.date,
        }
    }
}

/// What [`Control::send_as`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMessage {
    /// The sender's copy's id.
    pub id: i32,
    /// The recipient's copy's id (none when sending to oneself).
    pub recipient_message_id: Option<i32>,
    /// The send time.
    pub date: i32,
}

/// A channel or supergroup, as the control API shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelInfo {
    /// Channel id.
    pub id: i64,
    /// Its access hash (the same for every user).
    pub access_hash: i64,
    /// Title.
    pub title: String,
    /// Username without `@` (public channels).
    pub username: Option<String>,
    /// A supergroup rather than a broadcast channel.
    pub megagroup: bool,
    /// Who created it.
    pub creator: i64,
    /// Its members' user ids.
    pub members: Vec<i64>,
    /// Its current `pts`.
    pub pts: i32,
}

impl From<&ChannelRecord> for ChannelInfo {
    fn from(c: &ChannelRecord) -> Self {
        Self {
            id: c.id,
            access_hash: c.access_hash,
            title: c.title.clone(),
            username: c.username.clone(),
            megagroup: c.megagroup,
            creator: c.creator,
            members: c.members.keys().copied().collect(),
            pts: c.pts(),
        }
    }
}

/// One message of a channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChannelPost {
    /// Its id in the channel.
    pub id: i32,
    /// The sender.
    pub from_user_id: i64,
    /// The text (empty for service messages).
    pub text: String,
    /// Whether it is a service message (created, joined, left).
    pub service: bool,
    /// When it was sent.
    pub date: i32,
    /// The channel's `pts` right after it arrived.
    pub pts: i32,
}

impl From<&ChannelMessage> for ChannelPost {
    fn from(m: &ChannelMessage) -> Self {
        Self {
            id: m.id,
            from_user_id: m.from,
            text: m.text.clone(),
            service: m.action.is_some(),
            date: m.date,
            pts: m.pts,
        }
    }
}

/// A handle on a running server's world. Cheap to clone; usable from any
/// thread.
#[derive(Clone)]
pub struct Control {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control").finish_non_exhaustive()
    }
}

/// Finds the account `to` names: `@username`, `+phone`, a user id, a
/// phone, or a bare username.
fn find<'s>(state: &'s State, to: &str) -> Option<&'s UserRecord> {
    if let Some(name) = to.strip_prefix('@') {
        return state.users.by_username(name);
    }
    if to.starts_with('+') {
        return state.users.by_phone(to);
    }
    if let Ok(id) = to.parse::<i64>() {
        return state.users.get(id).or_else(|| state.users.by_phone(to));
    }
    state.users.by_username(to)
}

/// The creator of a channel, who acts for the control API.
fn creator_of(state: &State, channel_id: i64) -> Result<i64, ControlError> {
    state
        .channels
        .get(channel_id)
        .map(|c| c.creator)
        .ok_or(ControlError::NoSuchChannel(channel_id))
}

impl Control {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }

    /// `user_id` acting now (by the server's clock), from outside any
    /// connection.
    fn origin(&self, user_id: i64) -> Origin {
        Origin {
            user_id,
            conn: None,
            now: self.shared.clock.now_i32(),
        }
    }

    /// Creates a person with a test phone (`99966XYYYY`, living on DC X).
    pub fn add_user(
        &self,
        phone: &str,
        first_name: &str,
        username: Option<&str>,
    ) -> Result<UserInfo, ControlError> {
        let phone =
            TestPhone::parse(phone).ok_or_else(|| ControlError::InvalidPhone(phone.to_owned()))?;
        self.shared.world.with(|state, _| {
            let user = state.create_person(&phone, first_name, None, username)?;
            Ok(UserInfo::from(&user))
        })
    }

    /// Registers a bot; its token always logs in. Registering the same
    /// token again returns the existing bot.
    pub fn add_bot(&self, username: &str, token: &str) -> Result<UserInfo, ControlError> {
        self.shared.world.with(|state, _| {
            let bot = state.create_bot(token, Some(username))?;
            Ok(UserInfo::from(&bot))
        })
    }

    /// Sets a user's 2FA password (only its SRP verifier is kept).
    pub fn set_password(
        &self,
        user_id: i64,
        password: &str,
        hint: Option<&str>,
    ) -> Result<(), ControlError> {
        self.shared
            .world
            .with(|state, _| state.set_password(user_id, Some(password), hint))?;
        Ok(())
    }

    /// The account with this id.
    pub fn user(&self, user_id: i64) -> Option<UserInfo> {
        self.shared
            .world
            .read(|state| state.users.get(user_id).map(UserInfo::from))
    }

    /// The account with this username (with or without `@`).
    pub fn user_by_username(&self, username: &str) -> Option<UserInfo> {
        self.shared
            .world
            .read(|state| state.users.by_username(username).map(UserInfo::from))
    }

    /// The account with this phone.
    pub fn user_by_phone(&self, phone: &str) -> Option<UserInfo> {
        self.shared
            .world
            .read(|state| state.users.by_phone(phone).map(UserInfo::from))
    }

    /// Sends `text` as `from_user_id` to `to` (`@username`, phone or user
    /// id), exactly as that user's client would: stored on both sides and
    /// pushed to every session of both.
    pub fn send_as(
        &self,
        from_user_id: i64,
        to: &str,
        text: &str,
    ) -> Result<SentMessage, ControlError> {
        self.shared.world.with(|state, pushes| {
            if state.users.get(from_user_id).is_none() {
                return Err(ControlError::NoSuchUser(from_user_id.to_string()));
            }
            let to = find(state, to)
                .map(|u| u.id)
                .ok_or_else(|| ControlError::NoSuchUser(to.to_owned()))?;
            let origin = self.origin(from_user_id);
            let sent = state.send_message(pushes, origin, to, text, None, None)?;
            Ok(SentMessage {
                id: sent.message.id,
                recipient_message_id: sent.recipient_message_id,
                date: sent.message.date,
            })
        })
    }

    /// Marks `user_id`'s chat with `peer` (`@username`, phone or user id)
    /// read, exactly as `messages.readHistory` from that user's client
    /// would: the peer's sessions get `updateReadHistoryOutbox`.
    pub fn read_as(&self, user_id: i64, peer: &str) -> Result<(), ControlError> {
        self.shared.world.with(|state, pushes| {
            if state.users.get(user_id).is_none() {
                return Err(ControlError::NoSuchUser(user_id.to_string()));
            }
            let peer = find(state, peer)
                .map(|u| u.id)
                .ok_or_else(|| ControlError::NoSuchUser(peer.to_owned()))?;
            state.read_history(pushes, self.origin(user_id), peer, 0);
            Ok(())
        })
    }

    /// Blocks (or with `blocked` false unblocks) `target` for `user_id`,
    /// exactly as `contacts.block` / `contacts.unblock` from that user's
    /// client would: a bot blocked or unblocked gets `updateBotStopped`.
    pub fn block_as(&self, user_id: i64, target: &str, blocked: bool) -> Result<(), ControlError> {
        self.shared.world.with(|state, pushes| {
            let target = find(state, target)
                .map(|u| u.id)
                .ok_or_else(|| ControlError::NoSuchUser(target.to_owned()))?;
            let change = crate::world::blocks::BlockChange {
                target,
                stories: false,
                blocked,
            };
            state.set_blocked(pushes, self.origin(user_id), change)?;
            Ok(())
        })
    }

    /// The account's update counters as `updates.getState` would give
    /// them now: `(pts, qts, seq)`.
    pub fn update_counters(&self, user_id: i64) -> (i32, i32, i32) {
        self.shared.world.read(|state| {
            let enums::updates::State::State(s) = state.update_state(user_id, 0);
            (s.pts, s.qts, s.seq)
        })
    }

    /// Creates a broadcast channel owned by `creator_user_id` (public with
    /// a `username`), as `channels.createChannel` would.
    pub fn create_channel(
        &self,
        creator_user_id: i64,
        title: &str,
        username: Option<&str>,
    ) -> Result<ChannelInfo, ControlError> {
        self.create(creator_user_id, title, username, false)
    }

    /// Creates a supergroup owned by `creator_user_id` (public with a
    /// `username`), as `channels.createChannel` with `megagroup` would.
    pub fn create_supergroup(
        &self,
        creator_user_id: i64,
        title: &str,
        username: Option<&str>,
    ) -> Result<ChannelInfo, ControlError> {
        self.create(creator_user_id, title, username, true)
    }

    fn create(
        &self,
        creator: i64,
        title: &str,
        username: Option<&str>,
        megagroup: bool,
    ) -> Result<ChannelInfo, ControlError> {
        self.shared.world.with(|state, pushes| {
            if state.users.get(creator).is_none() {
                return Err(ControlError::NoSuchUser(creator.to_string()));
            }
            let new = NewChannel {
                title,
                about: "",
                megagroup,
                username,
            };
            let (id, _) = state.create_channel(pushes, self.origin(creator), new)?;
            let channel = state.channel(id)?;
            Ok(ChannelInfo::from(channel))
        })
    }

    /// The channel with this id.
    pub fn channel(&self, channel_id: i64) -> Option<ChannelInfo> {
        self.shared
            .world
            .read(|state| state.channels.get(channel_id).map(ChannelInfo::from))
    }

    /// Adds `user_id` to a channel, as its creator would: the user's
    /// sessions get `updateChannel`, and a supergroup the service message.
    pub fn add_channel_member(&self, channel_id: i64, user_id: i64) -> Result<(), ControlError> {
        self.shared.world.with(|state, pushes| {
            let creator = creator_of(state, channel_id)?;
            state.add_channel_member(pushes, self.origin(creator), channel_id, user_id)?;
            Ok(())
        })
    }

    /// Removes `user_id` from a channel, as its creator would: the user's
    /// sessions get `updateChannel`, and a supergroup's members the
    /// service message. A private channel is then closed to the user
    /// (`406 CHANNEL_PRIVATE`).
    pub fn remove_channel_member(&self, channel_id: i64, user_id: i64) -> Result<(), ControlError> {
        self.shared.world.with(|state, pushes| {
            let creator = creator_of(state, channel_id)?;
            state.remove_channel_member(pushes, self.origin(creator), channel_id, user_id)?;
            Ok(())
        })
    }

    /// Posts `text` in a channel as `user_id`, exactly as that user's
    /// client would (`CHAT_WRITE_FORBIDDEN` for a broadcast channel's
    /// subscribers): stored, and pushed to every member's sessions.
    pub fn post_as(
        &self,
        user_id: i64,
        channel_id: i64,
        text: &str,
    ) -> Result<ChannelPost, ControlError> {
        self.shared.world.with(|state, pushes| {
            if state.users.get(user_id).is_none() {
                return Err(ControlError::NoSuchUser(user_id.to_string()));
            }
            let posted = state.post_channel_message(
                pushes,
                self.origin(user_id),
                channel_id,
                text,
                None,
                None,
            )?;
            Ok(ChannelPost::from(&posted.message))
        })
    }

    /// Every message of a channel, oldest first.
    pub fn channel_messages(&self, channel_id: i64) -> Vec<ChannelPost> {
        self.shared.world.read(|state| {
            state
                .channels
                .get(channel_id)
                .map(|c| c.messages().map(ChannelPost::from).collect())
                .unwrap_or_default()
        })
    }

    /// Every message `user_id` has, oldest first.
    pub fn messages_of(&self, user_id: i64) -> Vec<StoredMessage> {
        self.shared.world.read(|state| {
            state
                .mailboxes
                .get(&user_id)
                .map(|mb| mb.iter().map(StoredMessage::from).collect())
                .unwrap_or_default()
        })
    }

    /// The first of `user_id`'s messages (oldest first, present or still to
    /// come) matching `predicate`, or `None` after `timeout`. Woken by
    /// every change to the world; it does not poll.
    pub async fn wait_message(
        &self,
        user_id: i64,
        predicate: impl Fn(&StoredMessage) -> bool,
        timeout: Duration,
    ) -> Option<StoredMessage> {
        let mut changed = self.shared.world.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            changed.borrow_and_update();
            if let Some(found) = self.messages_of(user_id).into_iter().find(|m| predicate(m)) {
                return Some(found);
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => continue,
                _ => return None,
            }
        }
    }

    /// The next `times` calls of `method` (a TL name such as
    /// `help.getNearestDc`) answer `420 FLOOD_WAIT_<seconds>`.
    pub fn inject_flood_wait(&self, method: &str, seconds: u32, times: u32) {
        self.shared.faults.flood_wait(method, seconds, times);
    }

    /// The next `times` calls of `method` are carried out, but their
    /// connection closes instead of answering (the client must resend;
    /// `messages.sendMessage` with the same `random_id` then returns the
    /// original message, as Telegram does).
    pub fn inject_drop_after_request(&self, method: &str, times: u32) {
        self.shared.faults.drop_after_request(method, times);
    }

    /// Arms a fault: the next `times` calls of `method` (a TL name) are
    /// answered with the error `code message` without being carried out,
    /// e.g. `303 USER_MIGRATE_3` or `401 AUTH_KEY_UNREGISTERED`.
    pub fn inject_error(&self, method: &str, code: i32, message: &str, times: u32) {
        self.shared.faults.error(method, code, message, times);
    }

    /// Arms a fault: the next `times` encrypted messages from any client
    /// are refused with `bad_msg_notification` `code` (16, 17: msg_id too
    /// low or high; 32, 33: seq_no too low or high) or, for 48, with
    /// `bad_server_salt`; the client must correct itself and resend.
    pub fn inject_bad_msg_notification(&self, code: i32, times: u32) {
        self.shared.faults.refuse_messages(code, times);
    }

    /// Skews the server's clock: from now on its time is the machine's
    /// plus `offset_seconds` (negative: behind), for everything time-based
    /// it emits or checks (see [`crate::clock`]): a correctly-clocked
    /// client is refused with `bad_msg_notification` 16 or 17 until it
    /// learns the server's time, and sees dates in the server's time. A
    /// session's own time never goes back, though: after a step back its
    /// msg_ids and salts stand still until the clock catches up, as msg_ids
    /// must grow within a session.
    pub fn skew_clock(&self, offset_seconds: i64) {
        self.shared.clock.set_skew(offset_seconds);
    }

    /// Puts the server's clock right again ([`Control::skew_clock`] 0).
    pub fn clear_clock_skew(&self) {
        self.shared.clock.set_skew(0);
    }

    /// The server's time, Unix seconds (skewed as set).
    pub fn server_time(&self) -> i64 {
        self.shared.clock.now()
    }

    /// Forgets every temporary auth key, as a restarted server does:
    /// clients using PFS must make and bind new ones, and lose nothing.
    pub fn forget_temporary_keys(&self) -> usize {
        self.shared.keys.forget_temporary()
    }

    /// Arms a fault: the next `times` calls of `method` are carried out and
    /// never answered, though the connection stays up (the client's request
    /// timeout must end the wait).
    pub fn inject_silence(&self, method: &str, times: u32) {
        self.shared.faults.silence(method, times);
    }

    /// Arms a fault: the next `times` calls of `method` are carried out and
    /// answered with a result that does not decode (constructor
    /// `0xdeadbeef`).
    pub fn inject_undecodable_answer(&self, method: &str, times: u32) {
        self.shared.faults.undecodable(method, times);
    }

    /// How many requests of `method` (a TL name such as `help.getConfig`,
    /// as [`Control::inject_flood_wait`] takes) the server has carried
    /// out, so a test can tell "answered once" from "executed once".
    ///
    /// Counted, under the name of the innermost function (wrappers such
    /// as `invokeWithLayer` are not counted): every call the server routed
    /// to be carried out, whatever it answered, errors included (a
    /// `users.getUsers` before login that gets `401
    /// AUTH_KEY_UNREGISTERED` counts; so does a method this server does
    /// not implement, answered `400 INPUT_METHOD_INVALID`), and calls
    /// carried out whose answer [`Control::inject_drop_after_request`] then
    /// lost. A repeat the world recognises (`messages.sendMessage` with a
    /// `random_id` it already has) is carried out again and counts.
    /// Not counted: calls answered by an injected flood wait (Telegram
    /// refuses those before doing anything), calls refused before routing
    /// (`401 AUTH_KEY_PERM_EMPTY` over an unbound temporary key, wrappers
    /// that do not decode), and a message the server's session drops or
    /// answers itself without handing it up (a replayed msg_id).
    pub fn executions(&self, method: &str) -> u64 {
        self.shared.faults.executions(method)
    }

    /// Arms a fault: the next `count` updates of the account's own
    /// sequences for `user_id` (pts, qts and seq-numbered pushes alike;
    /// not a channel's) are not pushed to any of their sessions (what has
    /// a pts or qts stays in the account's history), so the client sees a
    /// pts, qts or seq gap and must fetch the difference.
    pub fn inject_withhold_updates(&self, user_id: i64, count: u32) {
        self.shared.world.hub().withhold(user_id, count);
    }

    /// Arms a fault: the next `count` updates of channel `channel_id` for
    /// `user_id` are not pushed to any of their sessions (they stay in the
    /// channel's history), so the client sees a gap in the channel's pts
    /// and must fetch `updates.getChannelDifference`. The account's own
    /// updates are not affected (nor counted).
    pub fn inject_withhold_channel_updates(&self, user_id: i64, channel_id: i64, count: u32) {
        self.shared
            .world
            .hub()
            .withhold_channel(user_id, channel_id, count);
    }

    /// Pushes `updateChannelTooLong` (with the channel's current `pts`,
    /// and the channel in `chats`) to every session of `user_id`: the
    /// client must fetch the channel's difference.
    pub fn push_channel_too_long(&self, user_id: i64, channel_id: i64) -> Result<(), ControlError> {
        let (keys, updates) = self.shared.world.read(|state| {
            let channel = state
                .channels
                .get(channel_id)
                .ok_or(ControlError::NoSuchChannel(channel_id))?;
            let update = paperplane_tl::types::UpdateChannelTooLong {
                channel_id,
                pts: Some(channel.pts()),
            }
            .into();
            let now = self.origin(user_id).now;
            let updates = state.channel_updates(user_id, channel_id, vec![update], &[], now);
            Ok::<_, ControlError>((state.keys_of(user_id), updates))
        })?;
        let bytes = paperplane_tl::Serializable::to_bytes(&updates);
        self.shared
            .world
            .hub()
            .send_to_keys(&keys, None, &crate::hub::Push::Update(bytes));
        Ok(())
    }

    /// Arms a fault: the next `pairs` pairs of updates for `user_id` are
    /// pushed in swapped order, the first of each pair `delay` after the
    /// second, so the client must hold the early one and put them back in
    /// order (without a difference, if `delay` is within its hold time).
    pub fn inject_swap_updates(&self, user_id: i64, pairs: u32, delay: std::time::Duration) {
        self.shared.world.hub().swap(user_id, pairs, delay);
    }

    /// Pushes messages in their short form (`updateShortMessage`, which
    /// names the sender by id alone) even to connections that were never
    /// shown the sender, as Telegram may: a client must then fetch the
    /// sender with the difference. Off again with `false`.
    pub fn push_short_forms_always(&self, on: bool) {
        self.shared.world.hub().set_short_always(on);
    }

    /// Pushes `updatesTooLong` to every session of `user_id`: the client
    /// must fetch the difference.
    pub fn push_updates_too_long(&self, user_id: i64) {
        let keys = self.shared.world.read(|state| state.keys_of(user_id));
        let too_long =
            paperplane_tl::Serializable::to_bytes(&paperplane_tl::enums::Updates::TooLong);
        self.shared
            .world
            .hub()
            .send_to_keys(&keys, None, &crate::hub::Push::Update(too_long));
    }

    /// Arms a fault: the next connection that sends `bytes` bytes (counted
    /// from now) is cut right there, mid-frame as a rule: the client gets
    /// part of a packet, then the connection closes. What the server had
    /// carried out stays done; its answers wait in the session for the
    /// client's resends.
    pub fn drop_connection_after_bytes(&self, bytes: u64) {
        self.drop_connections_after(CutAfter::Bytes(bytes), 1);
    }

    /// Arms a fault: the next connection that sends `messages` transport
    /// frames (MTProto packets, counted from now) is closed right after
    /// the last of them.
    pub fn drop_connection_after_messages(&self, messages: u64) {
        self.drop_connections_after(CutAfter::Messages(messages), 1);
    }

    /// Arms a fault: the next `connections` connections that send as
    /// much as `after` says (counted from now, each on its own) are cut
    /// there; 0 disarms. Replaces a cut armed before.
    pub fn drop_connections_after(&self, after: CutAfter, connections: u32) {
        self.shared.faults.cut_connections(after, connections);
    }

    /// How many connections armed cuts have ended so far.
    pub fn connections_cut(&self) -> u64 {
        self.shared.faults.cuts_made()
    }

    /// Closes every open connection (simulated network loss).
    pub fn drop_connections(&self) {
        self.shared.world.hub().close_all();
    }

    /// How many connections are open.
    pub fn connection_count(&self) -> usize {
        self.shared.world.hub().len()
    }

    /// How many auth keys are logged in as `user_id`.
    pub fn login_count(&self, user_id: i64) -> usize {
        self.shared.world.read(|state| state.keys_of(user_id).len())
    }
}

//! The server's world: accounts, who is logged in where, private chats,
//! channels, and each account's (and channel's) update sequence, behind
//! one lock.
//!
//! Every change runs in [`World::with`], which hands the state and a
//! [`Pushes`] list to fill; the updates are sent to the connections
//! concerned while the lock is still held, so each connection receives
//! them in `pts` order.

pub mod auth;
pub mod blocks;
pub mod channels;
pub mod chat;
pub mod dialogs;
pub mod difference;
pub mod messages;
pub mod password;
pub mod sequences;
pub mod updates;
pub mod users;
pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, PoisonError};

use paperplane_tl::{Serializable, enums};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use crate::error::{ApiError, ApiResult};
use crate::hub::{ConnId, Hub, Outgoing};
use auth::{Authorization, Logins};
use blocks::BlockList;
use channels::Channels;
use messages::Mailbox;
use password::{PasswordRecord, SrpLogin};
use sequences::Sequences;
use updates::UpdateLog;
use users::{TestPhone, UserRecord, Users, parse_bot_token, valid_username};

/// Randomness for the world (not persisted; fresh on every start).
pub struct WorldRng(pub ChaCha20Rng);

impl Default for WorldRng {
    fn default() -> Self {
        Self(ChaCha20Rng::from_entropy())
    }
}

/// Everything the world holds. Logins in progress and randomness are not
/// persisted.
#[derive(Default, Serialize, Deserialize)]
pub struct State {
    /// Every account.
    pub users: Users,
    /// Each account's messages.
    pub mailboxes: BTreeMap<i64, Mailbox>,
    /// Each account's update sequence.
    pub logs: BTreeMap<i64, UpdateLog>,
    /// Channels and supergroups (absent from worlds saved before they
    /// existed).
    #[serde(default)]
    pub channels: Channels,
    /// Each account's `qts`, `seq` and the channel `pts` it was handed
    /// (absent from worlds saved before they existed).
    #[serde(default)]
    pub sequences: BTreeMap<i64, Sequences>,
    /// Whom each account blocked (absent from older worlds).
    #[serde(default)]
    pub blocks: BTreeMap<i64, BlockList>,
    /// Logged-in keys, by auth_key_id.
    pub authorizations: BTreeMap<i64, Authorization>,
    /// Logins in progress.
    #[serde(skip)]
    pub logins: Logins,
    /// SRP logins in progress, by user.
    #[serde(skip)]
    pub srp: HashMap<i64, SrpLogin>,
    /// Randomness.
    #[serde(skip)]
    pub rng: WorldRng,
}

/// How the world treats unknown accounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WorldConfig {
    /// Unknown bot tokens are refused instead of creating the bot.
    pub strict_bots: bool,
    /// New test numbers must `auth.signUp` instead of being created by
    /// `auth.signIn`.
    pub require_signup: bool,
}

enum Target {
    User {
        user_id: i64,
        except: Option<ConnId>,
    },
    Key(i64),
}

/// One update to push, and the channel `pts` it hands its user if it
/// reaches one of their connections.
struct Item {
    target: Target,
    outgoing: Outgoing,
    channel_pts: Option<(i64, i32)>,
}

/// Updates to push once a change is done.
#[derive(Default)]
pub struct Pushes {
    items: Vec<Item>,
}

/// The ids of the users an `Updates` carries (the hub remembers which a
/// connection was sent).
fn carried_users(updates: &enums::Updates) -> Vec<i64> {
    let users = match updates {
        enums::Updates::Updates(u) => &u.users,
        enums::Updates::Combined(u) => &u.users,
        _ => return Vec::new(),
    };
    users
        .iter()
        .map(|u| match u {
            enums::User::User(u) => u.id,
            enums::User::Empty(u) => u.id,
        })
        .collect()
}

fn outgoing(updates: &enums::Updates) -> Outgoing {
    Outgoing {
        full: updates.to_bytes(),
        users: carried_users(updates),
        short: None,
        channel: None,
    }
}

impl Pushes {
    /// Pushes `updates` to every session logged in as `user_id` except the
    /// connection `except`.
    pub fn to_user(&mut self, user_id: i64, except: Option<ConnId>, updates: &enums::Updates) {
        self.push(Target::User { user_id, except }, outgoing(updates), None);
    }

    fn push(&mut self, target: Target, outgoing: Outgoing, channel_pts: Option<(i64, i32)>) {
        self.items.push(Item {
            target,
            outgoing,
            channel_pts,
        });
    }

    /// Pushes a message to every session logged in as `user_id` except
    /// `except`: as `short` to the sessions that have been pushed the
    /// `User` of `peer` already, as `full` (with the users) to the others.
    pub fn message_to_user(
        &mut self,
        user_id: i64,
        except: Option<ConnId>,
        full: &enums::Updates,
        peer: i64,
        short: &enums::Updates,
    ) {
        let mut item = outgoing(full);
        item.short = Some((peer, short.to_bytes()));
        self.push(Target::User { user_id, except }, item, None);
    }

    /// Pushes the event of channel `channel_id`'s sequence that brought
    /// it to `pts` to every session of `user_id` except `except`: always
    /// in full (with the channel in `chats`), and subject to the faults
    /// aimed at that channel rather than the account's. Once it reaches
    /// one of the user's connections, the user counts as handed `pts`.
    pub fn channel_to_user(
        &mut self,
        user_id: i64,
        except: Option<ConnId>,
        (channel_id, pts): (i64, i32),
        updates: &enums::Updates,
    ) {
        let mut item = outgoing(updates);
        item.channel = Some(channel_id);
        let target = Target::User { user_id, except };
        self.push(target, item, Some((channel_id, pts)));
    }

    /// Pushes `updates` to every connection using key `key_id`.
    pub fn to_key(&mut self, key_id: i64, updates: &enums::Updates) {
        self.push(Target::Key(key_id), outgoing(updates), None);
    }
}

/// The world and the connections it reaches.
pub struct World {
    state: Mutex<State>,
    hub: Hub,
    changed: watch::Sender<u64>,
    config: WorldConfig,
}

impl World {
    /// A world starting from `state`.
    pub fn new(state: State, config: WorldConfig) -> Self {
        Self {
            state: Mutex::new(state),
            hub: Hub::default(),
            changed: watch::Sender::new(0),
            config,
        }
    }

    /// How unknown accounts are treated.
    pub fn config(&self) -> WorldConfig {
        self.config
    }

    /// The open connections.
    pub fn hub(&self) -> &Hub {
        &self.hub
    }

    /// Runs `f` on the state, then sends the updates it queued and wakes
    /// whoever waits for a change.
    pub fn with<R>(&self, f: impl FnOnce(&mut State, &mut Pushes) -> R) -> R {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let mut pushes = Pushes::default();
        let result = f(&mut state, &mut pushes);
        for item in pushes.items {
            match item.target {
                Target::User { user_id, except } => {
                    let keys = state.keys_of(user_id);
                    let reached = self
                        .hub
                        .send_user_update(user_id, keys, except, item.outgoing);
                    if let (true, Some((channel, pts))) = (reached, item.channel_pts) {
                        state
                            .sequences
                            .entry(user_id)
                            .or_default()
                            .note_channel_given(channel, pts);
                    }
                }
                Target::Key(key_id) => {
                    self.hub.send_updates(&[key_id], None, &item.outgoing);
                }
            }
        }
        drop(state);
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        result
    }

    /// Runs `f` on the state without changing it (wakes nobody).
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&state)
    }

    /// A receiver that changes after every [`World::with`].
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// The persistent part of the state as JSON.
    pub fn to_json(&self) -> serde_json::Result<serde_json::Value> {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        serde_json::to_value(&*state)
    }
}

impl State {
    /// Creates a person with a test phone number.
    pub fn create_person(
        &mut self,
        phone: &TestPhone,
        first_name: &str,
        last_name: Option<&str>,
        username: Option<&str>,
    ) -> ApiResult<UserRecord> {
        if self.users.by_phone(&phone.digits).is_some() {
            return Err(ApiError::bad_request("PHONE_NUMBER_OCCUPIED"));
        }
        if first_name.trim().is_empty() || first_name.chars().count() > 64 {
            return Err(ApiError::bad_request("FIRSTNAME_INVALID"));
        }
        self.check_username(username)?;
        let user = UserRecord {
            id: self.users.next_person_id(),
            access_hash: self.rng.0.next_u64() as i64,
            first_name: first_name.to_owned(),
            last_name: last_name.filter(|l| !l.is_empty()).map(str::to_owned),
            username: username.map(|u| u.trim_start_matches('@').to_owned()),
            phone: Some(phone.digits.clone()),
            bot: false,
            dc_id: phone.dc_id,
            bot_token: None,
            password: None,
        };
        self.users.insert(user.clone());
        Ok(user)
    }

    pub(crate) fn check_username(&self, username: Option<&str>) -> ApiResult<()> {
        let Some(name) = username.map(|u| u.trim_start_matches('@')) else {
            return Ok(());
        };
        if !valid_username(name) {
            return Err(ApiError::bad_request("USERNAME_INVALID"));
        }
        if self.users.by_username(name).is_some() || self.channels.by_username(name).is_some() {
            return Err(ApiError::bad_request("USERNAME_OCCUPIED"));
        }
        Ok(())
    }

    /// Registers a bot with `token` (`<id>:<secret>`); registering the same
    /// token again returns the existing bot.
    pub fn create_bot(&mut self, token: &str, username: Option<&str>) -> ApiResult<UserRecord> {
        let id =
            parse_bot_token(token).ok_or_else(|| ApiError::bad_request("ACCESS_TOKEN_INVALID"))?;
        if let Some(existing) = self.users.get(id) {
            return match existing.bot_token.as_deref() == Some(token) {
                true => Ok(existing.clone()),
                false => Err(ApiError::bad_request("ACCESS_TOKEN_INVALID")),
            };
        }
        let default_name = format!("test{id}_bot");
        let username = username.unwrap_or(&default_name);
        self.check_username(Some(username))?;
        let user = UserRecord {
            id,
            access_hash: self.rng.0.next_u64() as i64,
            first_name: format!("Bot {id}"),
            last_name: None,
            username: Some(username.trim_start_matches('@').to_owned()),
            phone: None,
            bot: true,
            dc_id: 2,
            bot_token: Some(token.to_owned()),
            password: None,
        };
        self.users.insert(user.clone());
        Ok(user)
    }

    /// The bot a login with `token` is for: a registered one whose token
    /// matches, or (unless `strict`) a new one for an unknown id.
    pub fn bot_for_token(&mut self, token: &str, strict: bool) -> ApiResult<UserRecord> {
        let invalid = || ApiError::bad_request("ACCESS_TOKEN_INVALID");
        let id = parse_bot_token(token).ok_or_else(invalid)?;
        match self.users.get(id) {
            Some(bot) if bot.bot_token.as_deref() == Some(token) => Ok(bot.clone()),
            Some(_) => Err(invalid()),
            None if strict => Err(invalid()),
            None => self.create_bot(token, None),
        }
    }

    /// Sets (or with `None` removes) a user's 2FA password.
    pub fn set_password(
        &mut self,
        user_id: i64,
        password: Option<&str>,
        hint: Option<&str>,
    ) -> ApiResult<()> {
        let record =
            password.map(|p| PasswordRecord::new(p, hint.map(str::to_owned), &mut self.rng.0));
        let user = self
            .users
            .get_mut(user_id)
            .ok_or_else(|| ApiError::bad_request("USER_ID_INVALID"))?;
        user.password = record;
        self.srp.remove(&user_id);
        Ok(())
    }
}

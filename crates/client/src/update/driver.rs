//! The background task: feeds the updates engine, runs the requests it
//! asks for, hands what it releases to the streams and saves its counters.
//!
//! Everything the server says about updates goes through here, in one
//! task: pushes, the `Updates` and `affected*` answers of any request
//! (see [`observe`]), reconnects. The engine (`paperplane-updates`)
//! decides what is in order; this task only moves data and keeps time.

use std::collections::VecDeque;
use std::sync::Weak;
use std::time::Duration;

use paperplane_net::{InvocationError, PoolEvent};
use paperplane_session::{PeerId, UpdateState};
use paperplane_tl::{Deserializable, Identifiable, enums, functions, types};
use paperplane_updates::{Engine, Incoming, Output, State};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

use super::message::short_message;
use super::{IncomingMessage, MessageDeletion, Update, Work};
use crate::client::{Client, Inner};

/// How long a short form naming an unknown peer waits for a push that
/// shows the peer (the full form may simply come second) before the
/// difference is fetched for it: Telegram's hold time for gaps.
const UNRESOLVED_WAIT: Duration = Duration::from_millis(500);

/// How long changed counters wait before the session is saved, so a burst
/// of updates costs one write.
const SAVE_DELAY: Duration = Duration::from_secs(1);

/// The errors after which a channel cannot be read any more.
const CHANNEL_GONE: [&str; 4] = [
    "CHANNEL_PRIVATE",
    "CHANNEL_INVALID",
    "CHANNEL_PUBLIC_GROUP_NA",
    "USER_BANNED_IN_CHANNEL",
];

/// The answer to a request the engine asked for.
enum Answer {
    State(Result<enums::updates::State, InvocationError>),
    Difference(Result<enums::updates::Difference, InvocationError>),
    ChannelDifference(
        i64,
        Box<Result<enums::updates::ChannelDifference, InvocationError>>,
    ),
    ChannelState(i64, Box<Result<enums::messages::ChatFull, InvocationError>>),
}

struct Driver {
    /// Nothing is followed until the account is logged in.
    engine: Option<Engine>,
    /// The engine's clock starts here.
    epoch: Instant,
    answers: mpsc::UnboundedSender<Answer>,
    /// When the counters must be saved, if they changed.
    save_at: Option<Instant>,
    /// Why updates can no longer be followed, once known.
    fatal: Option<InvocationError>,
    /// Pushes were skipped because the streams (or the backlog) were
    /// full: catch up once there is room.
    behind: bool,
    /// Difference requests put off until there is room for what they
    /// bring.
    deferred: Vec<Output>,
    /// Short forms naming peers the client cannot address yet, in arrival
    /// order, each with how long it may wait for them (everything behind
    /// the first waits too, so order is kept).
    unresolved: VecDeque<(Instant, enums::Updates)>,
}

impl Driver {
    fn waits_for_room(&self) -> bool {
        self.behind || !self.deferred.is_empty()
    }

    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Starts following updates: from the server's `state` (as of the
    /// sign-in, or of a start without catching up), or from the session's
    /// saved counters, catching up on what was missed.
    fn start(&mut self, client: &Client, state: Option<enums::updates::State>) {
        let now = self.now();
        let config = client.inner.engine.clone();
        let mut engine = Engine::new(None, config.clone());
        match state {
            Some(state) => engine.handle_state(&state, now),
            None => {
                engine = Engine::new(saved_state(client), config);
                engine.catch_up(now);
            }
        }
        self.engine = Some(engine);
    }

    fn on_work(&mut self, client: &Client, work: Work) {
        let now = self.now();
        if let Work::Start { state } = work {
            return self.start(client, state.map(|s| *s));
        }
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        match work {
            Work::Result(updates) => self.on_updates(client, *updates),
            Work::Affected { pts, pts_count } => engine.handle_affected(pts, pts_count, now),
            Work::CatchUp => engine.catch_up(now),
            Work::Start { .. } => {}
        }
    }

    fn on_event(&mut self, client: &Client, event: PoolEvent) {
        match event {
            PoolEvent::Changed => self.save_at = Some(Instant::now()),
            // The streams (or the backlog) are full: leave this one on the
            // server (its pts is not applied) and fetch it later.
            PoolEvent::Update { .. } if !client.inner.updates.has_room() => self.behind = true,
            PoolEvent::Update { body, .. } => match enums::Updates::from_bytes(&body) {
                Ok(updates) => self.on_updates(client, updates),
                Err(e) => tracing::debug!("ignored a push that is not Updates: {e}"),
            },
            // Updates may have been pushed while the connection was down
            // (a proxy can keep a dead one open for minutes).
            PoolEvent::NewSession { .. }
            | PoolEvent::Reconnected { .. }
            | PoolEvent::UpdatesLost { .. } => {
                let now = self.now();
                if let Some(engine) = self.engine.as_mut() {
                    engine.catch_up(now);
                }
            }
        }
    }

    fn on_updates(&mut self, client: &Client, updates: enums::Updates) {
        // The peers a container shows may be what a waiting short form
        // needs (pushed in the other order): learn them at once.
        match &updates {
            enums::Updates::Updates(u) => {
                client.cache_users(&u.users);
                client.cache_chats(&u.chats);
            }
            enums::Updates::Combined(u) => {
                client.cache_users(&u.users);
                client.cache_chats(&u.chats);
            }
            _ => {}
        }
        if !self.unresolved.is_empty() || names_unknown_peers(client, &updates) {
            let deadline = Instant::now() + UNRESOLVED_WAIT;
            self.unresolved.push_back((deadline, updates));
            return self.retry_unresolved(client);
        }
        self.feed(client, updates);
    }

    /// Feeds what waited for its peers, in arrival order: once they are
    /// known (another push brought them), or, past its deadline, by
    /// fetching the difference, which carries them.
    fn retry_unresolved(&mut self, client: &Client) {
        let now = Instant::now();
        while let Some((deadline, updates)) = self.unresolved.front() {
            if names_unknown_peers(client, updates) && *deadline > now {
                break;
            }
            let Some((_, updates)) = self.unresolved.pop_front() else {
                break;
            };
            match names_unknown_peers(client, &updates) {
                true => {
                    let now = self.now();
                    if let Some(engine) = self.engine.as_mut() {
                        engine.handle_too_long(now);
                    }
                }
                false => self.feed(client, updates),
            }
            // What the engine released may name the peers the next needs.
            self.run_outputs(client);
        }
    }

    fn feed(&mut self, client: &Client, updates: enums::Updates) {
        let now = self.now();
        let fed = incoming(client, updates);
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        match fed {
            Fed::Incoming(incoming) => engine.handle_updates(incoming, now),
            Fed::TooLong => engine.handle_too_long(now),
            Fed::Affected { pts, pts_count } => engine.handle_affected(pts, pts_count, now),
        }
    }

    fn on_answer(&mut self, answer: Answer) {
        let now = self.now();
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        match answer {
            Answer::State(Ok(state)) => engine.handle_state(&state, now),
            Answer::Difference(Ok(difference)) => engine.handle_difference(difference, now),
            Answer::State(Err(e)) | Answer::Difference(Err(e)) if is_fatal(&e) => {
                tracing::warn!("updates can no longer be followed: {e}");
                self.engine = None;
                self.fatal = Some(e);
            }
            Answer::State(Err(e)) | Answer::Difference(Err(e)) => {
                tracing::warn!("fetching missed updates failed (will retry): {e}");
                engine.handle_difference_failed(now);
            }
            Answer::ChannelState(id, answer) => {
                let pts = match *answer {
                    Ok(enums::messages::ChatFull::ChatFull(full)) => match full.full_chat {
                        enums::ChatFull::ChannelFull(c) => Some(c.pts),
                        _ => None,
                    },
                    Err(e) => {
                        tracing::warn!("fetching channel {id}'s pts failed: {e}");
                        None
                    }
                };
                engine.handle_channel_state(id, pts, now);
            }
            Answer::ChannelDifference(id, answer) => match *answer {
                Ok(difference) => engine.handle_channel_difference(id, difference, now),
                Err(e) => {
                    let gone = CHANNEL_GONE.iter().any(|name| e.is(name));
                    tracing::warn!("fetching channel {id}'s updates failed: {e}");
                    engine.handle_channel_difference_failed(id, gone, now);
                }
            },
        }
    }

    /// Carries out what the engine asks for; differences wait while the
    /// streams are full.
    fn run_outputs(&mut self, client: &Client) {
        if client.inner.updates.has_room() {
            for output in std::mem::take(&mut self.deferred) {
                self.run_output(client, output);
            }
        }
        while let Some(output) = self.engine.as_mut().and_then(Engine::poll_output) {
            let fetches = matches!(
                output,
                Output::GetDifference(_) | Output::GetChannelDifference { .. }
            );
            if fetches && !client.inner.updates.has_room() {
                self.deferred.push(output);
            } else {
                self.run_output(client, output);
            }
        }
    }

    fn run_output(&mut self, client: &Client, output: Output) {
        match output {
            Output::Updates(batch) => {
                client.cache_users(&batch.users);
                client.cache_chats(&batch.chats);
                for update in batch.updates {
                    deliver(client, update);
                }
            }
            Output::GetState => self.ask(client, |c, tx| async move {
                let answer = c.invoke(&functions::updates::GetState {}).await;
                let _ = tx.send(Answer::State(answer));
            }),
            Output::GetDifference(request) => self.ask(client, |c, tx| async move {
                let answer = c.invoke(&request).await;
                let _ = tx.send(Answer::Difference(answer));
            }),
            Output::GetChannelDifference {
                channel_id,
                pts,
                limit,
            } => self.ask_channel(client, channel_id, pts, limit),
            Output::DifferenceTooLong { pts } => {
                client
                    .inner
                    .updates
                    .publish(Update::DifferenceTooLong { pts });
            }
            Output::ChannelTooLong { channel_id, recent } => {
                client.cache_users(&recent.users);
                client.cache_chats(&recent.chats);
                let recent = recent
                    .updates
                    .into_iter()
                    .filter_map(|u| match u {
                        enums::Update::NewChannelMessage(u) => {
                            Some(IncomingMessage::new(u.message, client.clone()))
                        }
                        _ => None,
                    })
                    .collect();
                client
                    .inner
                    .updates
                    .publish(Update::ChannelTooLong { channel_id, recent });
            }
            Output::GetChannelState { channel_id } => {
                let Some(channel) = input_channel(client, channel_id) else {
                    let now = self.now();
                    if let Some(engine) = self.engine.as_mut() {
                        engine.handle_channel_state(channel_id, None, now);
                    }
                    return;
                };
                let request = functions::channels::GetFullChannel { channel };
                self.ask(client, move |c, tx| async move {
                    let answer = c.invoke(&request).await;
                    let _ = tx.send(Answer::ChannelState(channel_id, Box::new(answer)));
                });
            }
            Output::ChannelClosed { channel_id } => {
                client.inner.store.lock().remove_channel_pts(channel_id);
            }
            Output::StateChanged => {
                if let Some(state) = self.engine.as_ref().and_then(Engine::state) {
                    store_state(client, &state);
                }
                self.save_at
                    .get_or_insert_with(|| Instant::now() + SAVE_DELAY);
            }
        }
    }

    /// Runs `request` on its own task; its answer comes back as an
    /// [`Answer`].
    fn ask<F, Fut>(&self, client: &Client, request: F)
    where
        F: FnOnce(Client, mpsc::UnboundedSender<Answer>) -> Fut,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        tokio::spawn(request(client.clone(), self.answers.clone()));
    }

    fn ask_channel(&mut self, client: &Client, channel_id: i64, pts: i32, limit: i32) {
        let Some(channel) = input_channel(client, channel_id) else {
            // Never resolvable without its access hash: stop following it.
            let now = self.now();
            if let Some(engine) = self.engine.as_mut() {
                engine.handle_channel_difference_failed(channel_id, true, now);
            }
            return;
        };
        let request = functions::updates::GetChannelDifference {
            force: false,
            channel,
            filter: enums::ChannelMessagesFilter::Empty,
            pts,
            limit,
        };
        self.ask(client, move |c, tx| async move {
            let answer = c.invoke(&request).await;
            let _ = tx.send(Answer::ChannelDifference(channel_id, Box::new(answer)));
        });
    }
}

/// A channel with its cached access hash, if it has one.
fn input_channel(client: &Client, channel_id: i64) -> Option<enums::InputChannel> {
    let access_hash = client
        .inner
        .store
        .lock()
        .peer(PeerId::Channel(channel_id))
        .and_then(|p| p.access_hash())?;
    Some(
        types::InputChannel {
            channel_id,
            access_hash,
        }
        .into(),
    )
}

/// Runs until shutdown or until the client is gone.
pub(crate) async fn run(
    client: Weak<Inner>,
    mut events: mpsc::UnboundedReceiver<PoolEvent>,
    mut work: mpsc::UnboundedReceiver<Work>,
    mut stopped: watch::Receiver<bool>,
) {
    let (answers, mut answers_rx) = mpsc::unbounded_channel();
    let mut driver = Driver {
        engine: None,
        epoch: Instant::now(),
        answers,
        save_at: None,
        fatal: None,
        behind: false,
        deferred: Vec::new(),
        unresolved: VecDeque::new(),
    };
    loop {
        let timeout = driver
            .engine
            .as_ref()
            .and_then(Engine::poll_timeout)
            .map(|ms| driver.epoch + Duration::from_millis(ms));
        let unresolved = driver.unresolved.front().map(|(at, _)| *at);
        let timeout = timeout.into_iter().chain(unresolved).min();
        // Biased: answers first, then pushes, then local work, so nothing
        // queued is starved; order itself is the engine's business.
        let step = tokio::select! {
            biased;
            _ = stopped.changed() => break,
            Some(answer) = answers_rx.recv() => Step::Answer(answer),
            event = events.recv() => match event {
                Some(event) => Step::Event(event),
                None => break,
            },
            item = work.recv() => match item {
                Some(item) => Step::Work(item),
                None => break,
            },
            _ = sleep_until(timeout) => Step::Timeout,
            _ = sleep_until(driver.save_at) => Step::Save,
            _ = room_made(&client, driver.waits_for_room()) => Step::Room,
        };
        let Some(inner) = client.upgrade() else { break };
        let client = Client { inner };
        match step {
            Step::Answer(answer) => driver.on_answer(answer),
            Step::Event(event) => driver.on_event(&client, event),
            Step::Work(item) => driver.on_work(&client, item),
            Step::Timeout => {
                let now = driver.now();
                if let Some(engine) = driver.engine.as_mut() {
                    engine.handle_timeout(now);
                }
                driver.retry_unresolved(&client);
            }
            Step::Room => {}
            Step::Save => {
                driver.save_at = None;
                if let Err(e) = client.save_session().await {
                    tracing::warn!("could not save the session: {e}");
                }
            }
        }
        if driver.behind && client.inner.updates.has_room() {
            driver.behind = false;
            let now = driver.now();
            if let Some(engine) = driver.engine.as_mut() {
                engine.catch_up(now);
            }
        }
        driver.run_outputs(&client);
        if let Some(error) = driver.fatal.take() {
            client
                .inner
                .updates
                .publish(Update::Fatal(std::sync::Arc::new(error)));
            client.inner.updates.close();
        }
    }
    if let Some(inner) = client.upgrade() {
        let client = Client { inner };
        if driver.save_at.is_some() {
            let _ = client.save_session().await;
        }
        client.inner.updates.close();
        client.inner.pool.shutdown();
    }
}

enum Step {
    Room,
    Answer(Answer),
    Event(PoolEvent),
    Work(Work),
    Timeout,
    Save,
}

/// Resolves when the streams make room, if the driver waits for that.
async fn room_made(client: &Weak<Inner>, waits: bool) {
    let hub_owner = match waits {
        true => client.upgrade(),
        false => None,
    };
    match hub_owner {
        Some(inner) => inner.updates.room_made().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Whether `error` means updates can never be fetched again on this login:
/// an authorization error other than a temporary key not bound yet.
fn is_fatal(error: &InvocationError) -> bool {
    error
        .rpc()
        .is_some_and(|e| e.code == 401 && e.name != "AUTH_KEY_PERM_EMPTY")
}

/// The session's saved counters, if any.
fn saved_state(client: &Client) -> Option<State> {
    let session = client.inner.store.lock();
    let common = session.update_state()?;
    Some(State {
        pts: common.pts,
        qts: common.qts,
        date: common.date,
        seq: common.seq,
        channels: session.channels_pts().collect(),
    })
}

/// Writes the engine's counters into the session (saved soon after).
fn store_state(client: &Client, state: &State) {
    let mut session = client.inner.store.lock();
    session.set_update_state(UpdateState {
        pts: state.pts,
        qts: state.qts,
        date: state.date,
        seq: state.seq,
    });
    let gone: Vec<i64> = session
        .channels_pts()
        .map(|(id, _)| id)
        .filter(|id| !state.channels.contains_key(id))
        .collect();
    for id in gone {
        session.remove_channel_pts(id);
    }
    for (&id, &pts) in &state.channels {
        session.set_channel_pts(id, pts);
    }
}

/// Whether `updates` is a short form naming a peer the client cannot
/// address. Telegram sends short forms when it believes the client knows
/// the peers; when it does not, the difference carries the same message
/// with its users and chats.
fn names_unknown_peers(client: &Client, updates: &enums::Updates) -> bool {
    match updates {
        enums::Updates::UpdateShortMessage(u) => !client.knows(PeerId::User(u.user_id)),
        enums::Updates::UpdateShortChatMessage(u) => {
            !client.knows(PeerId::User(u.from_id)) || !client.knows(PeerId::Chat(u.chat_id))
        }
        _ => false,
    }
}

/// What an `Updates` object means for the engine.
enum Fed {
    Incoming(Incoming),
    TooLong,
    Affected { pts: i32, pts_count: i32 },
}

fn user_peer(user_id: i64) -> enums::Peer {
    types::PeerUser { user_id }.into()
}

/// The `message` a short update (`updateShortMessage`,
/// `updateShortChatMessage`) stands for.
macro_rules! message_of_short {
    ($u:expr, $from:expr, $peer:expr) => {{
        let u = $u;
        short_message(
            u.id,
            u.out,
            $from,
            $peer,
            u.date,
            u.message,
            u.entities,
            u.fwd_from,
            u.via_bot_id,
            u.reply_to,
            u.silent,
            u.mentioned,
            u.media_unread,
            u.ttl_period,
            None,
        )
    }};
}

/// Turns any form of `Updates` into what the engine takes: short forms
/// become the updates they stand for.
fn incoming(client: &Client, updates: enums::Updates) -> Fed {
    use enums::Updates as U;
    let new_message = |message, pts, pts_count| -> enums::Update {
        types::UpdateNewMessage {
            message,
            pts,
            pts_count,
        }
        .into()
    };
    match updates {
        U::TooLong => Fed::TooLong,
        U::UpdateShortMessage(u) => {
            let peer = user_peer(u.user_id);
            let from = match u.out {
                true => client.self_id().map(user_peer),
                false => Some(peer.clone()),
            };
            let (date, pts, count) = (u.date, u.pts, u.pts_count);
            let update = new_message(message_of_short!(u, from, peer), pts, count);
            Fed::Incoming(Incoming::one(update, date))
        }
        U::UpdateShortChatMessage(u) => {
            let peer: enums::Peer = types::PeerChat { chat_id: u.chat_id }.into();
            let from = Some(user_peer(u.from_id));
            let (date, pts, count) = (u.date, u.pts, u.pts_count);
            let update = new_message(message_of_short!(u, from, peer), pts, count);
            Fed::Incoming(Incoming::one(update, date))
        }
        U::UpdateShort(u) => Fed::Incoming(Incoming::one(u.update, u.date)),
        U::Combined(u) => Fed::Incoming(Incoming {
            updates: u.updates,
            users: u.users,
            chats: u.chats,
            date: u.date,
            seq_start: u.seq_start,
            seq: u.seq,
        }),
        U::Updates(u) => Fed::Incoming(Incoming {
            updates: u.updates,
            users: u.users,
            chats: u.chats,
            date: u.date,
            seq_start: u.seq,
            seq: u.seq,
        }),
        U::UpdateShortSentMessage(u) => Fed::Affected {
            pts: u.pts,
            pts_count: u.pts_count,
        },
    }
}

/// The constructor id a serialized TL object starts with (0 when too
/// short).
pub(crate) fn constructor_of(bytes: &[u8]) -> u32 {
    bytes
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// Methods whose `messages.affectedMessages` / `messages.affectedHistory`
/// carry a channel's pts, not the account's: taken for the account's, they
/// could pass for its next event and make the real one look old.
const CHANNEL_AFFECTED: [u32; 2] = [
    functions::channels::DeleteMessages::CONSTRUCTOR_ID,
    functions::channels::DeleteParticipantHistory::CONSTRUCTOR_ID,
];

/// Feeds what a request's answer says about updates to the engine: any
/// `Updates` (sending, editing, creating …), the `Updates` inside
/// `messages.chatInviteJoinResultOk` (joining) and
/// `messages.invitedUsers` (inviting), and the `affected*` results of the
/// account's sequence (deleting, reading), so the client's own actions
/// never look like gaps. `method` is the request's constructor id.
pub(crate) fn observe(client: &Client, method: u32, answer: &[u8]) {
    let id = constructor_of(answer);
    const UPDATES: [u32; 7] = [
        0xe317_af7e, // updatesTooLong
        types::UpdateShortMessage::CONSTRUCTOR_ID,
        types::UpdateShortChatMessage::CONSTRUCTOR_ID,
        types::UpdateShort::CONSTRUCTOR_ID,
        types::UpdatesCombined::CONSTRUCTOR_ID,
        types::Updates::CONSTRUCTOR_ID,
        types::UpdateShortSentMessage::CONSTRUCTOR_ID,
    ];
    let channel_pts = CHANNEL_AFFECTED.contains(&method);
    let work = if UPDATES.contains(&id) {
        enums::Updates::from_bytes(answer)
            .ok()
            .map(|u| Work::Result(Box::new(u)))
    } else if id == types::messages::ChatInviteJoinResultOk::CONSTRUCTOR_ID {
        match enums::messages::ChatInviteJoinResult::from_bytes(answer) {
            Ok(enums::messages::ChatInviteJoinResult::Ok(r)) => {
                Some(Work::Result(Box::new(r.updates)))
            }
            _ => None,
        }
    } else if id == types::messages::InvitedUsers::CONSTRUCTOR_ID {
        enums::messages::InvitedUsers::from_bytes(answer)
            .ok()
            .map(|enums::messages::InvitedUsers::InvitedUsers(r)| Work::Result(Box::new(r.updates)))
    } else if channel_pts {
        None
    } else if id == types::messages::AffectedMessages::CONSTRUCTOR_ID {
        enums::messages::AffectedMessages::from_bytes(answer)
            .ok()
            .map(
                |enums::messages::AffectedMessages::AffectedMessages(a)| Work::Affected {
                    pts: a.pts,
                    pts_count: a.pts_count,
                },
            )
    } else if id == types::messages::AffectedHistory::CONSTRUCTOR_ID {
        enums::messages::AffectedHistory::from_bytes(answer)
            .ok()
            .map(
                |enums::messages::AffectedHistory::AffectedHistory(a)| Work::Affected {
                    pts: a.pts,
                    pts_count: a.pts_count,
                },
            )
    } else {
        None
    };
    if let Some(work) = work {
        client.queue(work);
    }
}

/// Hands one update to every stream.
fn deliver(client: &Client, update: enums::Update) {
    use enums::Update as U;
    let hub = &client.inner.updates;
    let message = |m| IncomingMessage::new(m, client.clone());
    hub.publish(match update {
        U::NewMessage(u) => Update::NewMessage(message(u.message)),
        U::NewChannelMessage(u) => Update::NewMessage(message(u.message)),
        U::EditMessage(u) => Update::MessageEdited(message(u.message)),
        U::EditChannelMessage(u) => Update::MessageEdited(message(u.message)),
        U::DeleteMessages(u) => Update::MessageDeleted(MessageDeletion {
            message_ids: u.messages,
            channel_id: None,
        }),
        U::DeleteChannelMessages(u) => Update::MessageDeleted(MessageDeletion {
            message_ids: u.messages,
            channel_id: Some(u.channel_id),
        }),
        other => Update::Raw(Box::new(other)),
    });
}

//! The engine: updates in, ordered batches and difference requests out.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use paperplane_tl::{enums, functions, types};

use crate::sequence::{Fit, Position, fit, position};

/// How the engine waits and fetches.
#[derive(Clone, Debug)]
pub struct Config {
    /// How long (ms) an out-of-order update waits for the ones missing
    /// before it, before the difference is fetched. Telegram suggests 0.5 s.
    pub hold_ms: u64,
    /// `pts_total_limit` of `updates.getDifference` (the server's default
    /// when `None`); beyond it the server answers `differenceTooLong`.
    pub pts_total_limit: Option<i32>,
    /// `limit` of `updates.getChannelDifference`: Telegram allows up to 100
    /// for users and 100,000 for bots.
    pub channel_limit: i32,
    /// The most updates held per counter while a gap is open; past it they
    /// are let go and the difference brings them instead.
    pub max_held: usize,
    /// First delay (ms) before a failed difference is asked again; it
    /// doubles up to a minute.
    pub retry_ms: u64,
    /// How long (ms) the account, or a channel, may stay silent before its
    /// difference is fetched anyway: a lost push with nothing after it
    /// shows no gap, and Telegram's clients poll after 15 minutes.
    pub idle_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hold_ms: 500,
            pts_total_limit: None,
            channel_limit: 100,
            max_held: 10_000,
            retry_ms: 1_000,
            idle_ms: 15 * 60 * 1_000,
        }
    }
}

/// The counters a client saves with its session to resume where it
/// stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct State {
    /// The account's `pts`.
    pub pts: i32,
    /// The account's `qts`.
    pub qts: i32,
    /// The date of the last update applied.
    pub date: i32,
    /// The account's `seq`.
    pub seq: i32,
    /// Each known channel's `pts`.
    pub channels: BTreeMap<i64, i32>,
}

/// Updates ready for the application, in the order they apply, with the
/// users and chats they mention.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// The updates.
    pub updates: Vec<enums::Update>,
    /// Users they mention.
    pub users: Vec<enums::User>,
    /// Chats they mention.
    pub chats: Vec<enums::Chat>,
}

impl Batch {
    /// Whether it carries no update.
    pub fn is_empty(&self) -> bool {
        self.updates.is_empty()
    }
}

/// One `updates` container (or a short form turned into one).
#[derive(Clone, Debug, Default)]
pub struct Incoming {
    /// Its updates.
    pub updates: Vec<enums::Update>,
    /// Users they mention.
    pub users: Vec<enums::User>,
    /// Chats they mention.
    pub chats: Vec<enums::Chat>,
    /// Its date.
    pub date: i32,
    /// `seq_start` (`updatesCombined`; `seq` otherwise; 0 when unordered).
    pub seq_start: i32,
    /// `seq` (0 when the container is unordered).
    pub seq: i32,
}

impl Incoming {
    /// A single update outside any sequence of containers
    /// (`updateShort`, a short message turned into an update).
    pub fn one(update: enums::Update, date: i32) -> Self {
        Self {
            updates: vec![update],
            date,
            ..Self::default()
        }
    }
}

/// What the engine asks of the client, or hands to the application.
#[derive(Clone, Debug)]
pub enum Output {
    /// Deliver these, in order.
    Updates(Batch),
    /// Call `updates.getState` and give the answer to
    /// [`Engine::handle_state`] (the engine has no counters yet).
    GetState,
    /// Call this and give the answer to [`Engine::handle_difference`].
    GetDifference(functions::updates::GetDifference),
    /// Call `updates.getChannelDifference` for this channel (with its
    /// access hash and an empty filter) and give the answer to
    /// [`Engine::handle_channel_difference`].
    GetChannelDifference {
        /// The channel.
        channel_id: i64,
        /// From this pts.
        pts: i32,
        /// At most this many events.
        limit: i32,
    },
    /// The account missed more than the server will replay
    /// (`differenceTooLong`): its counters jumped to `pts`, and the
    /// application should reload what it shows (dialogs, histories).
    DifferenceTooLong {
        /// The new pts.
        pts: i32,
    },
    /// A channel missed more than the server will replay
    /// (`channelDifferenceTooLong`): here is its recent history instead.
    ChannelTooLong {
        /// The channel.
        channel_id: i64,
        /// Its latest messages (as new-message updates), users and chats.
        recent: Batch,
    },
    /// A channel the account is in but whose pts the engine does not know
    /// (just joined, or never seen): call `channels.getFullChannel` and
    /// give its `pts` to [`Engine::handle_channel_state`].
    GetChannelState {
        /// The channel.
        channel_id: i64,
    },
    /// A channel can no longer be read (left, banned, deleted): its
    /// counter is forgotten.
    ChannelClosed {
        /// The channel.
        channel_id: i64,
    },
    /// The counters changed: time to save them (see [`Engine::state`]).
    StateChanged,
}

/// The users and chats of one container, shared by the updates of it that
/// wait.
#[derive(Debug, Default)]
struct Peers {
    users: Vec<enums::User>,
    chats: Vec<enums::Chat>,
}

/// An update waiting for the ones before it.
#[derive(Debug)]
struct Pending {
    update: enums::Update,
    peers: Arc<Peers>,
}

/// Whether (and when) a difference is to be fetched for a counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fetch {
    /// Nothing missing.
    Idle,
    /// A gap is open; fetch at this time unless it closes first.
    Due(u64),
    /// A request is out.
    InFlight,
}

impl Fetch {
    /// A gap opened at `now`: fetch after `hold` unless already planned.
    fn open_gap(&mut self, now: u64, hold: u64) {
        if *self == Fetch::Idle {
            *self = Fetch::Due(now.saturating_add(hold));
        }
    }

    fn due_at(self) -> Option<u64> {
        match self {
            Fetch::Due(at) => Some(at),
            _ => None,
        }
    }
}

/// Updates waiting on one counter, by the counter value before them.
#[derive(Debug, Default)]
struct Held {
    items: BTreeMap<i32, Vec<Pending>>,
    len: usize,
}

impl Held {
    fn push(&mut self, start: i32, pending: Pending) {
        self.items.entry(start).or_default().push(pending);
        self.len += 1;
    }

    fn clear(&mut self) {
        self.items.clear();
        self.len = 0;
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Takes the waiting updates that may now apply or be dropped: those
    /// that start at or before `local`.
    fn take_ready(&mut self, local: i32) -> Vec<Pending> {
        let mut ready = Vec::new();
        while let Some(entry) = self.items.first_entry() {
            if *entry.key() > local {
                break;
            }
            let taken = entry.remove();
            self.len -= taken.len();
            ready.extend(taken);
        }
        ready
    }
}

/// A channel's counter and what waits on it.
#[derive(Debug)]
struct Channel {
    pts: i32,
    held: Held,
    fetch: Fetch,
    retry_ms: u64,
    /// When it was last heard of (an update or a difference).
    heard: Option<u64>,
}

/// The account's counters.
#[derive(Clone, Copy, Debug)]
struct Common {
    pts: i32,
    qts: i32,
    seq: i32,
    date: i32,
}

/// The sans-IO updates engine.
///
/// Feed it what the server pushes ([`Engine::handle_updates`]) and what
/// RPC results say about the counters ([`Engine::handle_affected`]); it
/// applies updates in order, drops duplicates, holds out-of-order ones for
/// [`Config::hold_ms`] and then asks for the difference; answer its
/// requests with the `handle_*` methods and call
/// [`Engine::handle_timeout`] at [`Engine::poll_timeout`]. Nothing inside
/// reads a clock or does I/O: times are milliseconds on any monotonic
/// clock the caller chooses.
#[derive(Debug)]
pub struct Engine {
    config: Config,
    common: Option<Common>,
    pts_held: Held,
    qts_held: Held,
    seq_held: BTreeMap<i32, Vec<Incoming>>,
    fetch: Fetch,
    retry_ms: u64,
    /// When the account's sequence was last heard of.
    heard: Option<u64>,
    channels: HashMap<i64, Channel>,
    /// Channels whose pts was asked for ([`Output::GetChannelState`]).
    asked_state: std::collections::HashSet<i64>,
    /// Containers that came before the counters were known.
    early: Vec<Incoming>,
    outputs: VecDeque<Output>,
    /// What is being assembled for the next [`Output::Updates`].
    batch: Batch,
    /// The shared peers already added to `batch` (by address).
    batch_peers: Vec<usize>,
    changed: bool,
}

impl Engine {
    /// An engine starting from saved counters, or from none (it then asks
    /// for `updates.getState` as soon as updates arrive).
    pub fn new(state: Option<State>, config: Config) -> Self {
        let retry_ms = config.retry_ms;
        let mut engine = Self {
            config,
            common: None,
            pts_held: Held::default(),
            qts_held: Held::default(),
            seq_held: BTreeMap::new(),
            fetch: Fetch::Idle,
            retry_ms,
            heard: None,
            channels: HashMap::new(),
            asked_state: std::collections::HashSet::new(),
            early: Vec::new(),
            outputs: VecDeque::new(),
            batch: Batch::default(),
            batch_peers: Vec::new(),
            changed: false,
        };
        if let Some(state) = state {
            engine.common = Some(Common {
                pts: state.pts,
                qts: state.qts,
                seq: state.seq,
                date: state.date,
            });
            for (id, pts) in state.channels {
                engine.channels.insert(id, engine.new_channel(pts));
            }
        }
        engine
    }

    fn new_channel(&self, pts: i32) -> Channel {
        Channel {
            pts,
            held: Held::default(),
            fetch: Fetch::Idle,
            retry_ms: self.config.retry_ms,
            heard: None,
        }
    }

    /// The counters to save, once known.
    pub fn state(&self) -> Option<State> {
        let common = self.common?;
        Some(State {
            pts: common.pts,
            qts: common.qts,
            date: common.date,
            seq: common.seq,
            channels: self.channels.iter().map(|(id, c)| (*id, c.pts)).collect(),
        })
    }

    /// The next thing to do or deliver.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`Engine::handle_timeout`] must be called next, if ever.
    pub fn poll_timeout(&self) -> Option<u64> {
        let idle = self.config.idle_ms;
        let channels = self.channels.values().filter_map(|c| {
            c.fetch
                .due_at()
                .or_else(|| idle_due(c.fetch, c.heard, idle))
        });
        let common = match self.common {
            Some(_) => self
                .fetch
                .due_at()
                .or_else(|| idle_due(self.fetch, self.heard, idle)),
            None => self.fetch.due_at(),
        };
        common.into_iter().chain(channels).min()
    }

    /// Asks for the difference now (after a reconnect, or when the
    /// application knows the network was down).
    pub fn catch_up(&mut self, now: u64) {
        if self.common.is_none() {
            return self.need_state();
        }
        // Saved channels are timed from the first catch-up.
        for channel in self.channels.values_mut() {
            channel.heard.get_or_insert(now);
        }
        if self.fetch != Fetch::InFlight {
            self.fetch = Fetch::Due(now);
        }
        self.handle_timeout(now);
    }

    /// Handles what the server pushed.
    pub fn handle_updates(&mut self, incoming: Incoming, now: u64) {
        self.heard = Some(now);
        self.apply_container(incoming, now);
        self.finish();
    }

    /// `updatesTooLong`: too much to push; the difference must be fetched.
    pub fn handle_too_long(&mut self, now: u64) {
        self.catch_up(now);
        self.finish();
    }

    /// An RPC result that moved the account's pts without carrying the
    /// update itself (`messages.affectedMessages`, `affectedHistory`,
    /// `updateShortSentMessage`): the client's own action, already known
    /// to it, must not come back as a gap.
    pub fn handle_affected(&mut self, pts: i32, pts_count: i32, now: u64) {
        let peers = Arc::new(Peers::default());
        self.pts_update(None, pts, pts_count, &peers, now);
        self.finish();
    }

    /// The answer to [`Output::GetState`].
    pub fn handle_state(&mut self, state: &enums::updates::State, now: u64) {
        let enums::updates::State::State(s) = state;
        self.common = Some(Common {
            pts: s.pts,
            qts: s.qts,
            seq: s.seq,
            date: s.date,
        });
        self.fetch = Fetch::Idle;
        self.heard = Some(now);
        self.changed = true;
        for incoming in std::mem::take(&mut self.early) {
            self.apply_container(incoming, now);
        }
        self.finish();
    }

    /// Checks for gaps whose hold ran out and differences to retry.
    pub fn handle_timeout(&mut self, now: u64) {
        // Silent too long: ask anyway (what was lost last shows no gap).
        let idle = self.config.idle_ms;
        if self.common.is_some()
            && idle_due(self.fetch, self.heard, idle).is_some_and(|at| at <= now)
        {
            self.fetch = Fetch::Due(now);
        }
        for channel in self.channels.values_mut() {
            if idle_due(channel.fetch, channel.heard, idle).is_some_and(|at| at <= now) {
                channel.fetch = Fetch::Due(now);
            }
        }
        if let Fetch::Due(at) = self.fetch {
            if at <= now {
                self.fetch = Fetch::InFlight;
                self.outputs.push_back(match self.common {
                    Some(common) => Output::GetDifference(functions::updates::GetDifference {
                        pts: common.pts,
                        pts_limit: None,
                        pts_total_limit: self.config.pts_total_limit,
                        date: common.date,
                        qts: common.qts,
                        qts_limit: None,
                    }),
                    None => Output::GetState,
                });
            }
        }
        let limit = self.config.channel_limit;
        let mut due: Vec<(i64, i32)> = self
            .channels
            .iter()
            .filter(|(_, c)| c.fetch.due_at().is_some_and(|at| at <= now))
            .map(|(id, c)| (*id, c.pts))
            .collect();
        due.sort_unstable();
        for (channel_id, pts) in due {
            if let Some(channel) = self.channels.get_mut(&channel_id) {
                channel.fetch = Fetch::InFlight;
            }
            self.outputs.push_back(Output::GetChannelDifference {
                channel_id,
                pts,
                limit,
            });
        }
    }

    /// The answer to [`Output::GetDifference`].
    pub fn handle_difference(&mut self, difference: enums::updates::Difference, now: u64) {
        use enums::updates::Difference as D;
        let Some(common) = self.common.as_mut() else {
            return;
        };
        self.retry_ms = self.config.retry_ms;
        let done = match difference {
            D::Empty(d) => {
                common.date = d.date;
                common.seq = d.seq;
                true
            }
            D::Difference(d) => {
                self.apply_difference(d.new_messages, d.other_updates, d.users, d.chats, now);
                self.set_common(&d.state);
                true
            }
            D::Slice(d) => {
                self.apply_difference(d.new_messages, d.other_updates, d.users, d.chats, now);
                self.set_common(&d.intermediate_state);
                false
            }
            D::TooLong(d) => {
                common.pts = d.pts;
                self.outputs
                    .push_back(Output::DifferenceTooLong { pts: d.pts });
                // What the other counters missed is still to be fetched.
                false
            }
        };
        self.changed = true;
        // What this answer released goes out before the next request, so
        // a caller short of room can put that request off.
        self.flush();
        if done {
            self.fetch = Fetch::Idle;
            self.heard = Some(now);
            self.drain_common(now);
        } else {
            self.fetch = Fetch::Due(now);
            self.handle_timeout(now);
        }
        self.finish();
    }

    /// [`Output::GetDifference`] (or [`Output::GetState`]) failed; it is
    /// asked again later (what waits keeps waiting, nothing is dropped).
    pub fn handle_difference_failed(&mut self, now: u64) {
        self.fetch = Fetch::Due(now.saturating_add(self.retry_ms));
        self.retry_ms = (self.retry_ms * 2).min(60_000);
    }

    /// The answer to [`Output::GetChannelDifference`].
    pub fn handle_channel_difference(
        &mut self,
        channel_id: i64,
        difference: enums::updates::ChannelDifference,
        now: u64,
    ) {
        use enums::updates::ChannelDifference as D;
        let retry_ms = self.config.retry_ms;
        let Some(channel) = self.channels.get_mut(&channel_id) else {
            return;
        };
        channel.retry_ms = retry_ms;
        let done = match difference {
            D::Empty(d) => {
                channel.pts = d.pts;
                true
            }
            D::ChannelDifference(d) => {
                channel.pts = d.pts;
                let peers = Arc::new(Peers {
                    users: d.users,
                    chats: d.chats,
                });
                for message in d.new_messages {
                    let update = new_channel_message(message);
                    self.emit(update, &peers);
                }
                for update in d.other_updates {
                    // Already in order, and covered by the new pts.
                    self.emit(update, &peers);
                }
                d.r#final
            }
            D::TooLong(d) => {
                let enums::Dialog::Dialog(dialog) = &d.dialog else {
                    return;
                };
                if let Some(pts) = dialog.pts {
                    channel.pts = pts;
                }
                let recent = Batch {
                    updates: d.messages.into_iter().map(new_channel_message).collect(),
                    users: d.users,
                    chats: d.chats,
                };
                self.flush();
                self.outputs
                    .push_back(Output::ChannelTooLong { channel_id, recent });
                true
            }
        };
        self.changed = true;
        if let Some(channel) = self.channels.get_mut(&channel_id) {
            channel.heard = Some(now);
            channel.fetch = match done {
                true => Fetch::Idle,
                false => Fetch::Due(now),
            };
        }
        self.flush();
        if done {
            self.drain_channel(channel_id, now);
        } else {
            self.handle_timeout(now);
        }
        self.finish();
    }

    /// [`Output::GetChannelDifference`] failed: for good when the channel
    /// can no longer be read (`CHANNEL_PRIVATE`, `CHANNEL_INVALID`), in
    /// which case its counter is forgotten; otherwise it is asked again
    /// later.
    pub fn handle_channel_difference_failed(&mut self, channel_id: i64, gone: bool, now: u64) {
        if gone {
            if self.channels.remove(&channel_id).is_some() {
                self.changed = true;
                self.outputs.push_back(Output::ChannelClosed { channel_id });
            }
            return self.finish();
        }
        if let Some(channel) = self.channels.get_mut(&channel_id) {
            channel.fetch = Fetch::Due(now.saturating_add(channel.retry_ms));
            channel.retry_ms = (channel.retry_ms * 2).min(60_000);
        }
    }

    fn need_state(&mut self) {
        if self.fetch != Fetch::InFlight {
            self.fetch = Fetch::InFlight;
            self.outputs.push_back(Output::GetState);
        }
    }

    fn set_common(&mut self, state: &enums::updates::State) {
        let enums::updates::State::State(s) = state;
        if let Some(common) = self.common.as_mut() {
            *common = Common {
                pts: s.pts,
                qts: s.qts,
                seq: s.seq,
                date: s.date,
            };
        }
    }

    fn apply_difference(
        &mut self,
        messages: Vec<enums::Message>,
        others: Vec<enums::Update>,
        users: Vec<enums::User>,
        chats: Vec<enums::Chat>,
        now: u64,
    ) {
        let peers = Arc::new(Peers { users, chats });
        for message in messages {
            let update = match crate::sequence::channel_of(&message) {
                Some(_) => new_channel_message(message),
                None => types::UpdateNewMessage {
                    message,
                    pts: 0,
                    pts_count: 0,
                }
                .into(),
            };
            self.emit(update, &peers);
        }
        for update in others {
            match position(&update) {
                // Channel updates keep their own order.
                Position::Channel { id, pts, count } => {
                    self.channel_update(update, id, pts, count, &peers, now)
                }
                Position::ChannelTooLong { id, pts } => self.channel_too_long(id, pts, now),
                // The difference is in order; the new state covers these.
                _ => self.emit(update, &peers),
            }
        }
    }

    fn apply_container(&mut self, incoming: Incoming, now: u64) {
        let Some(common) = self.common else {
            if self.early.len() < self.config.max_held {
                self.early.push(incoming);
            }
            return self.need_state();
        };
        let date = incoming.date;
        if incoming.seq != 0 {
            let start = match incoming.seq_start {
                0 => incoming.seq,
                start => start,
            };
            match fit(common.seq, start, 1) {
                Fit::Gap => {
                    if self.fetch == Fetch::InFlight || start > common.seq {
                        self.seq_held.entry(start - 1).or_default().push(incoming);
                        self.fetch.open_gap(now, self.config.hold_ms);
                        return;
                    }
                }
                Fit::Old => return self.apply_updates(incoming, now, true),
                Fit::Next => {}
            }
            if self.fetch == Fetch::InFlight {
                self.seq_held.entry(start - 1).or_default().push(incoming);
                return;
            }
            let seq = incoming.seq;
            self.apply_updates(incoming, now, false);
            if let Some(common) = self.common.as_mut() {
                common.seq = seq;
                common.date = common.date.max(date);
            }
            self.changed = true;
            return self.drain_seq(now);
        }
        self.apply_updates(incoming, now, false);
        if let Some(common) = self.common.as_mut() {
            common.date = common.date.max(date);
        }
    }

    /// Applies a container's updates by their own counters; `seen` when
    /// the container itself was applied before (only updates on a counter
    /// can tell whether they are new then).
    fn apply_updates(&mut self, incoming: Incoming, now: u64, seen: bool) {
        let peers = Arc::new(Peers {
            users: incoming.users,
            chats: incoming.chats,
        });
        for update in incoming.updates {
            match position(&update) {
                Position::Pts { pts, count } => {
                    self.pts_update(Some(update), pts, count, &peers, now)
                }
                Position::Qts(qts) => self.qts_update(update, qts, &peers, now),
                Position::Channel { id, pts, count } => {
                    self.channel_update(update, id, pts, count, &peers, now)
                }
                Position::ChannelTooLong { id, pts } => self.channel_too_long(id, pts, now),
                Position::Unordered if !seen => {
                    if let enums::Update::Channel(u) = &update {
                        self.channel_changed(u.channel_id, &peers);
                    }
                    self.emit(update, &peers)
                }
                Position::Unordered => {}
            }
        }
    }

    /// An update on the account's pts (`None`: only the counter moved).
    fn pts_update(
        &mut self,
        update: Option<enums::Update>,
        pts: i32,
        count: i32,
        peers: &Arc<Peers>,
        now: u64,
    ) {
        let Some(common) = self.common else {
            return;
        };
        let verdict = match self.fetch {
            // The difference will set the counter; decide afterwards.
            Fetch::InFlight => Fit::Gap,
            _ => fit(common.pts, pts, count),
        };
        match verdict {
            Fit::Old => {}
            Fit::Next => {
                if let Some(common) = self.common.as_mut() {
                    common.pts = pts;
                }
                self.changed = true;
                if let Some(update) = update {
                    self.emit(update, peers);
                }
                self.drain_pts(now);
            }
            Fit::Gap => {
                // A bare counter move cannot wait: the events it covers
                // are the client's own; still, what lies between must be
                // fetched, so it waits like any other.
                let update = update.unwrap_or_else(|| pts_marker(pts, count));
                self.pts_held.push(
                    pts.wrapping_sub(count),
                    Pending {
                        update,
                        peers: peers.clone(),
                    },
                );
                self.open_common_gap(now);
            }
        }
    }

    fn qts_update(&mut self, update: enums::Update, qts: i32, peers: &Arc<Peers>, now: u64) {
        let Some(common) = self.common else {
            return;
        };
        let verdict = match self.fetch {
            Fetch::InFlight => Fit::Gap,
            _ => fit(common.qts, qts, 1),
        };
        match verdict {
            Fit::Old => {}
            Fit::Next => {
                if let Some(common) = self.common.as_mut() {
                    common.qts = qts;
                }
                self.changed = true;
                self.emit(update, peers);
                self.drain_qts(now);
            }
            Fit::Gap => {
                self.qts_held.push(
                    qts.wrapping_sub(1),
                    Pending {
                        update,
                        peers: peers.clone(),
                    },
                );
                self.open_common_gap(now);
            }
        }
    }

    fn open_common_gap(&mut self, now: u64) {
        let held = self.pts_held.len + self.qts_held.len + self.seq_held.len();
        if held > self.config.max_held {
            // Too much waits: the difference will bring all of it.
            self.pts_held.clear();
            self.qts_held.clear();
            self.seq_held.clear();
            if self.fetch != Fetch::InFlight {
                self.fetch = Fetch::Due(now);
            }
            return;
        }
        self.fetch.open_gap(now, self.config.hold_ms);
    }

    fn channel_update(
        &mut self,
        update: enums::Update,
        id: i64,
        pts: i32,
        count: i32,
        peers: &Arc<Peers>,
        now: u64,
    ) {
        let hold = self.config.hold_ms;
        let max_held = self.config.max_held;
        let Some(channel) = self.channels.get_mut(&id) else {
            // A channel never seen: nothing to compare against; its counter
            // starts here.
            let mut channel = self.new_channel(pts);
            channel.heard = Some(now);
            self.channels.insert(id, channel);
            self.changed = true;
            return self.emit(update, peers);
        };
        channel.heard = Some(now);
        let verdict = match channel.fetch {
            Fetch::InFlight => Fit::Gap,
            _ => fit(channel.pts, pts, count),
        };
        match verdict {
            Fit::Old => {}
            Fit::Next => {
                channel.pts = pts;
                self.changed = true;
                self.emit(update, peers);
                self.drain_channel(id, now);
            }
            Fit::Gap => {
                channel.held.push(
                    pts.wrapping_sub(count),
                    Pending {
                        update,
                        peers: peers.clone(),
                    },
                );
                if channel.held.len > max_held {
                    channel.held.clear();
                    if channel.fetch != Fetch::InFlight {
                        channel.fetch = Fetch::Due(now);
                    }
                } else {
                    channel.fetch.open_gap(now, hold);
                }
            }
        }
    }

    fn channel_too_long(&mut self, id: i64, pts: Option<i32>, now: u64) {
        let Some(channel) = self.channels.get_mut(&id) else {
            // Without a counter there is nothing to fetch from: learn where
            // it stands and follow it from there.
            return self.ask_channel_state(id);
        };
        if pts.is_some_and(|pts| pts <= channel.pts) {
            return;
        }
        if channel.fetch != Fetch::InFlight {
            channel.fetch = Fetch::Due(now);
        }
        self.handle_timeout(now);
    }

    /// `updateChannel`: the account's view of a channel changed (joined,
    /// left, kicked, edited). The chat it comes with says which: one no
    /// longer readable is forgotten, one newly joined is followed.
    fn channel_changed(&mut self, id: i64, peers: &Peers) {
        let chat = peers.chats.iter().find(|c| match c {
            enums::Chat::Channel(c) => c.id == id,
            enums::Chat::ChannelForbidden(c) => c.id == id,
            _ => false,
        });
        let member = match chat {
            Some(enums::Chat::Channel(c)) => !c.left && !c.min,
            Some(_) => false,
            // Without the chat, only a channel already followed is known
            // to be readable; its next difference tells otherwise.
            None => return,
        };
        match (member, self.channels.contains_key(&id)) {
            (false, true) => {
                self.channels.remove(&id);
                self.changed = true;
                self.outputs
                    .push_back(Output::ChannelClosed { channel_id: id });
            }
            (true, false) => self.ask_channel_state(id),
            _ => {}
        }
    }

    fn ask_channel_state(&mut self, id: i64) {
        if self.common.is_some() && self.asked_state.insert(id) {
            self.outputs
                .push_back(Output::GetChannelState { channel_id: id });
        }
    }

    /// The answer to [`Output::GetChannelState`]: the channel's `pts`, or
    /// `None` when it could not be had (the channel is then left alone
    /// until something names it again). Followed from there, unless an
    /// update got it followed meanwhile.
    pub fn handle_channel_state(&mut self, channel_id: i64, pts: Option<i32>, now: u64) {
        self.asked_state.remove(&channel_id);
        if let (Some(pts), false) = (pts, self.channels.contains_key(&channel_id)) {
            let mut channel = self.new_channel(pts);
            channel.heard = Some(now);
            self.channels.insert(channel_id, channel);
            self.changed = true;
        }
        self.finish();
    }

    fn drain_common(&mut self, now: u64) {
        self.drain_pts(now);
        self.drain_qts(now);
        self.drain_seq(now);
        let waiting = !self.pts_held.is_empty() || !self.qts_held.is_empty();
        if waiting || !self.seq_held.is_empty() {
            self.fetch.open_gap(now, self.config.hold_ms);
        }
    }

    fn drain_pts(&mut self, now: u64) {
        let Some(common) = self.common else { return };
        for pending in self.pts_held.take_ready(common.pts) {
            if let Position::Pts { pts, count } = position(&pending.update) {
                let update = (!is_marker(&pending.update)).then_some(pending.update);
                self.pts_update(update, pts, count, &pending.peers, now);
            }
        }
        self.close_gap_if_filled();
    }

    fn drain_qts(&mut self, now: u64) {
        let Some(common) = self.common else { return };
        for pending in self.qts_held.take_ready(common.qts) {
            if let Position::Qts(qts) = position(&pending.update) {
                self.qts_update(pending.update, qts, &pending.peers, now);
            }
        }
        self.close_gap_if_filled();
    }

    fn drain_seq(&mut self, now: u64) {
        while let Some(common) = self.common {
            let Some(entry) = self.seq_held.first_entry() else {
                break;
            };
            if *entry.key() > common.seq || self.fetch == Fetch::InFlight {
                break;
            }
            for incoming in entry.remove() {
                let start = match incoming.seq_start {
                    0 => incoming.seq,
                    start => start,
                };
                match fit(common.seq, start, 1) {
                    // Held, never applied, and the difference has moved the
                    // counter past it: the difference does not replay
                    // updates on no counter, so they go out now.
                    Fit::Old => self.apply_updates(incoming, now, false),
                    _ => self.apply_container(incoming, now),
                }
            }
        }
        self.close_gap_if_filled();
    }

    fn close_gap_if_filled(&mut self) {
        let empty =
            self.pts_held.is_empty() && self.qts_held.is_empty() && self.seq_held.is_empty();
        if empty && matches!(self.fetch, Fetch::Due(_)) {
            self.fetch = Fetch::Idle;
        }
    }

    fn drain_channel(&mut self, id: i64, now: u64) {
        let Some(channel) = self.channels.get_mut(&id) else {
            return;
        };
        let ready = channel.held.take_ready(channel.pts);
        for pending in ready {
            if let Position::Channel { id, pts, count } = position(&pending.update) {
                self.channel_update(pending.update, id, pts, count, &pending.peers, now);
            }
        }
        if let Some(channel) = self.channels.get_mut(&id) {
            match (channel.held.is_empty(), channel.fetch) {
                (true, Fetch::Due(_)) => channel.fetch = Fetch::Idle,
                (false, _) => channel.fetch.open_gap(now, self.config.hold_ms),
                _ => {}
            }
        }
    }

    /// Adds `update` to the batch being assembled.
    fn emit(&mut self, update: enums::Update, peers: &Arc<Peers>) {
        let key = Arc::as_ptr(peers) as usize;
        if !self.batch_peers.contains(&key) {
            self.batch_peers.push(key);
            self.batch.users.extend(peers.users.iter().cloned());
            self.batch.chats.extend(peers.chats.iter().cloned());
        }
        self.batch.updates.push(update);
    }

    /// Hands the assembled batch over, if any.
    fn flush(&mut self) {
        self.batch_peers.clear();
        let batch = std::mem::take(&mut self.batch);
        if !batch.is_empty() {
            self.outputs.push_back(Output::Updates(batch));
        }
    }

    /// Ends one call: the batch goes out, then the news that the counters
    /// changed.
    fn finish(&mut self) {
        self.flush();
        if std::mem::take(&mut self.changed)
            && !matches!(self.outputs.back(), Some(Output::StateChanged))
        {
            self.outputs.push_back(Output::StateChanged);
        }
    }
}

/// When a sequence silent since `heard` is due for an idle poll (never
/// while a gap or a request is open).
fn idle_due(fetch: Fetch, heard: Option<u64>, idle_ms: u64) -> Option<u64> {
    match fetch {
        Fetch::Idle => heard.map(|at| at.saturating_add(idle_ms)),
        _ => None,
    }
}

/// A channel message from a difference, as the update it would have come
/// as (its place on the counter is already accounted for).
fn new_channel_message(message: enums::Message) -> enums::Update {
    types::UpdateNewChannelMessage {
        message,
        pts: 0,
        pts_count: 0,
    }
    .into()
}

/// Stands for a bare counter move while it waits (`handle_affected`):
/// an empty `updateDeleteMessages` at that pts, never delivered.
fn pts_marker(pts: i32, count: i32) -> enums::Update {
    types::UpdateDeleteMessages {
        messages: Vec::new(),
        pts,
        pts_count: count,
    }
    .into()
}

fn is_marker(update: &enums::Update) -> bool {
    matches!(update, enums::Update::DeleteMessages(u) if u.messages.is_empty())
}

//! The server's encrypted session: one per MTProto session (auth key and
//! session id), whichever connections carry it.
//!
//! It answers MTProto's own service requests itself (ping, future salts,
//! state and resend requests, destroy_session) and hands API requests up as
//! [`ServerEvent::Request`], each msg_id at most once: a repeated msg_id
//! (a client resending after a lost connection, or a captured packet
//! replayed) is answered from the session's cache of recent results, or
//! with `msg_detailed_info` when the answer is large, never executed again.
//! Messages that break the rules are answered the way Telegram answers
//! them: `bad_server_salt` for a wrong salt, `bad_msg_notification` 16, 17,
//! 18, 20 for a bad msg_id, 32 to 35 for a bad seq_no, 64 for a bad
//! container.
//!
//! Salts come from a schedule ([`ServerSession::with_salts`]): the salt of
//! the current window and that of the window before are accepted (Telegram
//! keeps accepting an old salt for a while after it changes), and
//! `get_future_salts` lists the schedule's coming windows.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use paperplane_crypto::{AuthKey, Direction};
use paperplane_tl::{Cursor, Deserializable, Serializable, enums, functions, types};
use rand_core::RngCore;

use super::container::{self, maybe_gunzip};
use super::envelope::{self, Decrypted};
use super::ids::{IdKind, MsgIdGen, ReplayWindow, Role, Seen, SeqNo};
use super::outbox::{Outbox, Queued};
use super::service::*;
use super::{IdTime, MAX_FUTURE, MAX_PAST, Result, SessionError, id_time};

/// Bodies larger than this are sent as `gzip_packed` when that is smaller.
const GZIP_THRESHOLD: usize = 512;
/// How many client msg_ids a session remembers.
const REPLAY_WINDOW: usize = 4096;
/// Answers up to this size are sent again whole for a repeated request;
/// larger ones are announced with `msg_detailed_info`.
const RESEND_WHOLE: usize = 1024;
/// How many unacknowledged answers a session keeps, and their total size.
const MAX_ANSWERS: usize = 1024;
const MAX_ANSWER_BYTES: usize = 8 << 20;
/// How many unacknowledged pushed messages a session keeps.
const MAX_PUSHES: usize = 256;
/// How long (seconds) an unacknowledged message is kept: longer than a
/// client may resend a request under its original msg_id.
const KEEP: i64 = MAX_PAST + MAX_FUTURE;

/// What the application layer of the server must handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerEvent {
    /// An API request (a serialized function, inflated) to answer with
    /// [`ServerSession::respond`]. Each msg_id comes up once.
    Request {
        /// Its msg_id: the `req_msg_id` of the answer.
        msg_id: i64,
        /// The request's TL bytes.
        body: Vec<u8>,
    },
    /// The client asked to be disconnected after this many seconds without
    /// a new `ping_delay_disconnect` (on the connection that carried it).
    DisconnectAfter(i32),
    /// The client destroyed another of its sessions (`destroy_session`);
    /// whoever keeps sessions should drop it.
    DestroySession(i64),
}

/// The window length of a fixed salt, in seconds.
const FIXED_WINDOW: i64 = 1800;

/// A salt schedule: the salt window (`valid_since <= now < valid_until`,
/// Unix seconds) that contains `now`. Consecutive windows must touch: the
/// window at `valid_until` is the next one. Deterministic in `now`, so
/// every session of a key agrees and future salts can be announced before
/// they are used.
type Schedule = Box<dyn Fn(i64) -> types::FutureSalt + Send>;

/// One salt forever, reported in windows of 30 minutes.
fn fixed(salt: i64) -> Schedule {
    Box::new(move |now| {
        let since = now - now.rem_euclid(FIXED_WINDOW);
        types::FutureSalt {
            valid_since: clamp_time(since),
            valid_until: clamp_time(since.saturating_add(FIXED_WINDOW)),
            salt,
        }
    })
}

/// A Unix time as TL's 32-bit `int`.
fn clamp_time(t: i64) -> i32 {
    t.clamp(0, i64::from(i32::MAX)) as i32
}

/// The most salts one `get_future_salts` answers (Telegram: 64).
const MAX_FUTURE_SALTS: i32 = 64;

/// What a queued message is, to remember it once it has an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    /// Needs nothing remembered (acks, notifications, state answers).
    Plain,
    /// The answer to this request.
    Answer(i64),
    /// A pushed update, kept until acknowledged.
    Push,
}

/// A result kept until the client acknowledges it.
struct Answer {
    /// The `rpc_result` as sent.
    body: Vec<u8>,
    /// Its msg_id and seq_no once sent.
    sent: Option<(i64, i32)>,
    /// When it was made (Unix seconds).
    at: i64,
}

/// A server's view of one client session.
pub struct ServerSession {
    auth_key: AuthKey,
    session_id: Option<i64>,
    salts: Schedule,
    outbox: Outbox,
    received: ReplayWindow,
    queue: VecDeque<Queued<Tag>>,
    /// Requests handed up and not answered yet.
    running: BTreeSet<i64>,
    /// Answers not acknowledged, by request msg_id.
    answers: BTreeMap<i64, Answer>,
    answer_bytes: usize,
    /// Request msg_id of each sent answer's msg_id.
    by_answer: HashMap<i64, i64>,
    /// Pushed messages not acknowledged: msg_id → (seq_no, body, when).
    pushes: BTreeMap<i64, (i32, Vec<u8>, i64)>,
    /// A notification to answer the next message with, whatever it is
    /// (fault injection).
    refuse_next: Option<i32>,
    /// The latest time (Unix milliseconds) this session has acted at; see
    /// [`ServerSession::session_time`].
    latest_ms: i64,
}

impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("session_id", &self.session_id)
            .field("answers", &self.answers.len())
            .finish_non_exhaustive()
    }
}

impl ServerSession {
    /// A session for `auth_key` whose valid salt is always `salt`.
    pub fn new(auth_key: AuthKey, salt: i64) -> Self {
        Self::with_salts(auth_key, fixed(salt))
    }

    /// A session for `auth_key` whose salts follow the schedule `salts`:
    /// given a Unix time in seconds, the `future_salt` window that contains
    /// it. Consecutive windows must touch (the window at `valid_until` is
    /// the next one), and the answer must depend on the time alone. The
    /// current window's salt and the one before are accepted.
    pub fn with_salts(
        auth_key: AuthKey,
        salts: Box<dyn Fn(i64) -> types::FutureSalt + Send>,
    ) -> Self {
        Self {
            auth_key,
            session_id: None,
            salts,
            outbox: Outbox {
                ids: MsgIdGen::new(Role::Server, 0),
                seq: SeqNo::default(),
                acks: Vec::new(),
            },
            received: ReplayWindow::new(REPLAY_WINDOW),
            queue: VecDeque::new(),
            running: BTreeSet::new(),
            answers: BTreeMap::new(),
            answer_bytes: 0,
            by_answer: HashMap::new(),
            pushes: BTreeMap::new(),
            refuse_next: None,
            latest_ms: i64::MIN,
        }
    }

    /// The session's time at the server's time `now_ms`: never earlier
    /// than a time it already acted at. A session's msg_ids must grow, and
    /// its client takes its clock from them; so after the server's clock
    /// steps back, the session keeps the time it had reached (its ids,
    /// salts and the window it checks the client's ids against) until the
    /// clock catches up. Checked against the stepped-back clock, a client
    /// that synchronised with our earlier ids would be refused as too new
    /// (17) by a notification whose id (which cannot go back) teaches it
    /// the same too-new time again, for ever.
    fn session_time(&mut self, now_ms: i64) -> i64 {
        self.latest_ms = self.latest_ms.max(now_ms);
        self.latest_ms
    }

    /// The client's session id, once its first message arrived.
    pub fn session_id(&self) -> Option<i64> {
        self.session_id
    }

    /// Refuses the next message whatever it is, with `bad_server_salt` (48,
    /// naming the current salt) or `bad_msg_notification` with `code`: to
    /// test that clients recover from what a real server sends when their
    /// salt, clock or seq_no drift.
    pub fn refuse_next(&mut self, code: i32) {
        self.refuse_next = Some(code);
    }

    /// The largest client msg_id this session received (or refuses as
    /// forgotten).
    pub fn newest_received(&self) -> Option<i64> {
        self.received.newest().max(self.received.forgotten())
    }

    /// How many answers are kept for repeats (not yet acknowledged, not
    /// yet expired), and their total size in bytes.
    pub fn cached_answers(&self) -> (usize, usize) {
        (self.answers.len(), self.answer_bytes)
    }

    /// The latest time (Unix milliseconds) the session acted at; its ids
    /// never go below it.
    pub fn time_floor(&self) -> i64 {
        self.latest_ms
    }

    /// Never acts at a time before `ms` (for a session that replaces one
    /// the server forgot early, so that its ids continue the old ones'
    /// even if the clock stepped back meanwhile).
    pub fn keep_time_from(&mut self, ms: i64) {
        self.latest_ms = self.latest_ms.max(ms);
    }

    /// Refuses every client msg_id up to `msg_id` as "too old to tell"
    /// (for a session that replaces one the server forgot early).
    pub fn forget_up_to(&mut self, msg_id: i64) {
        self.received.forget_up_to(msg_id);
    }

    /// The salt clients should use at `now_ms` (Unix milliseconds).
    pub fn salt(&self, now_ms: i64) -> i64 {
        (self.salts)(now_ms.div_euclid(1000)).salt
    }

    /// From now on accepts only `salt` (clients learn it from
    /// `bad_server_salt`).
    pub fn set_salt(&mut self, salt: i64) {
        self.salts = fixed(salt);
    }

    /// Replaces the salt schedule (see [`ServerSession::with_salts`]).
    pub fn set_salts(&mut self, salts: Box<dyn Fn(i64) -> types::FutureSalt + Send>) {
        self.salts = salts;
    }

    /// Whether a client message may carry `salt` at `now` (Unix seconds):
    /// the current salt, or the one it replaced.
    fn accepts_salt(&self, salt: i64, now: i64) -> bool {
        let current = (self.salts)(now);
        let previous = (self.salts)(i64::from(current.valid_since) - 1);
        salt == current.salt || salt == previous.salt
    }

    /// The current window and `count - 1` after it.
    fn future_salts(&self, now: i64, count: i32) -> Vec<types::FutureSalt> {
        let mut at = now;
        let mut salts = Vec::new();
        for _ in 0..count.clamp(1, MAX_FUTURE_SALTS) {
            let window = (self.salts)(at);
            let next = i64::from(window.valid_until);
            salts.push(window);
            // A schedule that does not move forward has nothing more to say.
            if next <= at {
                break;
            }
            at = next;
        }
        salts
    }

    /// Queues the answer to request `req_msg_id` and keeps it until the
    /// client acknowledges it, to answer a repeat of the request.
    pub fn respond(&mut self, req_msg_id: i64, result: &[u8]) {
        self.running.remove(&req_msg_id);
        let result = match result.len() > GZIP_THRESHOLD {
            true => container::gzip_if_smaller(result).map(std::borrow::Cow::Owned),
            false => None,
        }
        .unwrap_or(std::borrow::Cow::Borrowed(result));
        let body = container::rpc_result(req_msg_id, &result);
        self.keep_answer(req_msg_id, body.clone());
        self.push(body, IdKind::Response, Tag::Answer(req_msg_id));
    }

    /// Queues an `rpc_error` answer.
    pub fn respond_error(&mut self, req_msg_id: i64, code: i32, message: &str) {
        let error = enums::RpcError::RpcError(types::RpcError {
            error_code: code,
            error_message: message.into(),
        });
        self.respond(req_msg_id, &error.to_bytes());
    }

    /// Queues a message that answers nothing (an update).
    pub fn push_update(&mut self, body: Vec<u8>) {
        self.push(body, IdKind::Other, Tag::Push);
    }

    /// A new connection carries this session: tells the client about the
    /// messages it was sent and never acknowledged (`msg_new_detailed_info`),
    /// so it can ask for the ones it lost.
    pub fn attach_connection(&mut self) {
        let notices: Vec<Vec<u8>> = self
            .pushes
            .iter()
            .map(|(&id, (_, body, _))| {
                enums::MsgDetailedInfo::MsgNewDetailedInfo(types::MsgNewDetailedInfo {
                    answer_msg_id: id,
                    bytes: i32::try_from(body.len()).unwrap_or(i32::MAX),
                    status: 0,
                })
                .to_bytes()
            })
            .collect();
        for notice in notices {
            self.push(notice, IdKind::Other, Tag::Plain);
        }
    }

    fn push(&mut self, body: Vec<u8>, kind: IdKind, tag: Tag) {
        self.queue.push_back(Queued::new(body, kind, tag));
    }

    fn keep_answer(&mut self, req_msg_id: i64, body: Vec<u8>) {
        self.answer_bytes += body.len();
        // Kept as long as the request may come again.
        let at = req_msg_id >> 32;
        if let Some(old) = self.answers.insert(
            req_msg_id,
            Answer {
                body,
                sent: None,
                at,
            },
        ) {
            self.answer_bytes -= old.body.len();
        }
        while self.answers.len() > MAX_ANSWERS || self.answer_bytes > MAX_ANSWER_BYTES {
            // Oldest request first; a client resends its oldest last.
            let Some((_, old)) = self.answers.pop_first() else {
                break;
            };
            self.forget_answer(&old);
        }
    }

    fn forget_answer(&mut self, answer: &Answer) {
        self.answer_bytes -= answer.body.len();
        if let Some((id, _)) = answer.sent {
            self.by_answer.remove(&id);
        }
    }

    /// Drops what is kept longer than a client could still ask for it.
    /// Answers are keyed by request msg_id, which starts with its time, so
    /// the oldest come first.
    fn expire(&mut self, now: i64) {
        let horizon = now.saturating_sub(KEEP);
        while let Some(entry) = self.answers.first_entry() {
            if entry.get().at >= horizon {
                break;
            }
            let answer = entry.remove();
            self.forget_answer(&answer);
        }
        while let Some(entry) = self.pushes.first_entry() {
            if entry.get().2 >= horizon {
                break;
            }
            entry.remove();
        }
    }

    /// Builds the next packet to send, if anything is queued (and the
    /// client's session is known).
    pub fn poll_transmit(&mut self, now_ms: i64, rng: &mut impl RngCore) -> Option<Vec<u8>> {
        let session_id = self.session_id?;
        let now_ms = self.session_time(now_ms);
        let salt = self.salt(now_ms);
        // Pushed bodies are kept for resending; copy them before packing.
        let pushed: Vec<Vec<u8>> = self
            .queue
            .iter()
            .take(container::MAX_CONTAINER_LEN)
            .filter(|q| q.tag == Tag::Push && q.resend.is_none())
            .map(|q| q.body.clone())
            .collect();
        let sent = self.outbox.build(
            &mut self.queue,
            &self.auth_key,
            Direction::ServerToClient,
            salt,
            session_id,
            now_ms,
            rng,
        )?;
        let now = now_ms.div_euclid(1000);
        let mut pushed = pushed.into_iter();
        for (msg_id, seq_no, tag) in sent.messages {
            match tag {
                Tag::Answer(req) => {
                    if let Some(answer) = self.answers.get_mut(&req) {
                        if answer.sent.is_none() {
                            answer.sent = Some((msg_id, seq_no));
                            self.by_answer.insert(msg_id, req);
                        }
                    }
                }
                Tag::Push => {
                    if let Some(body) = pushed.next() {
                        self.pushes.entry(msg_id).or_insert((seq_no, body, now));
                    }
                    while self.pushes.len() > MAX_PUSHES {
                        self.pushes.pop_first();
                    }
                }
                Tag::Plain => {}
            }
        }
        Some(sent.packet)
    }

    /// Decrypts, checks and handles one packet from the client. A session
    /// belongs to the first session id it sees; a packet of another session
    /// is refused. Errors mean the packet is not trusted and produced no
    /// answer.
    pub fn handle_packet(
        &mut self,
        packet: &[u8],
        now_ms: i64,
        rng: &mut impl RngCore,
    ) -> Result<Vec<ServerEvent>> {
        let msg = envelope::decrypt(&self.auth_key, Direction::ClientToServer, packet)?;
        self.handle_decrypted(msg, now_ms, rng)
    }

    /// Handles one message already decrypted with this session's key (the
    /// caller looked the session up by its id).
    pub fn handle_decrypted(
        &mut self,
        msg: Decrypted,
        now_ms: i64,
        rng: &mut impl RngCore,
    ) -> Result<Vec<ServerEvent>> {
        let now_ms = self.session_time(now_ms);
        match self.session_id {
            Some(id) if id != msg.session_id => {
                return Err(SessionError::WrongSession {
                    expected: id,
                    got: msg.session_id,
                });
            }
            Some(_) => {}
            None => {
                // A new session: tell the client so it can catch up.
                self.session_id = Some(msg.session_id);
                let created = enums::NewSession::Created(types::NewSessionCreated {
                    first_msg_id: msg.msg_id,
                    unique_id: rng.next_u64() as i64,
                    server_salt: self.salt(now_ms),
                });
                self.push(created.to_bytes(), IdKind::Other, Tag::Plain);
            }
        }
        let now = now_ms.div_euclid(1000);
        self.expire(now);
        let mut events = Vec::new();
        if !self.check_id(msg.msg_id, msg.seq_no, now) {
            return Ok(events);
        }
        if let Some(code) = self.refuse_next.take() {
            if code == 48 {
                self.refuse_salt(msg.msg_id, msg.seq_no, now_ms);
            } else {
                self.notify_bad(msg.msg_id, msg.seq_no, code);
            }
            return Ok(events);
        }
        if !self.accepts_salt(msg.salt, now) {
            self.refuse_salt(msg.msg_id, msg.seq_no, now_ms);
            return Ok(events);
        }
        if container::id_of(&msg.body) != Some(container::MSG_CONTAINER) {
            self.handle_one(msg.msg_id, msg.seq_no, &msg.body, now_ms, &mut events);
            return Ok(events);
        }
        let inner = match container::unpack(&msg.body) {
            Ok(inner) if inner.iter().all(|m| m.msg_id < msg.msg_id) => inner,
            _ => {
                self.notify_bad(msg.msg_id, msg.seq_no, 64);
                return Ok(events);
            }
        };
        if !self.received.is_new(msg.msg_id) {
            self.notify_bad(msg.msg_id, msg.seq_no, 19);
            return Ok(events);
        }
        if let Some(code) = self.seq_error(msg.msg_id, msg.seq_no, false) {
            self.notify_bad(msg.msg_id, msg.seq_no, code);
            return Ok(events);
        }
        self.received.accept_with_seq(msg.msg_id, msg.seq_no);
        for m in inner {
            if self.check_id(m.msg_id, m.seq_no, now) {
                self.handle_one(m.msg_id, m.seq_no, m.body, now_ms, &mut events);
            }
        }
        Ok(events)
    }

    /// Checks a client msg_id's form and time; a bad one is answered with
    /// `bad_msg_notification` and skipped.
    fn check_id(&mut self, msg_id: i64, seq_no: i32, now: i64) -> bool {
        let code = if msg_id % 4 != 0 {
            18
        } else {
            match id_time(msg_id, now) {
                IdTime::TooOld => 16,
                IdTime::TooNew => 17,
                IdTime::Fresh => 0,
            }
        };
        if code != 0 {
            self.notify_bad(msg_id, seq_no, code);
        }
        code == 0
    }

    /// Code 32 to 35 if `seq_no` is wrong for a message that is
    /// `content_related` (or not) at `msg_id`.
    fn seq_error(&self, msg_id: i64, seq_no: i32, content_related: bool) -> Option<i32> {
        match (content_related, seq_no & 1 == 1) {
            (false, true) => Some(34),
            (true, false) => Some(35),
            _ => self.received.seq_conflict(msg_id, seq_no),
        }
    }

    /// Answers `bad_server_salt` with the salt to use.
    fn refuse_salt(&mut self, msg_id: i64, seq_no: i32, now_ms: i64) {
        let bad = enums::BadMsgNotification::BadServerSalt(types::BadServerSalt {
            bad_msg_id: msg_id,
            bad_msg_seqno: seq_no,
            error_code: 48,
            new_server_salt: self.salt(now_ms),
        });
        self.push(bad.to_bytes(), IdKind::Other, Tag::Plain);
    }

    fn notify_bad(&mut self, msg_id: i64, seq_no: i32, code: i32) {
        let bad = enums::BadMsgNotification::BadMsgNotification(types::BadMsgNotification {
            bad_msg_id: msg_id,
            bad_msg_seqno: seq_no,
            error_code: code,
        });
        self.push(bad.to_bytes(), IdKind::Other, Tag::Plain);
    }

    /// One message (alone, or out of a container) whose id passed the time
    /// checks: a repeat is answered from what is known, a new one handled.
    fn handle_one(
        &mut self,
        msg_id: i64,
        seq_no: i32,
        body: &[u8],
        now_ms: i64,
        events: &mut Vec<ServerEvent>,
    ) {
        match self.received.seen(msg_id) {
            Seen::Received(_) => return self.repeated(msg_id),
            Seen::Forgotten => return self.notify_bad(msg_id, seq_no, 20),
            Seen::NotReceived | Seen::TooNew => {}
        }
        let body = match maybe_gunzip(body) {
            Ok(body) => body,
            // Nothing sensible to run; the client learns nothing more from
            // a notification than from silence, so drop it as Telegram does.
            Err(_) => return,
        };
        let id = container::id_of(&body).unwrap_or(0);
        // Acks and containers are not content-related; anything that
        // reaches the application is. Other service messages vary between
        // clients and are not checked for parity.
        let parity = match id {
            MSGS_ACK => Some(false),
            PING
            | PING_DELAY_DISCONNECT
            | GET_FUTURE_SALTS
            | DESTROY_SESSION
            | RPC_DROP_ANSWER
            | MSGS_STATE_REQ
            | MSG_RESEND_REQ
            | MSG_RESEND_ANS_REQ
            | HTTP_WAIT
            | MSGS_STATE_INFO
            | MSGS_ALL_INFO
            | MSG_DETAILED_INFO
            | MSG_NEW_DETAILED_INFO => None,
            _ => Some(true),
        };
        let code = match parity {
            Some(content) => self.seq_error(msg_id, seq_no, content),
            None => self.received.seq_conflict(msg_id, seq_no),
        };
        if let Some(code) = code {
            return self.notify_bad(msg_id, seq_no, code);
        }
        self.received.accept_with_seq(msg_id, seq_no);
        if seq_no & 1 == 1 {
            self.outbox.acks.push(msg_id);
        }
        // A service message that does not decode is dropped alone; its
        // neighbours in the container are still handled.
        let _ = self.handle_new(msg_id, &body, id, now_ms, events);
    }

    /// A message received again: its answer again, whole if small, else
    /// announced with `msg_detailed_info`; nothing if it is still running
    /// or answered nothing.
    fn repeated(&mut self, msg_id: i64) {
        let Some(answer) = self.answers.get(&msg_id) else {
            return;
        };
        let Some((answer_id, answer_seq)) = answer.sent else {
            // Queued and not sent yet: it is on its way.
            return;
        };
        if answer.body.len() <= RESEND_WHOLE {
            let mut q = Queued::new(answer.body.clone(), IdKind::Response, Tag::Plain);
            q.resend = Some((answer_id, answer_seq));
            self.queue.push_back(q);
            return;
        }
        let info = enums::MsgDetailedInfo::MsgDetailedInfo(types::MsgDetailedInfo {
            msg_id,
            answer_msg_id: answer_id,
            bytes: i32::try_from(answer.body.len()).unwrap_or(i32::MAX),
            status: 0,
        });
        self.push(info.to_bytes(), IdKind::Other, Tag::Plain);
    }

    /// Re-queues one of our messages by its msg_id, as the same message;
    /// false if it is not kept.
    fn resend_own(&mut self, msg_id: i64) -> bool {
        if let Some(answer) = self
            .by_answer
            .get(&msg_id)
            .and_then(|r| self.answers.get(r))
        {
            let mut q = Queued::new(answer.body.clone(), IdKind::Response, Tag::Plain);
            q.resend = answer.sent;
            self.queue.push_back(q);
            return true;
        }
        if let Some((seq, body, _)) = self.pushes.get(&msg_id) {
            let mut q = Queued::new(body.clone(), IdKind::Other, Tag::Plain);
            q.resend = Some((msg_id, *seq));
            self.queue.push_back(q);
            return true;
        }
        false
    }

    /// The `msgs_state_info` byte for a client message at `now` (seconds).
    fn state_of(&self, msg_id: i64, now: i64) -> u8 {
        let seen = match self.received.seen(msg_id) {
            Seen::NotReceived if id_time(msg_id, now) == IdTime::TooOld => Seen::Forgotten,
            seen => seen,
        };
        let mut state = seen.state_byte();
        if matches!(seen, Seen::Received(_)) {
            if self.running.contains(&msg_id) {
                state |= 32;
            }
            if self.answers.contains_key(&msg_id) {
                state |= 32 | 64;
            }
        }
        state
    }

    fn acknowledged(&mut self, ids: &[i64]) {
        for id in ids {
            if let Some(req) = self.by_answer.remove(id) {
                if let Some(answer) = self.answers.remove(&req) {
                    self.answer_bytes -= answer.body.len();
                }
            }
            self.pushes.remove(id);
        }
    }

    fn handle_new(
        &mut self,
        msg_id: i64,
        body: &[u8],
        id: u32,
        now_ms: i64,
        events: &mut Vec<ServerEvent>,
    ) -> Result<()> {
        let mut cur = Cursor::new(body);
        match id {
            MSGS_ACK => {
                let enums::MsgsAck::MsgsAck(ack) = enums::MsgsAck::deserialize(&mut cur)?;
                self.acknowledged(&ack.msg_ids);
            }
            PING => {
                let ping = functions::Ping::deserialize(&mut cur)?;
                let pong = enums::Pong::Pong(types::Pong {
                    msg_id,
                    ping_id: ping.ping_id,
                });
                self.respond(msg_id, &pong.to_bytes());
            }
            PING_DELAY_DISCONNECT => {
                let ping = functions::PingDelayDisconnect::deserialize(&mut cur)?;
                let pong = enums::Pong::Pong(types::Pong {
                    msg_id,
                    ping_id: ping.ping_id,
                });
                self.respond(msg_id, &pong.to_bytes());
                events.push(ServerEvent::DisconnectAfter(ping.disconnect_delay));
            }
            GET_FUTURE_SALTS => {
                let req = functions::GetFutureSalts::deserialize(&mut cur)?;
                let now = now_ms.div_euclid(1000);
                let answer = enums::FutureSalts::FutureSalts(types::FutureSalts {
                    req_msg_id: msg_id,
                    now: clamp_time(now),
                    salts: self.future_salts(now, req.num),
                });
                self.respond(msg_id, &answer.to_bytes());
            }
            MSGS_STATE_REQ => {
                let ids = read_id_list(body)?;
                let now = now_ms.div_euclid(1000);
                let info = state_info(msg_id, &ids, |id| self.state_of(id, now));
                self.push(info, IdKind::Other, Tag::Plain);
            }
            MSG_RESEND_REQ | MSG_RESEND_ANS_REQ => {
                let ids = read_id_list(body)?;
                let mut missing = false;
                for &asked in &ids {
                    // msg_resend_ans_req names the client's requests;
                    // msg_resend_req names our messages.
                    let ours = match id {
                        MSG_RESEND_ANS_REQ => self
                            .answers
                            .get(&asked)
                            .and_then(|a| a.sent)
                            .map(|(answer_id, _)| answer_id),
                        _ => Some(asked),
                    };
                    missing |= !ours.is_some_and(|ours| self.resend_own(ours));
                }
                if missing {
                    let now = now_ms.div_euclid(1000);
                    let info = state_info(msg_id, &ids, |id| self.state_of(id, now));
                    self.push(info, IdKind::Other, Tag::Plain);
                }
            }
            DESTROY_SESSION => {
                let req = functions::DestroySession::deserialize(&mut cur)?;
                let answer = if Some(req.session_id) == self.session_id {
                    enums::DestroySessionRes::DestroySessionNone(types::DestroySessionNone {
                        session_id: req.session_id,
                    })
                } else {
                    events.push(ServerEvent::DestroySession(req.session_id));
                    enums::DestroySessionRes::DestroySessionOk(types::DestroySessionOk {
                        session_id: req.session_id,
                    })
                };
                self.respond(msg_id, &answer.to_bytes());
            }
            RPC_DROP_ANSWER => {
                functions::RpcDropAnswer::deserialize(&mut cur)?;
                self.respond(msg_id, &enums::RpcDropAnswer::RpcAnswerUnknown.to_bytes());
            }
            MSGS_STATE_INFO
            | MSGS_ALL_INFO
            | MSG_DETAILED_INFO
            | MSG_NEW_DETAILED_INFO
            | HTTP_WAIT => {}
            _ => {
                self.running.insert(msg_id);
                events.push(ServerEvent::Request {
                    msg_id,
                    body: body.to_vec(),
                });
            }
        }
        Ok(())
    }
}

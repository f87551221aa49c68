//! The client's encrypted session.
//!
//! Time: the client's clock may be wrong by any amount, and a session saved
//! on one machine may be used on another. Server messages are checked
//! against the local clock plus the offset learned from the server, but an
//! authenticated, never-seen message that refers to one of our own recent
//! messages (an answer, a pong, `new_session_created`, a
//! `bad_msg_notification`) is proof of the server's current time: it
//! corrects the offset instead of being dropped. Any other message outside
//! the window is dropped, and a ping is sent to learn the time. Replays are
//! refused by the session id and the window of seen msg_ids, not by time.
//!
//! Exactly once: a request sent but not answered before the connection
//! broke is sent again with its *original* msg_id and seq_no while the
//! server can still recognise it (see [`ClientSession::resend_unanswered`]),
//! so a server that executed it answers from its cache instead of running
//! it a second time.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use paperplane_crypto::{AuthKey, Direction};
use paperplane_tl::{Cursor, Deserializable, Serializable, enums, functions, types};
use rand_core::RngCore;

use super::container::{self, maybe_gunzip};
use super::envelope;
use super::ids::{IdKind, MsgIdGen, ReplayWindow, Role, Seen, SeqNo};
use super::outbox::{Outbox, Queued};
use super::service::*;
use super::{IdTime, MAX_PAST, Result, SessionError, id_time};

/// Requests larger than this are sent as `gzip_packed` when that is smaller.
const GZIP_THRESHOLD: usize = 512;
/// How many sent containers are remembered.
const MAX_CONTAINERS: usize = 1024;
/// How many of our own msg_ids are remembered, to recognise what the
/// server's messages refer to.
const MAX_SENT_IDS: usize = 4096;
/// How many server msg_ids are remembered against replays.
const REPLAY_WINDOW: usize = 1024;
/// How many server sessions' `unique_id`s are remembered, so that a
/// replayed `new_session_created` is not taken for a new one.
const MAX_SERVER_SESSIONS: usize = 16;
/// A request is resent under its original msg_id while it is younger than
/// this (seconds, server time): the server keeps ids for [`MAX_PAST`]
/// seconds, and the margin covers the trip and clock jitter.
const RESEND_SAME_ID: i64 = MAX_PAST - 60;

/// Identifies a request across resends (its msg_id changes when resent).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(pub u64);

/// An `rpc_error` answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RpcError {
    /// The numeric code (400, 401, 420, …).
    pub code: i32,
    /// The error name (`FLOOD_WAIT_30`, `PHONE_MIGRATE_2`, …).
    pub message: String,
}

/// What the layer above learns from a packet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientEvent {
    /// A request was answered.
    Result {
        /// Which request.
        request: RequestId,
        /// The result's TL bytes (inflated), or the error.
        result: std::result::Result<Vec<u8>, RpcError>,
    },
    /// A request was answered with something that cannot be read (a
    /// `gzip_packed` that does not inflate, an `rpc_error` that does not
    /// decode): it fails rather than waiting forever.
    Malformed {
        /// Which request.
        request: RequestId,
        /// The constructor id the answer started with, if any.
        constructor: Option<u32>,
        /// What was wrong.
        error: SessionError,
    },
    /// The server refused a request for a reason resending cannot fix
    /// (`bad_msg_notification` with this code).
    Rejected {
        /// Which request.
        request: RequestId,
        /// The notification's error code.
        code: i32,
    },
    /// Anything that is not an answer: updates.
    Update(Vec<u8>),
    /// The server started a new session: updates may have been missed.
    NewSession {
        /// The first msg_id the new session covers.
        first_msg_id: i64,
    },
    /// One message of a packet was refused; the rest of the packet was
    /// handled.
    Skipped {
        /// The refused message's id.
        msg_id: i64,
        /// Why.
        error: SessionError,
    },
}

/// When and how a request was last sent.
#[derive(Clone, Copy, Debug)]
struct Sent {
    msg_id: i64,
    seq_no: i32,
}

struct Request {
    body: Vec<u8>,
    /// Its last transmission, if sent.
    sent: Option<Sent>,
}

/// A client's session over one authorization key.
pub struct ClientSession {
    auth_key: AuthKey,
    session_id: i64,
    salt: i64,
    outbox: Outbox,
    received: ReplayWindow,
    next_request: u64,
    queue: VecDeque<Queued<Option<RequestId>>>,
    requests: HashMap<RequestId, Request>,
    by_msg_id: HashMap<i64, RequestId>,
    /// Recent containers and the requests they carried, for notifications
    /// that name a container's msg_id.
    containers: BTreeMap<i64, Vec<RequestId>>,
    /// Our recent msg_ids, whatever they carried.
    sent_ids: BTreeSet<i64>,
    /// The `unique_id`s of the server sessions that carried ours lately.
    server_sessions: VecDeque<i64>,
    /// Whether the clock offset was confirmed by this session's server.
    time_synced: bool,
    /// A ping sent to learn the server's time is awaiting its answer.
    probing: bool,
}

impl std::fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientSession")
            .field("session_id", &self.session_id)
            .field("pending", &self.requests.len())
            .finish_non_exhaustive()
    }
}

impl ClientSession {
    /// A new session (`session_id` random, chosen by the caller).
    pub fn new(auth_key: AuthKey, session_id: i64, salt: i64, time_offset: i32) -> Self {
        Self {
            auth_key,
            session_id,
            salt,
            outbox: Outbox {
                ids: MsgIdGen::new(Role::Client, time_offset),
                seq: SeqNo::default(),
                acks: Vec::new(),
            },
            received: ReplayWindow::new(REPLAY_WINDOW),
            next_request: 0,
            queue: VecDeque::new(),
            requests: HashMap::new(),
            by_msg_id: HashMap::new(),
            containers: BTreeMap::new(),
            sent_ids: BTreeSet::new(),
            server_sessions: VecDeque::new(),
            time_synced: false,
            probing: false,
        }
    }

    /// The session id.
    pub fn session_id(&self) -> i64 {
        self.session_id
    }

    /// The current server salt.
    pub fn salt(&self) -> i64 {
        self.salt
    }

    /// Seconds added to local time to get the server's.
    pub fn time_offset(&self) -> i32 {
        self.outbox.ids.time_offset
    }

    /// Whether the server of this session confirmed the clock offset (from
    /// a message answering one of ours).
    pub fn time_synced(&self) -> bool {
        self.time_synced
    }

    /// The authorization key.
    pub fn auth_key(&self) -> &AuthKey {
        &self.auth_key
    }

    fn new_request_id(&mut self) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        id
    }

    /// Queues a request (a serialized function); large bodies are
    /// compressed when that pays.
    pub fn request(&mut self, body: Vec<u8>) -> RequestId {
        let id = self.new_request_id();
        let body = match body.len() > GZIP_THRESHOLD {
            true => container::gzip_if_smaller(&body).unwrap_or(body),
            false => body,
        };
        self.queue
            .push_back(Queued::new(body.clone(), IdKind::Other, Some(id)));
        self.requests.insert(id, Request { body, sent: None });
        id
    }

    /// Sends one request at once, alone in its packet, whose body depends
    /// on its own msg_id (`auth.bindTempAuthKey` signs it): `make` gets the
    /// msg_id and returns the body. Returns the request and the packet to
    /// send now, ahead of anything queued.
    ///
    /// If the server asks for a resend (a new salt, say), the same body goes
    /// out under a new msg_id, which such a request no longer matches: the
    /// caller should treat its failure as "build it again".
    pub fn request_signed(
        &mut self,
        now_ms: i64,
        rng: &mut impl RngCore,
        make: impl FnOnce(i64) -> Vec<u8>,
    ) -> (RequestId, Vec<u8>) {
        let msg_id = self.outbox.ids.next(now_ms, IdKind::Other);
        let body = make(msg_id);
        let seq_no = self.outbox.seq.next(true);
        let header = envelope::Header {
            salt: self.salt,
            session_id: self.session_id,
            msg_id,
            seq_no,
        };
        let packet = envelope::encrypt(
            &self.auth_key,
            Direction::ClientToServer,
            header,
            &body,
            rng,
        );
        let id = self.new_request_id();
        self.requests.insert(
            id,
            Request {
                body,
                sent: Some(Sent { msg_id, seq_no }),
            },
        );
        self.by_msg_id.insert(msg_id, id);
        self.remember_sent(msg_id);
        (id, packet)
    }

    /// Whether requests (or service messages) wait to be sent; acks alone
    /// do not count.
    pub fn has_queued(&self) -> bool {
        !self.queue.is_empty()
    }

    /// How many received messages wait to be acknowledged.
    pub fn pending_acks(&self) -> usize {
        self.outbox.acks.len()
    }

    /// Ends the session's hold on its unanswered requests: their bodies, in
    /// the order they were made, for a new session to send.
    pub fn take_unanswered(&mut self) -> Vec<(RequestId, Vec<u8>)> {
        self.queue.clear();
        self.by_msg_id.clear();
        let mut all: Vec<(RequestId, Vec<u8>)> =
            self.requests.drain().map(|(id, r)| (id, r.body)).collect();
        all.sort_by_key(|(id, _)| *id);
        all
    }

    /// Requests sent or queued but not answered yet.
    pub fn pending(&self) -> impl Iterator<Item = RequestId> + '_ {
        self.requests.keys().copied()
    }

    /// The msg_id a request was last sent with.
    pub fn msg_id_of(&self, request: RequestId) -> Option<i64> {
        self.requests
            .get(&request)
            .and_then(|r| r.sent)
            .map(|s| s.msg_id)
    }

    /// Forgets a request (its answer will be ignored).
    pub fn cancel(&mut self, request: RequestId) {
        if let Some(r) = self.requests.remove(&request) {
            if let Some(sent) = r.sent {
                self.by_msg_id.remove(&sent.msg_id);
            }
        }
        self.queue.retain(|q| q.tag != Some(request));
    }

    /// After a reconnect: queues every unanswered request again, in order.
    /// Those young enough go out as the same messages (same msg_id and
    /// seq_no), so a server that already executed them answers from its
    /// cache; older ones get new ids (and rely on `random_id` where the
    /// method has one).
    pub fn resend_unanswered(&mut self, now_ms: i64) {
        self.probing = false;
        let oldest_kept = self
            .outbox
            .ids
            .server_secs(now_ms)
            .saturating_sub(RESEND_SAME_ID);
        let mut sent: Vec<(RequestId, Sent)> = self
            .requests
            .iter()
            .filter_map(|(id, r)| Some((*id, r.sent?)))
            .collect();
        sent.sort_by_key(|(id, _)| *id);
        for (id, at) in sent.into_iter().rev() {
            match at.msg_id >> 32 >= oldest_kept {
                true => self.requeue_as_sent(id, at),
                false => self.resend(id, true),
            }
        }
    }

    /// Queues a request again as the very message it was.
    fn requeue_as_sent(&mut self, id: RequestId, at: Sent) {
        let Some(r) = self.requests.get(&id) else {
            return;
        };
        if self.queue.iter().any(|q| q.tag == Some(id)) {
            return;
        }
        let mut q = Queued::new(r.body.clone(), IdKind::Other, Some(id));
        q.resend = Some((at.msg_id, at.seq_no));
        self.queue.push_front(q);
    }

    /// Queues a request again under a new msg_id.
    fn resend(&mut self, id: RequestId, front: bool) {
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        if let Some(old) = r.sent.take() {
            self.by_msg_id.remove(&old.msg_id);
        }
        if let Some(queued) = self.queue.iter_mut().find(|q| q.tag == Some(id)) {
            queued.resend = None;
            return;
        }
        let q = Queued::new(r.body.clone(), IdKind::Other, Some(id));
        match front {
            true => self.queue.push_front(q),
            false => self.queue.push_back(q),
        }
    }

    /// Requests affected by a notification about `msg_id` (a message or a
    /// container).
    fn affected(&self, msg_id: i64) -> Vec<RequestId> {
        if let Some(list) = self.containers.get(&msg_id) {
            return list.clone();
        }
        self.by_msg_id.get(&msg_id).copied().into_iter().collect()
    }

    fn remember_sent(&mut self, msg_id: i64) {
        self.sent_ids.insert(msg_id);
        while self.sent_ids.len() > MAX_SENT_IDS {
            self.sent_ids.pop_first();
        }
    }

    /// Builds the next packet to send, if anything is queued.
    pub fn poll_transmit(&mut self, now_ms: i64, rng: &mut impl RngCore) -> Option<Vec<u8>> {
        let sent = self.outbox.build(
            &mut self.queue,
            &self.auth_key,
            Direction::ClientToServer,
            self.salt,
            self.session_id,
            now_ms,
            rng,
        )?;
        let mut in_container = Vec::new();
        for (msg_id, seq_no, tag) in sent.messages {
            self.remember_sent(msg_id);
            if let Some(id) = tag {
                if let Some(r) = self.requests.get_mut(&id) {
                    r.sent = Some(Sent { msg_id, seq_no });
                    self.by_msg_id.insert(msg_id, id);
                    in_container.push(id);
                }
            }
        }
        if let Some(container) = sent.container {
            self.remember_sent(container);
            self.containers.insert(container, in_container);
            while self.containers.len() > MAX_CONTAINERS {
                self.containers.pop_first();
            }
        }
        Some(sent.packet)
    }

    /// Decrypts, checks and handles one packet from the server. An error
    /// means the whole packet was refused; a bad message inside a container
    /// is reported as [`ClientEvent::Skipped`] and its neighbours are still
    /// handled.
    pub fn handle_packet(&mut self, packet: &[u8], now_ms: i64) -> Result<Vec<ClientEvent>> {
        let msg = envelope::decrypt(&self.auth_key, Direction::ServerToClient, packet)?;
        if msg.session_id != self.session_id {
            return Err(SessionError::WrongSession {
                expected: self.session_id,
                got: msg.session_id,
            });
        }
        // Authenticated and ours from here on.
        let outer = msg.msg_id;
        if outer % 2 == 0 {
            return Err(SessionError::BadMsgIdParity { msg_id: outer });
        }
        let is_container = container::id_of(&msg.body) == Some(container::MSG_CONTAINER);
        let messages: Vec<container::Inner<'_>> = match is_container {
            true => container::unpack(&msg.body)?,
            false => vec![container::Inner {
                msg_id: outer,
                seq_no: msg.seq_no,
                body: &msg.body,
            }],
        };
        // A server that lost our session (it restarted, say) numbers its
        // messages afresh: what it sent before says nothing about them,
        // and if its clock stepped back they are numbered below them.
        if let Some(unique_id) = self.new_server_session(&messages) {
            let first = messages.iter().map(|m| m.msg_id).fold(outer, i64::min);
            self.received.restart(first);
            self.server_sessions.push_back(unique_id);
            while self.server_sessions.len() > MAX_SERVER_SESSIONS {
                self.server_sessions.pop_front();
            }
        }
        if !self.received.is_new(outer) {
            return Err(SessionError::Replay { msg_id: outer });
        }
        self.check_clock(outer, &messages, now_ms)?;
        let mut events = Vec::new();
        if is_container {
            self.check_seq(outer, msg.seq_no, &msg.body)?;
            self.received.accept_with_seq(outer, msg.seq_no);
        }
        for inner in messages {
            let checked = match is_container && inner.msg_id >= outer {
                true => Err(SessionError::InnerIdNotBelowContainer {
                    msg_id: inner.msg_id,
                    container: outer,
                }),
                false => self.check_message(inner.msg_id, inner.seq_no, inner.body, now_ms),
            };
            let handled = checked.and_then(|()| {
                self.received.accept_with_seq(inner.msg_id, inner.seq_no);
                self.handle_message(inner.msg_id, inner.seq_no, inner.body, now_ms, &mut events)
            });
            if let Err(error) = handled {
                events.push(ClientEvent::Skipped {
                    msg_id: inner.msg_id,
                    error,
                });
            }
        }
        Ok(events)
    }

    /// The `unique_id` of a server session that `messages` announce: a
    /// `new_session_created` naming one of our msg_ids, from a server
    /// session not met before (a replayed announcement names an old one).
    fn new_server_session(&self, messages: &[container::Inner<'_>]) -> Option<i64> {
        messages.iter().find_map(|m| {
            if container::id_of(m.body) != Some(NEW_SESSION_CREATED) {
                return None;
            }
            let first = referenced_id(m.body)?;
            let unique_id = i64::from_le_bytes(m.body.get(12..20)?.try_into().ok()?);
            let ours = self.sent_ids.contains(&first);
            (ours && !self.server_sessions.contains(&unique_id)).then_some(unique_id)
        })
    }

    /// Takes the clock from a packet that proves the server's time, or
    /// refuses a packet whose time is off (and asks the server for its
    /// time with a ping).
    fn check_clock(
        &mut self,
        outer: i64,
        messages: &[container::Inner<'_>],
        now_ms: i64,
    ) -> Result<()> {
        let fresh = id_time(outer, self.outbox.ids.server_secs(now_ms)) == IdTime::Fresh;
        if fresh && self.time_synced {
            return Ok(());
        }
        let proves_time = messages
            .iter()
            .any(|m| referenced_id(m.body).is_some_and(|id| self.sent_ids.contains(&id)));
        if proves_time {
            self.sync_clock(outer, now_ms);
            return Ok(());
        }
        if fresh {
            return Ok(());
        }
        self.probe_clock();
        Err(SessionError::BadMsgIdTime { msg_id: outer })
    }

    fn sync_clock(&mut self, server_msg_id: i64, now_ms: i64) {
        self.outbox.ids.sync_with(server_msg_id, now_ms);
        self.time_synced = true;
        self.probing = false;
    }

    /// Queues a ping, whose answer (a pong, or a `bad_msg_notification` if
    /// our clock is off) tells the server's time.
    fn probe_clock(&mut self) {
        if std::mem::replace(&mut self.probing, true) {
            return;
        }
        let ping = functions::Ping {
            ping_id: self.outbox.ids.time_offset.into(),
        };
        self.queue
            .push_back(Queued::new(ping.to_bytes(), IdKind::Other, None));
    }

    /// Checks one message's id and seq_no before it is handled.
    fn check_message(&self, msg_id: i64, seq_no: i32, body: &[u8], now_ms: i64) -> Result<()> {
        if msg_id % 2 == 0 {
            return Err(SessionError::BadMsgIdParity { msg_id });
        }
        if !self.received.is_new(msg_id) {
            return Err(SessionError::Replay { msg_id });
        }
        if id_time(msg_id, self.outbox.ids.server_secs(now_ms)) != IdTime::Fresh {
            return Err(SessionError::BadMsgIdTime { msg_id });
        }
        self.check_seq(msg_id, seq_no, body)
    }

    /// Answers are content-related (odd seq_no), acks and containers are
    /// not (even); and a seq_no must agree with those around it.
    fn check_seq(&self, msg_id: i64, seq_no: i32, body: &[u8]) -> Result<()> {
        let odd = match container::id_of(body) {
            Some(container::RPC_RESULT) => Some(true),
            Some(MSGS_ACK | container::MSG_CONTAINER) => Some(false),
            _ => None,
        };
        let parity_ok = odd.is_none_or(|odd| (seq_no & 1 == 1) == odd);
        if !parity_ok || self.received.seq_conflict(msg_id, seq_no).is_some() {
            return Err(SessionError::BadSeqNo { msg_id, seq_no });
        }
        Ok(())
    }

    fn handle_message(
        &mut self,
        msg_id: i64,
        seq_no: i32,
        body: &[u8],
        now_ms: i64,
        events: &mut Vec<ClientEvent>,
    ) -> Result<()> {
        // Odd seq_no: content-related, so the server wants an ack.
        if seq_no & 1 == 1 {
            self.outbox.acks.push(msg_id);
        }
        if container::id_of(body) == Some(container::RPC_RESULT) {
            let (req_msg_id, result) = container::open_rpc_result(body)?;
            self.answer(req_msg_id, result, events);
            return Ok(());
        }
        let body = maybe_gunzip(body)?;
        let mut cur = Cursor::new(&body);
        match container::id_of(&body).unwrap_or(0) {
            PONG => {
                let enums::Pong::Pong(pong) = enums::Pong::deserialize(&mut cur)?;
                self.answer(pong.msg_id, &body, events);
            }
            FUTURE_SALTS => {
                let enums::FutureSalts::FutureSalts(salts) =
                    enums::FutureSalts::deserialize(&mut cur)?;
                self.answer(salts.req_msg_id, &body, events);
            }
            MSGS_ACK => {
                enums::MsgsAck::deserialize(&mut cur)?;
            }
            BAD_SERVER_SALT => {
                let enums::BadMsgNotification::BadServerSalt(bad) =
                    enums::BadMsgNotification::deserialize(&mut cur)?
                else {
                    return Err(SessionError::BadRpcResult);
                };
                if !self.sent_ids.contains(&bad.bad_msg_id) {
                    return Ok(());
                }
                self.salt = bad.new_server_salt;
                for id in self.affected(bad.bad_msg_id) {
                    self.resend(id, true);
                }
            }
            BAD_MSG_NOTIFICATION => {
                let enums::BadMsgNotification::BadMsgNotification(bad) =
                    enums::BadMsgNotification::deserialize(&mut cur)?
                else {
                    return Err(SessionError::BadRpcResult);
                };
                // Only a notification about a message we really sent is
                // believed (Telegram's rule before correcting the clock).
                if !self.sent_ids.contains(&bad.bad_msg_id) {
                    return Ok(());
                }
                let affected = self.affected(bad.bad_msg_id);
                match bad.error_code {
                    // msg_id too low / too high: the server's clock wins.
                    16 | 17 => {
                        self.sync_clock(msg_id, now_ms);
                        affected.into_iter().for_each(|id| self.resend(id, true));
                    }
                    // seq_no too low: jump past what the server has seen.
                    32 => {
                        self.outbox.seq.bump(bad.bad_msg_seqno.saturating_add(64));
                        affected.into_iter().for_each(|id| self.resend(id, true));
                    }
                    // seq_no too high: start counting afresh.
                    33 => {
                        self.outbox.seq = SeqNo::default();
                        affected.into_iter().for_each(|id| self.resend(id, true));
                    }
                    code => {
                        for request in affected {
                            self.cancel(request);
                            events.push(ClientEvent::Rejected { request, code });
                        }
                    }
                }
            }
            NEW_SESSION_CREATED => {
                let enums::NewSession::Created(new) = enums::NewSession::deserialize(&mut cur)?;
                self.salt = new.server_salt;
                events.push(ClientEvent::NewSession {
                    first_msg_id: new.first_msg_id,
                });
            }
            MSG_DETAILED_INFO | MSG_NEW_DETAILED_INFO => {
                let (request, answer) = match enums::MsgDetailedInfo::deserialize(&mut cur)? {
                    enums::MsgDetailedInfo::MsgDetailedInfo(i) => (Some(i.msg_id), i.answer_msg_id),
                    enums::MsgDetailedInfo::MsgNewDetailedInfo(i) => (None, i.answer_msg_id),
                };
                // An answer we never got is asked for again; one we have
                // is acknowledged so the server stops offering it.
                let waiting = request.is_none_or(|r| self.by_msg_id.contains_key(&r));
                if waiting && self.received.is_new(answer) {
                    let ask = enums::MsgResendReq::MsgResendReq(types::MsgResendReq {
                        msg_ids: vec![answer],
                    });
                    self.queue
                        .push_back(Queued::new(ask.to_bytes(), IdKind::Other, None));
                } else {
                    self.outbox.acks.push(answer);
                }
            }
            MSGS_STATE_REQ | MSG_RESEND_REQ | MSG_RESEND_ANS_REQ => {
                let asked = read_id_list(&body)?;
                let resend = container::id_of(&body) != Some(MSGS_STATE_REQ);
                let mut unknown = !resend;
                for &id in &asked {
                    let known = self.by_msg_id.get(&id).copied().and_then(|request| {
                        let at = self.requests.get(&request)?.sent?;
                        Some((request, at))
                    });
                    match known {
                        Some((request, at)) if resend => self.requeue_as_sent(request, at),
                        _ => unknown = true,
                    }
                }
                if unknown {
                    let now = self.outbox.ids.server_secs(now_ms);
                    let info = state_info(msg_id, &asked, |id| match self.received.seen(id) {
                        Seen::NotReceived if id_time(id, now) == IdTime::TooOld => 1,
                        seen => seen.state_byte(),
                    });
                    self.queue.push_back(Queued::new(info, IdKind::Other, None));
                }
            }
            MSGS_STATE_INFO => {
                let enums::MsgsStateInfo::MsgsStateInfo(info) =
                    enums::MsgsStateInfo::deserialize(&mut cur)?;
                self.answer(info.req_msg_id, &body, events);
            }
            MSGS_ALL_INFO => {}
            _ => events.push(ClientEvent::Update(body.into_owned())),
        }
        Ok(())
    }

    /// Resolves the request `req_msg_id` with `result` (an `rpc_result`'s
    /// payload, or a service answer).
    fn answer(&mut self, req_msg_id: i64, result: &[u8], events: &mut Vec<ClientEvent>) {
        let Some(request) = self.by_msg_id.remove(&req_msg_id) else {
            // An answer to something cancelled or unknown: nothing to do.
            return;
        };
        self.requests.remove(&request);
        let constructor = container::id_of(result);
        let failed = |error: SessionError| ClientEvent::Malformed {
            request,
            constructor,
            error,
        };
        let result = match maybe_gunzip(result) {
            Ok(result) => result,
            Err(error) => return events.push(failed(error)),
        };
        let event = if container::id_of(&result) == Some(RPC_ERROR) {
            match enums::RpcError::from_bytes(&result) {
                Ok(enums::RpcError::RpcError(e)) => ClientEvent::Result {
                    request,
                    result: Err(RpcError {
                        code: e.error_code,
                        message: e.error_message,
                    }),
                },
                Err(e) => failed(e.into()),
            }
        } else {
            ClientEvent::Result {
                request,
                result: Ok(result.into_owned()),
            }
        };
        events.push(event);
    }
}

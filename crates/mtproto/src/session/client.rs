//! The client's encrypted session.

use std::collections::{BTreeMap, HashMap, VecDeque};

use paperplane_crypto::{AuthKey, Direction};
use paperplane_tl::{Cursor, Deserializable, enums};
use rand_core::RngCore;

use super::container::{self, maybe_gunzip};
use super::envelope;
use super::ids::{IdKind, MsgIdGen, ReplayWindow, Role, SeqNo};
use super::outbox::{Outbox, Queued};
use super::service::*;
use super::{Result, SessionError, check_time};

/// Requests larger than this are sent as `gzip_packed` when that is smaller.
const GZIP_THRESHOLD: usize = 512;
/// How many sent containers are remembered.
const MAX_CONTAINERS: usize = 1024;

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
}

struct Request {
    body: Vec<u8>,
    /// The msg_id of its last transmission, if sent.
    msg_id: Option<i64>,
}

/// A client's session over one authorization key.
pub struct ClientSession {
    auth_key: AuthKey,
    session_id: i64,
    salt: i64,
    outbox: Outbox,
    replay: ReplayWindow,
    next_request: u64,
    queue: VecDeque<Queued<Option<RequestId>>>,
    requests: HashMap<RequestId, Request>,
    by_msg_id: HashMap<i64, RequestId>,
    /// Recent containers and the requests they carried, for notifications
    /// that name a container's msg_id.
    containers: BTreeMap<i64, Vec<RequestId>>,
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
            replay: ReplayWindow::new(1024),
            next_request: 0,
            queue: VecDeque::new(),
            requests: HashMap::new(),
            by_msg_id: HashMap::new(),
            containers: BTreeMap::new(),
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

    /// The authorization key.
    pub fn auth_key(&self) -> &AuthKey {
        &self.auth_key
    }

    /// Queues a request (a serialized function); large bodies are
    /// compressed when that pays.
    pub fn request(&mut self, body: Vec<u8>) -> RequestId {
        let id = RequestId(self.next_request);
        self.next_request += 1;
        let body = match body.len() > GZIP_THRESHOLD {
            true => container::gzip_if_smaller(&body).unwrap_or(body),
            false => body,
        };
        self.queue.push_back(Queued {
            body: body.clone(),
            kind: IdKind::Other,
            tag: Some(id),
        });
        self.requests.insert(id, Request { body, msg_id: None });
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
        let header = envelope::Header {
            salt: self.salt,
            session_id: self.session_id,
            msg_id,
            seq_no: self.outbox.seq.next(true),
        };
        let packet = envelope::encrypt(
            &self.auth_key,
            Direction::ClientToServer,
            header,
            &body,
            rng,
        );
        let id = RequestId(self.next_request);
        self.next_request += 1;
        self.requests.insert(
            id,
            Request {
                body,
                msg_id: Some(msg_id),
            },
        );
        self.by_msg_id.insert(msg_id, id);
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
        self.requests.get(&request).and_then(|r| r.msg_id)
    }

    /// Forgets a request (its answer will be ignored).
    pub fn cancel(&mut self, request: RequestId) {
        if let Some(r) = self.requests.remove(&request) {
            if let Some(id) = r.msg_id {
                self.by_msg_id.remove(&id);
            }
        }
        self.queue.retain(|q| q.tag != Some(request));
    }

    /// After a reconnect: queues every unanswered request again, in order.
    pub fn resend_unanswered(&mut self) {
        let mut sent: Vec<RequestId> = self
            .requests
            .iter()
            .filter(|(_, r)| r.msg_id.is_some())
            .map(|(id, _)| *id)
            .collect();
        sent.sort();
        for id in sent.into_iter().rev() {
            self.resend(id, true);
        }
    }

    fn resend(&mut self, id: RequestId, front: bool) {
        let Some(r) = self.requests.get_mut(&id) else {
            return;
        };
        if let Some(old) = r.msg_id.take() {
            self.by_msg_id.remove(&old);
        }
        if self.queue.iter().any(|q| q.tag == Some(id)) {
            return;
        }
        let q = Queued {
            body: r.body.clone(),
            kind: IdKind::Other,
            tag: Some(id),
        };
        if front {
            self.queue.push_front(q)
        } else {
            self.queue.push_back(q)
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
        for (msg_id, tag) in sent.messages {
            if let Some(id) = tag {
                if let Some(r) = self.requests.get_mut(&id) {
                    r.msg_id = Some(msg_id);
                    self.by_msg_id.insert(msg_id, id);
                    in_container.push(id);
                }
            }
        }
        if let Some(container) = sent.container {
            self.containers.insert(container, in_container);
            while self.containers.len() > MAX_CONTAINERS {
                self.containers.pop_first();
            }
        }
        Some(sent.packet)
    }

    /// Decrypts, checks and handles one packet from the server.
    pub fn handle_packet(&mut self, packet: &[u8], now_ms: i64) -> Result<Vec<ClientEvent>> {
        let msg = envelope::decrypt(&self.auth_key, Direction::ServerToClient, packet)?;
        if msg.session_id != self.session_id {
            return Err(SessionError::WrongSession {
                expected: self.session_id,
                got: msg.session_id,
            });
        }
        self.check_id(msg.msg_id, now_ms)?;
        let mut events = Vec::new();
        if container::id_of(&msg.body) == Some(container::MSG_CONTAINER) {
            for inner in container::unpack(&msg.body)? {
                // One bad message inside does not poison its neighbours.
                if self.check_id(inner.msg_id, now_ms).is_ok() {
                    self.handle_message(
                        inner.msg_id,
                        inner.seq_no,
                        inner.body,
                        now_ms,
                        &mut events,
                    )?;
                }
            }
        } else {
            self.handle_message(msg.msg_id, msg.seq_no, &msg.body, now_ms, &mut events)?;
        }
        Ok(events)
    }

    fn check_id(&mut self, msg_id: i64, now_ms: i64) -> Result<()> {
        if msg_id % 2 == 0 {
            return Err(SessionError::BadMsgIdParity { msg_id });
        }
        let server_now = now_ms + i64::from(self.outbox.ids.time_offset) * 1000;
        check_time(msg_id, server_now)?;
        if !self.replay.accept(msg_id) {
            return Err(SessionError::Replay { msg_id });
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
        let body = maybe_gunzip(body)?;
        let mut cur = Cursor::new(&body);
        match container::id_of(&body).unwrap_or(0) {
            container::RPC_RESULT => {
                let (req_msg_id, result) = container::open_rpc_result(&body)?;
                let result = maybe_gunzip(result)?;
                self.answer(req_msg_id, &result, events)?;
            }
            PONG => {
                let enums::Pong::Pong(pong) = enums::Pong::deserialize(&mut cur)?;
                self.answer(pong.msg_id, &body, events)?;
            }
            FUTURE_SALTS => {
                let enums::FutureSalts::FutureSalts(salts) =
                    enums::FutureSalts::deserialize(&mut cur)?;
                self.answer(salts.req_msg_id, &body, events)?;
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
                let affected = self.affected(bad.bad_msg_id);
                match bad.error_code {
                    // msg_id too low / too high: the server's clock wins.
                    16 | 17 => {
                        self.outbox.ids.sync_with(msg_id, now_ms);
                        affected.into_iter().for_each(|id| self.resend(id, true));
                    }
                    // seq_no too low: jump past what the server has seen.
                    32 => {
                        self.outbox.seq.bump(bad.bad_msg_seqno + 64);
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
                // The answer was sent already; acknowledging it stops resends.
                let answer = match enums::MsgDetailedInfo::deserialize(&mut cur)? {
                    enums::MsgDetailedInfo::MsgDetailedInfo(i) => i.answer_msg_id,
                    enums::MsgDetailedInfo::MsgNewDetailedInfo(i) => i.answer_msg_id,
                };
                self.outbox.acks.push(answer);
            }
            MSGS_STATE_REQ => {
                let body = state_info(msg_id, &mut cur)?;
                self.queue.push_back(Queued {
                    body,
                    kind: IdKind::Other,
                    tag: None,
                });
            }
            _ => events.push(ClientEvent::Update(body.into_owned())),
        }
        Ok(())
    }

    fn answer(
        &mut self,
        req_msg_id: i64,
        result: &[u8],
        events: &mut Vec<ClientEvent>,
    ) -> Result<()> {
        let Some(request) = self.by_msg_id.remove(&req_msg_id) else {
            // An answer to something cancelled or unknown: nothing to do.
            return Ok(());
        };
        self.requests.remove(&request);
        let result = if container::id_of(result) == Some(RPC_ERROR) {
            let enums::RpcError::RpcError(e) = enums::RpcError::from_bytes(result)?;
            Err(RpcError {
                code: e.error_code,
                message: e.error_message,
            })
        } else {
            Ok(result.to_vec())
        };
        events.push(ClientEvent::Result { request, result });
        Ok(())
    }
}

//! The server's encrypted session, one per client session.
//!
//! It answers MTProto's own service requests itself (ping, future salts,
//! state requests, destroy_session) and hands API requests up as
//! [`ServerEvent::Request`]. Messages that break the rules are answered
//! the way Telegram answers them: `bad_server_salt` for a wrong salt,
//! `bad_msg_notification` (16, 17, 18, 20) for a bad msg_id.
//!
//! Salts come from a schedule ([`ServerSession::with_salts`]): the salt of the current window and
//! that of the window before are accepted (Telegram keeps accepting an old
//! salt for a while after it changes), and `get_future_salts` lists the
//! schedule's coming windows.

use std::collections::VecDeque;

use paperplane_crypto::{AuthKey, Direction};
use paperplane_tl::{Cursor, Deserializable, Serializable, enums, functions, types};
use rand_core::RngCore;

use super::container::{self, maybe_gunzip};
use super::envelope;
use super::ids::{IdKind, MsgIdGen, ReplayWindow, Role, SeqNo};
use super::outbox::{Outbox, Queued};
use super::service::*;
use super::{MAX_FUTURE, MAX_PAST, Result, SessionError};

/// Bodies larger than this are sent as `gzip_packed` when that is smaller.
const GZIP_THRESHOLD: usize = 512;

/// What the application layer of the server must handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerEvent {
    /// An API request (a serialized function, inflated) to answer with
    /// [`ServerSession::respond`].
    Request {
        /// Its msg_id: the `req_msg_id` of the answer.
        msg_id: i64,
        /// The request's TL bytes.
        body: Vec<u8>,
    },
    /// The client asked to be disconnected after this many seconds without
    /// a new ping (`ping_delay_disconnect`).
    DisconnectAfter(i32),
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
            valid_until: clamp_time(since + FIXED_WINDOW),
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

/// A server's view of one client session.
pub struct ServerSession {
    auth_key: AuthKey,
    session_id: Option<i64>,
    salts: Schedule,
    outbox: Outbox,
    replay: ReplayWindow,
    queue: VecDeque<Queued<()>>,
}

impl std::fmt::Debug for ServerSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSession")
            .field("session_id", &self.session_id)
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
            replay: ReplayWindow::new(1024),
            queue: VecDeque::new(),
        }
    }

    /// The client's session id, once its first message arrived.
    pub fn session_id(&self) -> Option<i64> {
        self.session_id
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

    /// Queues the answer to request `req_msg_id`.
    pub fn respond(&mut self, req_msg_id: i64, result: &[u8]) {
        let result = match result.len() > GZIP_THRESHOLD {
            true => container::gzip_if_smaller(result).map(std::borrow::Cow::Owned),
            false => None,
        }
        .unwrap_or(std::borrow::Cow::Borrowed(result));
        self.push(container::rpc_result(req_msg_id, &result), IdKind::Response);
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
        self.push(body, IdKind::Other);
    }

    fn push(&mut self, body: Vec<u8>, kind: IdKind) {
        self.queue.push_back(Queued {
            body,
            kind,
            tag: (),
        });
    }

    /// Builds the next packet to send, if anything is queued (and the
    /// client's session is known).
    pub fn poll_transmit(&mut self, now_ms: i64, rng: &mut impl RngCore) -> Option<Vec<u8>> {
        let session_id = self.session_id?;
        let salt = self.salt(now_ms);
        self.outbox
            .build(
                &mut self.queue,
                &self.auth_key,
                Direction::ServerToClient,
                salt,
                session_id,
                now_ms,
                rng,
            )
            .map(|sent| sent.packet)
    }

    /// Decrypts, checks and handles one packet from the client. Errors
    /// mean the packet is not trusted and produced no answer.
    pub fn handle_packet(
        &mut self,
        packet: &[u8],
        now_ms: i64,
        rng: &mut impl RngCore,
    ) -> Result<Vec<ServerEvent>> {
        let msg = envelope::decrypt(&self.auth_key, Direction::ClientToServer, packet)?;
        if self.session_id != Some(msg.session_id) {
            // A new session (clients start one per connection): fresh
            // counters, and tell the client so it can catch up.
            self.session_id = Some(msg.session_id);
            self.replay = ReplayWindow::new(1024);
            self.outbox.seq = SeqNo::default();
            self.queue.clear();
            let created = enums::NewSession::Created(types::NewSessionCreated {
                first_msg_id: msg.msg_id,
                unique_id: rng.next_u64() as i64,
                server_salt: self.salt(now_ms),
            });
            self.push(created.to_bytes(), IdKind::Other);
        }
        let mut events = Vec::new();
        if !self.check_id(msg.msg_id, msg.seq_no, now_ms)? {
            return Ok(events);
        }
        if !self.accepts_salt(msg.salt, now_ms.div_euclid(1000)) {
            let bad = enums::BadMsgNotification::BadServerSalt(types::BadServerSalt {
                bad_msg_id: msg.msg_id,
                bad_msg_seqno: msg.seq_no,
                error_code: 48,
                new_server_salt: self.salt(now_ms),
            });
            self.push(bad.to_bytes(), IdKind::Other);
            return Ok(events);
        }
        if container::id_of(&msg.body) == Some(container::MSG_CONTAINER) {
            for inner in container::unpack(&msg.body)? {
                if self.check_id(inner.msg_id, inner.seq_no, now_ms)? {
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

    /// Checks a client msg_id; a bad one is answered with
    /// `bad_msg_notification` and skipped (`Ok(false)`), a replay is an
    /// error.
    fn check_id(&mut self, msg_id: i64, seq_no: i32, now_ms: i64) -> Result<bool> {
        let secs = msg_id >> 32;
        let now = now_ms.div_euclid(1000);
        let code = if msg_id % 4 != 0 {
            18
        } else if secs < now - MAX_PAST {
            16
        } else if secs > now + MAX_FUTURE {
            17
        } else {
            0
        };
        if code != 0 {
            self.notify_bad(msg_id, seq_no, code);
            return Ok(false);
        }
        if !self.replay.accept(msg_id) {
            return Err(SessionError::Replay { msg_id });
        }
        Ok(true)
    }

    fn notify_bad(&mut self, msg_id: i64, seq_no: i32, code: i32) {
        let bad = enums::BadMsgNotification::BadMsgNotification(types::BadMsgNotification {
            bad_msg_id: msg_id,
            bad_msg_seqno: seq_no,
            error_code: code,
        });
        self.push(bad.to_bytes(), IdKind::Other);
    }

    fn handle_message(
        &mut self,
        msg_id: i64,
        seq_no: i32,
        body: &[u8],
        now_ms: i64,
        events: &mut Vec<ServerEvent>,
    ) -> Result<()> {
        if seq_no & 1 == 1 {
            self.outbox.acks.push(msg_id);
        }
        let body = maybe_gunzip(body)?;
        let mut cur = Cursor::new(&body);
        match container::id_of(&body).unwrap_or(0) {
            MSGS_ACK => {
                enums::MsgsAck::deserialize(&mut cur)?;
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
                let info = state_info(msg_id, &mut cur)?;
                self.push(info, IdKind::Other);
            }
            DESTROY_SESSION => {
                let req = functions::DestroySession::deserialize(&mut cur)?;
                let answer = if Some(req.session_id) == self.session_id {
                    enums::DestroySessionRes::DestroySessionNone(types::DestroySessionNone {
                        session_id: req.session_id,
                    })
                } else {
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
            MSG_RESEND_REQ | HTTP_WAIT => {}
            _ => events.push(ServerEvent::Request {
                msg_id,
                body: body.into_owned(),
            }),
        }
        Ok(())
    }
}

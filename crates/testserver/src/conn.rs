//! One client connection: transport, key exchange, encrypted session, RPCs.

use std::cell::RefCell;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use paperplane_crypto::Direction;
use paperplane_mtproto::handshake::{KeyKind, ServerHandshake, ServerStep};
use paperplane_mtproto::session::envelope;
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use paperplane_mtproto::session::store::SharedSession;
use paperplane_mtproto::session::{ServerEvent, ServerSession};
use paperplane_mtproto::transport::{self, ErrorCode, ReadBuf, ServerTransport};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::cut::{Meter, Outgoing};
use crate::faults::Faults;
use crate::hub::{ConnId, Push, Registration};
use crate::keys::{KeyInfo, TempKey};
use crate::rpc::{self, ConnectionInfo, Reply};
use crate::server::Shared;

/// Why a connection ended early.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    /// The socket failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The client broke the transport.
    #[error(transparent)]
    Transport(#[from] transport::TransportError),
    /// The client used a key the server does not know.
    #[error("unknown auth key {0:#x}")]
    UnknownKey(i64),
    /// An MTProxy client asked for a DC the server does not run.
    #[error("MTProxy client asked for unknown DC {0}")]
    UnknownDc(i16),
}

/// Where a listener's connections go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Straight to this DC.
    Dc(i32),
    /// The MTProxy endpoint: to the DC the obfuscated2 header names.
    Proxy,
}

/// State of one connection beyond its transport.
struct Connection {
    /// The DC served; 0 until an MTProxy client's header named it.
    dc_id: i32,
    shared: Arc<Shared>,
    rng: ChaCha20Rng,
    handshake: ServerHandshake,
    plain_ids: MsgIdGen,
    /// The key and session this connection last carried (pushed updates
    /// go into it).
    session: Option<(i64, i64, SharedSession)>,
    /// The key whose authorization it acts with (the permanent key its
    /// temporary key is bound to), as last told to the hub.
    auth_key_id: Option<i64>,
    info: ConnectionInfo,
    conn_id: ConnId,
    /// Set when a request's answer must be lost (fault injection).
    drop_now: bool,
    /// When to close the connection unless another
    /// `ping_delay_disconnect` comes first.
    disconnect_at: Option<tokio::time::Instant>,
}

/// Size of the per-thread buffer reads go through.
const SCRATCH_LEN: usize = 64 * 1024;

thread_local! {
    /// Shared by every connection a worker thread serves, so an idle
    /// connection holds no read buffer of its own.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; SCRATCH_LEN]);
}

/// The most bytes one wake-up reads before the packets are handled.
const MAX_BURST: usize = 1 << 20;

/// Reads whatever the socket has (up to [`MAX_BURST`]) into `input`
/// without waiting; `Ok(true)` once the peer closed its side.
fn read_available(stream: &TcpStream, input: &mut ReadBuf) -> std::io::Result<bool> {
    if input.is_empty() && input.capacity() > SCRATCH_LEN {
        // Do not keep a large message's buffer around while idle.
        *input = ReadBuf::new();
    }
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        let mut total = 0;
        // Read on until the socket is drained, so its readiness is cleared
        // and the task sleeps until new bytes arrive.
        while total < MAX_BURST {
            match stream.try_read(&mut scratch) {
                Ok(0) => return Ok(true),
                Ok(n) => {
                    input.extend_from_slice(scratch.get(..n).unwrap_or_default());
                    total += n;
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    })
}

/// Writes what `out` holds, as far as an armed cut lets it, and empties
/// it; `Ok(false)` when the cut fell and the connection must close.
async fn flush(
    stream: &mut TcpStream,
    meter: &mut Meter,
    faults: &Faults,
    out: &mut Outgoing,
) -> std::io::Result<bool> {
    let cut = meter.admit(faults, out);
    let end = cut.unwrap_or(out.bytes.len());
    stream
        .write_all(out.bytes.get(..end).unwrap_or_default())
        .await?;
    out.reset();
    if cut.is_some() {
        stream.flush().await?;
    }
    Ok(cut.is_none())
}

/// Serves one connection until it closes, breaks the protocol, or the
/// server stops.
pub async fn serve(
    mut stream: TcpStream,
    route: Route,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), ConnError> {
    let (conn_id, mut pushes) = shared.world.hub().register();
    let hub_shared = shared.clone();
    let _registration = Registration::new(hub_shared.world.hub(), conn_id);
    let direct = [transport::ServerConfig::new()];
    let configs = match route {
        Route::Dc(_) => &direct[..],
        Route::Proxy => &hub_shared.proxy[..],
    };
    let mut conn = Connection {
        dc_id: match route {
            Route::Dc(id) => id,
            Route::Proxy => 0,
        },
        shared,
        rng: ChaCha20Rng::from_entropy(),
        handshake: ServerHandshake::new(),
        plain_ids: MsgIdGen::new(Role::Server, 0),
        session: None,
        auth_key_id: None,
        info: ConnectionInfo::default(),
        conn_id,
        drop_now: false,
        disconnect_at: None,
    };
    let mut input = ReadBuf::new();
    let mut out = Outgoing::default();
    let mut meter = Meter::default();
    let mut transport: Option<ServerTransport> = None;
    let mut peer_closed = false;
    while !peer_closed {
        tokio::select! {
            ready = stream.readable() => {
                ready?;
                peer_closed = read_available(&stream, &mut input)?;
            }
            push = pushes.recv() => match push {
                Some(Push::Update(body)) => {
                    if let Some(t) = transport.as_mut() {
                        if !conn.push(body, t, &mut out)? {
                            return Ok(());
                        }
                        if !flush(&mut stream, &mut meter, &conn.shared.faults, &mut out).await? {
                            return Ok(());
                        }
                    }
                    continue;
                }
                Some(Push::Close) | None => return Ok(()),
            },
            _ = stopped.changed() => return Ok(()),
            _ = sleep_until_some(conn.disconnect_at) => {
                // The client asked for this with ping_delay_disconnect.
                return Ok(());
            }
        }
        if input.is_empty() {
            continue;
        }
        // What came before a close is still handled (and answered, in case
        // the peer only shut its sending side).
        if transport.is_none() {
            let now = conn.shared.clock.now();
            transport = accept(configs, &mut input, now, &mut conn.rng, &mut out.bytes)?;
        }
        let Some(t) = transport.as_mut() else {
            continue;
        };
        conn.resolve_dc(t)?;
        let result = drain(&mut conn, t, &mut input, &mut out);
        if conn.drop_now {
            // The request was carried out; its answer is lost with the
            // connection.
            return Ok(());
        }
        if !out.is_empty() && !flush(&mut stream, &mut meter, &conn.shared.faults, &mut out).await?
        {
            // Cut by an armed fault, mid-frame or between frames.
            return Ok(());
        }
        result?;
    }
    Ok(())
}

/// Accepts the connection with the first of `configs` its opening
/// matches (MTProxy tries each of its secrets the same way); `Ok(None)`
/// while more bytes are needed.
fn accept(
    configs: &[transport::ServerConfig],
    input: &mut ReadBuf,
    now: i64,
    rng: &mut ChaCha20Rng,
    out: &mut Vec<u8>,
) -> Result<Option<ServerTransport>, transport::TransportError> {
    let now = u64::try_from(now).unwrap_or(0);
    let mut waiting = false;
    let mut refused = None;
    for config in configs {
        // A refusal consumes nothing, so the next secret sees the same bytes.
        match ServerTransport::accept(config, input, now, rng, out) {
            Ok(Some(accepted)) => return Ok(Some(accepted)),
            Ok(None) => waiting = true,
            Err(e) => {
                refused.get_or_insert(e);
            }
        }
    }
    match (waiting, refused) {
        (false, Some(e)) => Err(e),
        _ => Ok(None),
    }
}

/// Handles every whole packet in `input`, appending what to send to `out`.
fn drain(
    conn: &mut Connection,
    transport: &mut ServerTransport,
    input: &mut ReadBuf,
    out: &mut Outgoing,
) -> Result<(), ConnError> {
    while let Some(packet) = transport.decode(input)? {
        // A FakeTLS client's header (and DC) arrives with its first packet.
        conn.resolve_dc(transport)?;
        if conn.dc_id == 0 {
            // Unreachable: the proxy accepts no transport without a header.
            return Err(ConnError::UnknownDc(0));
        }
        let packet = packet.payload;
        match envelope::auth_key_id(&packet) {
            Some(0) => conn.on_plain(&packet, transport, out)?,
            Some(key_id) => {
                if let Err(e) = conn.on_encrypted(key_id, &packet, transport, out) {
                    // Telegram answers an unknown key with -404 and closes.
                    if matches!(e, ConnError::UnknownKey(_)) {
                        transport.encode_error(ErrorCode::AUTH_KEY_NOT_FOUND, &mut out.bytes)?;
                        out.end_frame();
                    }
                    return Err(e);
                }
            }
            None => {
                return Err(ConnError::Transport(transport::TransportError::TooShort {
                    len: packet.len() as u64,
                }));
            }
        }
        if conn.drop_now {
            break;
        }
    }
    Ok(())
}

impl Connection {
    /// Takes an MTProxy client's DC from its obfuscated2 header once the
    /// header arrived; a DC the server does not run ends the connection.
    fn resolve_dc(&mut self, transport: &ServerTransport) -> Result<(), ConnError> {
        if self.dc_id != 0 {
            return Ok(());
        }
        let Some(raw) = transport.dc_id() else {
            return Ok(());
        };
        self.dc_id = crate::server::proxy_target_dc(raw).ok_or(ConnError::UnknownDc(raw))?;
        let mut proxied = self
            .shared
            .proxied
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *proxied.entry(self.dc_id).or_default() += 1;
        Ok(())
    }

    /// An unencrypted message: a step of the key exchange.
    fn on_plain(
        &mut self,
        packet: &[u8],
        transport: &mut ServerTransport,
        out: &mut Outgoing,
    ) -> Result<(), ConnError> {
        let Ok((_, body)) = envelope::open_plain(packet) else {
            return Ok(());
        };
        let keys = self.shared.keys.clone();
        let step = self.handshake.handle(
            &self.shared.handshake,
            body,
            self.shared.clock.now_i32(),
            &|id| keys.contains(id),
            &mut self.rng,
        );
        let reply = match step {
            Ok(ServerStep::Send(reply)) => reply,
            Ok(ServerStep::Done { reply, negotiated }) => {
                let now = self.shared.clock.now();
                let temp = match negotiated.kind {
                    KeyKind::Permanent => None,
                    KeyKind::Temporary { expires_in } => Some(TempKey {
                        expires_at: now.saturating_add(i64::from(expires_in.max(0))),
                        bound_to: None,
                    }),
                };
                self.shared.keys.insert(KeyInfo {
                    key: Arc::new(negotiated.auth_key),
                    dc_id: self.dc_id,
                    salt: negotiated.first_salt,
                    created: now,
                    temp,
                });
                self.handshake = ServerHandshake::new();
                reply
            }
            Err(e) => {
                // A broken exchange is abandoned; the client may start over
                // on the same connection.
                tracing::debug!("key exchange failed: {e}");
                self.handshake = ServerHandshake::new();
                return Ok(());
            }
        };
        let msg = envelope::plain(
            self.plain_ids
                .next(self.shared.clock.now_ms(), IdKind::Response),
            &reply,
        );
        transport.encode(&msg, &mut self.rng, &mut out.bytes)?;
        out.end_frame();
        Ok(())
    }

    /// An encrypted message on key `key_id`.
    fn on_encrypted(
        &mut self,
        key_id: i64,
        packet: &[u8],
        transport: &mut ServerTransport,
        out: &mut Outgoing,
    ) -> Result<(), ConnError> {
        // Looked up every time: a temporary key may expire or be bound.
        let info = self
            .shared
            .keys
            .get(key_id)
            .ok_or(ConnError::UnknownKey(key_id))?;
        let msg = match envelope::decrypt(&info.key, Direction::ClientToServer, packet) {
            Ok(msg) => msg,
            // Not trusted: dropped, as Telegram does.
            Err(e) => {
                tracing::debug!("dropped packet: {e}");
                return Ok(());
            }
        };
        let auth_key_id = info.auth_key_id();
        if self.auth_key_id != Some(auth_key_id) {
            self.auth_key_id = Some(auth_key_id);
            self.shared
                .world
                .hub()
                .set_key(self.conn_id, key_id, auth_key_id);
        }
        let session_id = msg.session_id;
        let session = self.session_for(key_id, session_id, &info);
        let mut session = session.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(code) = self.shared.faults.take_refusal() {
            session.refuse_next(code);
        }
        let now = self.shared.clock.now_ms();
        let events = match session.handle_decrypted(msg, now, &mut self.rng) {
            Ok(events) => events,
            Err(e) => {
                tracing::debug!("dropped packet: {e}");
                Vec::new()
            }
        };
        let mut destroyed = Vec::new();
        for event in events {
            let (msg_id, body) = match event {
                ServerEvent::Request { msg_id, body } => (msg_id, body),
                ServerEvent::DisconnectAfter(seconds) => {
                    let delay = Duration::from_secs(u64::try_from(seconds).unwrap_or(0));
                    self.disconnect_at = tokio::time::Instant::now().checked_add(delay);
                    continue;
                }
                ServerEvent::DestroySession(id) => {
                    destroyed.push(id);
                    continue;
                }
            };
            // A binding earlier in this packet changes the key's meaning.
            let info = match self.shared.keys.get(key_id) {
                Some(info) => info,
                None => return Err(ConnError::UnknownKey(key_id)),
            };
            let mut ctx = rpc::Context {
                shared: &self.shared,
                dc_id: self.dc_id,
                info: &mut self.info,
                key_id: info.auth_key_id(),
                wire_key_id: key_id,
                unbound_temp: info.is_unbound_temp(),
                session_id,
                msg_id,
                conn_id: self.conn_id,
            };
            let reply = match rpc::dispatch(&mut ctx, &body) {
                Reply::Lost(reply) => {
                    // Answered into a connection that breaks at once: the
                    // answer is lost on the way, but kept by the session.
                    self.drop_now = true;
                    *reply
                }
                reply => reply,
            };
            match reply {
                Reply::Ok(result) => session.respond(msg_id, &result),
                Reply::Error { code, message } => session.respond_error(msg_id, code, &message),
                Reply::Lost(_) | Reply::Silence => {}
            }
        }
        if self.drop_now {
            // Everything this packet asked for was done; the answers go
            // into a connection that is about to break.
            let mut lost = Outgoing::default();
            transmit(&mut session, transport, now, &mut self.rng, &mut lost)?;
            return Ok(());
        }
        transmit(&mut session, transport, now, &mut self.rng, out)?;
        drop(session);
        if !destroyed.is_empty() {
            let mut store = self
                .shared
                .sessions
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for id in destroyed {
                store.destroy(key_id, id, self.shared.clock.monotonic_secs());
            }
        }
        Ok(())
    }

    /// The session `session_id` of key `key_id`, made if new; when this
    /// connection starts carrying a session that already existed, the
    /// session learns of it.
    fn session_for(&mut self, key_id: i64, session_id: i64, info: &KeyInfo) -> SharedSession {
        if let Some((k, s, session)) = &self.session {
            if (*k, *s) == (key_id, session_id) {
                return session.clone();
            }
        }
        let (session, created) = self
            .shared
            .sessions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_create(
                key_id,
                session_id,
                self.shared.clock.monotonic_secs(),
                || {
                    let key = paperplane_crypto::AuthKey::from_bytes(*info.key.as_bytes());
                    ServerSession::with_salts(key, self.shared.salts.schedule(info))
                },
            );
        if !created {
            session
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .attach_connection();
        }
        self.session = Some((key_id, session_id, session.clone()));
        session
    }

    /// Sends an update pushed by the world, encrypted in this connection's
    /// session (queued until the client's first message names it).
    /// `Ok(false)`: the connection's temporary key expired; close it.
    fn push(
        &mut self,
        body: Vec<u8>,
        transport: &mut ServerTransport,
        out: &mut Outgoing,
    ) -> Result<bool, ConnError> {
        let Some((key_id, _, session)) = self.session.as_ref() else {
            return Ok(true);
        };
        if self.shared.keys.get(*key_id).is_none() {
            return Ok(false);
        }
        let mut session = session.lock().unwrap_or_else(PoisonError::into_inner);
        session.push_update(body);
        transmit(
            &mut session,
            transport,
            self.shared.clock.now_ms(),
            &mut self.rng,
            out,
        )?;
        Ok(true)
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until_some(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Sends what the session has queued, as far as the transport may send:
/// over HTTP only as answers to waiting requests, so the rest stays queued
/// (and is bundled into one container) until the client's next request.
fn transmit(
    session: &mut ServerSession,
    transport: &mut ServerTransport,
    now_ms: i64,
    rng: &mut ChaCha20Rng,
    out: &mut Outgoing,
) -> Result<(), ConnError> {
    while transport.can_send() {
        let Some(packet) = session.poll_transmit(now_ms, rng) else {
            break;
        };
        transport.encode(&packet, rng, &mut out.bytes)?;
        out.end_frame();
    }
    Ok(())
}

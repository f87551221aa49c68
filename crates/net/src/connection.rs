//! One DC, one task: the socket, the key, the encrypted session.
//!
//! [`Connection::spawn`] starts a task that connects, creates an
//! authorization key if it has none, announces itself with
//! `invokeWithLayer(initConnection(help.getConfig))`, and then serves
//! every request sent through its [`Connection`] handle, many at a time:
//! the session packs whatever is queued (requests and acks) into one
//! container per write. When the socket fails the task reconnects with
//! backoff and resends whatever was not answered; callers only notice a
//! delay. The protocol itself is `paperplane-mtproto`'s sans-IO machines;
//! this module only moves bytes and keeps time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use paperplane_crypto::AuthKey;
use paperplane_crypto::rsa::RsaPublicKey;
use paperplane_mtproto::handshake::{self, ClientHandshake, ClientStep, KeyKind};
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use paperplane_mtproto::session::{ClientEvent, ClientSession, RequestId, SessionError, envelope};
use paperplane_mtproto::transport::{self, ClientTransport, ErrorCode, Frame, ReadBuf};
use paperplane_tl::{Deserializable, LAYER, Serializable, enums, functions};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, timeout};

use crate::backoff::Backoff;
use crate::clock::Clock;
use crate::error::{InvocationError, RpcError};
use crate::proxy::MtProxy;
use crate::transport_kind::TransportKind;

/// How long a TCP connect or a key exchange step may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The `disconnect_delay` of keep-alive pings: the server closes the
/// connection if it hears nothing for this long.
const PING_DISCONNECT_DELAY: i32 = 75;

/// What `initConnection` tells the server about the app.
#[derive(Clone, Debug)]
pub struct InitParams {
    /// The app's `api_id`.
    pub api_id: i32,
    /// Device model, e.g. "paperplane".
    pub device_model: String,
    /// Operating system version.
    pub system_version: String,
    /// App version.
    pub app_version: String,
    /// The system language (ISO 639-1).
    pub system_lang_code: String,
    /// The language pack (empty for none).
    pub lang_pack: String,
    /// The app language (ISO 639-1).
    pub lang_code: String,
}

impl Default for InitParams {
    fn default() -> Self {
        Self {
            api_id: 0,
            device_model: "paperplane".into(),
            system_version: std::env::consts::OS.into(),
            app_version: env!("CARGO_PKG_VERSION").into(),
            system_lang_code: "en".into(),
            lang_pack: String::new(),
            lang_code: "en".into(),
        }
    }
}

/// An authorization key with what the session needs to use it.
pub struct KeyState {
    /// The key.
    pub key: AuthKey,
    /// The last known server salt.
    pub salt: i64,
    /// Server time minus local time, in seconds.
    pub time_offset: i32,
}

impl Clone for KeyState {
    fn clone(&self) -> Self {
        Self {
            key: AuthKey::from_bytes(*self.key.as_bytes()),
            salt: self.salt,
            time_offset: self.time_offset,
        }
    }
}

impl std::fmt::Debug for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyState")
            .field("key_id", &self.key.key_id())
            .field("time_offset", &self.time_offset)
            .finish_non_exhaustive()
    }
}

/// How to reach one DC.
#[derive(Clone, Debug)]
pub struct ConnectionConfig {
    /// The DC id.
    pub dc_id: i32,
    /// Its address.
    pub addr: SocketAddr,
    /// The framing and wrapping.
    pub transport: TransportKind,
    /// Server RSA keys trusted for the key exchange.
    pub trusted_keys: Vec<RsaPublicKey>,
    /// Test servers expect DC ids + 10000 in the key exchange.
    pub test_mode: bool,
    /// What `initConnection` says.
    pub init: InitParams,
    /// How often to ping an otherwise quiet connection.
    pub ping_interval: Duration,
    /// Delays between reconnect attempts.
    pub backoff: Backoff,
    /// Perfect forward secrecy: talk over temporary keys bound to the
    /// permanent one (`auth.bindTempAuthKey`), renewed before they expire.
    pub pfs: bool,
    /// Connect through this MTProxy instead of to `addr`; its secret then
    /// decides the transport (`transport` is ignored).
    pub proxy: Option<MtProxy>,
    /// The wall clock (the machine's unless a test skews it).
    pub clock: Clock,
    /// How long a caller waits for an answer before
    /// [`InvocationError::Timeout`](crate::InvocationError::Timeout).
    pub request_timeout: Duration,
}

/// How long acknowledgements may wait for a request to ride along with.
const ACK_DELAY: Duration = Duration::from_millis(200);
/// How many acknowledgements are held back at most.
const MAX_HELD_ACKS: usize = 64;

/// How long a temporary key lives (PFS).
const TEMP_KEY_LIFETIME: i32 = 24 * 60 * 60;
/// A temporary key is replaced this long before it expires.
const TEMP_KEY_MARGIN: i32 = 60;

/// A temporary key in use (PFS).
struct TempKey {
    key: KeyState,
    /// Server time at which it expires.
    expires_at: i32,
}

/// What to do after the connection's key exchange(s).
enum Setup {
    /// Serve requests.
    Ready,
    /// Wait for the `auth.bindTempAuthKey` answer first.
    Binding(RequestId),
}

/// What a connection tells its owner.
#[derive(Debug)]
pub enum ConnectionEvent {
    /// A new authorization key was created for `dc_id` (the first time, or
    /// because the server no longer knew the old one). Save it.
    NewKey {
        /// The DC.
        dc_id: i32,
        /// The key.
        key: Box<KeyState>,
    },
    /// An update (any TL object that is not an answer).
    Update {
        /// The DC it came from.
        dc_id: i32,
        /// Its bytes.
        body: Vec<u8>,
    },
    /// The server created a new session: updates may have been missed.
    NewSession {
        /// The DC.
        dc_id: i32,
    },
    /// The connection came back after a loss, in the same session: what
    /// was unanswered is being resent, but updates pushed meanwhile may
    /// have been missed.
    Reconnected {
        /// The DC.
        dc_id: i32,
    },
    /// A message from the server was refused because its time looked wrong
    /// (our clock jumped): it may have been an update, so what was missed
    /// must be fetched once the clock is corrected.
    UpdatesLost {
        /// The DC.
        dc_id: i32,
    },
    /// The server's clock corrected ours: the key's stored offset changed.
    /// Save it, so the next start does not begin from a wrong clock.
    TimeOffset {
        /// The DC.
        dc_id: i32,
        /// Server time minus local time, in seconds.
        time_offset: i32,
    },
    /// The configuration the DC sent in answer to `initConnection`.
    Config {
        /// The DC.
        dc_id: i32,
        /// The configuration.
        config: Box<enums::Config>,
    },
}

type Reply = oneshot::Sender<Result<Vec<u8>, InvocationError>>;

enum Command {
    Invoke { body: Vec<u8>, reply: Reply },
    Reconnect,
}

/// A handle to one DC's connection task. Cheap to clone; the task stops
/// when every handle is dropped.
#[derive(Clone, Debug)]
pub struct Connection {
    dc_id: i32,
    commands: mpsc::UnboundedSender<Command>,
    request_timeout: Duration,
}

impl Connection {
    /// Starts the task for `config.dc_id`, with `key` if one exists.
    pub fn spawn(
        config: ConnectionConfig,
        key: Option<KeyState>,
        events: mpsc::UnboundedSender<ConnectionEvent>,
    ) -> Self {
        let (commands, rx) = mpsc::unbounded_channel();
        let dc_id = config.dc_id;
        let request_timeout = config.request_timeout;
        let task = Task {
            backoff: config.backoff.clone(),
            config,
            events,
            commands: rx,
            rng: ChaCha20Rng::from_entropy(),
            key,
            temp: None,
            binding: None,
            lost_binding: false,
            bind_failures: 0,
            ack_deadline: None,
            session: None,
            pending: HashMap::new(),
            waiting: Vec::new(),
            connected_before: false,
        };
        tokio::spawn(task.run());
        Self {
            dc_id,
            commands,
            request_timeout,
        }
    }

    /// The DC this connection is for.
    pub fn dc_id(&self) -> i32 {
        self.dc_id
    }

    /// Sends a serialized function and waits for its serialized result, at
    /// most the configured request timeout. A request given up on is
    /// forgotten by the connection at its next sweep (it may still have
    /// been executed).
    pub async fn invoke_raw(&self, body: Vec<u8>) -> Result<Vec<u8>, InvocationError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Command::Invoke { body, reply })
            .map_err(|_| InvocationError::Dropped)?;
        match timeout(self.request_timeout, answer).await {
            Ok(answer) => answer.map_err(|_| InvocationError::Dropped)?,
            Err(_) => Err(InvocationError::Timeout(self.request_timeout)),
        }
    }

    /// Drops the socket and reconnects (unanswered requests are resent).
    /// For tests and for callers that know the network changed.
    pub fn reconnect(&self) {
        let _ = self.commands.send(Command::Reconnect);
    }

    /// Whether the task is still running.
    pub fn is_alive(&self) -> bool {
        !self.commands.is_closed()
    }
}

/// Who waits for a request's answer.
enum Waiter {
    Caller(Reply),
    Init,
    Ping,
    /// `auth.bindTempAuthKey`: never resent under another session (it
    /// signs its own msg_id).
    Bind,
}

/// Why one connection attempt ended.
enum Exit {
    /// Every handle is gone.
    Shutdown,
    /// Reconnect after a pause.
    Lost(String),
    /// Reconnect at once (asked to, or a fresh key is needed).
    Again,
}

struct Task {
    config: ConnectionConfig,
    events: mpsc::UnboundedSender<ConnectionEvent>,
    commands: mpsc::UnboundedReceiver<Command>,
    rng: ChaCha20Rng,
    key: Option<KeyState>,
    /// The temporary key the session runs on, with PFS.
    temp: Option<TempKey>,
    /// The bind request whose answer gates everything else, with PFS.
    binding: Option<RequestId>,
    /// The binding failed: start over with a new temporary key.
    lost_binding: bool,
    /// Bindings refused in a row.
    bind_failures: u32,
    /// When held-back acknowledgements must go out on their own.
    ack_deadline: Option<Instant>,
    session: Option<ClientSession>,
    pending: HashMap<RequestId, Waiter>,
    /// Requests that arrived before any session existed.
    waiting: Vec<(Vec<u8>, Reply)>,
    backoff: Backoff,
    /// Whether a connection was up before (a new one is a reconnection).
    connected_before: bool,
}

impl Task {
    async fn run(mut self) {
        loop {
            let exit = self.connect_once().await;
            match exit {
                Exit::Shutdown => break,
                Exit::Again => continue,
                Exit::Lost(why) => {
                    let delay = self.backoff.next_delay(self.rng.next_u32());
                    tracing::debug!(
                        dc = self.config.dc_id,
                        "connection lost ({why}); retry in {delay:?}"
                    );
                    if self.pause(delay).await.is_err() {
                        break;
                    }
                }
            }
        }
        self.fail_all();
    }

    /// Waits `delay`, queuing requests meanwhile. `Err` when every handle
    /// is gone.
    async fn pause(&mut self, delay: Duration) -> Result<(), ()> {
        let deadline = Instant::now() + delay;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => return Ok(()),
                command = self.commands.recv() => match command {
                    None => return Err(()),
                    Some(Command::Invoke { body, reply }) => self.enqueue(body, Waiter::Caller(reply)),
                    Some(Command::Reconnect) => return Ok(()),
                },
            }
        }
    }

    /// Forgets requests whose callers stopped waiting (timed out, or
    /// dropped), so they are not resent for ever.
    fn forget_abandoned(&mut self) {
        let abandoned: Vec<RequestId> = self
            .pending
            .iter()
            .filter(|(_, w)| matches!(w, Waiter::Caller(reply) if reply.is_closed()))
            .map(|(id, _)| *id)
            .collect();
        for id in abandoned {
            self.pending.remove(&id);
            if let Some(session) = self.session.as_mut() {
                session.cancel(id);
            }
        }
        self.waiting.retain(|(_, reply)| !reply.is_closed());
    }

    fn fail_all(&mut self) {
        for (_, waiter) in self.pending.drain() {
            if let Waiter::Caller(reply) = waiter {
                let _ = reply.send(Err(InvocationError::Dropped));
            }
        }
        for (_, reply) in self.waiting.drain(..) {
            let _ = reply.send(Err(InvocationError::Dropped));
        }
    }

    fn enqueue(&mut self, body: Vec<u8>, waiter: Waiter) {
        match self.session.as_mut() {
            Some(session) => {
                let id = session.request(body);
                self.pending.insert(id, waiter);
            }
            None => match waiter {
                Waiter::Caller(reply) => self.waiting.push((body, reply)),
                // Internal requests are made again on the next connection.
                Waiter::Init | Waiter::Ping | Waiter::Bind => {}
            },
        }
    }

    async fn connect_once(&mut self) -> Exit {
        let mode = match self.transport_mode() {
            Ok(mode) => mode,
            Err(why) => return Exit::Lost(why),
        };
        let connect = async {
            match &self.config.proxy {
                Some(proxy) => TcpStream::connect((proxy.host.as_str(), proxy.port)).await,
                None => TcpStream::connect(self.config.addr).await,
            }
        };
        let stream = match timeout(CONNECT_TIMEOUT, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => return Exit::Lost(e.to_string()),
            Err(_) => return Exit::Lost("connect timed out".into()),
        };
        let _ = stream.set_nodelay(true);
        let mut io = Io::new(stream);
        let mut out = Vec::new();
        let now = u64::try_from(self.config.clock.now_secs()).unwrap_or(0);
        let mut transport = match ClientTransport::new(
            &transport::ClientConfig::new(mode),
            now,
            &mut self.rng,
            &mut out,
        ) {
            Ok(t) => t,
            Err(e) => return Exit::Lost(e.to_string()),
        };
        if let Err(e) = io.stream.write_all(&out).await {
            return Exit::Lost(e.to_string());
        }
        match timeout(CONNECT_TIMEOUT, io.finish_opening(&mut transport)).await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => return Exit::Lost(why),
            Err(_) => return Exit::Lost("TLS handshake with the proxy timed out".into()),
        }
        let setup = match timeout(
            CONNECT_TIMEOUT * 3,
            self.set_up_keys(&mut io, &mut transport),
        )
        .await
        {
            Ok(Ok(setup)) => setup,
            Ok(Err(why)) => return Exit::Lost(why),
            Err(_) => return Exit::Lost("key exchange timed out".into()),
        };
        self.binding = match setup {
            Setup::Ready => None,
            Setup::Binding(id) => Some(id),
        };
        self.start_session();
        self.backoff.reset();
        self.serve(&mut io, &mut transport).await
    }

    /// The transport: the configured one, or what the MTProxy's secret asks
    /// for, naming this DC in the obfuscated2 header (+10000 on test
    /// servers, as tdlib does).
    fn transport_mode(&self) -> Result<transport::ClientMode, String> {
        let Some(proxy) = &self.config.proxy else {
            return Ok(self.config.transport.mode());
        };
        let dc_id = match self.config.test_mode {
            true => self.config.dc_id.checked_add(10_000),
            false => Some(self.config.dc_id),
        };
        let dc_id = dc_id
            .and_then(|id| i16::try_from(id).ok())
            .ok_or_else(|| format!("DC {} cannot be named to an MTProxy", self.config.dc_id))?;
        Ok(transport::ClientMode::mtproxy(&proxy.secret, dc_id))
    }

    /// Creates what keys are missing: the permanent one, and with PFS a
    /// temporary one, bound to it by a request sent right away.
    async fn set_up_keys(
        &mut self,
        io: &mut Io,
        transport: &mut ClientTransport,
    ) -> Result<Setup, String> {
        if self.key.is_none() {
            let key = self.exchange_key(io, transport, KeyKind::Permanent).await?;
            let _ = self.events.send(ConnectionEvent::NewKey {
                dc_id: self.config.dc_id,
                key: Box::new(key.clone()),
            });
            self.key = Some(key);
            self.temp = None;
            self.retire_session();
        }
        if !self.config.pfs {
            return Ok(Setup::Ready);
        }
        let clock = self.config.clock.clone();
        let server_now = |offset: i32| clock.now_secs().saturating_add(offset.into());
        if let Some(temp) = &self.temp {
            if server_now(temp.key.time_offset) < i64::from(temp.expires_at - TEMP_KEY_MARGIN) {
                return Ok(Setup::Ready);
            }
        }
        let kind = KeyKind::Temporary {
            expires_in: TEMP_KEY_LIFETIME,
        };
        let key = self.exchange_key(io, transport, kind).await?;
        let expires_at = i32::try_from(server_now(key.time_offset))
            .unwrap_or(i32::MAX)
            .saturating_add(TEMP_KEY_LIFETIME);
        let session_id = self.rng.next_u64() as i64;
        let mut session = ClientSession::new(
            AuthKey::from_bytes(*key.key.as_bytes()),
            session_id,
            key.salt,
            key.time_offset,
        );
        let Some(perm) = &self.key else {
            return Err("no permanent key to bind to".into());
        };
        let mut binding_rng = ChaCha20Rng::from_rng(&mut self.rng).map_err(|e| e.to_string())?;
        let (id, packet) =
            session.request_signed(self.config.clock.now_ms(), &mut self.rng, |msg_id| {
                let bind = handshake::bind::encrypt_binding(
                    &perm.key,
                    &key.key,
                    session_id,
                    expires_at,
                    msg_id,
                    &mut binding_rng,
                );
                functions::auth::BindTempAuthKey {
                    perm_auth_key_id: bind.perm_auth_key_id,
                    nonce: bind.nonce,
                    expires_at: bind.expires_at,
                    encrypted_message: bind.encrypted_message,
                }
                .to_bytes()
            });
        let mut out = Vec::new();
        transport
            .encode(&packet, false, &mut self.rng, &mut out)
            .map_err(|e| e.to_string())?;
        io.stream.write_all(&out).await.map_err(|e| e.to_string())?;
        self.retire_session();
        self.session = Some(session);
        self.pending.insert(id, Waiter::Bind);
        self.temp = Some(TempKey { key, expires_at });
        Ok(Setup::Binding(id))
    }

    /// Drops the current session, keeping its callers' unanswered requests
    /// for the next one.
    fn retire_session(&mut self) {
        let Some(mut session) = self.session.take() else {
            return;
        };
        for (id, body) in session.take_unanswered() {
            if let Some(Waiter::Caller(reply)) = self.pending.remove(&id) {
                self.waiting.push((body, reply));
            }
        }
        self.pending.clear();
    }

    /// Creates a key of `kind` over the fresh connection.
    async fn exchange_key(
        &mut self,
        io: &mut Io,
        transport: &mut ClientTransport,
        kind: KeyKind,
    ) -> Result<KeyState, String> {
        let dc = match self.config.test_mode {
            true => self.config.dc_id + 10_000,
            false => self.config.dc_id,
        };
        let mut config = handshake::ClientConfig::telegram(dc, kind);
        for key in &self.config.trusted_keys {
            config = config.trust(key.clone());
        }
        let (mut machine, mut body) = ClientHandshake::start(config, &mut self.rng);
        let mut ids = MsgIdGen::new(Role::Client, 0);
        loop {
            let packet =
                envelope::plain(ids.next(self.config.clock.now_ms(), IdKind::Other), &body);
            let mut out = Vec::new();
            transport
                .encode(&packet, false, &mut self.rng, &mut out)
                .map_err(|e| e.to_string())?;
            io.stream.write_all(&out).await.map_err(|e| e.to_string())?;
            let answer = loop {
                match io.next_frame(transport).await? {
                    Frame::Packet(p) => break p,
                    Frame::QuickAck(_) => continue,
                    Frame::Error(code) => return Err(format!("transport error {}", code.0)),
                }
            };
            let (_, answer) = envelope::open_plain(&answer).map_err(|e| e.to_string())?;
            let now = i32::try_from(self.config.clock.now_secs()).unwrap_or(i32::MAX);
            match machine
                .handle(answer, now, &mut self.rng)
                .map_err(|e| e.to_string())?
            {
                ClientStep::Send(next) => body = next,
                ClientStep::Done(negotiated) => {
                    return Ok(KeyState {
                        key: negotiated.auth_key,
                        salt: negotiated.first_salt,
                        time_offset: negotiated.time_offset,
                    });
                }
            }
        }
    }

    /// Makes sure a session exists for the current key, re-queues what was
    /// not answered, and queues `initConnection`.
    fn start_session(&mut self) {
        let key = match (&self.temp, &self.key) {
            (Some(temp), _) if self.config.pfs => &temp.key,
            (_, Some(key)) => key,
            _ => return,
        };
        let reconnected = std::mem::replace(&mut self.connected_before, true);
        match self.session.as_mut() {
            // Made for this connection with the binding in it: nothing to resend.
            Some(_) if self.binding.is_some() => {}
            Some(session) => {
                session.resend_unanswered(self.config.clock.now_ms());
                if reconnected {
                    let _ = self.events.send(ConnectionEvent::Reconnected {
                        dc_id: self.config.dc_id,
                    });
                }
            }
            None => {
                let key = key.clone();
                let session_id = self.rng.next_u64() as i64;
                self.session = Some(ClientSession::new(
                    key.key,
                    session_id,
                    key.salt,
                    key.time_offset,
                ));
            }
        }
        let waiting = std::mem::take(&mut self.waiting);
        let init = self.init_body();
        // initConnection goes first: everything else waits behind it in
        // the same container.
        self.enqueue(init.clone(), Waiter::Init);
        for (body, reply) in waiting {
            self.enqueue(body, Waiter::Caller(reply));
        }
    }

    fn init_body(&self) -> Vec<u8> {
        let init = &self.config.init;
        functions::InvokeWithLayer {
            layer: LAYER,
            query: functions::InitConnection {
                api_id: init.api_id,
                device_model: init.device_model.clone(),
                system_version: init.system_version.clone(),
                app_version: init.app_version.clone(),
                system_lang_code: init.system_lang_code.clone(),
                lang_pack: init.lang_pack.clone(),
                lang_code: init.lang_code.clone(),
                proxy: None,
                params: None,
                query: functions::help::GetConfig {},
            },
        }
        .to_bytes()
    }

    async fn serve(&mut self, io: &mut Io, transport: &mut ClientTransport) -> Exit {
        let mut ping = tokio::time::interval(self.config.ping_interval);
        ping.tick().await;
        let mut last_heard = Instant::now();
        let renew_temp_key = self.temp_key_deadline();
        loop {
            if std::mem::take(&mut self.lost_binding) {
                self.retire_session();
                return Exit::Lost("the temporary key could not be bound".into());
            }
            if let Err(e) = self.flush(io, transport).await {
                return Exit::Lost(e);
            }
            tokio::select! {
                ready = io.stream.readable() => {
                    if let Err(e) = ready {
                        return Exit::Lost(e.to_string());
                    }
                    match io.read_available() {
                        Ok(0) => continue,
                        Ok(_) => last_heard = Instant::now(),
                        Err(e) => return Exit::Lost(e),
                    }
                    loop {
                        match transport.decode(&mut io.input) {
                            Ok(Some(Frame::Packet(packet))) => self.on_packet(&packet),
                            Ok(Some(Frame::QuickAck(_))) => {}
                            Ok(Some(Frame::Error(code))) => return self.on_transport_error(code),
                            Ok(None) => break,
                            Err(e) => return Exit::Lost(e.to_string()),
                        }
                    }
                }
                command = self.commands.recv() => {
                    // Take every request already waiting, so that a burst
                    // leaves in one container rather than one packet each.
                    let mut next = command;
                    loop {
                        match next {
                            None => return Exit::Shutdown,
                            Some(Command::Invoke { body, reply }) => self.enqueue(body, Waiter::Caller(reply)),
                            Some(Command::Reconnect) => return Exit::Again,
                        }
                        match self.commands.try_recv() {
                            Ok(command) => next = Some(command),
                            Err(mpsc::error::TryRecvError::Empty) => break,
                            Err(mpsc::error::TryRecvError::Disconnected) => next = None,
                        }
                    }
                }
                _ = sleep_until_some(self.ack_deadline) => {}
                _ = tokio::time::sleep_until(renew_temp_key) => {
                    // Move to a fresh temporary key before this one expires.
                    self.temp = None;
                    self.retire_session();
                    return Exit::Again;
                }
                _ = ping.tick() => {
                    if last_heard.elapsed() > self.config.ping_interval * 2 {
                        return Exit::Lost("no answer to pings".into());
                    }
                    self.forget_abandoned();
                    let body = functions::PingDelayDisconnect {
                        ping_id: self.rng.next_u64() as i64,
                        disconnect_delay: PING_DISCONNECT_DELAY,
                    }
                    .to_bytes();
                    self.enqueue(body, Waiter::Ping);
                }
            }
        }
    }

    /// When the temporary key must be replaced (far away without PFS).
    fn temp_key_deadline(&self) -> Instant {
        let far = Instant::now() + Duration::from_secs(365 * 24 * 60 * 60);
        let Some(temp) = &self.temp else { return far };
        let server_now = self
            .config
            .clock
            .now_secs()
            .saturating_add(temp.key.time_offset.into());
        let left = i64::from(temp.expires_at - TEMP_KEY_MARGIN).saturating_sub(server_now);
        Instant::now() + Duration::from_secs(u64::try_from(left).unwrap_or(0))
    }

    async fn flush(&mut self, io: &mut Io, transport: &mut ClientTransport) -> Result<(), String> {
        let Some(session) = self.session.as_mut() else {
            return Ok(());
        };
        if self.binding.is_some() {
            // Nothing may run on the temporary key before it is bound.
            return Ok(());
        }
        // Acks ride along with the next request; alone they wait until
        // enough pile up or the ack delay runs out.
        if !session.has_queued() {
            match session.pending_acks() {
                0 => {
                    self.ack_deadline = None;
                    return Ok(());
                }
                n if n < MAX_HELD_ACKS => {
                    let deadline = *self
                        .ack_deadline
                        .get_or_insert_with(|| Instant::now() + ACK_DELAY);
                    if Instant::now() < deadline {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        self.ack_deadline = None;
        let mut out = Vec::new();
        let now = self.config.clock.now_ms();
        while let Some(packet) = session.poll_transmit(now, &mut self.rng) {
            transport
                .encode(&packet, false, &mut self.rng, &mut out)
                .map_err(|e| e.to_string())?;
        }
        if !out.is_empty() {
            io.stream.write_all(&out).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    fn on_transport_error(&mut self, code: ErrorCode) -> Exit {
        if code == ErrorCode::AUTH_KEY_NOT_FOUND {
            // The server forgot our key: make a new one; pending requests
            // are sent again under it. With PFS that is the temporary key
            // (expired, or the server restarted); a permanent key it no
            // longer knows shows up as a failed binding.
            tracing::info!(
                dc = self.config.dc_id,
                "server does not know our key; creating a new one"
            );
            match self.temp.take() {
                Some(_) => {}
                None => self.key = None,
            }
            self.binding = None;
            self.retire_session();
            return Exit::Again;
        }
        Exit::Lost(format!("transport error {}", code.0))
    }

    fn on_packet(&mut self, packet: &[u8]) {
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let events = match session.handle_packet(packet, self.config.clock.now_ms()) {
            Ok(events) => events,
            Err(e) => {
                tracing::debug!(dc = self.config.dc_id, "dropped packet: {e}");
                if matches!(e, SessionError::BadMsgIdTime { .. }) {
                    let _ = self.events.send(ConnectionEvent::UpdatesLost {
                        dc_id: self.config.dc_id,
                    });
                }
                return;
            }
        };
        let (salt, time_offset) = (session.salt(), session.time_offset());
        if let Some(temp) = self.temp.as_mut() {
            temp.key.salt = salt;
            temp.key.time_offset = time_offset;
        }
        if let Some(key) = self.key.as_mut() {
            if self.temp.is_none() {
                key.salt = salt;
            }
            // The clock is the machine's, whichever key measured it.
            if key.time_offset != time_offset {
                key.time_offset = time_offset;
                let _ = self.events.send(ConnectionEvent::TimeOffset {
                    dc_id: self.config.dc_id,
                    time_offset,
                });
            }
        }
        for event in events {
            match event {
                ClientEvent::Result { request, result } => {
                    let Some(waiter) = self.pending.remove(&request) else {
                        continue;
                    };
                    self.answer(waiter, result.map_err(|e| RpcError::new(e.code, e.message)));
                }
                ClientEvent::Rejected { request, code } => {
                    if let Some(Waiter::Caller(reply)) = self.pending.remove(&request) {
                        let _ = reply.send(Err(InvocationError::Rejected(code)));
                    }
                }
                ClientEvent::Malformed {
                    request,
                    constructor,
                    error,
                } => {
                    tracing::warn!(dc = self.config.dc_id, "malformed answer: {error}");
                    if let Some(Waiter::Caller(reply)) = self.pending.remove(&request) {
                        let _ = reply
                            .send(Err(InvocationError::MalformedAnswer { constructor, error }));
                    }
                }
                ClientEvent::Skipped { msg_id, error } => {
                    tracing::debug!(
                        dc = self.config.dc_id,
                        "skipped message {msg_id:#x}: {error}"
                    );
                }
                ClientEvent::Update(body) => {
                    let _ = self.events.send(ConnectionEvent::Update {
                        dc_id: self.config.dc_id,
                        body,
                    });
                }
                ClientEvent::NewSession { .. } => {
                    let _ = self.events.send(ConnectionEvent::NewSession {
                        dc_id: self.config.dc_id,
                    });
                }
            }
        }
    }

    fn answer(&mut self, waiter: Waiter, result: Result<Vec<u8>, RpcError>) {
        match waiter {
            Waiter::Caller(reply) => {
                let _ = reply.send(result.map_err(InvocationError::Rpc));
            }
            Waiter::Init => match result.map(|b| enums::Config::from_bytes(&b)) {
                Ok(Ok(config)) => {
                    let _ = self.events.send(ConnectionEvent::Config {
                        dc_id: self.config.dc_id,
                        config: Box::new(config),
                    });
                }
                Ok(Err(e)) => tracing::warn!(dc = self.config.dc_id, "initConnection answer: {e}"),
                Err(e) => tracing::warn!(dc = self.config.dc_id, "initConnection failed: {e}"),
            },
            Waiter::Ping => {}
            Waiter::Bind => {
                self.binding = None;
                match result {
                    Ok(_) => self.bind_failures = 0,
                    Err(e) => {
                        tracing::warn!(
                            dc = self.config.dc_id,
                            "binding the temporary key failed: {e}"
                        );
                        self.bind_failures += 1;
                        // Telegram answers ENCRYPTED_MESSAGE_INVALID both for
                        // a binding it cannot check and for a permanent key
                        // it does not know. Twice in a row, each time with a
                        // fresh key and message, means the latter: the
                        // permanent key is gone and must be made again.
                        if self.bind_failures >= 2 {
                            self.key = None;
                            self.bind_failures = 0;
                        }
                        self.temp = None;
                        self.lost_binding = true;
                    }
                }
            }
        }
    }
}

/// The socket and the bytes read but not yet decoded.
///
/// Reads wait for readiness and then copy into a per-thread scratch
/// buffer, so an idle connection holds no read buffer at all: what makes
/// thousands of idle clients cheap.
struct Io {
    stream: TcpStream,
    input: ReadBuf,
}

/// Size of the per-thread scratch buffer reads go through.
const SCRATCH_LEN: usize = 64 * 1024;

thread_local! {
    static SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; SCRATCH_LEN]);
}

impl Io {
    fn new(stream: TcpStream) -> Self {
        Self {
            stream,
            input: ReadBuf::new(),
        }
    }

    /// Reads whatever the socket has without waiting; `Ok(0)` if nothing
    /// was there after all (a spurious wake-up). A closed socket is an
    /// error.
    fn read_available(&mut self) -> Result<usize, String> {
        if self.input.is_empty() && self.input.capacity() > SCRATCH_LEN {
            // Do not keep a large message's buffer around while idle.
            self.input = ReadBuf::new();
        }
        SCRATCH.with(|scratch| {
            let mut scratch = scratch.borrow_mut();
            let mut total = 0;
            loop {
                match self.stream.try_read(&mut scratch) {
                    Ok(0) => return Err("closed by the server".to_owned()),
                    Ok(n) => {
                        self.input.extend_from_slice(&scratch[..n]);
                        total += n;
                        if n < scratch.len() {
                            return Ok(total);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(total),
                    Err(e) => return Err(e.to_string()),
                }
            }
        })
    }

    /// Waits until packets may be sent: a FakeTLS client first needs the
    /// server's hello; other transports are ready at once.
    async fn finish_opening(&mut self, transport: &mut ClientTransport) -> Result<(), String> {
        while !transport.is_ready() {
            if transport
                .decode(&mut self.input)
                .map_err(|e| e.to_string())?
                .is_some()
            {
                return Err("the server sent a packet before the handshake".into());
            }
            if transport.is_ready() {
                break;
            }
            self.stream.readable().await.map_err(|e| e.to_string())?;
            self.read_available()?;
        }
        Ok(())
    }

    /// Reads until one frame is whole.
    async fn next_frame(&mut self, transport: &mut ClientTransport) -> Result<Frame, String> {
        loop {
            if let Some(frame) = transport
                .decode(&mut self.input)
                .map_err(|e| e.to_string())?
            {
                return Ok(frame);
            }
            self.stream.readable().await.map_err(|e| e.to_string())?;
            self.read_available()?;
        }
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until_some(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

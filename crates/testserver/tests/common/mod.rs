//! A bare-bones client for the server over real TCP, built from the
//! sans-IO client pieces of `paperplane-mtproto` (no client library):
//! transport, key exchange, encrypted session, requests and pushed updates.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use paperplane_crypto::AuthKey;
use paperplane_crypto::rsa::RsaPublicKey;
use paperplane_mtproto::handshake::{ClientConfig, ClientHandshake, ClientStep, KeyKind};
use paperplane_mtproto::session::envelope;
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use paperplane_mtproto::session::{ClientEvent, ClientSession, RpcError};
use paperplane_mtproto::transport::{self, ClientMode, ClientTransport, Frame, Framing, ReadBuf};
use paperplane_testserver::{TestServer, unix_now, unix_now_ms};
use paperplane_tl::{Deserializable, RemoteCall, Serializable, enums, functions, types};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for anything from the server.
pub const WAIT: Duration = Duration::from_secs(10);

/// One TCP connection with its transport.
pub struct RawClient {
    pub stream: TcpStream,
    pub transport: ClientTransport,
    pub input: ReadBuf,
    pub rng: ChaCha20Rng,
}

impl RawClient {
    pub async fn connect(addr: SocketAddr, mode: ClientMode) -> Self {
        let mut rng = ChaCha20Rng::from_entropy();
        let mut out = Vec::new();
        let transport = ClientTransport::new(
            &transport::ClientConfig::new(mode),
            unix_now() as u64,
            &mut rng,
            &mut out,
        )
        .unwrap();
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(&out).await.unwrap();
        let mut client = Self {
            stream,
            transport,
            input: ReadBuf::new(),
            rng,
        };
        // FakeTLS: the server's hello comes before anything may be sent.
        let mut chunk = [0u8; 4096];
        while !client.transport.is_ready() {
            assert!(
                client
                    .transport
                    .decode(&mut client.input)
                    .unwrap()
                    .is_none()
            );
            if client.transport.is_ready() {
                break;
            }
            let n = tokio::time::timeout(WAIT, client.stream.read(&mut chunk))
                .await
                .expect("no ServerHello in time")
                .unwrap();
            assert!(
                n > 0,
                "server closed the connection during the TLS handshake"
            );
            client.input.extend_from_slice(&chunk[..n]);
        }
        client
    }

    pub async fn send(&mut self, packet: &[u8]) {
        let mut out = Vec::new();
        self.transport
            .encode(packet, false, &mut self.rng, &mut out)
            .unwrap();
        self.stream.write_all(&out).await.unwrap();
    }

    /// The next frame, or `None` when the server closed the connection.
    pub async fn try_recv(&mut self) -> Option<Frame> {
        let mut chunk = [0u8; 16384];
        loop {
            if let Some(frame) = self.transport.decode(&mut self.input).unwrap() {
                return Some(frame);
            }
            let n = self.stream.read(&mut chunk).await.unwrap_or(0);
            if n == 0 {
                return None;
            }
            self.input.extend_from_slice(&chunk[..n]);
        }
    }

    pub async fn recv(&mut self) -> Frame {
        self.try_recv().await.expect("server closed the connection")
    }

    pub async fn recv_packet(&mut self) -> Vec<u8> {
        match self.recv().await {
            Frame::Packet(p) => p,
            other => panic!("expected a packet, got {other:?}"),
        }
    }

    /// Creates a permanent key with the server.
    pub async fn create_key(
        &mut self,
        server: &TestServer,
        dc_id: i32,
    ) -> paperplane_mtproto::handshake::Negotiated {
        self.create_key_with(server.public_key(), dc_id).await
    }

    /// Creates a permanent key with a server whose public key is `rsa`.
    pub async fn create_key_with(
        &mut self,
        rsa: &RsaPublicKey,
        dc_id: i32,
    ) -> paperplane_mtproto::handshake::Negotiated {
        self.create_key_kind(rsa, dc_id, KeyKind::Permanent).await
    }

    /// Creates a key of `kind` with a server whose public key is `rsa`.
    pub async fn create_key_kind(
        &mut self,
        rsa: &RsaPublicKey,
        dc_id: i32,
        kind: KeyKind,
    ) -> paperplane_mtproto::handshake::Negotiated {
        let config = ClientConfig::telegram(dc_id, kind).trust(rsa.clone());
        let (mut hs, mut body) = ClientHandshake::start(config, &mut self.rng);
        let mut ids = MsgIdGen::new(Role::Client, 0);
        loop {
            self.send(&envelope::plain(
                ids.next(unix_now_ms(), IdKind::Other),
                &body,
            ))
            .await;
            let packet = self.recv_packet().await;
            let (_, answer) = envelope::open_plain(&packet).unwrap();
            match hs.handle(answer, unix_now() as i32, &mut self.rng).unwrap() {
                ClientStep::Send(next) => body = next,
                ClientStep::Done(done) => return *done,
            }
        }
    }

    /// Sends `packet` (a request `session` built already) and waits for
    /// the answer to `request`; anything pushed meanwhile goes to
    /// `updates`.
    pub async fn await_answer(
        &mut self,
        session: &mut ClientSession,
        request: paperplane_mtproto::session::RequestId,
        packet: Option<Vec<u8>>,
        updates: &mut VecDeque<Vec<u8>>,
    ) -> Result<Vec<u8>, RpcError> {
        if let Some(packet) = packet {
            self.send(&packet).await;
        }
        loop {
            while let Some(p) = session.poll_transmit(unix_now_ms(), &mut self.rng) {
                self.send(&p).await;
            }
            let packet = self.recv_packet().await;
            for event in session.handle_packet(&packet, unix_now_ms()).unwrap() {
                match event {
                    ClientEvent::Result { request: r, result } if r == request => return result,
                    ClientEvent::Update(body) => updates.push_back(body),
                    _ => {}
                }
            }
        }
    }

    /// Sends one request in `session` and waits for its answer; anything
    /// pushed meanwhile goes to `updates`.
    pub async fn invoke(
        &mut self,
        session: &mut ClientSession,
        body: Vec<u8>,
        updates: &mut VecDeque<Vec<u8>>,
    ) -> Result<Vec<u8>, RpcError> {
        let request = session.request(body);
        loop {
            while let Some(p) = session.poll_transmit(unix_now_ms(), &mut self.rng) {
                self.send(&p).await;
            }
            let packet = self.recv_packet().await;
            for event in session.handle_packet(&packet, unix_now_ms()).unwrap() {
                match event {
                    ClientEvent::Result { request: r, result } if r == request => return result,
                    ClientEvent::Update(body) => updates.push_back(body),
                    _ => {}
                }
            }
        }
    }
}

/// `invokeWithLayer(initConnection(query))`, as clients send first.
pub fn wrapped<Q: Serializable>(query: Q) -> Vec<u8> {
    functions::InvokeWithLayer {
        layer: paperplane_tl::LAYER,
        query: functions::InitConnection {
            api_id: 1,
            device_model: "test".into(),
            system_version: "1".into(),
            app_version: "1".into(),
            system_lang_code: "en".into(),
            lang_pack: String::new(),
            lang_code: "en".into(),
            proxy: None,
            params: None,
            query,
        },
    }
    .to_bytes()
}

/// A key and what is needed to use it again on a new connection.
pub struct Key {
    pub auth_key: AuthKey,
    pub salt: i64,
    pub time_offset: i32,
}

impl Key {
    pub fn copy(&self) -> Self {
        Self {
            auth_key: AuthKey::from_bytes(*self.auth_key.as_bytes()),
            salt: self.salt,
            time_offset: self.time_offset,
        }
    }
}

/// A client: a key, a connection to one DC and its session.
pub struct Client {
    pub raw: RawClient,
    pub session: ClientSession,
    pub key: Key,
    pub dc_id: i32,
    pub addr: SocketAddr,
    /// Pushed messages not yet looked at.
    pub updates: VecDeque<Vec<u8>>,
}

impl Client {
    /// Connects to DC `dc_id` and creates a new key there.
    pub async fn connect(server: &TestServer, dc_id: i32) -> Self {
        Self::connect_to(server.dc(dc_id).unwrap(), server.public_key(), dc_id).await
    }

    /// Connects to `addr` (DC `dc_id` of a server with public key `rsa`)
    /// and creates a new key there.
    pub async fn connect_to(addr: SocketAddr, rsa: &RsaPublicKey, dc_id: i32) -> Self {
        let mut raw = RawClient::connect(addr, ClientMode::Plain(Framing::Intermediate)).await;
        let done = raw.create_key_with(rsa, dc_id).await;
        let key = Key {
            auth_key: done.auth_key,
            salt: done.first_salt,
            time_offset: done.time_offset,
        };
        Self::with_key(raw, key, dc_id, addr).await
    }

    /// Uses `key` on a new connection to `addr` (a reconnect, or the same
    /// key on another DC's port).
    pub async fn reuse(key: Key, dc_id: i32, addr: SocketAddr) -> Self {
        let raw = RawClient::connect(addr, ClientMode::Plain(Framing::Intermediate)).await;
        Self::with_key(raw, key, dc_id, addr).await
    }

    /// Uses `key` on the connection `raw` (its first request says
    /// `help.getNearestDc`).
    pub async fn with_key(raw: RawClient, key: Key, dc_id: i32, addr: SocketAddr) -> Self {
        let session_id = ChaCha20Rng::from_entropy().next_u64() as i64;
        let session = ClientSession::new(
            AuthKey::from_bytes(*key.auth_key.as_bytes()),
            session_id,
            key.salt,
            key.time_offset,
        );
        let mut client = Self {
            raw,
            session,
            key,
            dc_id,
            addr,
            updates: VecDeque::new(),
        };
        // The first request introduces the connection, as real clients do.
        let first = wrapped(functions::help::GetNearestDc {});
        client
            .raw
            .invoke(&mut client.session, first, &mut client.updates)
            .await
            .unwrap();
        client
    }

    /// A new connection with the same key (a new session).
    pub async fn reconnect(self) -> Self {
        let Client {
            key, dc_id, addr, ..
        } = self;
        Self::reuse(key, dc_id, addr).await
    }

    /// Calls `request` and decodes its answer.
    pub async fn call<R: RemoteCall>(&mut self, request: &R) -> Result<R::Return, RpcError> {
        let answer = tokio::time::timeout(
            WAIT,
            self.raw
                .invoke(&mut self.session, request.to_bytes(), &mut self.updates),
        )
        .await
        .expect("no answer in time")?;
        Ok(R::Return::from_bytes(&answer).expect("answer does not decode"))
    }

    /// Calls `request`, expecting the error `code message`.
    pub async fn call_err<R: RemoteCall>(&mut self, request: &R) -> (i32, String)
    where
        R::Return: std::fmt::Debug,
    {
        match self.call(request).await {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => (e.code, e.message),
        }
    }

    /// The next pushed `Updates`, waiting for it if need be.
    pub async fn next_update(&mut self) -> enums::Updates {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            while let Some(body) = self.updates.pop_front() {
                if let Ok(updates) = enums::Updates::from_bytes(&body) {
                    return updates;
                }
            }
            let packet = tokio::time::timeout_at(deadline, self.raw.recv_packet())
                .await
                .expect("no update in time");
            for event in self.session.handle_packet(&packet, unix_now_ms()).unwrap() {
                if let ClientEvent::Update(body) = event {
                    self.updates.push_back(body);
                }
            }
            while let Some(p) = self.session.poll_transmit(unix_now_ms(), &mut self.raw.rng) {
                self.raw.send(&p).await;
            }
        }
    }

    /// Whether the server closes this connection within `WAIT` (anything
    /// it sends before is ignored).
    pub async fn closed_by_server(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.raw.try_recv()).await {
                Ok(None) => return true,
                Ok(Some(_)) => continue,
                Err(_) => return false,
            }
        }
    }
}

/// `inputPeerUser`.
pub fn input_peer(user_id: i64, access_hash: i64) -> enums::InputPeer {
    enums::InputPeer::User(types::InputPeerUser {
        user_id,
        access_hash,
    })
}

/// The `user` inside an `auth.authorization`.
pub fn authorized_user(auth: enums::auth::Authorization) -> types::User {
    match auth {
        enums::auth::Authorization::Authorization(a) => match a.user {
            enums::User::User(u) => *u,
            other => panic!("expected a user, got {other:?}"),
        },
        other => panic!("expected an authorization, got {other:?}"),
    }
}

/// Signs in a test phone with its code on `client`'s DC.
pub async fn sign_in(client: &mut Client, phone: &str) -> Result<types::User, RpcError> {
    let sent = client
        .call(&functions::auth::SendCode {
            phone_number: phone.into(),
            api_id: 1,
            api_hash: "hash".into(),
            settings: code_settings(),
        })
        .await?;
    let enums::auth::SentCode::SentCode(sent) = sent else {
        panic!("expected auth.sentCode, got {sent:?}");
    };
    let dc = phone.trim_start_matches('+').as_bytes()[5] - b'0';
    let code = dc.to_string().repeat(5);
    let auth = client
        .call(&functions::auth::SignIn {
            phone_number: phone.into(),
            phone_code_hash: sent.phone_code_hash,
            phone_code: Some(code),
            email_verification: None,
        })
        .await?;
    Ok(authorized_user(auth))
}

/// Empty `codeSettings`.
pub fn code_settings() -> enums::CodeSettings {
    enums::CodeSettings::CodeSettings(types::CodeSettings::default())
}

/// Logs a bot in with its token.
pub async fn bot_login(client: &mut Client, token: &str) -> Result<types::User, RpcError> {
    let auth = client
        .call(&functions::auth::ImportBotAuthorization {
            flags: 0,
            api_id: 1,
            api_hash: "hash".into(),
            bot_auth_token: token.into(),
        })
        .await?;
    Ok(authorized_user(auth))
}

/// `messages.sendMessage` of plain text.
pub fn send_text(
    peer: enums::InputPeer,
    text: &str,
    random_id: i64,
) -> functions::messages::SendMessage {
    functions::messages::SendMessage {
        no_webpage: false,
        silent: false,
        background: false,
        clear_draft: false,
        noforwards: false,
        update_stickersets_order: false,
        invert_media: false,
        allow_paid_floodskip: false,
        peer,
        reply_to: None,
        message: text.into(),
        random_id,
        reply_markup: None,
        entities: None,
        schedule_date: None,
        schedule_repeat_period: None,
        send_as: None,
        quick_reply_shortcut: None,
        effect: None,
        allow_paid_stars: None,
        suggested_post: None,
        rich_message: None,
    }
}

/// The message inside pushed `updates` (its `updateNewMessage`, with the
/// users it came with) or `updateShortMessage` (no users; `from_id` of an
/// outgoing one is unknown in that form and left as user 0).
pub fn new_message(updates: enums::Updates) -> (types::Message, i32, i32, Vec<types::User>) {
    let u = match updates {
        enums::Updates::Updates(u) => u,
        enums::Updates::UpdateShortMessage(s) => {
            let record = paperplane_testserver::world::messages::MessageRecord {
                id: s.id,
                peer: s.user_id,
                from: if s.out { 0 } else { s.user_id },
                out: s.out,
                text: s.message,
                entities: s.entities.map(|e| e.to_bytes()),
                date: s.date,
                edit_date: None,
                twin: None,
                pts: s.pts,
            };
            let enums::Message::Message(m) = paperplane_testserver::world::view::message(&record)
            else {
                unreachable!("view::message builds a message");
            };
            return (*m, s.pts, s.pts_count, Vec::new());
        }
        other => panic!("expected updates, got {other:?}"),
    };
    let users = u
        .users
        .into_iter()
        .filter_map(|u| match u {
            enums::User::User(u) => Some(*u),
            _ => None,
        })
        .collect();
    match u.updates.into_iter().next() {
        Some(enums::Update::NewMessage(n)) => match n.message {
            enums::Message::Message(m) => (*m, n.pts, n.pts_count, users),
            other => panic!("expected a message, got {other:?}"),
        },
        other => panic!("expected updateNewMessage, got {other:?}"),
    }
}

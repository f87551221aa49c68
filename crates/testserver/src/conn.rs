//! One client connection: transport, key exchange, encrypted session, RPCs.

use std::sync::Arc;

use paperplane_mtproto::handshake::{ServerHandshake, ServerStep};
use paperplane_mtproto::session::envelope;
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role};
use paperplane_mtproto::session::{ServerEvent, ServerSession};
use paperplane_mtproto::transport::{self, ErrorCode, ReadBuf, ServerTransport};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::hub::{ConnId, Push, Registration};
use crate::keys::KeyInfo;
use crate::rpc::{self, ConnectionInfo, Reply};
use crate::server::{Shared, unix_now, unix_now_ms};

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
}

/// State of one connection beyond its transport.
struct Connection {
    dc_id: i32,
    shared: Arc<Shared>,
    rng: ChaCha20Rng,
    handshake: ServerHandshake,
    plain_ids: MsgIdGen,
    /// The session of the key this connection uses, once it sent one.
    session: Option<(i64, ServerSession)>,
    info: ConnectionInfo,
    conn_id: ConnId,
    /// Set when a request's answer must be lost (fault injection).
    drop_now: bool,
}

/// Serves one connection until it closes, breaks the protocol, or the
/// server stops.
pub async fn serve(
    mut stream: TcpStream,
    dc_id: i32,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) -> Result<(), ConnError> {
    let (conn_id, mut pushes) = shared.world.hub().register();
    let hub_shared = shared.clone();
    let _registration = Registration::new(hub_shared.world.hub(), conn_id);
    let mut conn = Connection {
        dc_id,
        shared,
        rng: ChaCha20Rng::from_entropy(),
        handshake: ServerHandshake::new(),
        plain_ids: MsgIdGen::new(Role::Server, 0),
        session: None,
        info: ConnectionInfo::default(),
        conn_id,
        drop_now: false,
    };
    let config = transport::ServerConfig::new();
    let mut input = ReadBuf::new();
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    let mut transport: Option<ServerTransport> = None;
    loop {
        let n = tokio::select! {
            read = stream.read(&mut chunk) => read?,
            push = pushes.recv() => match push {
                Some(Push::Update(body)) => {
                    if let Some(t) = transport.as_mut() {
                        conn.push(body, t, &mut out)?;
                        stream.write_all(&out).await?;
                        out.clear();
                    }
                    continue;
                }
                Some(Push::Close) | None => return Ok(()),
            },
            _ = stopped.changed() => return Ok(()),
        };
        if n == 0 {
            return Ok(());
        }
        input.extend_from_slice(&chunk[..n]);
        if transport.is_none() {
            transport = ServerTransport::accept(
                &config,
                &mut input,
                unix_now() as u64,
                &mut conn.rng,
                &mut out,
            )?;
        }
        let Some(t) = transport.as_mut() else {
            continue;
        };
        let result = drain(&mut conn, t, &mut input, &mut out);
        if conn.drop_now {
            // The request was carried out; its answer is lost with the
            // connection.
            return Ok(());
        }
        if !out.is_empty() {
            stream.write_all(&out).await?;
            out.clear();
        }
        result?;
    }
}

/// Handles every whole packet in `input`, appending what to send to `out`.
fn drain(
    conn: &mut Connection,
    transport: &mut ServerTransport,
    input: &mut ReadBuf,
    out: &mut Vec<u8>,
) -> Result<(), ConnError> {
    while let Some(packet) = transport.decode(input)? {
        let packet = packet.payload;
        match envelope::auth_key_id(&packet) {
            Some(0) => conn.on_plain(&packet, transport, out)?,
            Some(key_id) => {
                if let Err(e) = conn.on_encrypted(key_id, &packet, transport, out) {
                    // Telegram answers an unknown key with -404 and closes.
                    if matches!(e, ConnError::UnknownKey(_)) {
                        transport.encode_error(ErrorCode::AUTH_KEY_NOT_FOUND, out)?;
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
    /// An unencrypted message: a step of the key exchange.
    fn on_plain(
        &mut self,
        packet: &[u8],
        transport: &mut ServerTransport,
        out: &mut Vec<u8>,
    ) -> Result<(), ConnError> {
        let Ok((_, body)) = envelope::open_plain(packet) else {
            return Ok(());
        };
        let keys = self.shared.keys.clone();
        let step = self.handshake.handle(
            &self.shared.handshake,
            body,
            unix_now() as i32,
            &|id| keys.contains(id),
            &mut self.rng,
        );
        let reply = match step {
            Ok(ServerStep::Send(reply)) => reply,
            Ok(ServerStep::Done { reply, negotiated }) => {
                self.shared.keys.insert(KeyInfo {
                    key: Arc::new(negotiated.auth_key),
                    dc_id: self.dc_id,
                    salt: negotiated.first_salt,
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
        let msg = envelope::plain(self.plain_ids.next(unix_now_ms(), IdKind::Response), &reply);
        transport.encode(&msg, &mut self.rng, out)?;
        Ok(())
    }

    /// An encrypted message on key `key_id`.
    fn on_encrypted(
        &mut self,
        key_id: i64,
        packet: &[u8],
        transport: &mut ServerTransport,
        out: &mut Vec<u8>,
    ) -> Result<(), ConnError> {
        if self.session.as_ref().map(|(id, _)| *id) != Some(key_id) {
            let info = self
                .shared
                .keys
                .get(key_id)
                .ok_or(ConnError::UnknownKey(key_id))?;
            let key = paperplane_crypto::AuthKey::from_bytes(*info.key.as_bytes());
            self.session = Some((key_id, ServerSession::new(key, info.salt)));
            self.shared.world.hub().set_key(self.conn_id, key_id);
        }
        let Some((_, session)) = self.session.as_mut() else {
            return Ok(());
        };
        let now = unix_now_ms();
        let events = match session.handle_packet(packet, now, &mut self.rng) {
            Ok(events) => events,
            // Not trusted: dropped, as Telegram does.
            Err(e) => {
                tracing::debug!("dropped packet: {e}");
                Vec::new()
            }
        };
        for event in events {
            if let ServerEvent::Request { msg_id, body } = event {
                let mut ctx = rpc::Context {
                    shared: &self.shared,
                    dc_id: self.dc_id,
                    info: &mut self.info,
                    key_id,
                    conn_id: self.conn_id,
                };
                match rpc::dispatch(&mut ctx, &body) {
                    Reply::Ok(result) => session.respond(msg_id, &result),
                    Reply::Error { code, message } => session.respond_error(msg_id, code, &message),
                    Reply::Drop => {
                        self.drop_now = true;
                        return Ok(());
                    }
                }
            }
        }
        while let Some(packet) = session.poll_transmit(now, &mut self.rng) {
            transport.encode(&packet, &mut self.rng, out)?;
        }
        let _ = self.rng.next_u32();
        Ok(())
    }

    /// Sends an update pushed by the world, encrypted in this connection's
    /// session (queued until the client's first message names it).
    fn push(
        &mut self,
        body: Vec<u8>,
        transport: &mut ServerTransport,
        out: &mut Vec<u8>,
    ) -> Result<(), ConnError> {
        let Some((_, session)) = self.session.as_mut() else {
            return Ok(());
        };
        session.push_update(body);
        let now = unix_now_ms();
        while let Some(packet) = session.poll_transmit(now, &mut self.rng) {
            transport.encode(&packet, &mut self.rng, out)?;
        }
        Ok(())
    }
}

//! `Client::builder()`: every option of the reference clients.

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;

use paperplane_crypto::rsa::RsaPublicKey;
use paperplane_net::{
    Clock, InitParams, InvocationError, MtProxy, PoolConfig, ProxyLinkError, ProxySecret,
    RetryPolicy, TransportKind,
};
use paperplane_session::{
    BinaryFileBackend, InMemoryBackend, Session, SessionBackend, SessionError,
};

use crate::client::{Client, ShutdownToken, UpdatesConfig};

/// Why [`ClientBuilder::connect`] failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// `api_id` was not given.
    #[error("api_id is required (get one at https://my.telegram.org)")]
    MissingApiId,
    /// `api_hash` was not given.
    #[error("api_hash is required (get one at https://my.telegram.org)")]
    MissingApiHash,
    /// `dc_addr` is not `HOST:PORT`.
    #[error("dc_addr {0:?} is not HOST:PORT")]
    InvalidDcAddr(String),
    /// `server_key` is not a PEM RSA public key.
    #[error("server_key is not an RSA public key in PEM: {0}")]
    InvalidServerKey(String),
    /// The MTProxy link or address is not usable.
    #[error("proxy: {0}")]
    InvalidProxy(#[from] ProxyLinkError),
    /// The session could not be loaded.
    #[error("session: {0}")]
    Session(#[from] SessionError),
    /// The first connection failed.
    #[error("connect: {0}")]
    Connect(#[from] InvocationError),
}

/// An MTProxy as given to the builder, checked at connect.
enum ProxyOption {
    Link(String),
    Addr(String, ProxySecret),
}

impl ProxyOption {
    fn resolve(&self) -> Result<MtProxy, ProxyLinkError> {
        match self {
            Self::Link(link) => MtProxy::from_link(link),
            Self::Addr(addr, secret) => {
                let (host, port) = addr
                    .rsplit_once(':')
                    .ok_or_else(|| ProxyLinkError::InvalidPort(addr.clone()))?;
                let host = host
                    .strip_prefix('[')
                    .and_then(|h| h.strip_suffix(']'))
                    .unwrap_or(host);
                if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c == '/') {
                    return Err(ProxyLinkError::InvalidServer(host.to_owned()));
                }
                let port = match port.parse::<u16>() {
                    Ok(port) if port != 0 => port,
                    _ => return Err(ProxyLinkError::InvalidPort(port.to_owned())),
                };
                Ok(MtProxy::new(host, port, secret.clone()))
            }
        }
    }
}

enum Storage {
    File(PathBuf),
    Memory,
    String(String),
    Custom(Arc<dyn SessionBackend>),
}

/// Options for a [`Client`]; start with [`Client::builder`].
pub struct ClientBuilder {
    api_id: Option<i32>,
    api_hash: Option<String>,
    storage: Storage,
    catch_up: bool,
    update_queue_limit: usize,
    update_idle: std::time::Duration,
    dc_addr: Option<String>,
    pinned_dcs: Vec<(i32, String)>,
    server_key: Option<String>,
    proxy: Option<ProxyOption>,
    pool: PoolConfig,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            api_id: None,
            api_hash: None,
            storage: Storage::File("paperplane.session".into()),
            catch_up: false,
            update_queue_limit: crate::update::DEFAULT_QUEUE_LIMIT,
            update_idle: std::time::Duration::from_secs(15 * 60),
            dc_addr: None,
            pinned_dcs: Vec::new(),
            server_key: None,
            proxy: None,
            pool: PoolConfig::default(),
        }
    }
}

impl ClientBuilder {
    /// The app's `api_id` from my.telegram.org.
    pub fn api_id(mut self, api_id: i32) -> Self {
        self.api_id = Some(api_id);
        self
    }

    /// The app's `api_hash` from my.telegram.org.
    pub fn api_hash(mut self, api_hash: impl Into<String>) -> Self {
        self.api_hash = Some(api_hash.into());
        self
    }

    /// Keep the session in this file (the default is `paperplane.session`).
    pub fn session(mut self, path: impl Into<PathBuf>) -> Self {
        self.storage = Storage::File(path.into());
        self
    }

    /// Keep nothing between runs.
    pub fn in_memory(mut self) -> Self {
        self.storage = Storage::Memory;
        self
    }

    /// Start from a string session ([`Client::export_session_string`]); an
    /// empty string starts a new one.
    pub fn session_string(mut self, session: impl Into<String>) -> Self {
        self.storage = Storage::String(session.into());
        self
    }

    /// Keep the session with a custom backend.
    pub fn session_backend(mut self, backend: Arc<dyn SessionBackend>) -> Self {
        self.storage = Storage::Custom(backend);
        self
    }

    /// After connecting, fetch the updates missed while offline and deliver
    /// them through [`Client::stream_updates`].
    pub fn catch_up(mut self, catch_up: bool) -> Self {
        self.catch_up = catch_up;
        self
    }

    /// How many updates an [`UpdateStream`](crate::UpdateStream) (or,
    /// before the first one, the client) may hold unread, 10,000 by
    /// default. A slow reader is never dropped from: past the limit the
    /// client takes no more from the server until the stream is read, then
    /// fetches what it left there.
    pub fn update_queue_limit(mut self, limit: usize) -> Self {
        self.update_queue_limit = limit;
        self
    }

    /// How long the account (or a channel) may be silent before the
    /// client asks for its difference anyway, 15 minutes by default: an
    /// update lost with nothing after it shows no gap.
    pub fn update_idle_timeout(mut self, idle: std::time::Duration) -> Self {
        self.update_idle = idle;
        self
    }

    /// What to do about flood waits (default [`retry::AutoSleep`](crate::retry::AutoSleep)).
    pub fn retry_policy(mut self, policy: Arc<dyn RetryPolicy>) -> Self {
        self.pool.retry_policy = policy;
        self
    }

    /// The wire format (default [`TransportKind::Abridged`]).
    pub fn transport(mut self, transport: TransportKind) -> Self {
        self.pool.transport = transport;
        self
    }

    /// Reach every DC through the MTProxy of a link:
    /// `https://t.me/proxy?server=HOST&port=PORT&secret=SECRET` or
    /// `tg://proxy?…`, the secret in hex or base64url (16 bytes, `dd` + 16,
    /// or `ee` + 16 + domain for FakeTLS). The secret picks the transport
    /// ([`transport`](Self::transport) is then ignored). An invalid link
    /// is a [`BuildError::InvalidProxy`] at [`connect`](Self::connect).
    pub fn proxy_link(mut self, link: impl Into<String>) -> Self {
        self.proxy = Some(ProxyOption::Link(link.into()));
        self
    }

    /// Reach every DC through the MTProxy at `addr` (`HOST:PORT`) with
    /// `secret`, as [`proxy_link`](Self::proxy_link) does.
    pub fn mtproxy(mut self, addr: impl Into<String>, secret: ProxySecret) -> Self {
        self.proxy = Some(ProxyOption::Addr(addr.into(), secret));
        self
    }

    /// Connect to this `HOST:PORT` as DC 2 instead of Telegram's servers;
    /// the other DCs are learned from its `help.getConfig`.
    pub fn dc_addr(mut self, addr: impl Into<String>) -> Self {
        self.dc_addr = Some(addr.into());
        self
    }

    /// Always reach DC `dc_id` at `addr` (`HOST:PORT`), whatever the
    /// session or the server's configuration say: for a private server, or
    /// proxies in front of one. Repeat it for each DC.
    pub fn dc_address(mut self, dc_id: i32, addr: impl Into<String>) -> Self {
        self.pinned_dcs.push((dc_id, addr.into()));
        self
    }

    /// Trust this server RSA public key (PKCS#1 or SPKI PEM) for the key
    /// exchange, besides Telegram's own: how to reach `paperplane-testserver`
    /// or a private server.
    pub fn server_key(mut self, pem: impl Into<String>) -> Self {
        self.server_key = Some(pem.into());
        self
    }

    /// Perfect forward secrecy: talk over temporary keys (renewed daily)
    /// bound to the permanent one with `auth.bindTempAuthKey`, so that a
    /// stolen permanent key cannot decrypt recorded traffic.
    pub fn pfs(mut self, pfs: bool) -> Self {
        self.pool.pfs = pfs;
        self
    }

    /// Number DCs the way Telegram's test servers expect (+10000 in the key
    /// exchange).
    pub fn test_mode(mut self, test_mode: bool) -> Self {
        self.pool.test_mode = test_mode;
        self
    }

    /// How long a request waits for its answer before failing with
    /// [`InvocationError::Timeout`] (default: 60 s per attempt; a retry
    /// after a flood wait starts a new wait).
    pub fn request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.pool.request_timeout = timeout;
        self
    }

    /// The wall clock the client reads (the machine's by default). For
    /// tests and simulations: a client given [`Clock::skewed`] behaves as on
    /// a machine whose clock is wrong, and must still work.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.pool.clock = clock;
        self
    }

    /// The device model `initConnection` reports.
    pub fn device_model(mut self, model: impl Into<String>) -> Self {
        self.pool.init.device_model = model.into();
        self
    }

    /// The app version `initConnection` reports.
    pub fn app_version(mut self, version: impl Into<String>) -> Self {
        self.pool.init.app_version = version.into();
        self
    }

    /// The language code `initConnection` reports.
    pub fn lang_code(mut self, code: impl Into<String>) -> Self {
        self.pool.init.lang_code = code.into();
        self
    }

    /// Loads the session, connects to the home DC and returns the client
    /// with a token that shuts it down.
    pub async fn connect(mut self) -> Result<(Client, ShutdownToken), BuildError> {
        let api_id = self.api_id.ok_or(BuildError::MissingApiId)?;
        let api_hash = self.api_hash.take().ok_or(BuildError::MissingApiHash)?;
        let dc_addr = match &self.dc_addr {
            Some(text) => Some(resolve_addr(text)?),
            None => None,
        };
        if let Some(proxy) = &self.proxy {
            self.pool.proxy = Some(proxy.resolve()?);
        }
        for (dc_id, text) in &self.pinned_dcs {
            self.pool.pinned_dcs.insert(*dc_id, resolve_addr(text)?);
        }
        if let Some(pem) = &self.server_key {
            let key = RsaPublicKey::from_pem(pem)
                .map_err(|e| BuildError::InvalidServerKey(e.to_string()))?;
            self.pool.trusted_keys.push(key);
        }
        let backend: Arc<dyn SessionBackend> = match self.storage {
            Storage::File(path) => Arc::new(BinaryFileBackend::new(path)),
            Storage::Memory => Arc::new(InMemoryBackend::new()),
            Storage::String(s) if s.trim().is_empty() => Arc::new(InMemoryBackend::new()),
            Storage::String(s) => {
                Arc::new(InMemoryBackend::with_session(Session::from_string(&s)?))
            }
            Storage::Custom(backend) => backend,
        };
        let session = backend.load().await?.unwrap_or_default();
        self.pool.init = InitParams {
            api_id,
            ..self.pool.init
        };
        let client = Client::start(
            api_id,
            api_hash,
            backend,
            session,
            self.pool,
            dc_addr,
            UpdatesConfig {
                catch_up: self.catch_up,
                queue_limit: self.update_queue_limit,
                idle: self.update_idle,
            },
        )
        .await?;
        let token = client.shutdown_token();
        Ok((client, token))
    }
}

fn resolve_addr(text: &str) -> Result<SocketAddr, BuildError> {
    let invalid = || BuildError::InvalidDcAddr(text.to_owned());
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    text.to_socket_addrs()
        .map_err(|_| invalid())?
        .find(SocketAddr::is_ipv4)
        .ok_or_else(invalid)
}

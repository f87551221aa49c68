//! Starting the server: one listener per DC, one task per connection.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use paperplane_crypto::rsa::{RsaPrivateKey, RsaPublicKey};
use paperplane_mtproto::handshake::ServerConfig;
use paperplane_mtproto::session::store::SessionStore;
use paperplane_mtproto::transport::{self, ProxySecret};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::conn;
use crate::control::Control;
use crate::faults::Faults;
use crate::keys::KeyStore;
use crate::persist;
use crate::salts::{self, Salts};
use crate::seed::{FaultLine, UserSeed};
use crate::world::{State, World, WorldConfig};

/// The DCs a server runs: 2 is the main one, as on Telegram's test servers.
pub const DC_IDS: [i32; 5] = [2, 1, 3, 4, 5];

/// One DC's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DcAddr {
    /// The DC id (1 to 5).
    pub id: i32,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// Which DC an MTProxy client asked for, from the obfuscated2 header's
/// bytes 60..62: negative for the DC's media server (served by the DC
/// itself here), plus 10000 for Telegram's test DCs. `None` for a DC the
/// server does not run, whose connections MTProxy closes.
pub fn proxy_target_dc(raw: i16) -> Option<i32> {
    let id = i32::from(raw).abs();
    let id = if id > 10000 { id - 10000 } else { id };
    DC_IDS.contains(&id).then_some(id)
}

/// How to start a server.
#[derive(Debug)]
pub struct Options {
    /// Where DC 2 listens; DCs 1, 3, 4, 5 take the next ports (or each its
    /// own free port when the port is 0).
    pub listen: SocketAddr,
    /// The server's RSA key; a fresh one is generated when absent.
    pub rsa: Option<RsaPrivateKey>,
    /// Where the world and the auth keys are loaded from at start and
    /// saved to at [`TestServer::shutdown`] (`DIR/world.json`).
    pub data_dir: Option<PathBuf>,
    /// People to create at start (kept if they already exist).
    pub users: Vec<UserSeed>,
    /// Bots to register at start, as `(username, token)`; their tokens
    /// always log in.
    pub bots: Vec<(String, String)>,
    /// Refuse unknown bot tokens (`400 ACCESS_TOKEN_INVALID`) instead of
    /// creating the bot on its first login.
    pub strict_bots: bool,
    /// New test numbers get `auth.authorizationSignUpRequired` from
    /// `auth.signIn` and must `auth.signUp`, as on Telegram.
    pub require_signup: bool,
    /// How often each key's server salt changes (Telegram: about every 30
    /// minutes; the previous salt stays valid for one more period).
    pub salt_period: Duration,
    /// Faults to arm once the accounts exist (the `--world` file's `fault`
    /// lines); one that cannot be armed (an unknown account) stops the
    /// start with an error naming its line.
    pub faults: Vec<FaultLine>,
    /// MTProxy secrets: when not empty, one more port (after DC 5's) acts
    /// as an MTProxy accepting any of them, serving each connection as the
    /// DC its obfuscated2 header names.
    pub proxy_secrets: Vec<ProxySecret>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            rsa: None,
            data_dir: None,
            users: Vec::new(),
            bots: Vec::new(),
            strict_bots: false,
            require_signup: false,
            salt_period: salts::DEFAULT_PERIOD,
            faults: Vec::new(),
            proxy_secrets: Vec::new(),
        }
    }
}

/// What every connection shares.
pub struct Shared {
    /// The DCs and their addresses.
    pub dcs: Vec<DcAddr>,
    /// Key exchange configuration (RSA key, DH group).
    pub handshake: ServerConfig,
    /// The server's time, which a test may skew.
    pub clock: Clock,
    /// Every authorization key created so far.
    pub keys: KeyStore,
    /// The MTProto sessions of those keys, whichever connections carry
    /// them (replay windows and answer caches outlive a connection).
    pub sessions: Mutex<SessionStore>,
    /// Each key's server salts.
    pub salts: Salts,
    /// Accounts, chats, updates and the connections they reach.
    pub world: World,
    /// Armed fault injections.
    pub faults: Faults,
    /// Where the world is saved, if anywhere.
    pub data_dir: Option<PathBuf>,
    /// The MTProxy endpoint's transport configurations, one per secret
    /// (empty without a proxy).
    pub proxy: Vec<transport::ServerConfig>,
    /// Where the MTProxy endpoint listens, if there is one.
    pub proxy_addr: Option<SocketAddr>,
    /// How many MTProxy connections reached each DC, by DC id.
    pub proxied: Mutex<BTreeMap<i32, usize>>,
}

/// Creates the accounts `options` lists that do not exist yet.
fn seed(state: &mut State, options: &Options) -> io::Result<()> {
    let bad = |what: String| io::Error::new(io::ErrorKind::InvalidInput, what);
    for (username, token) in &options.bots {
        state
            .create_bot(token, Some(username))
            .map_err(|e| bad(format!("bot @{username}: {e}")))?;
    }
    for user in &options.users {
        if state.users.by_phone(&user.phone).is_some() {
            continue;
        }
        let phone = crate::world::users::TestPhone::parse(&user.phone).ok_or_else(|| {
            bad(format!(
                "user {}: not a test phone (99966XYYYY)",
                user.phone
            ))
        })?;
        let created = state
            .create_person(&phone, &user.first_name, None, user.username.as_deref())
            .map_err(|e| bad(format!("user {}: {e}", user.phone)))?;
        if let Some(password) = &user.password {
            state
                .set_password(created.id, Some(password), user.hint.as_deref())
                .map_err(|e| bad(format!("user {}: {e}", user.phone)))?;
        }
    }
    Ok(())
}

/// The machine's Unix time in seconds (the server's own time is
/// [`Shared::clock`], which a test may skew).
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The machine's Unix time in milliseconds.
pub fn unix_now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// A running server. Dropping it (or [`TestServer::shutdown`]) stops every
/// listener and connection.
pub struct TestServer {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl TestServer {
    /// Binds every DC and starts serving.
    pub async fn start(mut options: Options) -> io::Result<Self> {
        let rsa = match options.rsa.take() {
            Some(key) => key,
            None => {
                let mut rng = ChaCha20Rng::from_entropy();
                RsaPrivateKey::generate(&mut rng, 2048).map_err(io::Error::other)?
            }
        };
        let nth_addr = |i: usize| -> io::Result<SocketAddr> {
            let mut addr = options.listen;
            if addr.port() != 0 {
                let port = u16::try_from(i)
                    .ok()
                    .and_then(|i| addr.port().checked_add(i))
                    .ok_or_else(|| {
                        io::Error::new(
                            io::ErrorKind::InvalidInput,
                            "listen port too high for five DCs and the proxy",
                        )
                    })?;
                addr.set_port(port);
            }
            Ok(addr)
        };
        let mut listeners = Vec::new();
        for (i, id) in DC_IDS.iter().enumerate() {
            let listener = TcpListener::bind(nth_addr(i)?).await?;
            listeners.push((*id, listener));
        }
        let proxy_listener = match options.proxy_secrets.is_empty() {
            true => None,
            false => Some(TcpListener::bind(nth_addr(DC_IDS.len())?).await?),
        };
        let proxy_addr = match &proxy_listener {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        };
        let dcs = listeners
            .iter()
            .map(|(id, l)| l.local_addr().map(|addr| DcAddr { id: *id, addr }))
            .collect::<io::Result<Vec<_>>>()?;
        let clock = Clock::default();
        let keys = KeyStore::with_clock(clock.clone());
        let mut state = match &options.data_dir {
            Some(dir) => persist::load(dir, &keys)?.unwrap_or_default(),
            None => State::default(),
        };
        seed(&mut state, &options)?;
        let config = WorldConfig {
            strict_bots: options.strict_bots,
            require_signup: options.require_signup,
        };
        let shared = Arc::new(Shared {
            dcs,
            handshake: ServerConfig::new(rsa),
            clock,
            keys,
            sessions: Mutex::default(),
            salts: Salts::new(options.salt_period, &mut ChaCha20Rng::from_entropy()),
            world: World::new(state, config),
            faults: Faults::default(),
            data_dir: options.data_dir,
            proxy: options
                .proxy_secrets
                .iter()
                .map(transport::ServerConfig::mtproxy)
                .collect(),
            proxy_addr,
            proxied: Mutex::default(),
        });
        let control = Control::new(shared.clone());
        for FaultLine { line, fault } in &options.faults {
            fault.arm(&control).map_err(|e| {
                io::Error::new(io::ErrorKind::InvalidInput, format!("line {line}: {e}"))
            })?;
        }
        let (stop, stopped) = watch::channel(false);
        let mut tasks: Vec<_> = listeners
            .into_iter()
            .map(|(id, listener)| {
                let route = conn::Route::Dc(id);
                tokio::spawn(accept_loop(
                    route,
                    listener,
                    shared.clone(),
                    stopped.clone(),
                ))
            })
            .collect();
        if let Some(listener) = proxy_listener {
            let route = conn::Route::Proxy;
            tasks.push(tokio::spawn(accept_loop(
                route,
                listener,
                shared.clone(),
                stopped.clone(),
            )));
        }
        Ok(Self {
            shared,
            stop,
            tasks,
        })
    }

    /// Every DC's address, DC 2 first.
    pub fn dcs(&self) -> &[DcAddr] {
        &self.shared.dcs
    }

    /// The address of DC `id`.
    pub fn dc(&self, id: i32) -> Option<SocketAddr> {
        self.shared.dcs.iter().find(|d| d.id == id).map(|d| d.addr)
    }

    /// Where the MTProxy endpoint listens ([`Options::proxy_secrets`]);
    /// `None` without one.
    pub fn proxy_addr(&self) -> Option<SocketAddr> {
        self.shared.proxy_addr
    }

    /// How many connections through the MTProxy endpoint reached DC
    /// `dc_id` so far.
    pub fn proxied_connections(&self, dc_id: i32) -> usize {
        let proxied = self
            .shared
            .proxied
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        proxied.get(&dc_id).copied().unwrap_or(0)
    }

    /// The public half of the server's RSA key, for clients to trust.
    pub fn public_key(&self) -> &RsaPublicKey {
        self.shared.handshake.rsa.public_key()
    }

    /// How many authorization keys clients have created.
    pub fn auth_key_count(&self) -> usize {
        self.shared.keys.len()
    }

    /// The control API: create accounts, act as users, inject faults.
    pub fn control(&self) -> Control {
        Control::new(self.shared.clone())
    }

    /// Saves the world and the auth keys to the data directory now (does
    /// nothing without one).
    pub fn save(&self) -> io::Result<()> {
        match &self.shared.data_dir {
            Some(dir) => persist::save(dir, &self.shared.world, &self.shared.keys),
            None => Ok(()),
        }
    }

    /// Stops accepting, closes every connection and saves the world to the
    /// data directory, if any (a failed save is logged; [`TestServer::close`]
    /// returns it).
    pub async fn shutdown(self) {
        if let Err(e) = self.close().await {
            tracing::warn!("saving the world failed: {e}");
        }
    }

    /// [`TestServer::shutdown`], returning whether the save worked.
    pub async fn close(mut self) -> io::Result<()> {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
        self.shared.world.hub().close_all();
        self.save()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(
    route: conn::Route,
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let shared = shared.clone();
                    let stopped = stopped.clone();
                    tokio::spawn(async move {
                        if let Err(e) = conn::serve(stream, route, shared, stopped).await {
                            tracing::debug!(%peer, ?route, "connection closed: {e}");
                        }
                    });
                }
                // Out of descriptors and the like: keep serving the others.
                Err(e) => {
                    tracing::warn!(?route, "accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = stopped.changed() => return,
        }
    }
}

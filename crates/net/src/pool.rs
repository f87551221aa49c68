//! Every DC an account talks to, and which one is home.
//!
//! The [`Pool`] opens one [`Connection`] per DC on first use, sends
//! requests to the home DC, follows `PHONE_MIGRATE_X` / `USER_MIGRATE_X` /
//! `NETWORK_MIGRATE_X` by moving home, copies the login to other DCs
//! (`auth.exportAuthorization` → `auth.importAuthorization`) before the
//! first request there, and lets the [`RetryPolicy`] decide about flood
//! waits. What it learns that is worth saving (new keys, home DC, DC
//! addresses) is announced as [`PoolEvent::Changed`] and readable through
//! [`Pool::snapshot`].

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use paperplane_crypto::rsa::RsaPublicKey;
use paperplane_tl::{Deserializable, RemoteCall, Serializable, enums, functions};
use tokio::sync::mpsc;

use crate::backoff::Backoff;
use crate::clock::Clock;
use crate::connection::{Connection, ConnectionConfig, ConnectionEvent, InitParams, KeyState};
use crate::error::InvocationError;
use crate::proxy::MtProxy;
use crate::retry::{self, AutoSleep, RetryPolicy};
use crate::transport_kind::TransportKind;

/// How many `*_MIGRATE` answers one request follows.
const MAX_MIGRATIONS: u32 = 3;

/// Telegram's production DCs (IPv4, port 443), used when nothing better
/// is known.
pub const TELEGRAM_DCS: [(i32, [u8; 4]); 5] = [
    (1, [149, 154, 175, 53]),
    (2, [149, 154, 167, 51]),
    (3, [149, 154, 175, 100]),
    (4, [149, 154, 167, 91]),
    (5, [91, 108, 56, 130]),
];

/// How the pool connects.
#[derive(Clone)]
pub struct PoolConfig {
    /// The framing of every connection.
    pub transport: TransportKind,
    /// Server RSA keys trusted besides Telegram's own.
    pub trusted_keys: Vec<RsaPublicKey>,
    /// Test servers number DCs + 10000 in the key exchange.
    pub test_mode: bool,
    /// What `initConnection` says.
    pub init: InitParams,
    /// What to do about flood waits and internal errors.
    pub retry_policy: Arc<dyn RetryPolicy>,
    /// How often quiet connections ping.
    pub ping_interval: Duration,
    /// Delays between reconnect attempts.
    pub backoff: Backoff,
    /// Perfect forward secrecy: every connection runs on a temporary key
    /// bound to the permanent one.
    pub pfs: bool,
    /// Reach every DC through this MTProxy (its secret picks the
    /// transport; [`PoolConfig::transport`] is then ignored).
    pub proxy: Option<MtProxy>,
    /// The wall clock connections read (the machine's unless a test skews
    /// it).
    pub clock: Clock,
    /// How long a request may wait for its answer (each attempt: retries
    /// after a flood wait start a new wait).
    pub request_timeout: Duration,
    /// DC addresses that neither the session nor the server's
    /// configuration override (a private server, or proxies in front of
    /// one).
    pub pinned_dcs: BTreeMap<i32, SocketAddr>,
}

/// How long a request waits for its answer unless configured otherwise.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for PoolConfig {
    fn default() -> Self {
        Self {
            transport: TransportKind::default(),
            trusted_keys: Vec::new(),
            test_mode: false,
            init: InitParams::default(),
            retry_policy: Arc::new(AutoSleep::default()),
            ping_interval: Duration::from_secs(60),
            backoff: Backoff::default(),
            pfs: false,
            proxy: None,
            clock: Clock::system(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            pinned_dcs: BTreeMap::new(),
        }
    }
}

impl std::fmt::Debug for PoolConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolConfig")
            .field("transport", &self.transport)
            .field("test_mode", &self.test_mode)
            .field("init", &self.init)
            .field("proxy", &self.proxy)
            .finish_non_exhaustive()
    }
}

/// What the pool knows about one DC.
#[derive(Clone, Debug)]
pub struct DcState {
    /// Where it is.
    pub addr: SocketAddr,
    /// Our authorization key there.
    pub key: Option<KeyState>,
    /// Whether that key is logged in to the account.
    pub authorized: bool,
}

/// Everything worth saving: home DC and each DC's address, key and login.
#[derive(Clone, Debug)]
pub struct PoolState {
    /// Where the account lives.
    pub home_dc: i32,
    /// DCs by id.
    pub dcs: BTreeMap<i32, DcState>,
}

impl PoolState {
    /// Telegram's production DCs, home DC 2, no keys.
    pub fn telegram() -> Self {
        let dcs = TELEGRAM_DCS
            .iter()
            .map(|(id, ip)| {
                let addr = SocketAddr::from((*ip, 443));
                (
                    *id,
                    DcState {
                        addr,
                        key: None,
                        authorized: false,
                    },
                )
            })
            .collect();
        Self { home_dc: 2, dcs }
    }
}

/// What the pool tells its owner.
#[derive(Debug)]
pub enum PoolEvent {
    /// An update arrived (TL bytes of an `Updates` or other object).
    Update {
        /// The DC it came from.
        dc_id: i32,
        /// Its bytes.
        body: Vec<u8>,
    },
    /// A DC started a new session: updates may have been missed.
    NewSession {
        /// The DC.
        dc_id: i32,
    },
    /// A DC's connection came back after a loss: updates pushed meanwhile
    /// may have been missed.
    Reconnected {
        /// The DC.
        dc_id: i32,
    },
    /// A message from a DC was refused (its time looked wrong after our
    /// clock jumped): updates may have been missed.
    UpdatesLost {
        /// The DC.
        dc_id: i32,
    },
    /// Something in [`Pool::snapshot`] changed (a key, the home DC, an
    /// address): time to save.
    Changed,
}

struct State {
    home_dc: i32,
    dcs: BTreeMap<i32, DcState>,
    conns: BTreeMap<i32, Connection>,
}

struct Inner {
    config: PoolConfig,
    state: Mutex<State>,
    connection_events: mpsc::UnboundedSender<ConnectionEvent>,
    events: mpsc::UnboundedSender<PoolEvent>,
    /// One export/import at a time, so two requests to a new DC do not
    /// both copy the login.
    exporting: tokio::sync::Mutex<()>,
}

/// The DC pool. Cheap to clone; everything stops when the last clone is
/// dropped or [`Pool::shutdown`] is called.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("home_dc", &self.home_dc())
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// A pool starting from `state`. Must be called inside a Tokio runtime.
    pub fn new(
        config: PoolConfig,
        mut state: PoolState,
    ) -> (Self, mpsc::UnboundedReceiver<PoolEvent>) {
        for (&id, &addr) in &config.pinned_dcs {
            state
                .dcs
                .entry(id)
                .and_modify(|dc| dc.addr = addr)
                .or_insert(DcState {
                    addr,
                    key: None,
                    authorized: false,
                });
        }
        let (connection_events, rx) = mpsc::unbounded_channel();
        let (events, events_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            config,
            state: Mutex::new(State {
                home_dc: state.home_dc,
                dcs: state.dcs,
                conns: BTreeMap::new(),
            }),
            connection_events,
            events,
            exporting: tokio::sync::Mutex::new(()),
        });
        tokio::spawn(route_events(Arc::downgrade(&inner), rx));
        (Self { inner }, events_rx)
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The home DC.
    pub fn home_dc(&self) -> i32 {
        self.state().home_dc
    }

    /// What to save.
    pub fn snapshot(&self) -> PoolState {
        let state = self.state();
        PoolState {
            home_dc: state.home_dc,
            dcs: state.dcs.clone(),
        }
    }

    /// Marks the home DC's key as logged in (after a sign-in) or every key
    /// as logged out.
    pub fn set_authorized(&self, authorized: bool) {
        let mut state = self.state();
        let home = state.home_dc;
        for (id, dc) in state.dcs.iter_mut() {
            dc.authorized = match authorized {
                true => dc.authorized || *id == home,
                false => false,
            };
        }
        drop(state);
        let _ = self.inner.events.send(PoolEvent::Changed);
    }

    /// Whether the home DC's key is logged in, as far as the pool knows.
    pub fn is_authorized(&self) -> bool {
        let state = self.state();
        state.dcs.get(&state.home_dc).is_some_and(|d| d.authorized)
    }

    /// Moves home to `dc_id` (as a `*_MIGRATE` answer asks).
    pub fn set_home_dc(&self, dc_id: i32) {
        self.state().home_dc = dc_id;
        let _ = self.inner.events.send(PoolEvent::Changed);
    }

    /// The connection to `dc_id`, started if needed.
    pub fn connection(&self, dc_id: i32) -> Result<Connection, InvocationError> {
        let mut state = self.state();
        if let Some(conn) = state.conns.get(&dc_id).filter(|c| c.is_alive()) {
            return Ok(conn.clone());
        }
        let dc = state
            .dcs
            .get(&dc_id)
            .ok_or(InvocationError::UnknownDc(dc_id))?;
        let config = ConnectionConfig {
            dc_id,
            addr: dc.addr,
            transport: self.inner.config.transport,
            trusted_keys: self.inner.config.trusted_keys.clone(),
            test_mode: self.inner.config.test_mode,
            init: self.inner.config.init.clone(),
            ping_interval: self.inner.config.ping_interval,
            backoff: self.inner.config.backoff.clone(),
            pfs: self.inner.config.pfs,
            proxy: self.inner.config.proxy.clone(),
            clock: self.inner.config.clock.clone(),
            request_timeout: self.inner.config.request_timeout,
        };
        let conn = Connection::spawn(config, dc.key.clone(), self.inner.connection_events.clone());
        state.conns.insert(dc_id, conn.clone());
        Ok(conn)
    }

    /// Calls `request` on the home DC, following migrations and the retry
    /// policy.
    pub async fn invoke<R: RemoteCall>(&self, request: &R) -> Result<R::Return, InvocationError> {
        let bytes = self.invoke_raw(None, request.to_bytes()).await?;
        InvocationError::decode(&bytes)
    }

    /// Calls `request` on DC `dc_id`, copying the login there first if the
    /// account is logged in at home.
    pub async fn invoke_on_dc<R: RemoteCall>(
        &self,
        dc_id: i32,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        let bytes = self.invoke_raw(Some(dc_id), request.to_bytes()).await?;
        InvocationError::decode(&bytes)
    }

    /// Sends serialized `body` (to `dc`, or home) and returns the
    /// serialized answer.
    pub async fn invoke_raw(
        &self,
        dc: Option<i32>,
        body: Vec<u8>,
    ) -> Result<Vec<u8>, InvocationError> {
        let mut fails = 0u32;
        let mut slept = Duration::ZERO;
        let mut migrations = 0u32;
        if let Some(dc) = dc {
            if !self.knows_dc(dc).await {
                return Err(InvocationError::UnknownDc(dc));
            }
        }
        loop {
            let home = self.home_dc();
            let target = dc.unwrap_or(home);
            let result = match self.ensure_authorized(target).await {
                Ok(()) => self.connection(target)?.invoke_raw(body.clone()).await,
                Err(e) => Err(e),
            };
            let error = match result {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            if let (None, Some(new_home)) = (dc, error.rpc().and_then(|e| e.migrate_to())) {
                migrations += 1;
                if migrations > MAX_MIGRATIONS || !self.knows_dc(new_home).await {
                    return Err(error);
                }
                tracing::info!(from = home, to = new_home, "moving home DC");
                self.set_home_dc(new_home);
                continue;
            }
            fails += 1;
            match self
                .inner
                .config
                .retry_policy
                .should_retry(&retry::context(fails, slept, &error))
            {
                ControlFlow::Continue(delay) => {
                    tracing::info!("{error}; retrying in {delay:?}");
                    tokio::time::sleep(delay).await;
                    slept += delay;
                }
                ControlFlow::Break(()) => return Err(error),
            }
        }
    }

    /// Whether DC `dc_id`'s address is known, asking the home DC's
    /// configuration if it is not yet.
    async fn knows_dc(&self, dc_id: i32) -> bool {
        if self.state().dcs.contains_key(&dc_id) {
            return true;
        }
        let home = self.home_dc();
        let Ok(conn) = self.connection(home) else {
            return false;
        };
        let config = match conn
            .invoke_raw(functions::help::GetConfig {}.to_bytes())
            .await
        {
            Ok(bytes) => enums::Config::from_bytes(&bytes),
            Err(_) => return false,
        };
        let Ok(enums::Config::Config(config)) = config else {
            return false;
        };
        let mut state = self.state();
        apply_dc_options(&mut state, config.dc_options, &self.inner.config.pinned_dcs);
        state.dcs.contains_key(&dc_id)
    }

    /// Logs DC `dc_id` in with the account's authorization (exported from
    /// the home DC, or from the DC it is logged in on), if it is logged in
    /// somewhere and `dc_id` is not yet.
    async fn ensure_authorized(&self, dc_id: i32) -> Result<(), InvocationError> {
        // The login is copied from the home DC, or from wherever it is when
        // home just moved (`USER_MIGRATE` of a logged-in account).
        let source = |pool: &Pool| {
            let state = pool.state();
            if state.dcs.get(&dc_id).is_some_and(|d| d.authorized) {
                return None;
            }
            let logged_in =
                |id: &i32| *id != dc_id && state.dcs.get(id).is_some_and(|d| d.authorized);
            std::iter::once(state.home_dc)
                .chain(state.dcs.keys().copied())
                .find(logged_in)
        };
        if source(self).is_none() {
            return Ok(());
        }
        let _guard = self.inner.exporting.lock().await;
        let Some(home) = source(self) else {
            return Ok(());
        };
        let exported = self.connection(home)?;
        let bytes = exported
            .invoke_raw(functions::auth::ExportAuthorization { dc_id }.to_bytes())
            .await?;
        let enums::auth::ExportedAuthorization::ExportedAuthorization(exported) =
            enums::auth::ExportedAuthorization::from_bytes(&bytes)?;
        let import = functions::auth::ImportAuthorization {
            id: exported.id,
            bytes: exported.bytes,
        };
        self.connection(dc_id)?
            .invoke_raw(import.to_bytes())
            .await?;
        if let Some(dc) = self.state().dcs.get_mut(&dc_id) {
            dc.authorized = true;
        }
        let _ = self.inner.events.send(PoolEvent::Changed);
        Ok(())
    }

    /// Drops and re-opens every connection's socket (unanswered requests
    /// are resent). Useful after a network change.
    pub fn reconnect_all(&self) {
        for conn in self.state().conns.values() {
            conn.reconnect();
        }
    }

    /// Closes every connection; requests in flight fail with
    /// [`InvocationError::Dropped`]. The pool reconnects on the next request.
    pub fn shutdown(&self) {
        self.state().conns.clear();
    }
}

/// Applies what connections report to the pool and forwards the rest.
async fn route_events(pool: Weak<Inner>, mut rx: mpsc::UnboundedReceiver<ConnectionEvent>) {
    while let Some(event) = rx.recv().await {
        let Some(inner) = pool.upgrade() else { return };
        let forward = match event {
            ConnectionEvent::NewKey { dc_id, key } => {
                let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(dc) = state.dcs.get_mut(&dc_id) {
                    // A new key is not logged in, whatever the old one was.
                    dc.key = Some(*key);
                    dc.authorized = false;
                }
                PoolEvent::Changed
            }
            ConnectionEvent::Config { config, .. } => {
                let enums::Config::Config(config) = *config;
                let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
                apply_dc_options(&mut state, config.dc_options, &inner.config.pinned_dcs);
                PoolEvent::Changed
            }
            ConnectionEvent::Update { dc_id, body } => PoolEvent::Update { dc_id, body },
            ConnectionEvent::NewSession { dc_id } => PoolEvent::NewSession { dc_id },
            ConnectionEvent::Reconnected { dc_id } => PoolEvent::Reconnected { dc_id },
            ConnectionEvent::UpdatesLost { dc_id } => PoolEvent::UpdatesLost { dc_id },
            ConnectionEvent::TimeOffset { dc_id, time_offset } => {
                let mut state = inner.state.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(key) = state.dcs.get_mut(&dc_id).and_then(|dc| dc.key.as_mut()) {
                    key.time_offset = time_offset;
                }
                PoolEvent::Changed
            }
        };
        let _ = inner.events.send(forward);
    }
}

/// Takes each DC's first plain IPv4 address from a configuration (the
/// entry Telegram lists first for ordinary connections).
fn apply_dc_options(
    state: &mut State,
    options: Vec<enums::DcOption>,
    pinned: &BTreeMap<i32, SocketAddr>,
) {
    let mut seen = Vec::new();
    for option in options {
        let enums::DcOption::DcOption(o) = option;
        let usable = !o.ipv6 && !o.media_only && !o.cdn && !o.tcpo_only && o.secret.is_none();
        if !usable || seen.contains(&o.id) || pinned.contains_key(&o.id) {
            continue;
        }
        let (Ok(ip), Ok(port)) = (o.ip_address.parse(), u16::try_from(o.port)) else {
            continue;
        };
        seen.push(o.id);
        let addr = SocketAddr::new(ip, port);
        state
            .dcs
            .entry(o.id)
            .and_modify(|d| d.addr = addr)
            .or_insert(DcState {
                addr,
                key: None,
                authorized: false,
            });
    }
}

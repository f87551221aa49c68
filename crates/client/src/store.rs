//! The session: what is kept between runs, and how it maps onto the pool.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use paperplane_net::{DcState, KeyState, PoolState};
use paperplane_session::{DcAuth, DcOption, Session, SessionBackend, SessionError};

/// The session in memory and where it is saved.
pub(crate) struct Store {
    backend: Arc<dyn SessionBackend>,
    session: Mutex<Session>,
    /// One save at a time, in order.
    saving: tokio::sync::Mutex<()>,
}

impl Store {
    pub(crate) fn new(backend: Arc<dyn SessionBackend>, session: Session) -> Self {
        Self {
            backend,
            session: Mutex::new(session),
            saving: tokio::sync::Mutex::new(()),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Session> {
        self.session.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Copies the pool's keys, addresses and home DC in, then saves.
    pub(crate) async fn save(&self, pool: &PoolState) -> Result<(), SessionError> {
        let _guard = self.saving.lock().await;
        let snapshot = {
            let mut session = self.lock();
            absorb(&mut session, pool);
            session.clone()
        };
        self.backend.save(&snapshot).await
    }

    /// The session with the pool's state merged in, without saving.
    pub(crate) fn snapshot(&self, pool: &PoolState) -> Session {
        let mut session = self.lock();
        absorb(&mut session, pool);
        session.clone()
    }
}

/// Where to connect: the session's DCs and keys over Telegram's defaults
/// (or over `dc_addr`, which names DC 2, for private and test servers).
pub(crate) fn pool_state(session: &Session, dc_addr: Option<SocketAddr>) -> PoolState {
    let mut state = match dc_addr {
        Some(addr) => {
            let mut state = PoolState {
                home_dc: 2,
                dcs: Default::default(),
            };
            state.dcs.insert(
                2,
                DcState {
                    addr,
                    key: None,
                    authorized: false,
                },
            );
            state
        }
        None => PoolState::telegram(),
    };
    for record in session.dcs() {
        let Some(option) = record
            .preferred_option(false, false)
            .or_else(|| record.options().first())
        else {
            continue;
        };
        let key = record.auth().map(|auth| KeyState {
            key: paperplane_crypto::AuthKey::from_bytes(*auth.key().as_bytes()),
            salt: auth.server_salt,
            time_offset: auth.time_offset,
        });
        let entry = state.dcs.entry(record.id()).or_insert(DcState {
            addr: option.addr,
            key: None,
            authorized: false,
        });
        // An explicit address for DC 2 wins over a saved one.
        if !(dc_addr.is_some() && record.id() == 2) {
            entry.addr = option.addr;
        }
        entry.key = key;
    }
    if let Some(home) = session.home_dc() {
        state.home_dc = home;
    }
    if session.user().is_some() {
        if let Some(dc) = state.dcs.get_mut(&state.home_dc) {
            dc.authorized = dc.key.is_some();
        }
    }
    state
}

/// Writes the pool's state into the session.
fn absorb(session: &mut Session, pool: &PoolState) {
    session.set_home_dc(pool.home_dc);
    for (id, dc) in &pool.dcs {
        let known = session
            .dc(*id)
            .is_some_and(|r| r.options().iter().any(|o| o.addr == dc.addr));
        if !known {
            session.clear_dc_options(*id);
            session.set_dc_option(DcOption::new(*id, dc.addr));
        }
        match &dc.key {
            Some(key) => {
                let same = session
                    .auth_key(*id)
                    .is_some_and(|k| k.key_id() == key.key.key_id());
                let stale = session
                    .auth(*id)
                    .is_some_and(|a| a.server_salt != key.salt || a.time_offset != key.time_offset);
                if !same || stale {
                    let bytes = *key.key.as_bytes();
                    session.set_auth(
                        *id,
                        DcAuth::new(
                            paperplane_crypto::AuthKey::from_bytes(bytes),
                            key.salt,
                            key.time_offset,
                        ),
                    );
                }
            }
            None => {
                session.remove_auth_key(*id);
            }
        }
    }
}

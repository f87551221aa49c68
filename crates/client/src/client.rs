//! The [`Client`] handle and its background task.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use paperplane_net::{InvocationError, Pool, PoolConfig};
use paperplane_session::{Session, SessionBackend, SessionError, UpdateState};
use paperplane_tl::{RemoteCall, enums, functions};
use tokio::sync::{mpsc, watch};

use crate::builder::ClientBuilder;
use crate::store::{Store, pool_state};
use crate::update::{self, Hub, Work};

/// How long `connect` waits for the first answer.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A Telegram client. Cheap to clone (an `Arc`), `Send + Sync`: share it
/// between tasks freely.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("home_dc", &self.inner.pool.home_dc())
            .finish_non_exhaustive()
    }
}

pub(crate) struct Inner {
    pub(crate) api_id: i32,
    pub(crate) api_hash: String,
    pub(crate) pool: Pool,
    pub(crate) store: Store,
    pub(crate) updates: Hub,
    /// How the updates engine waits and polls.
    pub(crate) engine: paperplane_updates::Config,
    pub(crate) work: mpsc::UnboundedSender<Work>,
    shutdown: watch::Sender<bool>,
}

/// Stops a client's background work when cancelled (or use
/// [`Client::disconnect`]).
#[derive(Clone, Debug)]
pub struct ShutdownToken {
    shutdown: watch::Sender<bool>,
}

impl ShutdownToken {
    /// Closes every connection and ends the update stream.
    pub fn cancel(&self) {
        let _ = self.shutdown.send(true);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        *self.shutdown.borrow()
    }
}

/// How a client follows updates (from the builder).
pub(crate) struct UpdatesConfig {
    /// Fetch what was missed while offline.
    pub(crate) catch_up: bool,
    /// Unread updates a stream may hold.
    pub(crate) queue_limit: usize,
    /// How long a silent account or channel waits before it is polled.
    pub(crate) idle: std::time::Duration,
}

impl Client {
    /// Options for a new client.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) async fn start(
        api_id: i32,
        api_hash: String,
        backend: Arc<dyn SessionBackend>,
        session: Session,
        config: PoolConfig,
        dc_addr: Option<SocketAddr>,
        updates: UpdatesConfig,
    ) -> Result<Self, InvocationError> {
        let (pool, events) = Pool::new(config, pool_state(&session, dc_addr));
        let authorized = session.user().is_some();
        let (work, work_rx) = mpsc::unbounded_channel();
        let (shutdown, stopped) = watch::channel(false);
        let client = Client {
            inner: Arc::new(Inner {
                api_id,
                api_hash,
                pool,
                store: Store::new(backend, session),
                updates: Hub::new(updates.queue_limit),
                engine: paperplane_updates::Config {
                    idle_ms: u64::try_from(updates.idle.as_millis()).unwrap_or(u64::MAX),
                    ..paperplane_updates::Config::default()
                },
                work,
                shutdown,
            }),
        };
        tokio::spawn(update::run(
            Arc::downgrade(&client.inner),
            events,
            work_rx,
            stopped,
        ));
        let first = tokio::time::timeout(
            CONNECT_TIMEOUT,
            client.invoke(&functions::help::GetNearestDc {}),
        )
        .await
        .map_err(|_| {
            InvocationError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "no answer from the server",
            ))
        })?;
        first?;
        if authorized {
            match updates.catch_up {
                true => client.queue(Work::Start { state: None }),
                false => client.follow_updates_from_now().await,
            }
        }
        Ok(client)
    }

    /// Calls any Telegram function on the home DC. `FLOOD_WAIT` is handled
    /// by the retry policy, `*_MIGRATE` transparently.
    pub async fn invoke<R: RemoteCall>(&self, request: &R) -> Result<R::Return, InvocationError> {
        let body = request.to_bytes();
        let method = update::constructor_of(&body);
        let answer = self.inner.pool.invoke_raw(None, body).await?;
        update::observe(self, method, &answer);
        InvocationError::decode(&answer)
    }

    /// Calls any Telegram function on DC `dc_id`, copying the login there
    /// first when needed.
    pub async fn invoke_on_dc<R: RemoteCall>(
        &self,
        dc_id: i32,
        request: &R,
    ) -> Result<R::Return, InvocationError> {
        let body = request.to_bytes();
        let method = update::constructor_of(&body);
        let answer = self.inner.pool.invoke_raw(Some(dc_id), body).await?;
        update::observe(self, method, &answer);
        InvocationError::decode(&answer)
    }

    /// Saves the session now (it is also saved whenever a key or the login
    /// changes).
    pub async fn save_session(&self) -> Result<(), SessionError> {
        self.inner.store.save(&self.inner.pool.snapshot()).await
    }

    /// The session as a string for [`ClientBuilder::session_string`]. It
    /// holds the login: keep it secret.
    pub async fn export_session_string(&self) -> Result<String, SessionError> {
        Ok(self
            .inner
            .store
            .snapshot(&self.inner.pool.snapshot())
            .to_session_string())
    }

    /// The home DC.
    pub fn home_dc(&self) -> i32 {
        self.inner.pool.home_dc()
    }

    /// Closes every connection and ends the update stream.
    pub fn disconnect(&self) {
        let _ = self.inner.shutdown.send(true);
        self.inner.pool.shutdown();
    }

    pub(crate) fn shutdown_token(&self) -> ShutdownToken {
        ShutdownToken {
            shutdown: self.inner.shutdown.clone(),
        }
    }

    /// Follows updates from the server's current state: what happens from
    /// now on is delivered, in order; what happened before is not.
    pub(crate) async fn follow_updates_from_now(&self) {
        match self.invoke(&functions::updates::GetState {}).await {
            Ok(state) => {
                // In the session at once, so a session saved or exported
                // right after a sign-in resumes from here.
                let enums::updates::State::State(s) = &state;
                self.inner.store.lock().set_update_state(UpdateState {
                    pts: s.pts,
                    qts: s.qts,
                    date: s.date,
                    seq: s.seq,
                });
                self.queue(Work::Start {
                    state: Some(Box::new(state)),
                });
            }
            // Without it, the saved counters (if any) are the best start.
            Err(e) => {
                tracing::warn!("updates.getState failed: {e}");
                self.queue(Work::Start { state: None });
            }
        }
    }

    /// Asks the background task to do something with updates.
    pub(crate) fn queue(&self, work: Work) {
        let _ = self.inner.work.send(work);
    }
}

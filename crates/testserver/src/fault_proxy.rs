//! A TCP proxy that breaks connections on purpose, for soak tests.
//!
//! It sits between a client and a server and forwards bytes both ways;
//! while its faults are on, each new connection draws one fault from a
//! seeded generator (so a failing run can be replayed): refuse it (close at
//! once), close it with a FIN or an RST after some bytes, stall it for a
//! while, or trickle it a few bytes at a time; and every connection, old or
//! new, is cut (FIN or RST) after a random lifetime of up to three
//! seconds, so long-lived connections are hit too. The faults live at the
//! TCP level only; what the bytes mean is not its business.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What happens to one connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Forwarded untouched.
    None,
    /// Closed as soon as it is accepted.
    Refuse,
    /// Closed with a FIN after this many bytes (in one direction).
    Fin {
        /// Bytes forwarded first.
        after: u64,
        /// Whether the bytes counted go from the server to the client.
        downstream: bool,
    },
    /// Reset (RST) after this many bytes (in one direction).
    Rst {
        /// Bytes forwarded first.
        after: u64,
        /// Whether the bytes counted go from the server to the client.
        downstream: bool,
    },
    /// Stops forwarding for `ms` milliseconds after `after` bytes, then
    /// goes on.
    Stall {
        /// Bytes forwarded first.
        after: u64,
        /// For how long.
        ms: u64,
    },
    /// Forwards at most `chunk` bytes at a time, `ms` apart.
    Trickle {
        /// Bytes per write.
        chunk: usize,
        /// Pause between writes.
        ms: u64,
    },
}

/// How many connections got which fault.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Connections accepted.
    pub connections: u64,
    /// Closed at once.
    pub refused: u64,
    /// Closed with a FIN mid-stream.
    pub fin: u64,
    /// Reset mid-stream.
    pub rst: u64,
    /// Stalled.
    pub stalls: u64,
    /// Trickled.
    pub trickles: u64,
    /// Cut at the end of their random lifetime.
    pub expired: u64,
}

struct State {
    enabled: AtomicBool,
    rng: Mutex<ChaCha20Rng>,
    counts: Mutex<FaultCounts>,
    /// Faults to give the next connections, before any drawn one.
    forced: Mutex<std::collections::VecDeque<Fault>>,
}

impl State {
    /// Draws the fault of a new connection.
    fn draw(&self) -> Fault {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.connections += 1;
        let forced = self
            .forced
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front();
        let fault = match forced {
            Some(fault) => fault,
            None if self.enabled.load(Ordering::Relaxed) => self.random(),
            None => Fault::None,
        };
        match fault {
            Fault::Refuse => counts.refused += 1,
            Fault::Fin { .. } => counts.fin += 1,
            Fault::Rst { .. } => counts.rst += 1,
            Fault::Stall { .. } => counts.stalls += 1,
            Fault::Trickle { .. } => counts.trickles += 1,
            Fault::None => {}
        }
        fault
    }

    /// The seed of a new connection's lifetimes.
    fn lifetime_seed(&self) -> u64 {
        self.rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .next_u64()
    }

    /// A fault from the seeded generator.
    fn random(&self) -> Fault {
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        let after = 1 + u64::from(rng.next_u32() % 4096);
        let downstream = rng.next_u32() % 2 == 0;
        match rng.next_u32() % 10 {
            0 => Fault::Refuse,
            1 | 2 => Fault::Fin { after, downstream },
            3 | 4 => Fault::Rst { after, downstream },
            5 => Fault::Stall {
                after,
                ms: 200 + u64::from(rng.next_u32() % 1800),
            },
            6 => Fault::Trickle {
                chunk: 1 + (rng.next_u32() % 64) as usize,
                ms: 1 + u64::from(rng.next_u32() % 20),
            },
            _ => Fault::None,
        }
    }
}

/// A running proxy. Dropping it stops listening (connections already
/// forwarded go on until either side closes).
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<State>,
    _stop: watch::Sender<bool>,
}

impl std::fmt::Debug for FaultProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaultProxy")
            .field("addr", &self.addr)
            .field("counts", &self.counts())
            .finish()
    }
}

impl FaultProxy {
    /// Listens on `listen` (port 0 for any) and forwards to `upstream`;
    /// faults are drawn from `seed` once turned on.
    pub async fn start(
        listen: SocketAddr,
        upstream: SocketAddr,
        seed: u64,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State {
            enabled: AtomicBool::new(false),
            rng: Mutex::new(ChaCha20Rng::seed_from_u64(seed)),
            counts: Mutex::default(),
            forced: Mutex::default(),
        });
        let (stop, mut stopped) = watch::channel(false);
        let shared = state.clone();
        tokio::spawn(async move {
            loop {
                let accepted = tokio::select! {
                    accepted = listener.accept() => accepted,
                    _ = stopped.changed() => return,
                };
                let Ok((client, _)) = accepted else { continue };
                let fault = shared.draw();
                let lifetimes = shared.lifetime_seed();
                tokio::spawn(forward(client, upstream, fault, shared.clone(), lifetimes));
            }
        });
        Ok(Self {
            addr,
            state,
            _stop: stop,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Turns faults on or off for connections accepted from now on.
    pub fn set_faults(&self, on: bool) {
        self.state.enabled.store(on, Ordering::Relaxed);
    }

    /// Gives the next connection `fault`, whether faults are on or not
    /// (for tests of one fault at a time).
    pub fn force_next(&self, fault: Fault) {
        self.state
            .forced
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(fault);
    }

    /// What happened so far.
    pub fn counts(&self) -> FaultCounts {
        *self
            .state
            .counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// Cuts the connection (through `cut`) at the end of a random lifetime
/// whenever faults are on.
async fn expire(state: Arc<State>, seed: u64, cut: watch::Sender<Option<bool>>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    loop {
        let lifetime = 200 + u64::from(rng.next_u32() % 2800);
        let rst = rng.next_u32() % 2 == 0;
        tokio::time::sleep(Duration::from_millis(lifetime)).await;
        if cut.borrow().is_some() {
            return;
        }
        if state.enabled.load(Ordering::Relaxed) {
            state
                .counts
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .expired += 1;
            let _ = cut.send(Some(rst));
            return;
        }
    }
}

/// Forwards one connection, applying `fault`.
async fn forward(
    client: TcpStream,
    upstream: SocketAddr,
    fault: Fault,
    state: Arc<State>,
    lifetimes: u64,
) {
    if fault == Fault::Refuse {
        return;
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    // Each direction watches for the other cutting the connection; the
    // receivers exist before either direction runs, so no cut is missed.
    let (cut, mut cut_rx) = watch::channel(None::<bool>);
    let up = pump(
        client_read,
        server_write,
        fault,
        false,
        cut.clone(),
        cut.subscribe(),
    );
    let down = pump(
        server_read,
        client_write,
        fault,
        true,
        cut.clone(),
        cut.subscribe(),
    );
    let expiry = tokio::spawn(expire(state, lifetimes, cut.clone()));
    let (up, down) = tokio::join!(up, down);
    expiry.abort();
    // Both halves are back: dropping them closes the sockets. An RST needs
    // the socket whole, with a zero linger.
    if let (Some((client_read, server_write)), Some((server_read, client_write))) = (up, down) {
        let rst = matches!(cut_rx.borrow_and_update().as_ref(), Some(true));
        for (read, write) in [(client_read, client_write), (server_read, server_write)] {
            if let Ok(stream) = read.reunite(write) {
                if rst {
                    let _ = stream.set_zero_linger();
                }
                drop(stream);
            }
        }
    }
}

/// Copies one direction until either side closes or `fault` cuts it;
/// returns the halves when they must be reunited (to reset them).
async fn pump(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    fault: Fault,
    downstream: bool,
    cut: watch::Sender<Option<bool>>,
    mut cut_rx: watch::Receiver<Option<bool>>,
) -> Option<(OwnedReadHalf, OwnedWriteHalf)> {
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0u64;
    let mut stalled = false;
    loop {
        let n = tokio::select! {
            read = from.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            },
            _ = cut_rx.changed() => break,
        };
        let mut data = &buf[..n];
        match fault {
            Fault::Fin {
                after,
                downstream: d,
            }
            | Fault::Rst {
                after,
                downstream: d,
            } if d == downstream && sent + data.len() as u64 >= after => {
                let keep = usize::try_from(after - sent).unwrap_or(0).min(data.len());
                let _ = to.write_all(&data[..keep]).await;
                let _ = cut.send(Some(matches!(fault, Fault::Rst { .. })));
                break;
            }
            Fault::Stall { after, ms } if !stalled && sent + data.len() as u64 >= after => {
                stalled = true;
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Fault::Trickle { chunk, ms } => {
                while !data.is_empty() {
                    let take = chunk.min(data.len());
                    if to.write_all(&data[..take]).await.is_err() {
                        return None;
                    }
                    data = &data[take..];
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                }
                sent += n as u64;
                continue;
            }
            _ => {}
        }
        if to.write_all(data).await.is_err() {
            break;
        }
        sent += n as u64;
    }
    let reset = *cut.borrow() == Some(true);
    let _ = cut.send(Some(reset));
    if !reset {
        let _ = to.shutdown().await;
    }
    Some((from, to))
}

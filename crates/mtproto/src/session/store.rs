//! A server's MTProto sessions, by auth key and session id.
//!
//! A session outlives the connections that carry it: its window of seen
//! msg_ids and its cache of recent answers must survive a reconnect, or a
//! captured packet replayed on a new connection would run again and a
//! client resending a request whose answer was lost would have it executed
//! twice. Sessions idle for longer than [`IDLE`] are dropped, and a key's
//! least recently used session early when it has more than its share. A
//! dropped session leaves a tombstone for a while, so that a new session
//! under the same id refuses what the old one saw and numbers its messages
//! after the old one's, even if the server's clock stepped back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{MAX_FUTURE, MAX_PAST, ServerSession};

/// Seconds after which an unused session is forgotten.
pub const IDLE: i64 = 2 * (MAX_PAST + MAX_FUTURE);

/// How many sessions one key may keep at once.
pub const SESSIONS_PER_KEY: usize = 64;

/// A session shared by the connections that carry it.
pub type SharedSession = Arc<Mutex<ServerSession>>;

struct Slot {
    session: SharedSession,
    last_used: i64,
}

/// What an evicted session leaves: ids up to `floor` stay refused until
/// `until`, and a session made under its id acts no earlier than
/// `time_ms`.
struct Tombstone {
    floor: Option<i64>,
    time_ms: i64,
    until: i64,
}

/// The sessions of every key. Not itself synchronised: wrap it in a mutex
/// and hold that only to look sessions up.
#[derive(Default)]
pub struct SessionStore {
    sessions: HashMap<(i64, i64), Slot>,
    tombstones: HashMap<(i64, i64), Tombstone>,
    per_key: HashMap<i64, usize>,
    last_sweep: i64,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

impl SessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many sessions are kept.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether no session is kept.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The session `session_id` of key `key_id` at `now`, made with `make`
    /// if there is none; `true` when it was just made. `now` (here and
    /// below) is in seconds on a monotonic clock, not the wall clock: a
    /// wall clock stepped forward would age every session at once.
    pub fn get_or_create(
        &mut self,
        key_id: i64,
        session_id: i64,
        now: i64,
        make: impl FnOnce() -> ServerSession,
    ) -> (SharedSession, bool) {
        self.sweep(now);
        if let Some(slot) = self.sessions.get_mut(&(key_id, session_id)) {
            slot.last_used = now;
            return (slot.session.clone(), false);
        }
        let mut session = make();
        if let Some(stone) = self.tombstones.remove(&(key_id, session_id)) {
            if let Some(floor) = stone.floor {
                session.forget_up_to(floor);
            }
            session.keep_time_from(stone.time_ms);
        }
        let session = Arc::new(Mutex::new(session));
        self.sessions.insert(
            (key_id, session_id),
            Slot {
                session: session.clone(),
                last_used: now,
            },
        );
        let count = self.per_key.entry(key_id).or_default();
        *count += 1;
        if *count > SESSIONS_PER_KEY {
            self.evict_oldest_of(key_id, session_id, now);
        }
        (session, true)
    }

    /// Forgets session `session_id` of key `key_id` (`destroy_session`);
    /// whether it existed.
    pub fn destroy(&mut self, key_id: i64, session_id: i64, now: i64) -> bool {
        self.remove(key_id, session_id, now).is_some()
    }

    /// Forgets every session of a key (the key itself is gone).
    pub fn remove_key(&mut self, key_id: i64) {
        self.sessions.retain(|(key, _), _| *key != key_id);
        self.tombstones.retain(|(key, _), _| *key != key_id);
        self.per_key.remove(&key_id);
    }

    fn remove(&mut self, key_id: i64, session_id: i64, now: i64) -> Option<Slot> {
        let slot = self.sessions.remove(&(key_id, session_id))?;
        if let Some(count) = self.per_key.get_mut(&key_id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.per_key.remove(&key_id);
            }
        }
        let (floor, time_ms) = {
            let session = slot
                .session
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            (session.newest_received(), session.time_floor())
        };
        self.tombstones.insert(
            (key_id, session_id),
            Tombstone {
                floor,
                time_ms,
                until: now.saturating_add(IDLE),
            },
        );
        Some(slot)
    }

    /// Drops the least recently used session of `key_id` other than
    /// `keep`.
    fn evict_oldest_of(&mut self, key_id: i64, keep: i64, now: i64) {
        let oldest = self
            .sessions
            .iter()
            .filter(|((key, id), _)| *key == key_id && *id != keep)
            .min_by_key(|(_, slot)| slot.last_used)
            .map(|((_, id), _)| *id);
        if let Some(id) = oldest {
            self.remove(key_id, id, now);
        }
    }

    /// Forgets idle sessions and old tombstones, at most once a second.
    fn sweep(&mut self, now: i64) {
        if now == self.last_sweep {
            return;
        }
        self.last_sweep = now;
        let horizon = now.saturating_sub(IDLE);
        let idle: Vec<(i64, i64)> = self
            .sessions
            .iter()
            .filter(|(_, slot)| slot.last_used < horizon)
            .map(|(id, _)| *id)
            .collect();
        for (key_id, session_id) in idle {
            // All it saw is too old to be accepted by now, unless the
            // server's clock stepped back: the tombstone covers that too.
            self.remove(key_id, session_id, now);
        }
        self.tombstones.retain(|_, stone| stone.until > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paperplane_crypto::AuthKey;

    fn session() -> ServerSession {
        ServerSession::new(AuthKey::from_bytes([7; 256]), 1)
    }

    #[test]
    fn the_same_session_is_found_again_and_idle_ones_expire() {
        let mut store = SessionStore::new();
        let (a, created) = store.get_or_create(1, 10, 1000, session);
        assert!(created);
        let (b, created) = store.get_or_create(1, 10, 1001, session);
        assert!(!created && Arc::ptr_eq(&a, &b));
        let (_, created) = store.get_or_create(2, 10, 1002, session);
        assert!(created, "another key, another session");
        let (_, created) = store.get_or_create(1, 10, 1001 + IDLE + 1, session);
        assert!(created, "forgotten after being idle");
    }

    #[test]
    fn an_evicted_session_leaves_its_ids_refused() {
        let mut store = SessionStore::new();
        let (first, _) = store.get_or_create(1, 0, 1000, session);
        let seen = 0x1234_5678_0000;
        first.lock().unwrap().forget_up_to(seen);
        let acted_at = 1_700_003_600_000;
        first.lock().unwrap().keep_time_from(acted_at);
        // Fill the key's share so session 0 (least recently used) goes.
        for id in 1..=SESSIONS_PER_KEY as i64 {
            store.get_or_create(1, id, 1001, session);
        }
        assert_eq!(store.len(), SESSIONS_PER_KEY);
        let (again, created) = store.get_or_create(1, 0, 1002, session);
        assert!(created);
        assert_eq!(again.lock().unwrap().newest_received(), Some(seen));
        assert_eq!(
            again.lock().unwrap().time_floor(),
            acted_at,
            "its ids continue the old session's"
        );
        assert!(store.destroy(1, 0, 1003));
        assert!(!store.destroy(1, 0, 1003));
        store.remove_key(1);
        assert!(store.is_empty());
    }
}

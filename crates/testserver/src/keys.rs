//! Authorization keys the server knows, shared by every DC and connection:
//! permanent keys, and temporary ones (perfect forward secrecy) with their
//! expiry and the permanent key they are bound to.
//!
//! A temporary key past its `expires_at` is forgotten the first time it is
//! looked up, exactly like a key the server never had. Each permanent key
//! is bound to at most one temporary key: a new binding replaces the
//! previous one (core.telegram.org/method/auth.bindTempAuthKey).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use paperplane_crypto::AuthKey;

use crate::clock::Clock;

/// What the server remembers of a temporary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TempKey {
    /// Unix time the key stops existing.
    pub expires_at: i64,
    /// The permanent key it is bound to, once bound.
    pub bound_to: Option<i64>,
}

/// What the server remembers about one key.
#[derive(Clone)]
pub struct KeyInfo {
    /// The key itself.
    pub key: Arc<AuthKey>,
    /// The DC it was created on.
    pub dc_id: i32,
    /// The first salt, from the key exchange.
    pub salt: i64,
    /// When it was created (Unix time; 0 when unknown).
    pub created: i64,
    /// `Some` for a temporary key.
    pub temp: Option<TempKey>,
}

impl KeyInfo {
    /// The key's id.
    pub fn id(&self) -> i64 {
        self.key.key_id()
    }

    /// The key whose authorization requests on this one act with: the
    /// permanent key a temporary key is bound to, else the key itself.
    pub fn auth_key_id(&self) -> i64 {
        self.temp
            .and_then(|t| t.bound_to)
            .unwrap_or_else(|| self.id())
    }

    /// A temporary key not bound to any permanent key.
    pub fn is_unbound_temp(&self) -> bool {
        self.temp.is_some_and(|t| t.bound_to.is_none())
    }
}

/// Why a binding was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BindRefusal {
    /// The key asking is not a (live) temporary key.
    NotTemporary,
    /// The permanent key is unknown, or is itself temporary.
    NoPermanentKey,
    /// The temporary key is bound to another permanent key already.
    AlreadyBound,
}

#[derive(Default)]
struct Inner {
    keys: HashMap<i64, KeyInfo>,
    /// Permanent key → the temporary key bound to it.
    bound: HashMap<i64, i64>,
}

impl Inner {
    /// Forgets `key_id` if it is a temporary key past its expiry.
    fn expire(&mut self, key_id: i64, now: i64) {
        let expired = self
            .keys
            .get(&key_id)
            .and_then(|k| k.temp)
            .filter(|t| t.expires_at <= now);
        if let Some(temp) = expired {
            self.keys.remove(&key_id);
            if let Some(perm) = temp.bound_to.filter(|p| self.bound.get(p) == Some(&key_id)) {
                self.bound.remove(&perm);
            }
        }
    }
}

/// Keys by `auth_key_id`.
#[derive(Clone, Default)]
pub struct KeyStore {
    inner: Arc<Mutex<Inner>>,
    /// The server's clock, which temporary keys expire by.
    clock: Clock,
}

impl KeyStore {
    /// An empty store whose temporary keys expire by `clock`.
    pub fn with_clock(clock: Clock) -> Self {
        Self {
            inner: Arc::default(),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Remembers a new key (and forgets expired temporary ones).
    pub fn insert(&self, info: KeyInfo) {
        let now = self.clock.now();
        let mut inner = self.lock();
        let expired: Vec<i64> = inner
            .keys
            .iter()
            .filter(|(_, k)| k.temp.is_some_and(|t| t.expires_at <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in expired {
            inner.expire(id, now);
        }
        inner.keys.insert(info.id(), info);
    }

    /// Forgets every temporary key, as a server that restarted does; how
    /// many there were.
    pub fn forget_temporary(&self) -> usize {
        let mut inner = self.lock();
        let before = inner.keys.len();
        inner.keys.retain(|_, k| k.temp.is_none());
        before - inner.keys.len()
    }

    /// The key with this id, if known (an expired temporary key is not).
    pub fn get(&self, key_id: i64) -> Option<KeyInfo> {
        let mut inner = self.lock();
        inner.expire(key_id, self.clock.now());
        inner.keys.get(&key_id).cloned()
    }

    /// Whether this id is taken (the key exchange then asks for a retry).
    pub fn contains(&self, key_id: i64) -> bool {
        self.lock().keys.contains_key(&key_id)
    }

    /// Binds temporary key `temp_id` to permanent key `perm_id` until
    /// `expires_at` (never beyond the temporary key's own expiry). Returns
    /// the temporary key this replaces, if another one was bound.
    pub fn bind(
        &self,
        temp_id: i64,
        perm_id: i64,
        expires_at: i64,
    ) -> Result<Option<i64>, BindRefusal> {
        let now = self.clock.now();
        let mut inner = self.lock();
        inner.expire(temp_id, now);
        let temp = inner
            .keys
            .get(&temp_id)
            .and_then(|k| k.temp)
            .ok_or(BindRefusal::NotTemporary)?;
        if inner.keys.get(&perm_id).is_none_or(|k| k.temp.is_some()) {
            return Err(BindRefusal::NoPermanentKey);
        }
        if temp.bound_to.is_some_and(|p| p != perm_id) {
            return Err(BindRefusal::AlreadyBound);
        }
        if let Some(k) = inner.keys.get_mut(&temp_id) {
            k.temp = Some(TempKey {
                expires_at: temp.expires_at.min(expires_at),
                bound_to: Some(perm_id),
            });
        }
        let previous = inner
            .bound
            .insert(perm_id, temp_id)
            .filter(|old| *old != temp_id);
        let old_temp = previous.and_then(|old| inner.keys.get_mut(&old)?.temp.as_mut());
        if let Some(t) = old_temp {
            t.bound_to = None;
        }
        Ok(previous)
    }

    /// Every permanent key (what is saved; temporary keys live in memory
    /// only, as on Telegram).
    pub fn permanent(&self) -> Vec<KeyInfo> {
        self.lock()
            .keys
            .values()
            .filter(|k| k.temp.is_none())
            .cloned()
            .collect()
    }

    /// How many keys exist.
    pub fn len(&self) -> usize {
        self.lock().keys.len()
    }

    /// Whether no key exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::unix_now;

    fn key(seed: u8, temp: Option<TempKey>) -> KeyInfo {
        KeyInfo {
            key: Arc::new(AuthKey::from_bytes(core::array::from_fn(|i| {
                (i as u8).wrapping_mul(7) ^ seed
            }))),
            dc_id: 2,
            salt: 1,
            created: unix_now(),
            temp,
        }
    }

    fn temp(expires_at: i64) -> Option<TempKey> {
        Some(TempKey {
            expires_at,
            bound_to: None,
        })
    }

    #[test]
    fn binding_replaces_the_previous_temporary_key_and_expiry_forgets() {
        let store = KeyStore::default();
        let later = unix_now() + 3600;
        let (perm, t1, t2) = (key(1, None), key(2, temp(later)), key(3, temp(later)));
        let (p, a, b) = (perm.id(), t1.id(), t2.id());
        for k in [perm, t1, t2] {
            store.insert(k);
        }
        assert_eq!(store.bind(p, p, later), Err(BindRefusal::NotTemporary));
        assert_eq!(store.bind(a, b, later), Err(BindRefusal::NoPermanentKey));
        assert_eq!(store.bind(a, p, later), Ok(None));
        assert_eq!(store.get(a).map(|k| k.auth_key_id()), Some(p));
        assert_eq!(store.bind(a, p, later), Ok(None), "binding again is fine");
        assert_eq!(store.bind(b, p, later), Ok(Some(a)));
        assert_eq!(store.get(a).map(|k| k.auth_key_id()), Some(a));
        assert!(store.get(a).is_some_and(|k| k.is_unbound_temp()));
        assert_eq!(store.get(b).map(|k| k.auth_key_id()), Some(p));
        assert_eq!(store.permanent().len(), 1);

        // A binding that ends now ends the key.
        assert_eq!(store.bind(b, p, unix_now()), Ok(None));
        assert!(store.get(b).is_none());
        assert!(store.get(p).is_some());
        assert_eq!(store.len(), 2);
    }
}

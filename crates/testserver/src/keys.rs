//! Authorization keys the server knows, shared by every DC and connection.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use paperplane_crypto::AuthKey;

/// What the server remembers about one key.
#[derive(Clone)]
pub struct KeyInfo {
    /// The key itself.
    pub key: Arc<AuthKey>,
    /// The DC it was created on.
    pub dc_id: i32,
    /// The salt clients must use with it.
    pub salt: i64,
}

/// Keys by `auth_key_id`.
#[derive(Clone, Default)]
pub struct KeyStore {
    keys: Arc<Mutex<HashMap<i64, KeyInfo>>>,
}

impl KeyStore {
    /// Remembers a new key.
    pub fn insert(&self, info: KeyInfo) {
        let id = info.key.key_id();
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, info);
    }

    /// The key with this id, if known.
    pub fn get(&self, key_id: i64) -> Option<KeyInfo> {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key_id)
            .cloned()
    }

    /// Whether this id is taken (the key exchange then asks for a retry).
    pub fn contains(&self, key_id: i64) -> bool {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(&key_id)
    }

    /// Every key (for saving).
    pub fn all(&self) -> Vec<KeyInfo> {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// How many keys exist.
    pub fn len(&self) -> usize {
        self.keys
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no key exists.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

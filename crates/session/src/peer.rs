//! The peer cache: access hashes for users and channels, and the indexes
//! that resolve a username or phone number without a network round trip.
//!
//! Telegram only accepts a user or channel in a request together with its
//! `access_hash`, a per-account secret the server hands out whenever it
//! shows the peer. A client must remember them or it cannot address anyone
//! it has seen before.
//!
//! # `min` constructors
//!
//! Some updates carry "min" users and channels (`user.min`, `channel.min`):
//! partial objects whose `access_hash` is only valid in the context they
//! came from. The cache therefore never lets a min hash replace a full one,
//! while a full hash always replaces a min one. Min objects may also omit
//! the username or phone, so they only ever add those, never clear them;
//! a full object is authoritative and replaces the whole entry.

use std::collections::HashMap;

/// Longest username accepted, in bytes. Telegram's limit is 32; the margin
/// leaves room for future collectible usernames without accepting junk.
pub const MAX_USERNAME_LEN: usize = 64;

/// Most digits accepted in a phone number (E.164 allows 15).
pub const MAX_PHONE_DIGITS: usize = 32;

/// What kind of peer an id names: the three id spaces of the Telegram API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeerKind {
    /// A user or bot (`peerUser`); addressed with an access hash.
    User,
    /// A basic group (`peerChat`); needs no access hash.
    Chat,
    /// A channel or supergroup (`peerChannel`); addressed with an access hash.
    Channel,
}

/// A peer's identity: its kind and its bare API id.
///
/// User, chat and channel ids are separate number spaces, so a bare `i64`
/// is ambiguous; this type keeps the kind attached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeerId {
    /// A user or bot id.
    User(i64),
    /// A basic group id.
    Chat(i64),
    /// A channel or supergroup id.
    Channel(i64),
}

impl PeerId {
    /// Which id space this id is in.
    #[must_use]
    pub fn kind(self) -> PeerKind {
        match self {
            PeerId::User(_) => PeerKind::User,
            PeerId::Chat(_) => PeerKind::Chat,
            PeerId::Channel(_) => PeerKind::Channel,
        }
    }

    /// The id as the API's `user_id` / `chat_id` / `channel_id` field.
    #[must_use]
    pub fn bare_id(self) -> i64 {
        match self {
            PeerId::User(id) | PeerId::Chat(id) | PeerId::Channel(id) => id,
        }
    }
}

/// How a peer may be addressed; tied to its kind by [`CachedPeer`]'s
/// constructors (chats have no hash, users and channels always have one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// A basic group: no access hash exists.
    None,
    /// A full access hash, usable anywhere.
    Full(i64),
    /// A hash from a `min` constructor, usable only in context.
    Min(i64),
}

/// One entry of the peer cache.
///
/// Built with [`user`](Self::user), [`min_user`](Self::min_user),
/// [`channel`](Self::channel), [`min_channel`](Self::min_channel) or
/// [`chat`](Self::chat), then optionally [`with_username`](Self::with_username)
/// and [`with_phone`](Self::with_phone). The constructors make impossible
/// entries (a chat with an access hash, a channel with a phone number)
/// unrepresentable; usernames and phones are normalised on the way in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CachedPeer {
    pub(crate) id: PeerId,
    pub(crate) access: Access,
    pub(crate) username: Option<String>,
    pub(crate) phone: Option<String>,
}

impl CachedPeer {
    fn new(id: PeerId, access: Access) -> Self {
        Self {
            id,
            access,
            username: None,
            phone: None,
        }
    }

    /// A user seen in full (`user` without the `min` flag).
    #[must_use]
    pub fn user(id: i64, access_hash: i64) -> Self {
        Self::new(PeerId::User(id), Access::Full(access_hash))
    }

    /// A user from a `min` constructor: its hash is used only until a full
    /// one arrives, and never replaces one.
    #[must_use]
    pub fn min_user(id: i64, access_hash: i64) -> Self {
        Self::new(PeerId::User(id), Access::Min(access_hash))
    }

    /// A channel or supergroup seen in full.
    #[must_use]
    pub fn channel(id: i64, access_hash: i64) -> Self {
        Self::new(PeerId::Channel(id), Access::Full(access_hash))
    }

    /// A channel from a `min` constructor.
    #[must_use]
    pub fn min_channel(id: i64, access_hash: i64) -> Self {
        Self::new(PeerId::Channel(id), Access::Min(access_hash))
    }

    /// A basic group, which needs no access hash. Caching it still records
    /// that the id is a chat.
    #[must_use]
    pub fn chat(id: i64) -> Self {
        Self::new(PeerId::Chat(id), Access::None)
    }

    /// Attach a public username, with or without a leading `@`.
    ///
    /// Does nothing for basic groups (they have no usernames). A string
    /// that is not a username (empty, over [`MAX_USERNAME_LEN`] bytes, or
    /// with characters other than ASCII letters, digits and `_`) leaves the
    /// entry without one, so a bad value from a server never reaches the
    /// index.
    #[must_use]
    pub fn with_username(mut self, username: &str) -> Self {
        if self.id.kind() != PeerKind::Chat {
            self.username = normalize_username(username);
        }
        self
    }

    /// Attach a phone number (users only; does nothing for others). Spaces,
    /// `+`, `-`, `.` and parentheses are dropped; any other non-digit, or
    /// more than [`MAX_PHONE_DIGITS`] digits, leaves the entry without one.
    #[must_use]
    pub fn with_phone(mut self, phone: &str) -> Self {
        if self.id.kind() == PeerKind::User {
            self.phone = normalize_phone(phone);
        }
        self
    }

    /// The peer's id.
    #[must_use]
    pub fn id(&self) -> PeerId {
        self.id
    }

    /// The peer's kind.
    #[must_use]
    pub fn kind(&self) -> PeerKind {
        self.id.kind()
    }

    /// The access hash to put in `inputPeerUser` / `inputPeerChannel`;
    /// `None` for basic groups.
    #[must_use]
    pub fn access_hash(&self) -> Option<i64> {
        match self.access {
            Access::None => None,
            Access::Full(hash) | Access::Min(hash) => Some(hash),
        }
    }

    /// Whether the hash came from a `min` constructor (usable only in the
    /// context it was seen in, e.g. `inputPeerUserFromMessage`).
    #[must_use]
    pub fn is_min(&self) -> bool {
        matches!(self.access, Access::Min(_))
    }

    /// The public username, without `@`, in the case the server gave it.
    #[must_use]
    pub fn username(&self) -> Option<&str> {
        self.username.as_deref()
    }

    /// The phone number, digits only.
    #[must_use]
    pub fn phone(&self) -> Option<&str> {
        self.phone.as_deref()
    }
}

/// A username without `@`, or `None` if it is not one.
pub(crate) fn normalize_username(raw: &str) -> Option<String> {
    let name = raw.trim();
    let name = name.strip_prefix('@').unwrap_or(name);
    let valid = !name.is_empty()
        && name.len() <= MAX_USERNAME_LEN
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then(|| name.to_owned())
}

/// A phone number as its digits, or `None` if it is not one.
pub(crate) fn normalize_phone(raw: &str) -> Option<String> {
    let mut digits = String::new();
    for c in raw.trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' | ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    (!digits.is_empty() && digits.len() <= MAX_PHONE_DIGITS).then_some(digits)
}

/// Index key for a (normalised) username: usernames are case-insensitive.
fn username_key(name: &str) -> String {
    name.to_ascii_lowercase()
}

/// Peers by id, plus username and phone indexes kept in step with them.
#[derive(Clone, Debug, Default)]
pub(crate) struct PeerCache {
    peers: HashMap<PeerId, CachedPeer>,
    by_username: HashMap<String, PeerId>,
    by_phone: HashMap<String, PeerId>,
}

impl PartialEq for PeerCache {
    fn eq(&self, other: &Self) -> bool {
        // The indexes are a function of the entries.
        self.peers == other.peers
    }
}

impl Eq for PeerCache {}

impl PeerCache {
    /// Add or update an entry with the `min` rules of the module docs.
    pub(crate) fn insert(&mut self, peer: CachedPeer) {
        let merged = match self.peers.remove(&peer.id) {
            Some(old) => {
                self.unindex(&old);
                if peer.is_min() {
                    CachedPeer {
                        id: peer.id,
                        access: if old.is_min() {
                            peer.access
                        } else {
                            old.access
                        },
                        username: peer.username.or(old.username),
                        phone: peer.phone.or(old.phone),
                    }
                } else {
                    peer
                }
            }
            None => peer,
        };
        self.index(&merged);
        self.peers.insert(merged.id, merged);
    }

    pub(crate) fn contains(&self, id: PeerId) -> bool {
        self.peers.contains_key(&id)
    }

    pub(crate) fn remove(&mut self, id: PeerId) -> Option<CachedPeer> {
        let old = self.peers.remove(&id)?;
        self.unindex(&old);
        Some(old)
    }

    pub(crate) fn get(&self, id: PeerId) -> Option<&CachedPeer> {
        self.peers.get(&id)
    }

    pub(crate) fn by_username(&self, username: &str) -> Option<&CachedPeer> {
        let key = username_key(&normalize_username(username)?);
        self.by_username.get(&key).and_then(|id| self.peers.get(id))
    }

    pub(crate) fn by_phone(&self, phone: &str) -> Option<&CachedPeer> {
        let key = normalize_phone(phone)?;
        self.by_phone.get(&key).and_then(|id| self.peers.get(id))
    }

    pub(crate) fn len(&self) -> usize {
        self.peers.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &CachedPeer> {
        self.peers.values()
    }

    fn unindex(&mut self, peer: &CachedPeer) {
        if let Some(name) = &peer.username {
            let key = username_key(name);
            if self.by_username.get(&key) == Some(&peer.id) {
                self.by_username.remove(&key);
            }
        }
        if let Some(phone) = &peer.phone {
            if self.by_phone.get(phone) == Some(&peer.id) {
                self.by_phone.remove(phone);
            }
        }
    }

    /// Point the indexes at `peer`. Usernames and phone numbers are unique,
    /// so a value that moved from another peer is cleared on that peer.
    fn index(&mut self, peer: &CachedPeer) {
        if let Some(name) = &peer.username {
            if let Some(previous) = self.by_username.insert(username_key(name), peer.id) {
                if let Some(stale) = self.peers.get_mut(&previous) {
                    stale.username = None;
                }
            }
        }
        if let Some(phone) = &peer.phone {
            if let Some(previous) = self.by_phone.insert(phone.clone(), peer.id) {
                if let Some(stale) = self.peers.get_mut(&previous) {
                    stale.phone = None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_normalised() {
        assert_eq!(normalize_username(" @Durov "), Some("Durov".into()));
        assert_eq!(normalize_username("a_b9"), Some("a_b9".into()));
        assert_eq!(normalize_username("@"), None);
        assert_eq!(normalize_username(""), None);
        assert_eq!(normalize_username("has space"), None);
        assert_eq!(normalize_username("ünï"), None);
        assert_eq!(normalize_username(&"x".repeat(MAX_USERNAME_LEN + 1)), None);
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            normalize_phone("+1 (555) 010-99.88"),
            Some("15550109988".into())
        );
        assert_eq!(normalize_phone("+"), None);
        assert_eq!(normalize_phone("12a4"), None);
        assert_eq!(normalize_phone(&"1".repeat(MAX_PHONE_DIGITS + 1)), None);
    }

    #[test]
    fn kind_rules_hold() {
        let chat = CachedPeer::chat(5).with_username("group").with_phone("123");
        assert_eq!(chat.username(), None);
        assert_eq!(chat.phone(), None);
        assert_eq!(chat.access_hash(), None);
        let channel = CachedPeer::channel(5, 9)
            .with_phone("123")
            .with_username("chan");
        assert_eq!(channel.phone(), None);
        assert_eq!(channel.username(), Some("chan"));
    }
}

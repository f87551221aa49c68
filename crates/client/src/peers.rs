//! Peers: turning "@username", "me", phone numbers and ids into what
//! requests need, with the access-hash cache kept in the session.

use paperplane_net::InvocationError;
use paperplane_session::{CachedPeer, PeerId};
use paperplane_tl::{enums, functions, types};

use crate::client::Client;

impl Client {
    /// The logged-in account's user id, if known.
    pub fn self_id(&self) -> Option<i64> {
        self.inner.store.lock().user().map(|u| u.id)
    }

    /// Whether the cache can address `peer` (a `min` hash counts: the
    /// message it came with is the context it is valid in).
    pub(crate) fn knows(&self, peer: PeerId) -> bool {
        self.inner.store.lock().peer(peer).is_some()
    }

    /// Remembers the access hashes (and usernames, phones) of `users`.
    pub(crate) fn cache_users(&self, users: &[enums::User]) {
        let mut session = self.inner.store.lock();
        for user in users {
            let enums::User::User(u) = user else { continue };
            let Some(hash) = u.access_hash else { continue };
            let mut peer = match u.min {
                true => CachedPeer::min_user(u.id, hash),
                false => CachedPeer::user(u.id, hash),
            };
            if let Some(name) = &u.username {
                peer = peer.with_username(name);
            }
            if let Some(phone) = &u.phone {
                peer = peer.with_phone(phone);
            }
            session.cache_peer(peer);
        }
    }

    /// Remembers the access hashes of `chats` (channels need one; basic
    /// groups do not).
    pub(crate) fn cache_chats(&self, chats: &[enums::Chat]) {
        let mut session = self.inner.store.lock();
        for chat in chats {
            match chat {
                enums::Chat::Chat(c) => session.cache_peer(CachedPeer::chat(c.id)),
                enums::Chat::Channel(c) => {
                    let Some(hash) = c.access_hash else { continue };
                    let mut peer = match c.min {
                        true => CachedPeer::min_channel(c.id, hash),
                        false => CachedPeer::channel(c.id, hash),
                    };
                    if let Some(name) = &c.username {
                        peer = peer.with_username(name);
                    }
                    session.cache_peer(peer);
                }
                enums::Chat::ChannelForbidden(c) => {
                    session.cache_peer(CachedPeer::channel(c.id, c.access_hash))
                }
                _ => {}
            }
        }
    }

    /// Finds a peer: `"me"` / `"self"`, `"@username"` (or a bare
    /// username), `"+phone"`, or a numeric id already seen. Usernames and
    /// phones are looked up on Telegram when not cached.
    pub async fn resolve_peer(&self, peer: &str) -> Result<enums::Peer, InvocationError> {
        let peer = peer.trim();
        if peer.eq_ignore_ascii_case("me") || peer.eq_ignore_ascii_case("self") {
            let id = match self.self_id() {
                Some(id) => id,
                None => self.get_me().await?.id,
            };
            return Ok(user_peer(id));
        }
        if let Some(phone) = peer.strip_prefix('+') {
            return self.resolve_phone(phone).await;
        }
        if let Ok(id) = peer.parse::<i64>() {
            let cached = self.inner.store.lock().peer(PeerId::User(id)).is_some();
            if cached {
                return Ok(user_peer(id));
            }
            for kind in [PeerId::Channel(id), PeerId::Chat(id)] {
                if self.inner.store.lock().peer(kind).is_some() {
                    return Ok(peer_of(kind));
                }
            }
            // All digits and unknown as an id: a phone number without '+'.
            return self.resolve_phone(peer).await;
        }
        let name = peer.strip_prefix('@').unwrap_or(peer);
        if name.is_empty() {
            return Err(InvocationError::Invalid("empty peer".into()));
        }
        let cached = self
            .inner
            .store
            .lock()
            .peer_by_username(name)
            .map(|p| p.id());
        if let Some(id) = cached {
            return Ok(peer_of(id));
        }
        let enums::contacts::ResolvedPeer::ResolvedPeer(resolved) = self
            .invoke(&functions::contacts::ResolveUsername {
                username: name.to_owned(),
                referer: None,
            })
            .await?;
        self.cache_users(&resolved.users);
        self.cache_chats(&resolved.chats);
        Ok(resolved.peer)
    }

    async fn resolve_phone(&self, phone: &str) -> Result<enums::Peer, InvocationError> {
        let cached = self.inner.store.lock().peer_by_phone(phone).map(|p| p.id());
        if let Some(id) = cached {
            return Ok(peer_of(id));
        }
        let enums::contacts::ResolvedPeer::ResolvedPeer(resolved) = self
            .invoke(&functions::contacts::ResolvePhone {
                phone: phone.to_owned(),
            })
            .await?;
        self.cache_users(&resolved.users);
        self.cache_chats(&resolved.chats);
        Ok(resolved.peer)
    }

    /// The `InputPeer` for a peer, from the access-hash cache.
    pub fn input_peer(&self, peer: &enums::Peer) -> Result<enums::InputPeer, InvocationError> {
        let id = match peer {
            enums::Peer::User(u) => PeerId::User(u.user_id),
            enums::Peer::Chat(c) => PeerId::Chat(c.chat_id),
            enums::Peer::Channel(c) => PeerId::Channel(c.channel_id),
        };
        if let PeerId::User(user_id) = id {
            if self.self_id() == Some(user_id) {
                return Ok(enums::InputPeer::InputPeerSelf);
            }
        }
        if let PeerId::Chat(chat_id) = id {
            return Ok(enums::InputPeer::Chat(types::InputPeerChat { chat_id }));
        }
        let hash = self
            .inner
            .store
            .lock()
            .peer(id)
            .and_then(CachedPeer::access_hash)
            .ok_or_else(|| {
                InvocationError::Invalid(format!("{id:?} is not in the cache: resolve it first"))
            })?;
        Ok(match id {
            PeerId::User(user_id) => enums::InputPeer::User(types::InputPeerUser {
                user_id,
                access_hash: hash,
            }),
            PeerId::Channel(channel_id) => enums::InputPeer::Channel(types::InputPeerChannel {
                channel_id,
                access_hash: hash,
            }),
            PeerId::Chat(chat_id) => enums::InputPeer::Chat(types::InputPeerChat { chat_id }),
        })
    }
}

fn user_peer(user_id: i64) -> enums::Peer {
    enums::Peer::User(types::PeerUser { user_id })
}

fn peer_of(id: PeerId) -> enums::Peer {
    match id {
        PeerId::User(user_id) => user_peer(user_id),
        PeerId::Chat(chat_id) => enums::Peer::Chat(types::PeerChat { chat_id }),
        PeerId::Channel(channel_id) => enums::Peer::Channel(types::PeerChannel { channel_id }),
    }
}

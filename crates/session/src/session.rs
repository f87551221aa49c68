//! [`Session`]: everything a client persists between runs.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use paperplane_crypto::AuthKey;

use crate::dc::{DcAuth, DcOption, DcRecord};
use crate::peer::{CachedPeer, PeerCache, PeerId};

/// The account-wide update state from `updates.getState`, used to ask for
/// `updates.getDifference` after a restart so no update is lost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct UpdateState {
    /// Event counter for messages and most updates.
    pub pts: i32,
    /// Event counter for secret chats and bot-specific updates.
    pub qts: i32,
    /// Date of the last received update (Unix seconds).
    pub date: i32,
    /// Sequence number of the last `updates`/`updatesCombined` container.
    pub seq: i32,
}

/// The account a session is logged in as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LoggedInUser {
    /// The user id.
    pub id: i64,
    /// Whether the account is a bot (bots cannot call some methods, and
    /// receive updates differently).
    pub bot: bool,
}

/// The state a Telegram client keeps between runs: its home DC, each DC's
/// addresses and auth key, the update state, the peer cache and the
/// logged-in account.
///
/// A `Session` is plain data; saving and loading it is the job of a
/// [`SessionBackend`](crate::SessionBackend), and
/// [`to_bytes`](Self::to_bytes) / [`from_bytes`](Self::from_bytes) are its
/// binary encoding. `Debug` prints counts and key ids only, never key bytes.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Session {
    pub(crate) home_dc: Option<i32>,
    pub(crate) dcs: BTreeMap<i32, DcRecord>,
    pub(crate) update_state: Option<UpdateState>,
    pub(crate) channel_pts: HashMap<i64, i32>,
    pub(crate) peers: PeerCache,
    pub(crate) user: Option<LoggedInUser>,
}

impl Session {
    /// An empty session: no home DC, no keys, not logged in.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    // --- home DC ---------------------------------------------------------

    /// The DC the account lives on, once known. `None` in a fresh session:
    /// the client then picks its default DC.
    #[must_use]
    pub fn home_dc(&self) -> Option<i32> {
        self.home_dc
    }

    /// Record the account's DC (after a `*_MIGRATE_X` error or a login).
    pub fn set_home_dc(&mut self, dc_id: i32) {
        self.home_dc = Some(dc_id);
    }

    // --- DCs -----------------------------------------------------------------

    /// What is known about DC `dc_id`: addresses and auth key.
    #[must_use]
    pub fn dc(&self, dc_id: i32) -> Option<&DcRecord> {
        self.dcs.get(&dc_id)
    }

    /// Every DC the session knows, by ascending id.
    pub fn dcs(&self) -> impl Iterator<Item = &DcRecord> {
        self.dcs.values()
    }

    /// Add an address for `option.id`, replacing the one with the same
    /// flags (media-only, CDN, test, IPv6) if there is one.
    pub fn set_dc_option(&mut self, option: DcOption) {
        self.dcs
            .entry(option.id)
            .or_insert_with(|| DcRecord::empty(option.id))
            .upsert_option(option);
    }

    /// Forget every address of DC `dc_id` (before storing a fresh
    /// `help.getConfig` list); its auth key is kept.
    pub fn clear_dc_options(&mut self, dc_id: i32) {
        if let Some(record) = self.dcs.get_mut(&dc_id) {
            record.options.clear();
            if record.is_empty() {
                self.dcs.remove(&dc_id);
            }
        }
    }

    // --- auth keys -------------------------------------------------------

    /// The permanent auth key for DC `dc_id`.
    #[must_use]
    pub fn auth_key(&self, dc_id: i32) -> Option<&AuthKey> {
        self.dcs.get(&dc_id).and_then(DcRecord::auth_key)
    }

    /// The auth key for DC `dc_id` with its server salt and time offset.
    #[must_use]
    pub fn auth(&self, dc_id: i32) -> Option<&DcAuth> {
        self.dcs.get(&dc_id).and_then(DcRecord::auth)
    }

    /// Mutable access to DC `dc_id`'s auth, to update its salt or time
    /// offset as the server sends new ones.
    pub fn auth_mut(&mut self, dc_id: i32) -> Option<&mut DcAuth> {
        self.dcs.get_mut(&dc_id).and_then(|r| r.auth.as_mut())
    }

    /// Store a newly negotiated key for DC `dc_id`. A new key has no known
    /// salt or offset yet, so both start at 0; use [`set_auth`](Self::set_auth)
    /// to store them together.
    pub fn set_auth_key(&mut self, dc_id: i32, key: AuthKey) {
        self.set_auth(dc_id, DcAuth::new(key, 0, 0));
    }

    /// Store a key with its salt and time offset for DC `dc_id`.
    pub fn set_auth(&mut self, dc_id: i32, auth: DcAuth) {
        self.dcs
            .entry(dc_id)
            .or_insert_with(|| DcRecord::empty(dc_id))
            .auth = Some(auth);
    }

    /// Forget DC `dc_id`'s key (after `AUTH_KEY_UNREGISTERED`, or on log
    /// out) and return it.
    pub fn remove_auth_key(&mut self, dc_id: i32) -> Option<DcAuth> {
        let record = self.dcs.get_mut(&dc_id)?;
        let auth = record.auth.take();
        if record.is_empty() {
            self.dcs.remove(&dc_id);
        }
        auth
    }

    // --- update state ------------------------------------------------------

    /// The account's update state, once the client has fetched one.
    #[must_use]
    pub fn update_state(&self) -> Option<UpdateState> {
        self.update_state
    }

    /// Record the account's update state.
    pub fn set_update_state(&mut self, state: UpdateState) {
        self.update_state = Some(state);
    }

    /// The last `pts` seen for channel `channel_id`.
    #[must_use]
    pub fn channel_pts(&self, channel_id: i64) -> Option<i32> {
        self.channel_pts.get(&channel_id).copied()
    }

    /// Record the last `pts` seen for channel `channel_id`.
    pub fn set_channel_pts(&mut self, channel_id: i64, pts: i32) {
        self.channel_pts.insert(channel_id, pts);
    }

    /// Stop tracking channel `channel_id` (after leaving it).
    pub fn remove_channel_pts(&mut self, channel_id: i64) -> Option<i32> {
        self.channel_pts.remove(&channel_id)
    }

    /// Every tracked channel and its `pts`, in no particular order.
    pub fn channels_pts(&self) -> impl Iterator<Item = (i64, i32)> + '_ {
        self.channel_pts.iter().map(|(&id, &pts)| (id, pts))
    }

    // --- peers ---------------------------------------------------------------

    /// Add or update a peer; see the [`peer`](crate::peer) module for how
    /// `min` entries merge with full ones.
    pub fn cache_peer(&mut self, peer: CachedPeer) {
        self.peers.insert(peer);
    }

    /// The cached entry for `id`.
    #[must_use]
    pub fn peer(&self, id: PeerId) -> Option<&CachedPeer> {
        self.peers.get(id)
    }

    /// The peer with this username: case-insensitive, with or without `@`.
    #[must_use]
    pub fn peer_by_username(&self, username: &str) -> Option<&CachedPeer> {
        self.peers.by_username(username)
    }

    /// The user with this phone number, in any common notation
    /// (`+1 555 0100`, `15550100`).
    #[must_use]
    pub fn peer_by_phone(&self, phone: &str) -> Option<&CachedPeer> {
        self.peers.by_phone(phone)
    }

    /// Forget a peer and return its entry.
    pub fn remove_peer(&mut self, id: PeerId) -> Option<CachedPeer> {
        self.peers.remove(id)
    }

    /// Every cached peer, in no particular order.
    pub fn peers(&self) -> impl Iterator<Item = &CachedPeer> {
        self.peers.iter()
    }

    /// How many peers are cached.
    #[must_use]
    pub fn peer_count(&self) -> usize {
        self.peers.len()
    }

    // --- account -------------------------------------------------------------

    /// The logged-in account, if any.
    #[must_use]
    pub fn user(&self) -> Option<LoggedInUser> {
        self.user
    }

    /// Record the logged-in account after a successful sign-in.
    pub fn set_user(&mut self, id: i64, bot: bool) {
        self.user = Some(LoggedInUser { id, bot });
    }

    /// Forget the logged-in account (after logging out).
    pub fn clear_user(&mut self) {
        self.user = None;
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The peer cache can hold thousands of entries: counts only. DcRecord's
        // Debug goes through AuthKey's, which shows the key id, not the key.
        f.debug_struct("Session")
            .field("home_dc", &self.home_dc)
            .field("user", &self.user)
            .field("dcs", &self.dcs.values().collect::<Vec<_>>())
            .field("update_state", &self.update_state)
            .field("channels", &self.channel_pts.len())
            .field("peers", &self.peers.len())
            .finish()
    }
}

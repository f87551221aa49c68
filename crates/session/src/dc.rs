//! Data centers: their addresses and the permanent auth key for each.
//!
//! Telegram's servers are split into numbered data centers (DCs). A client
//! remembers, per DC id, the addresses it learnt from `help.getConfig`
//! ([`DcOption`]) and the permanent authorization key it negotiated there
//! together with the last server salt and clock offset ([`DcAuth`]). Both live
//! in one [`DcRecord`] per DC id.

use std::net::{SocketAddr, SocketAddrV6};

use paperplane_crypto::AuthKey;

/// One address of a data center, as announced in a `dcOption`.
///
/// A DC usually has several: IPv4 and IPv6, and separate media-only
/// addresses for file transfers. Whether an option is IPv6 is not stored
/// separately but read off [`addr`](Self::addr), so the two can never
/// disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DcOption {
    /// The DC id this address belongs to.
    pub id: i32,
    /// IP address and port. IPv6 flow info and scope id are not kept (they
    /// mean nothing on another machine): [`Session::set_dc_option`](crate::Session::set_dc_option)
    /// clears them.
    pub addr: SocketAddr,
    /// Only for file uploads and downloads (`dcOption.media_only`).
    pub media_only: bool,
    /// A CDN DC, which serves encrypted file parts only (`dcOption.cdn`).
    pub cdn: bool,
    /// A test-environment DC rather than production.
    pub test: bool,
}

impl DcOption {
    /// A plain (not media-only, not CDN, production) address for DC `id`.
    #[must_use]
    pub fn new(id: i32, addr: SocketAddr) -> Self {
        Self {
            id,
            addr,
            media_only: false,
            cdn: false,
            test: false,
        }
    }

    /// Whether this is an IPv6 address (`dcOption.ipv6`), derived from
    /// [`addr`](Self::addr).
    #[must_use]
    pub fn is_ipv6(&self) -> bool {
        self.addr.is_ipv6()
    }

    /// The flags that distinguish one option of a DC from another: a DC has
    /// at most one address per combination, the latest one announced.
    pub(crate) fn slot(&self) -> (bool, bool, bool, bool) {
        (self.media_only, self.cdn, self.test, self.is_ipv6())
    }

    /// Drop the parts of an IPv6 address that do not survive a round trip
    /// through the session format.
    pub(crate) fn normalized(mut self) -> Self {
        if let SocketAddr::V6(v6) = self.addr {
            self.addr = SocketAddr::V6(SocketAddrV6::new(*v6.ip(), v6.port(), 0, 0));
        }
        self
    }
}

/// The permanent authorization key for one DC, with the server salt and
/// clock offset that go with it.
///
/// The salt and offset are meaningless without the key, so they live inside
/// this type: a session cannot hold a salt for a DC it has no key for.
/// `Debug` shows only the key's public `auth_key_id`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcAuth {
    key: AuthKey,
    /// The last server salt received for this key, so the first message
    /// after a restart is not rejected with `bad_server_salt`.
    pub server_salt: i64,
    /// Server time minus local time, in seconds, so message ids generated
    /// after a restart are accepted straight away.
    pub time_offset: i32,
}

impl DcAuth {
    /// Bundle a key with its salt and clock offset.
    #[must_use]
    pub fn new(key: AuthKey, server_salt: i64, time_offset: i32) -> Self {
        Self {
            key,
            server_salt,
            time_offset,
        }
    }

    /// The permanent authorization key.
    #[must_use]
    pub fn key(&self) -> &AuthKey {
        &self.key
    }
}

/// Everything a session knows about one DC: its addresses and, once a key
/// exchange has happened there, its [`DcAuth`].
///
/// Records are created and removed by [`Session`](crate::Session) as options
/// and keys are set and removed; a record always has at least one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DcRecord {
    pub(crate) id: i32,
    pub(crate) options: Vec<DcOption>,
    pub(crate) auth: Option<DcAuth>,
}

impl DcRecord {
    pub(crate) fn empty(id: i32) -> Self {
        Self {
            id,
            options: Vec::new(),
            auth: None,
        }
    }

    /// The DC id.
    #[must_use]
    pub fn id(&self) -> i32 {
        self.id
    }

    /// Every known address of this DC, in the order they were first set.
    #[must_use]
    pub fn options(&self) -> &[DcOption] {
        &self.options
    }

    /// The key, salt and clock offset negotiated with this DC, if any.
    #[must_use]
    pub fn auth(&self) -> Option<&DcAuth> {
        self.auth.as_ref()
    }

    /// The permanent authorization key for this DC, if any.
    #[must_use]
    pub fn auth_key(&self) -> Option<&AuthKey> {
        self.auth.as_ref().map(DcAuth::key)
    }

    /// The best address to connect to.
    ///
    /// For ordinary API traffic (`media == false`) media-only addresses are
    /// skipped; for file transfers (`media == true`) they are preferred but
    /// ordinary ones are allowed. Among the rest, the family named by
    /// `prefer_ipv6` wins, and the other family is the fallback.
    #[must_use]
    pub fn preferred_option(&self, prefer_ipv6: bool, media: bool) -> Option<&DcOption> {
        self.options
            .iter()
            .filter(|o| media || !o.media_only)
            .min_by_key(|o| (media && !o.media_only, o.is_ipv6() != prefer_ipv6, o.cdn))
    }

    pub(crate) fn upsert_option(&mut self, option: DcOption) {
        let option = option.normalized();
        match self.options.iter_mut().find(|o| o.slot() == option.slot()) {
            Some(existing) => *existing = option,
            None => self.options.push(option),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.options.is_empty() && self.auth.is_none()
    }
}

//! The binary session format (what [`Session::to_bytes`] writes).
//!
//! All integers are little-endian.
//!
//! ```text
//! magic        4 bytes   "PPSS"
//! version      u16       FORMAT_VERSION (1)
//! body_len     u64       length of body
//! body         body_len  sections, back to back
//! checksum     32 bytes  SHA-256 of everything before it (magic..body)
//!
//! section:     tag u16, len u64, payload (len bytes)
//! ```
//!
//! The checksum makes a truncated or corrupted file an error instead of a
//! wrong session. Sections are length-prefixed so that a reader skips tags
//! it does not know: a newer writer may add sections within the same
//! version without breaking older readers. A known tag may appear at most
//! once and its payload must be consumed exactly. Every count is checked
//! against the bytes that remain before anything is allocated for it.
//!
//! Section payloads (version 1):
//!
//! | tag | section | payload |
//! |---|---|---|
//! | 1 | core | `opt(i32 home_dc)`, `opt(i64 user_id, bool bot)` |
//! | 2 | dcs | `u64 n`, n × (`i32 id`, `opt(key[256], i64 salt, i32 time_offset)`, `u64 m`, m × option) |
//! | 3 | updates | `opt(i32 pts, qts, date, seq)`, `u64 n`, n × (`i64 channel_id`, `i32 pts`) |
//! | 4 | peers | `u64 n`, n × (`u8 kind`, `i64 id`, [user/channel: `u8 min`, `i64 hash`, `str username`], [user: `str phone`]) |
//!
//! `opt(x)` is a `u8` 0 or 1 followed by `x` when 1; `bool` is a `u8` 0 or 1;
//! `str` is a `u8` length (0 = absent) and UTF-8 bytes. A DC option is
//! `u8 flags` (bit 0 media-only, bit 1 CDN, bit 2 test), `u8 family`
//! (4 or 6), the 4 or 16 address bytes and `u16 port`. Peer kinds are
//! 0 user, 1 chat, 2 channel. Entries are written sorted by id, so equal
//! sessions encode to equal bytes.

use std::collections::btree_map::Entry;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use paperplane_crypto::AuthKey;
use paperplane_crypto::auth_key::AUTH_KEY_LEN;
use paperplane_crypto::hash::sha256;

use crate::dc::{DcAuth, DcOption, DcRecord};
use crate::error::{Result, SessionError};
use crate::peer::{Access, CachedPeer, PeerId, normalize_phone, normalize_username};
use crate::session::{LoggedInUser, Session, UpdateState};

/// The four bytes every session starts with.
pub const MAGIC: [u8; 4] = *b"PPSS";

/// The format version this build writes, and the only one it reads.
pub const FORMAT_VERSION: u16 = 1;

/// Magic, version and body length.
pub const HEADER_LEN: usize = 4 + 2 + 8;

/// SHA-256 at the end.
pub const CHECKSUM_LEN: usize = 32;

const TAG_CORE: u16 = 1;
const TAG_DCS: u16 = 2;
const TAG_UPDATES: u16 = 3;
const TAG_PEERS: u16 = 4;

const FLAG_MEDIA_ONLY: u8 = 1;
const FLAG_CDN: u8 = 1 << 1;
const FLAG_TEST: u8 = 1 << 2;
const KNOWN_FLAGS: u8 = FLAG_MEDIA_ONLY | FLAG_CDN | FLAG_TEST;

const KIND_USER: u8 = 0;
const KIND_CHAT: u8 = 1;
const KIND_CHANNEL: u8 = 2;

// Smallest encodings, used to bound counts by the bytes remaining.
const MIN_DC_LEN: usize = 4 + 1 + 8;
const MIN_OPTION_LEN: usize = 1 + 1 + 4 + 2;
const CHANNEL_PTS_LEN: usize = 8 + 4;
const MIN_PEER_LEN: usize = 1 + 8;

// --- writing ------------------------------------------------------------------

#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i32(&mut self, v: i32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn len(&mut self, n: usize) {
        // usize is at most 64 bits on every supported target.
        self.0.extend_from_slice(&(n as u64).to_le_bytes());
    }
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    fn bytes(&mut self, v: &[u8]) {
        self.0.extend_from_slice(v);
    }
    /// A short string. Every string in a session is at most 64 bytes by
    /// construction (see `peer`); the clamp only keeps this panic-free.
    fn str(&mut self, v: Option<&str>) {
        let bytes = v.unwrap_or_default().as_bytes();
        let len = u8::try_from(bytes.len()).unwrap_or(u8::MAX);
        self.u8(len);
        self.bytes(bytes.get(..usize::from(len)).unwrap_or_default());
    }
    fn section(&mut self, tag: u16, payload: Writer) {
        self.u16(tag);
        self.len(payload.0.len());
        self.bytes(&payload.0);
    }
}

impl Session {
    /// Encode the session in the [binary format](mod@crate::format).
    ///
    /// The result contains the auth keys: treat it as a secret.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut body = Writer::default();
        body.section(TAG_CORE, self.write_core());
        body.section(TAG_DCS, self.write_dcs());
        body.section(TAG_UPDATES, self.write_updates());
        body.section(TAG_PEERS, self.write_peers());

        let mut out = Writer(Vec::with_capacity(HEADER_LEN + body.0.len() + CHECKSUM_LEN));
        out.bytes(&MAGIC);
        out.u16(FORMAT_VERSION);
        out.len(body.0.len());
        out.bytes(&body.0);
        crate::wipe(&mut body.0);
        let checksum = sha256(&[&out.0]);
        out.bytes(&checksum);
        out.0
    }

    fn write_core(&self) -> Writer {
        let mut w = Writer::default();
        w.bool(self.home_dc.is_some());
        if let Some(dc) = self.home_dc {
            w.i32(dc);
        }
        w.bool(self.user.is_some());
        if let Some(user) = self.user {
            w.i64(user.id);
            w.bool(user.bot);
        }
        w
    }

    fn write_dcs(&self) -> Writer {
        let mut w = Writer::default();
        w.len(self.dcs.len());
        for record in self.dcs.values() {
            w.i32(record.id);
            w.bool(record.auth.is_some());
            if let Some(auth) = &record.auth {
                w.bytes(auth.key().as_bytes());
                w.i64(auth.server_salt);
                w.i32(auth.time_offset);
            }
            w.len(record.options.len());
            for option in &record.options {
                let mut flags = 0;
                if option.media_only {
                    flags |= FLAG_MEDIA_ONLY;
                }
                if option.cdn {
                    flags |= FLAG_CDN;
                }
                if option.test {
                    flags |= FLAG_TEST;
                }
                w.u8(flags);
                match option.addr.ip() {
                    IpAddr::V4(ip) => {
                        w.u8(4);
                        w.bytes(&ip.octets());
                    }
                    IpAddr::V6(ip) => {
                        w.u8(6);
                        w.bytes(&ip.octets());
                    }
                }
                w.u16(option.addr.port());
            }
        }
        w
    }

    fn write_updates(&self) -> Writer {
        let mut w = Writer::default();
        w.bool(self.update_state.is_some());
        if let Some(state) = self.update_state {
            w.i32(state.pts);
            w.i32(state.qts);
            w.i32(state.date);
            w.i32(state.seq);
        }
        let mut channels: Vec<_> = self.channel_pts.iter().collect();
        channels.sort_unstable();
        w.len(channels.len());
        for (&id, &pts) in channels {
            w.i64(id);
            w.i32(pts);
        }
        w
    }

    fn write_peers(&self) -> Writer {
        let mut w = Writer::default();
        let mut peers: Vec<_> = self.peers.iter().collect();
        peers.sort_unstable_by_key(|p| p.id);
        w.len(peers.len());
        for peer in peers {
            let (kind, id) = match peer.id {
                PeerId::User(id) => (KIND_USER, id),
                PeerId::Chat(id) => (KIND_CHAT, id),
                PeerId::Channel(id) => (KIND_CHANNEL, id),
            };
            w.u8(kind);
            w.i64(id);
            if kind == KIND_CHAT {
                continue;
            }
            let (min, hash) = match peer.access {
                Access::Full(hash) => (false, hash),
                Access::Min(hash) => (true, hash),
                // Unreachable by construction; written as a full hash of 0
                // rather than panicking.
                Access::None => (false, 0),
            };
            w.bool(min);
            w.i64(hash);
            w.str(peer.username.as_deref());
            if kind == KIND_USER {
                w.str(peer.phone.as_deref());
            }
        }
        w
    }
}

// --- reading ------------------------------------------------------------------

/// A cursor over untrusted bytes; every read is bounds-checked.
struct Reader<'a> {
    buf: &'a [u8],
    section: &'static str,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], section: &'static str) -> Self {
        Self { buf, section }
    }

    fn err(&self, reason: &'static str) -> SessionError {
        SessionError::malformed(self.section, reason)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let (head, tail) = self
            .buf
            .split_at_checked(n)
            .ok_or_else(|| self.err("unexpected end of data"))?;
        self.buf = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let bytes = self.take(N)?;
        bytes
            .try_into()
            .map_err(|_| self.err("unexpected end of data"))
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_le_bytes(self.array()?))
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }
    fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array()?))
    }
    fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.array()?))
    }
    fn len(&mut self) -> Result<usize> {
        let n = u64::from_le_bytes(self.array()?);
        usize::try_from(n).map_err(|_| self.err("length does not fit in memory"))
    }
    fn bool(&mut self) -> Result<bool> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(self.err("boolean is neither 0 nor 1")),
        }
    }

    /// A count of items each at least `min_item_len` bytes long, rejected
    /// if the remaining bytes cannot possibly hold that many.
    fn count(&mut self, min_item_len: usize) -> Result<usize> {
        let n = self.len()?;
        if n > self.buf.len() / min_item_len.max(1) {
            return Err(self.err("item count exceeds the remaining data"));
        }
        Ok(n)
    }

    fn str(&mut self) -> Result<Option<&'a str>> {
        let len = usize::from(self.u8()?);
        if len == 0 {
            return Ok(None);
        }
        let bytes = self.take(len)?;
        std::str::from_utf8(bytes)
            .map(Some)
            .map_err(|_| self.err("string is not UTF-8"))
    }

    fn finish(&self) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(self.err("trailing bytes"))
        }
    }
}

impl Session {
    /// Decode a session written by [`to_bytes`](Self::to_bytes).
    ///
    /// Fails (never panics) on anything else: [`SessionError::BadMagic`] for
    /// data that is not a session, [`SessionError::UnsupportedVersion`] for a
    /// newer format, [`SessionError::Truncated`] /
    /// [`SessionError::ChecksumMismatch`] for damaged data, and
    /// [`SessionError::Malformed`] for content no paperplane writes.
    pub fn from_bytes(data: &[u8]) -> Result<Session> {
        let min_len = (HEADER_LEN + CHECKSUM_LEN) as u64;
        let actual = data.len() as u64;
        let truncated = |expected| SessionError::Truncated { expected, actual };

        let magic = data.get(..MAGIC.len()).unwrap_or(data);
        if magic != MAGIC.get(..magic.len()).unwrap_or(&MAGIC) {
            return Err(SessionError::BadMagic);
        }
        let version = data
            .get(4..6)
            .and_then(|b| <[u8; 2]>::try_from(b).ok())
            .map(u16::from_le_bytes)
            .ok_or(truncated(min_len))?;
        if version != FORMAT_VERSION {
            return Err(SessionError::UnsupportedVersion {
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        let body_len = data
            .get(6..HEADER_LEN)
            .and_then(|b| <[u8; 8]>::try_from(b).ok())
            .map(u64::from_le_bytes)
            .ok_or(truncated(min_len))?;
        let expected = body_len.saturating_add(min_len);
        if actual < expected {
            return Err(truncated(expected));
        }
        if actual > expected {
            return Err(SessionError::TrailingData { expected, actual });
        }
        // actual == expected, so these cannot fail; still no panicking paths.
        let signed_len = data.len().saturating_sub(CHECKSUM_LEN);
        let (signed, checksum) = data
            .split_at_checked(signed_len)
            .ok_or(truncated(expected))?;
        if sha256(&[signed]) != checksum {
            return Err(SessionError::ChecksumMismatch);
        }
        let body = signed.get(HEADER_LEN..).ok_or(truncated(expected))?;
        Self::read_body(body)
    }

    fn read_body(body: &[u8]) -> Result<Session> {
        let mut session = Session::new();
        let mut seen = [false; 4];
        let mut r = Reader::new(body, "section table");
        while !r.buf.is_empty() {
            let tag = r.u16()?;
            let len = r.len()?;
            let payload = r.take(len)?;
            let (index, name) = match tag {
                TAG_CORE => (0, "core section"),
                TAG_DCS => (1, "dcs section"),
                TAG_UPDATES => (2, "updates section"),
                TAG_PEERS => (3, "peers section"),
                // A section from a newer writer: skip it.
                _ => continue,
            };
            if std::mem::replace(&mut seen[index], true) {
                return Err(SessionError::malformed(name, "section appears twice"));
            }
            let mut p = Reader::new(payload, name);
            match tag {
                TAG_CORE => session.read_core(&mut p)?,
                TAG_DCS => session.read_dcs(&mut p)?,
                TAG_UPDATES => session.read_updates(&mut p)?,
                _ => session.read_peers(&mut p)?,
            }
            p.finish()?;
        }
        Ok(session)
    }

    fn read_core(&mut self, r: &mut Reader<'_>) -> Result<()> {
        if r.bool()? {
            self.home_dc = Some(r.i32()?);
        }
        if r.bool()? {
            let id = r.i64()?;
            let bot = r.bool()?;
            self.user = Some(LoggedInUser { id, bot });
        }
        Ok(())
    }

    fn read_dcs(&mut self, r: &mut Reader<'_>) -> Result<()> {
        let count = r.count(MIN_DC_LEN)?;
        for _ in 0..count {
            let id = r.i32()?;
            let mut record = DcRecord::empty(id);
            if r.bool()? {
                let key = AuthKey::from_bytes(r.array::<AUTH_KEY_LEN>()?);
                let salt = r.i64()?;
                let offset = r.i32()?;
                record.auth = Some(DcAuth::new(key, salt, offset));
            }
            let options = r.count(MIN_OPTION_LEN)?;
            record.options.reserve_exact(options);
            for _ in 0..options {
                let flags = r.u8()?;
                if flags & !KNOWN_FLAGS != 0 {
                    return Err(r.err("unknown DC option flags"));
                }
                let ip = match r.u8()? {
                    4 => IpAddr::V4(Ipv4Addr::from(r.array::<4>()?)),
                    6 => IpAddr::V6(Ipv6Addr::from(r.array::<16>()?)),
                    _ => return Err(r.err("unknown address family")),
                };
                let option = DcOption {
                    id,
                    addr: SocketAddr::new(ip, r.u16()?),
                    media_only: flags & FLAG_MEDIA_ONLY != 0,
                    cdn: flags & FLAG_CDN != 0,
                    test: flags & FLAG_TEST != 0,
                };
                if record.options.iter().any(|o| o.slot() == option.slot()) {
                    return Err(r.err("two DC options with the same flags"));
                }
                record.options.push(option);
            }
            if record.is_empty() {
                return Err(r.err("DC record with neither key nor address"));
            }
            match self.dcs.entry(id) {
                Entry::Vacant(slot) => {
                    slot.insert(record);
                }
                Entry::Occupied(_) => return Err(r.err("DC appears twice")),
            }
        }
        Ok(())
    }

    fn read_updates(&mut self, r: &mut Reader<'_>) -> Result<()> {
        if r.bool()? {
            self.update_state = Some(UpdateState {
                pts: r.i32()?,
                qts: r.i32()?,
                date: r.i32()?,
                seq: r.i32()?,
            });
        }
        let count = r.count(CHANNEL_PTS_LEN)?;
        self.channel_pts.reserve(count);
        for _ in 0..count {
            let id = r.i64()?;
            let pts = r.i32()?;
            if self.channel_pts.insert(id, pts).is_some() {
                return Err(r.err("channel appears twice"));
            }
        }
        Ok(())
    }

    fn read_peers(&mut self, r: &mut Reader<'_>) -> Result<()> {
        let count = r.count(MIN_PEER_LEN)?;
        for _ in 0..count {
            let kind = r.u8()?;
            let id = r.i64()?;
            let peer_id = match kind {
                KIND_USER => PeerId::User(id),
                KIND_CHAT => PeerId::Chat(id),
                KIND_CHANNEL => PeerId::Channel(id),
                _ => return Err(r.err("unknown peer kind")),
            };
            let mut peer = CachedPeer {
                id: peer_id,
                access: Access::None,
                username: None,
                phone: None,
            };
            if kind != KIND_CHAT {
                let min = r.bool()?;
                let hash = r.i64()?;
                peer.access = if min {
                    Access::Min(hash)
                } else {
                    Access::Full(hash)
                };
                peer.username = read_checked(r, normalize_username, "invalid username")?;
                if kind == KIND_USER {
                    peer.phone = read_checked(r, normalize_phone, "invalid phone number")?;
                }
            }
            if self.peers.contains(peer_id) {
                return Err(r.err("peer appears twice"));
            }
            self.peers.insert(peer);
        }
        Ok(())
    }
}

/// Read an optional string that must already be in normal form, so what
/// is loaded is exactly what was saved.
fn read_checked(
    r: &mut Reader<'_>,
    normalize: fn(&str) -> Option<String>,
    reason: &'static str,
) -> Result<Option<String>> {
    match r.str()? {
        None => Ok(None),
        Some(s) => match normalize(s) {
            Some(normal) if normal == s => Ok(Some(normal)),
            _ => Err(r.err(reason)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frame `body` the way `to_bytes` does, with a valid checksum.
    fn frame(body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(body);
        let sum = sha256(&[&out]);
        out.extend_from_slice(&sum);
        out
    }

    fn section(tag: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = tag.to_le_bytes().to_vec();
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(payload);
        out
    }

    fn malformed(data: &[u8]) -> (&'static str, &'static str) {
        match Session::from_bytes(data) {
            Err(SessionError::Malformed { section, reason }) => (section, reason),
            other => panic!("expected Malformed, got {other:?}"),
        }
    }

    #[test]
    fn empty_body_is_an_empty_session() {
        assert_eq!(Session::from_bytes(&frame(&[])).ok(), Some(Session::new()));
    }

    #[test]
    fn huge_counts_are_rejected_before_allocating() {
        for tag in [TAG_DCS, TAG_PEERS] {
            let payload = u64::MAX.to_le_bytes();
            let (_, reason) = malformed(&frame(&section(tag, &payload)));
            assert!(
                reason.contains("count") || reason.contains("memory"),
                "{reason}"
            );
        }
        let mut updates = vec![0u8];
        updates.extend_from_slice(&(1u64 << 40).to_le_bytes());
        let (_, reason) = malformed(&frame(&section(TAG_UPDATES, &updates)));
        assert_eq!(reason, "item count exceeds the remaining data");
    }

    #[test]
    fn huge_section_length_is_rejected() {
        let mut body = TAG_CORE.to_le_bytes().to_vec();
        body.extend_from_slice(&u64::MAX.to_le_bytes());
        malformed(&frame(&body));
    }

    #[test]
    fn structural_errors_are_reported() {
        // Duplicate section.
        let core = section(TAG_CORE, &[0, 0]);
        let twice = [core.clone(), core].concat();
        assert_eq!(malformed(&frame(&twice)).1, "section appears twice");
        // Trailing bytes inside a section.
        assert_eq!(
            malformed(&frame(&section(TAG_CORE, &[0, 0, 0]))).1,
            "trailing bytes"
        );
        // Boolean out of range.
        assert_eq!(
            malformed(&frame(&section(TAG_CORE, &[2, 0]))).1,
            "boolean is neither 0 nor 1"
        );
        // Unknown peer kind.
        let mut peers = 1u64.to_le_bytes().to_vec();
        peers.push(9);
        peers.extend_from_slice(&7i64.to_le_bytes());
        assert_eq!(
            malformed(&frame(&section(TAG_PEERS, &peers))).1,
            "unknown peer kind"
        );
        // Empty DC record.
        let mut dcs = 1u64.to_le_bytes().to_vec();
        dcs.extend_from_slice(&2i32.to_le_bytes());
        dcs.push(0);
        dcs.extend_from_slice(&0u64.to_le_bytes());
        assert_eq!(
            malformed(&frame(&section(TAG_DCS, &dcs))).1,
            "DC record with neither key nor address"
        );
    }

    #[test]
    fn non_normal_strings_are_rejected() {
        let mut peers = 1u64.to_le_bytes().to_vec();
        peers.push(KIND_CHANNEL);
        peers.extend_from_slice(&7i64.to_le_bytes());
        peers.push(0);
        peers.extend_from_slice(&1i64.to_le_bytes());
        peers.push(5);
        peers.extend_from_slice(b"@name");
        assert_eq!(
            malformed(&frame(&section(TAG_PEERS, &peers))).1,
            "invalid username"
        );
    }

    /// Random section contents under a valid checksum must never panic.
    #[test]
    fn garbage_sections_never_panic() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let tag = (next() % 5) as u16;
            let len = (next() % 48) as usize;
            let mut payload: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            // Small counts, so the parser gets past the count check sometimes.
            if payload.len() >= 8 && next() % 2 == 0 {
                payload[..8].copy_from_slice(&(next() % 3).to_le_bytes());
            }
            let _ = Session::from_bytes(&frame(&section(tag, &payload)));
        }
    }
}

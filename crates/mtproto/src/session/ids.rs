//! Message ids and sequence numbers.
//!
//! A msg_id is roughly the Unix time multiplied by 2^32; it must grow
//! strictly within a session. Client ids are divisible by 4; server ids
//! are 1 mod 4 for responses and 3 mod 4 for everything else. seq_no counts
//! content-related messages: such a message carries `2n + 1` and increments
//! `n`; any other message carries `2n`.

use std::collections::{BTreeSet, VecDeque};

/// Which side generates the ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A client: ids divisible by 4.
    Client,
    /// A server: ids odd.
    Server,
}

/// What a server-side id answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    /// A client id, or a server message that is not a response.
    Other,
    /// A server response to a client request (`rpc_result`, `pong`, …).
    Response,
}

/// Generates strictly increasing message ids from the local clock plus the
/// offset learned from the server.
#[derive(Clone, Debug)]
pub struct MsgIdGen {
    role: Role,
    last: i64,
    /// Seconds to add to local time to get server time.
    pub time_offset: i32,
}

impl MsgIdGen {
    /// A generator for `role` with a known clock offset.
    pub fn new(role: Role, time_offset: i32) -> Self {
        Self {
            role,
            last: 0,
            time_offset,
        }
    }

    /// The next id at local Unix time `now_ms` (milliseconds).
    pub fn next(&mut self, now_ms: i64, kind: IdKind) -> i64 {
        let secs = now_ms.div_euclid(1000) + i64::from(self.time_offset);
        let frac = (now_ms.rem_euclid(1000) << 32) / 1000;
        let mut id = (secs << 32) | frac;
        let (modulo, rem) = match (self.role, kind) {
            (Role::Client, _) => (4, 0),
            (Role::Server, IdKind::Response) => (4, 1),
            (Role::Server, IdKind::Other) => (4, 3),
        };
        id = id - id.rem_euclid(modulo) + rem;
        if id <= self.last {
            id = self.last - self.last.rem_euclid(modulo) + modulo + rem;
        }
        self.last = id;
        id
    }

    /// Corrects the offset from a server message id (after a
    /// `bad_msg_notification` 16/17, the server's clock is authoritative).
    pub fn sync_with(&mut self, server_msg_id: i64, now_ms: i64) {
        let server_secs = server_msg_id >> 32;
        self.time_offset = (server_secs - now_ms.div_euclid(1000)) as i32;
    }
}

/// Counts content-related messages for seq_no.
#[derive(Clone, Debug, Default)]
pub struct SeqNo {
    content: i32,
}

impl SeqNo {
    /// The seq_no for the next message.
    pub fn next(&mut self, content_related: bool) -> i32 {
        if content_related {
            let seq = self.content * 2 + 1;
            self.content += 1;
            seq
        } else {
            self.content * 2
        }
    }

    /// Jumps the counter so the next content-related seq_no is above
    /// `at_least` (after a `bad_msg_notification` 32).
    pub fn bump(&mut self, at_least: i32) {
        self.content = self.content.max(at_least / 2 + 1);
    }
}

/// Remembers recent msg_ids to reject replays: a duplicate, or an id older
/// than everything the window still holds once it is full, is refused.
#[derive(Clone, Debug)]
pub struct ReplayWindow {
    ids: BTreeSet<i64>,
    order: VecDeque<i64>,
    capacity: usize,
}

impl ReplayWindow {
    /// A window remembering `capacity` ids.
    pub fn new(capacity: usize) -> Self {
        Self {
            ids: BTreeSet::new(),
            order: VecDeque::with_capacity(capacity),
            capacity: capacity.max(1),
        }
    }

    /// Records `msg_id`; false if it is a replay (or too old to tell).
    pub fn accept(&mut self, msg_id: i64) -> bool {
        if self.order.len() == self.capacity && self.ids.first().is_some_and(|&min| msg_id < min) {
            return false;
        }
        if !self.ids.insert(msg_id) {
            return false;
        }
        self.order.push_back(msg_id);
        if self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_grow_and_are_divisible_by_four() {
        let mut ids = MsgIdGen::new(Role::Client, 0);
        let mut last = 0;
        for i in 0..1000 {
            let id = ids.next(1_700_000_000_000 + i / 10, IdKind::Other);
            assert_eq!(id % 4, 0);
            assert!(id > last);
            last = id;
        }
        assert_eq!(last >> 32, 1_700_000_000);
    }

    #[test]
    fn server_ids_have_the_parity_of_their_kind() {
        let mut ids = MsgIdGen::new(Role::Server, 0);
        let a = ids.next(1_000, IdKind::Response);
        let b = ids.next(1_000, IdKind::Other);
        let c = ids.next(1_000, IdKind::Response);
        assert_eq!((a % 4, b % 4, c % 4), (1, 3, 1));
        assert!(a < b && b < c);
    }

    #[test]
    fn offset_follows_the_server_clock() {
        let mut ids = MsgIdGen::new(Role::Client, 0);
        ids.sync_with(2_000i64 << 32, 1_000_000);
        assert_eq!(ids.time_offset, 1_000);
        assert_eq!(ids.next(1_000_000, IdKind::Other) >> 32, 2_000);
    }

    #[test]
    fn seq_numbers() {
        let mut seq = SeqNo::default();
        assert_eq!(seq.next(true), 1);
        assert_eq!(seq.next(false), 2);
        assert_eq!(seq.next(true), 3);
        assert_eq!(seq.next(true), 5);
        seq.bump(20);
        assert_eq!(seq.next(true), 23);
    }

    #[test]
    fn replay_window_rejects_duplicates_and_ancient_ids() {
        let mut w = ReplayWindow::new(3);
        assert!(w.accept(10));
        assert!(!w.accept(10));
        assert!(w.accept(30));
        assert!(w.accept(20));
        assert!(!w.accept(5), "older than the whole full window");
        assert!(w.accept(40));
        assert!(!w.accept(30), "still remembered");
    }
}

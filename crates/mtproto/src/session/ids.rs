//! Message ids and sequence numbers.
//!
//! A msg_id is roughly the Unix time multiplied by 2^32; it must grow
//! strictly within a session. Client ids are divisible by 4; server ids
//! are 1 mod 4 for responses and 3 mod 4 for everything else. seq_no counts
//! content-related messages: such a message carries `2n + 1` and increments
//! `n`; any other message carries `2n`.

use std::collections::{BTreeMap, BTreeSet};

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

    /// The next id at local Unix time `now_ms` (milliseconds). Any clock
    /// reading is accepted: times outside what a msg_id can carry are
    /// clamped, and ids keep growing whatever the clock does.
    pub fn next(&mut self, now_ms: i64, kind: IdKind) -> i64 {
        let secs = now_ms
            .div_euclid(1000)
            .saturating_add(i64::from(self.time_offset))
            .clamp(0, i64::from(i32::MAX));
        let frac = (now_ms.rem_euclid(1000) << 32) / 1000;
        let mut id = (secs << 32) | frac;
        let (modulo, rem) = match (self.role, kind) {
            (Role::Client, _) => (4, 0),
            (Role::Server, IdKind::Response) => (4, 1),
            (Role::Server, IdKind::Other) => (4, 3),
        };
        id = id - id.rem_euclid(modulo) + rem;
        if id <= self.last {
            id = (self.last - self.last.rem_euclid(modulo)).saturating_add(modulo + rem);
        }
        self.last = id;
        id
    }

    /// Makes every later id larger than `msg_id`.
    pub fn skip_past(&mut self, msg_id: i64) {
        self.last = self.last.max(msg_id);
    }

    /// The server time (Unix seconds) at local time `now_ms`.
    pub fn server_secs(&self, now_ms: i64) -> i64 {
        now_ms
            .div_euclid(1000)
            .saturating_add(i64::from(self.time_offset))
    }

    /// Takes the clock offset from a server message id: the server's clock
    /// is authoritative (after a `bad_msg_notification` 16/17, or from the
    /// first message of a session).
    ///
    /// Ids keep growing, except past what the server can have accepted: an
    /// id more than [`MAX_FUTURE`](super::MAX_FUTURE) seconds ahead of the
    /// corrected clock was refused (`bad_msg_notification` 17), so after a
    /// backward correction the next ids start from there rather than from
    /// the last (too high) one.
    pub fn sync_with(&mut self, server_msg_id: i64, now_ms: i64) {
        let server_secs = server_msg_id >> 32;
        let offset = server_secs.saturating_sub(now_ms.div_euclid(1000));
        self.time_offset = offset.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let newest_acceptable = self
            .server_secs(now_ms)
            .saturating_add(super::MAX_FUTURE)
            .clamp(0, i64::from(i32::MAX));
        self.last = self.last.min(newest_acceptable << 32);
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
        let base = self.content.wrapping_mul(2);
        if content_related {
            self.content = self.content.wrapping_add(1) & i32::MAX >> 1;
            base | 1
        } else {
            base
        }
    }

    /// Jumps the counter so the next content-related seq_no is above
    /// `at_least` (after a `bad_msg_notification` 32).
    pub fn bump(&mut self, at_least: i32) {
        let wanted = (at_least.max(0) / 2 + 1).min(i32::MAX >> 1);
        self.content = self.content.max(wanted);
    }
}

/// What a session knows about a message id of the other side, as
/// `msgs_state_info` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Older than anything remembered: cannot tell (state 1).
    Forgotten,
    /// Inside the remembered range but never received (state 2).
    NotReceived,
    /// Newer than anything received (state 3).
    TooNew,
    /// Received, with this seq_no (state 4).
    Received(i32),
}

impl Seen {
    /// The `msgs_state_info` status byte (without the +8 … +128 flags).
    pub fn state_byte(self) -> u8 {
        match self {
            Seen::Forgotten => 1,
            Seen::NotReceived => 2,
            Seen::TooNew => 3,
            Seen::Received(_) => 4,
        }
    }
}

/// The msg_ids (and seq_nos) a session received recently: refuses replays,
/// checks seq_no against the neighbours of a new id, and answers state
/// requests. When full it forgets its *smallest* id and from then on
/// refuses every id at or below it ("too old to tell"), so an id can never
/// be accepted twice, in whatever order ids arrive.
#[derive(Clone, Debug)]
pub struct ReplayWindow {
    ids: BTreeMap<i64, i32>,
    capacity: usize,
    /// The largest id forgotten so far.
    forgotten: Option<i64>,
    /// Ids of the peer's earlier session that lie above the new one's
    /// start (its clock stepped back): refused, but out of seq_no checks.
    retired: BTreeSet<i64>,
}

impl ReplayWindow {
    /// A window remembering `capacity` ids.
    pub fn new(capacity: usize) -> Self {
        Self {
            ids: BTreeMap::new(),
            capacity: capacity.max(1),
            forgotten: None,
            retired: BTreeSet::new(),
        }
    }

    /// What is known about `msg_id`.
    pub fn seen(&self, msg_id: i64) -> Seen {
        if let Some(&seq) = self.ids.get(&msg_id) {
            return Seen::Received(seq);
        }
        if self.forgotten.is_some_and(|f| msg_id <= f) || self.retired.contains(&msg_id) {
            return Seen::Forgotten;
        }
        match self.ids.last_key_value() {
            Some((&max, _)) if msg_id < max => Seen::NotReceived,
            _ => Seen::TooNew,
        }
    }

    /// Whether `msg_id` may be accepted as new: not seen, not forgotten.
    pub fn is_new(&self, msg_id: i64) -> bool {
        matches!(self.seen(msg_id), Seen::NotReceived | Seen::TooNew)
    }

    /// Records `msg_id` (with its seq_no); false if it is a replay (or too
    /// old to tell), in which case nothing changes.
    pub fn accept_with_seq(&mut self, msg_id: i64, seq_no: i32) -> bool {
        if !self.is_new(msg_id) {
            return false;
        }
        self.ids.insert(msg_id, seq_no);
        while self.ids.len() > self.capacity {
            if let Some((old, _)) = self.ids.pop_first() {
                self.forgotten = Some(self.forgotten.map_or(old, |f| f.max(old)));
            }
        }
        true
    }

    /// Records `msg_id`; false if it is a replay (or too old to tell).
    pub fn accept(&mut self, msg_id: i64) -> bool {
        self.accept_with_seq(msg_id, 0)
    }

    /// Checks a new message's seq_no against the messages received around
    /// it: `Some(32)` if an earlier message has a higher seq_no (or the
    /// same odd one), `Some(33)` if a later message has a lower one (or
    /// the same odd one), as Telegram's `bad_msg_notification` names them.
    pub fn seq_conflict(&self, msg_id: i64, seq_no: i32) -> Option<i32> {
        let clash = |other: i32| other == seq_no && seq_no & 1 == 1;
        if let Some((_, &before)) = self.ids.range(..msg_id).next_back() {
            if before > seq_no || clash(before) {
                return Some(32);
            }
        }
        if let Some((_, &after)) = self.ids.range(msg_id.saturating_add(1)..).next() {
            if after < seq_no || clash(after) {
                return Some(33);
            }
        }
        None
    }

    /// The largest id received.
    pub fn newest(&self) -> Option<i64> {
        self.ids.last_key_value().map(|(&id, _)| id)
    }

    /// The largest id forgotten, below which nothing is accepted.
    pub fn forgotten(&self) -> Option<i64> {
        self.forgotten
    }

    /// Starts over after the peer started a new session for us (its seq_nos
    /// restart) whose ids begin at `first`: every id seen so far is
    /// forgotten, so none is accepted again, and nothing old constrains the
    /// new seq_nos.
    ///
    /// A peer whose clock stepped back numbers the new session below the
    /// old one. Then the old ids still held are retired (refused one by
    /// one) and only ids below `first` are refused wholesale; old ids
    /// already forgotten above `first` can no longer be told from new ones,
    /// and are left to the caller's time check (they lie in the future).
    pub fn restart(&mut self, first: i64) {
        let Some(newest) = self.newest().max(self.forgotten) else {
            return;
        };
        if newest < first {
            self.forget_up_to(newest);
            return;
        }
        self.retired
            .extend(self.ids.keys().filter(|&&id| id >= first));
        while self.retired.len() > self.capacity {
            self.retired.pop_first();
        }
        self.ids.clear();
        self.forgotten = Some(first.saturating_sub(1));
    }

    /// Treats every id up to `msg_id` as forgotten.
    pub fn forget_up_to(&mut self, msg_id: i64) {
        self.ids.retain(|&id, _| id > msg_id);
        self.forgotten = Some(self.forgotten.map_or(msg_id, |f| f.max(msg_id)));
    }

    /// How many ids are remembered.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nothing was received yet.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
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
    fn replay_window_rejects_duplicates_and_forgotten_ids() {
        let mut w = ReplayWindow::new(3);
        assert!(w.accept(10));
        assert!(!w.accept(10));
        assert!(w.accept(30));
        assert!(w.accept(20));
        assert!(w.accept(40), "a fourth id evicts the smallest, 10");
        assert!(!w.accept(10), "forgotten ids are refused");
        assert!(!w.accept(5), "so is everything below them");
        assert!(!w.accept(30), "still remembered");
        assert!(w.accept(25), "new, inside the window");
    }

    #[test]
    fn an_evicted_id_above_the_minimum_is_never_accepted_again() {
        // The order that broke the insertion-order window: 50 is inserted
        // first, so it was evicted first though 10 and 20 were smaller.
        let mut w = ReplayWindow::new(2);
        for id in [50, 10, 20] {
            assert!(w.accept(id));
        }
        assert!(!w.accept(50), "50 came back");
    }

    #[test]
    fn states_as_msgs_state_info_reports_them() {
        let mut w = ReplayWindow::new(2);
        w.accept_with_seq(100, 1);
        w.accept_with_seq(200, 3);
        w.accept_with_seq(300, 5);
        assert_eq!(w.seen(100), Seen::Forgotten);
        assert_eq!(w.seen(50), Seen::Forgotten);
        assert_eq!(w.seen(150), Seen::NotReceived, "above what was forgotten");
        assert_eq!(w.seen(250), Seen::NotReceived);
        assert_eq!(w.seen(300), Seen::Received(5));
        assert_eq!(w.seen(301), Seen::TooNew);
        assert_eq!(
            [100, 250, 301, 300].map(|id| w.seen(id).state_byte()),
            [1, 2, 3, 4]
        );
    }

    #[test]
    fn seq_numbers_are_checked_against_neighbours() {
        let mut w = ReplayWindow::new(10);
        w.accept_with_seq(100, 3);
        w.accept_with_seq(300, 6);
        assert_eq!(w.seq_conflict(200, 5), None);
        assert_eq!(w.seq_conflict(200, 4), None);
        assert_eq!(w.seq_conflict(200, 1), Some(32), "below an earlier seq");
        assert_eq!(w.seq_conflict(200, 3), Some(32), "same odd seq as earlier");
        assert_eq!(w.seq_conflict(200, 7), Some(33), "above a later seq");
        assert_eq!(w.seq_conflict(400, 6), None, "equal even seqs are fine");
        assert_eq!(w.seq_conflict(i64::MAX, i32::MAX), None);
        assert_eq!(w.seq_conflict(i64::MIN, i32::MIN), None);
    }

    #[test]
    fn extreme_clocks_and_counters_do_not_overflow() {
        for now in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            for offset in [i32::MIN, -1, 0, 1, i32::MAX] {
                let mut ids = MsgIdGen::new(Role::Client, offset);
                let a = ids.next(now, IdKind::Other);
                let b = ids.next(now, IdKind::Other);
                assert!(b > a && a % 4 == 0 && b % 4 == 0, "{now} {offset}");
                let _ = ids.server_secs(now);
                ids.sync_with(i64::MAX, now);
                ids.sync_with(i64::MIN, now);
                let mut server = MsgIdGen::new(Role::Server, offset);
                assert_eq!(server.next(now, IdKind::Response).rem_euclid(4), 1);
            }
        }
        let mut seq = SeqNo::default();
        for at_least in [i32::MIN, -1, 0, i32::MAX - 64, i32::MAX] {
            seq.bump(at_least);
            assert!(seq.next(true) > 0);
            assert!(seq.next(false) >= 0);
        }
        let mut seq = SeqNo { content: i32::MAX };
        let _ = seq.next(true);
        let _ = seq.next(true);
    }

    proptest::proptest! {
        /// Whatever the order and the window size, no id is accepted twice,
        /// and every id is accepted the first time unless it is at or below
        /// an id already forgotten.
        #[test]
        fn no_id_is_ever_accepted_twice(
            ids in proptest::collection::vec(0i64..400, 1..300),
            capacity in 1usize..40,
        ) {
            let mut w = ReplayWindow::new(capacity);
            let mut accepted = std::collections::HashSet::new();
            let mut max_forgotten: Option<i64> = None;
            for id in ids {
                let first_time = !accepted.contains(&id);
                let ok = w.accept(id);
                proptest::prop_assert!(!ok || first_time, "{} accepted twice", id);
                if first_time && max_forgotten.is_none_or(|f| id > f) {
                    proptest::prop_assert!(ok, "{} refused though new", id);
                }
                if ok {
                    accepted.insert(id);
                }
                proptest::prop_assert!(w.len() <= capacity);
                max_forgotten = w.forgotten;
            }
        }
    }
}

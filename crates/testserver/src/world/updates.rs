//! An update sequence: `pts` and the log of events behind it. Each
//! account has one (its common sequence, from which `updates.getDifference`
//! is answered) and so does each channel (`updates.getChannelDifference`),
//! with events of its own kind.

use serde::{Deserialize, Serialize};

/// What one `pts` event was.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum EventKind {
    /// A new message (its id in the owner's mailbox); the difference sends
    /// its current state in `new_messages`.
    NewMessage(i32),
    /// Any other update, as the TL bytes of its `Update`.
    Update(Vec<u8>),
}

/// One event of the sequence.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PtsEvent<K = EventKind> {
    /// `pts` after the event.
    pub pts: i32,
    /// How many pts it took.
    pub pts_count: i32,
    /// What happened.
    pub kind: K,
}

/// The sequence, of events of kind `K`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct UpdateLog<K = EventKind> {
    pts: i32,
    events: Vec<PtsEvent<K>>,
}

impl<K> Default for UpdateLog<K> {
    fn default() -> Self {
        Self {
            pts: 0,
            events: Vec::new(),
        }
    }
}

/// A fresh account's `pts`: Telegram's start at 1, and clients treat 0 as
/// "no state".
const FIRST_PTS: i32 = 1;

impl<K> UpdateLog<K> {
    /// The current `pts`.
    pub fn pts(&self) -> i32 {
        self.pts.max(FIRST_PTS)
    }

    /// Records an event taking `pts_count` pts; returns the new `pts`.
    pub fn record(&mut self, pts_count: i32, kind: impl FnOnce(i32) -> K) -> i32 {
        let pts = self.pts() + pts_count;
        self.pts = pts;
        self.events.push(PtsEvent {
            pts,
            pts_count,
            kind: kind(pts),
        });
        pts
    }

    /// The events after `pts`, oldest first.
    pub fn since(&self, pts: i32) -> &[PtsEvent<K>] {
        let start = self.events.partition_point(|e| e.pts <= pts);
        self.events.get(start..).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pts_starts_at_one_and_events_are_contiguous() {
        let mut log = UpdateLog::default();
        assert_eq!(log.pts(), 1);
        assert_eq!(log.record(1, |_| EventKind::NewMessage(1)), 2);
        assert_eq!(log.record(3, |_| EventKind::Update(vec![])), 5);
        assert_eq!(log.since(1).len(), 2);
        assert_eq!(log.since(2).len(), 1);
        assert!(log.since(5).is_empty());
        assert_eq!(log.since(0).len(), 2);
    }
}

//! Ordering updates by `pts`, without I/O.
//!
//! Telegram numbers the account's events: an update with `pts` and
//! `pts_count` applies when `local + pts_count == pts`. If it is already
//! covered (`local + pts_count > pts`) it is a duplicate; if it is ahead
//! there is a gap, and the missing events must be fetched with
//! `updates.getDifference` before anything newer is trusted.

/// What to do with an update carrying `pts` / `pts_count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PtsCheck {
    /// Next in line: deliver it, then the local pts becomes `pts`.
    Apply,
    /// Already seen: drop it.
    Duplicate,
    /// Something is missing before it: fetch the difference.
    Gap,
}

/// Checks an update against the local pts.
pub fn check(local: i32, pts: i32, pts_count: i32) -> PtsCheck {
    let expected = local.saturating_add(pts_count);
    match expected.cmp(&pts) {
        std::cmp::Ordering::Equal => PtsCheck::Apply,
        std::cmp::Ordering::Greater => PtsCheck::Duplicate,
        std::cmp::Ordering::Less => PtsCheck::Gap,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_pts() {
        assert_eq!(check(10, 11, 1), PtsCheck::Apply);
        assert_eq!(check(10, 12, 2), PtsCheck::Apply);
        assert_eq!(check(10, 10, 1), PtsCheck::Duplicate);
        assert_eq!(check(10, 9, 0), PtsCheck::Duplicate);
        assert_eq!(check(10, 13, 1), PtsCheck::Gap);
        // A zero-count update at the current pts changes nothing.
        assert_eq!(check(10, 10, 0), PtsCheck::Apply);
        assert_eq!(check(i32::MAX, 1, 1), PtsCheck::Duplicate);
    }
}

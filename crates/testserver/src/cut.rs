//! Cutting a connection after so many bytes or messages (fault injection,
//! [`crate::Control::drop_connection_after_bytes`]): what a connection is
//! about to write, where its frames end, and how far an armed cut lets it
//! write.

use crate::faults::{CutAfter, Faults};

/// What a connection is about to write, and where each transport frame in
/// it ends (so a cut after N messages falls between frames).
#[derive(Default)]
pub struct Outgoing {
    /// The bytes, frames and transport preambles alike.
    pub bytes: Vec<u8>,
    /// The end offset of each whole frame in `bytes`.
    pub frame_ends: Vec<usize>,
}

/// The output buffer an idle connection may keep.
const KEEP_OUT: usize = 4096;

impl Outgoing {
    /// Marks the end of a frame just appended to `bytes`.
    pub fn end_frame(&mut self) {
        self.frame_ends.push(self.bytes.len());
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Empties the buffer, giving back a large one's memory.
    pub fn reset(&mut self) {
        self.bytes.clear();
        self.frame_ends.clear();
        if self.bytes.capacity() > KEEP_OUT {
            self.bytes = Vec::new();
        }
    }
}

/// How much one connection sent since the cut it knows of was armed.
#[derive(Default)]
pub struct Meter {
    generation: u64,
    bytes: u64,
    messages: u64,
}

impl Meter {
    /// How many bytes of `out` the connection may write: `None` for all of
    /// them (and it goes on), `Some(n)` to write the first `n` and close.
    pub fn admit(&mut self, faults: &Faults, out: &Outgoing) -> Option<usize> {
        let (generation, after) = faults.armed_cut()?;
        if generation != self.generation {
            *self = Meter {
                generation,
                ..Meter::default()
            };
        }
        let len = out.bytes.len();
        let cut_at = match after {
            CutAfter::Bytes(n) => {
                let left = n.saturating_sub(self.bytes);
                usize::try_from(left).ok().filter(|&left| left <= len)
            }
            CutAfter::Messages(n) => {
                let left = n.saturating_sub(self.messages);
                match usize::try_from(left) {
                    Ok(0) => Some(0),
                    Ok(left) => out.frame_ends.get(left - 1).copied(),
                    Err(_) => None,
                }
            }
        };
        if let Some(at) = cut_at {
            if faults.claim_cut(generation) {
                return Some(at);
            }
        }
        self.bytes = self.bytes.saturating_add(len as u64);
        self.messages = self.messages.saturating_add(out.frame_ends.len() as u64);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(sizes: &[usize]) -> Outgoing {
        let mut out = Outgoing::default();
        for &size in sizes {
            out.bytes.extend(std::iter::repeat_n(0, size));
            out.end_frame();
        }
        out
    }

    #[test]
    fn a_byte_cut_falls_where_the_count_reaches_it_across_writes() {
        let faults = Faults::default();
        let mut meter = Meter::default();
        assert_eq!(meter.admit(&faults, &frames(&[100])), None, "nothing armed");
        faults.cut_connections(CutAfter::Bytes(30), 1);
        assert_eq!(meter.admit(&faults, &frames(&[20])), None);
        assert_eq!(meter.admit(&faults, &frames(&[8, 8])), Some(10));
        assert_eq!(faults.cuts_made(), 1);
        let mut other = Meter::default();
        assert_eq!(other.admit(&faults, &frames(&[100])), None, "used up");
    }

    #[test]
    fn a_message_cut_falls_between_frames() {
        let faults = Faults::default();
        faults.cut_connections(CutAfter::Messages(3), 2);
        let (mut a, mut b) = (Meter::default(), Meter::default());
        assert_eq!(a.admit(&faults, &frames(&[5, 6])), None);
        assert_eq!(a.admit(&faults, &frames(&[7, 8, 9])), Some(7));
        assert_eq!(b.admit(&faults, &frames(&[5, 6, 7])), Some(18));
        assert_eq!(b.admit(&faults, &frames(&[1])), None, "both taken");
        faults.cut_connections(CutAfter::Messages(0), 1);
        assert_eq!(a.admit(&faults, &frames(&[4])), Some(0), "at once");
    }

    #[test]
    fn rearming_counts_afresh() {
        let faults = Faults::default();
        let mut meter = Meter::default();
        faults.cut_connections(CutAfter::Bytes(10), 1);
        assert_eq!(meter.admit(&faults, &frames(&[9])), None);
        faults.cut_connections(CutAfter::Bytes(10), 1);
        assert_eq!(meter.admit(&faults, &frames(&[9])), None);
        assert_eq!(meter.admit(&faults, &frames(&[9])), Some(1));
    }
}

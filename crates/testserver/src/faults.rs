//! Fault injection for client tests: flood waits and lost answers,
//! armed per method name for a number of calls; and what a test needs to
//! see the effect of its faults: how often each method was carried out.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// What an armed fault does to one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer `420 FLOOD_WAIT_<seconds>` without handling the call.
    FloodWait(u32),
    /// Handle the call, then close the connection instead of answering.
    DropAfterRequest,
    /// Handle the call and never answer it (the connection stays up).
    Silence,
    /// Handle the call and answer with bytes that do not decode as its
    /// result: a constructor no type has.
    Undecodable,
    /// Answer this error without handling the call (`303 USER_MIGRATE_3`,
    /// `401 AUTH_KEY_UNREGISTERED`, …).
    Error {
        /// The code.
        code: i32,
        /// The error's name.
        message: String,
    },
}

/// Where an armed cut ends a connection, counted in what the server sends
/// on it from the moment the cut is armed (or the connection opens, if
/// later).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CutAfter {
    /// After this many bytes, wherever they fall (mid-frame, usually).
    Bytes(u64),
    /// After this many transport frames (MTProto packets, each maybe a
    /// container), before the next one.
    Messages(u64),
}

/// A cut armed for the next `left` connections that reach its point.
#[derive(Clone, Copy, Debug)]
struct ArmedCut {
    /// Tells one arming from the next, so connections count afresh.
    generation: u64,
    after: CutAfter,
    left: u32,
}

#[derive(Default)]
struct Cuts {
    armed: Option<ArmedCut>,
    generations: u64,
    made: u64,
}

#[derive(Default)]
struct Armed {
    flood: HashMap<String, (u32, u32)>,
    other: HashMap<String, (Fault, u32)>,
}

/// The armed faults, and the calls carried out, by TL method name
/// (`help.getNearestDc`).
#[derive(Default)]
pub struct Faults {
    armed: Mutex<Armed>,
    executed: Mutex<HashMap<&'static str, u64>>,
    refusals: Mutex<std::collections::VecDeque<i32>>,
    cuts: Mutex<Cuts>,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Armed> {
        self.armed.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `times` calls of `method` answer `FLOOD_WAIT_<seconds>`.
    pub fn flood_wait(&self, method: &str, seconds: u32, times: u32) {
        let mut armed = self.lock();
        if times == 0 {
            armed.flood.remove(method);
        } else {
            armed.flood.insert(method.to_owned(), (seconds, times));
        }
    }

    /// The next `times` calls of `method` are handled but not answered:
    /// their connection closes instead.
    pub fn drop_after_request(&self, method: &str, times: u32) {
        self.arm(method, Fault::DropAfterRequest, times);
    }

    /// The next `times` calls of `method` are handled and never answered.
    pub fn silence(&self, method: &str, times: u32) {
        self.arm(method, Fault::Silence, times);
    }

    /// The next `times` calls of `method` are handled and answered with
    /// bytes that do not decode.
    pub fn undecodable(&self, method: &str, times: u32) {
        self.arm(method, Fault::Undecodable, times);
    }

    /// The next `times` calls of `method` are answered with the error
    /// `code message` without being handled.
    pub fn error(&self, method: &str, code: i32, message: &str, times: u32) {
        let fault = Fault::Error {
            code,
            message: message.to_owned(),
        };
        self.arm(method, fault, times);
    }

    /// The next `times` encrypted messages (from any client) are refused
    /// with `bad_msg_notification` `code`, or `bad_server_salt` for 48.
    pub fn refuse_messages(&self, code: i32, times: u32) {
        let mut refusals = self.refusals.lock().unwrap_or_else(PoisonError::into_inner);
        refusals.extend(std::iter::repeat_n(code, times as usize));
    }

    /// The code to refuse the next message with, if any is armed.
    pub fn take_refusal(&self) -> Option<i32> {
        self.refusals
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
    }

    /// The next `connections` connections that send as much as `after`
    /// says (counted from now) are cut there; 0 disarms. Replaces a cut
    /// armed before.
    pub fn cut_connections(&self, after: CutAfter, connections: u32) {
        let mut cuts = self.cuts.lock().unwrap_or_else(PoisonError::into_inner);
        cuts.generations += 1;
        cuts.armed = (connections > 0).then_some(ArmedCut {
            generation: cuts.generations,
            after,
            left: connections,
        });
    }

    /// The cut armed now, with its generation (a connection that has not
    /// seen this generation yet starts counting from zero).
    pub fn armed_cut(&self) -> Option<(u64, CutAfter)> {
        let cuts = self.cuts.lock().unwrap_or_else(PoisonError::into_inner);
        cuts.armed.map(|a| (a.generation, a.after))
    }

    /// Takes one cut of `generation` for a connection that reached its
    /// point; false when another connection took the last one first (or it
    /// was disarmed), and then the connection goes on.
    pub fn claim_cut(&self, generation: u64) -> bool {
        let mut cuts = self.cuts.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(armed) = cuts.armed.as_mut().filter(|a| a.generation == generation) else {
            return false;
        };
        armed.left -= 1;
        if armed.left == 0 {
            cuts.armed = None;
        }
        cuts.made += 1;
        true
    }

    /// How many connections armed cuts have ended.
    pub fn cuts_made(&self) -> u64 {
        self.cuts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .made
    }

    /// Arms `fault` for the next `times` calls of `method` (replacing what
    /// was armed for it besides flood waits).
    fn arm(&self, method: &str, fault: Fault, times: u32) {
        let mut armed = self.lock();
        if times == 0 {
            armed.other.remove(method);
        } else {
            armed.other.insert(method.to_owned(), (fault, times));
        }
    }

    /// Takes the fault armed for one call of `method`, if any (flood waits
    /// first).
    pub fn take(&self, method: &str) -> Option<Fault> {
        let mut armed = self.lock();
        if let Some((seconds, left)) = armed.flood.get_mut(method) {
            let seconds = *seconds;
            *left -= 1;
            if *left == 0 {
                armed.flood.remove(method);
            }
            return Some(Fault::FloodWait(seconds));
        }
        if let Some((fault, left)) = armed.other.get_mut(method) {
            let fault = fault.clone();
            *left -= 1;
            if *left == 0 {
                armed.other.remove(method);
            }
            return Some(fault);
        }
        None
    }

    /// Counts one call of `method` carried out, so a test can tell a
    /// request executed twice from one answered twice.
    pub fn count_execution(&self, method: &'static str) {
        let mut executed = self.executed.lock().unwrap_or_else(PoisonError::into_inner);
        let count = executed.entry(method).or_default();
        *count = count.saturating_add(1);
    }

    /// How many calls of `method` were carried out.
    pub fn executions(&self, method: &str) -> u64 {
        let executed = self.executed.lock().unwrap_or_else(PoisonError::into_inner);
        executed.get(method).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_fire_the_armed_number_of_times() {
        let faults = Faults::default();
        faults.flood_wait("help.getConfig", 3, 2);
        faults.drop_after_request("help.getConfig", 1);
        assert_eq!(faults.take("help.getConfig"), Some(Fault::FloodWait(3)));
        assert_eq!(faults.take("help.getNearestDc"), None);
        assert_eq!(faults.take("help.getConfig"), Some(Fault::FloodWait(3)));
        assert_eq!(faults.take("help.getConfig"), Some(Fault::DropAfterRequest));
        assert_eq!(faults.take("help.getConfig"), None);
        faults.silence("help.getConfig", 1);
        faults.undecodable("help.getNearestDc", 1);
        assert_eq!(faults.take("help.getConfig"), Some(Fault::Silence));
        assert_eq!(faults.take("help.getNearestDc"), Some(Fault::Undecodable));
        assert_eq!(faults.take("help.getNearestDc"), None);
    }

    #[test]
    fn cuts_are_claimed_once_per_connection_armed_and_rearming_restarts() {
        let faults = Faults::default();
        assert_eq!(faults.armed_cut(), None);
        faults.cut_connections(CutAfter::Bytes(10), 2);
        let (first, after) = faults.armed_cut().unwrap();
        assert_eq!(after, CutAfter::Bytes(10));
        assert!(faults.claim_cut(first));
        assert!(faults.claim_cut(first));
        assert!(!faults.claim_cut(first), "two connections, not three");
        assert_eq!(faults.armed_cut(), None);
        faults.cut_connections(CutAfter::Messages(1), 1);
        let (second, _) = faults.armed_cut().unwrap();
        assert_ne!(first, second);
        assert!(!faults.claim_cut(first), "an old arming is not taken");
        faults.cut_connections(CutAfter::Messages(1), 0);
        assert_eq!(faults.armed_cut(), None);
        assert!(!faults.claim_cut(second));
        assert_eq!(faults.cuts_made(), 2);
    }

    #[test]
    fn executions_are_counted_per_method() {
        let faults = Faults::default();
        assert_eq!(faults.executions("help.getConfig"), 0);
        faults.count_execution("help.getConfig");
        faults.count_execution("help.getConfig");
        faults.count_execution("help.getNearestDc");
        assert_eq!(faults.executions("help.getConfig"), 2);
        assert_eq!(faults.executions("help.getNearestDc"), 1);
        assert_eq!(faults.executions("messages.sendMessage"), 0);
    }
}

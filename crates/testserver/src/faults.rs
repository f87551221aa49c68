//! Fault injection for client tests: flood waits and lost answers,
//! armed per method name for a number of calls.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// What an armed fault does to one call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer `420 FLOOD_WAIT_<seconds>` without handling the call.
    FloodWait(u32),
    /// Handle the call, then close the connection instead of answering.
    DropAfterRequest,
}

#[derive(Default)]
struct Armed {
    flood: HashMap<String, (u32, u32)>,
    drop: HashMap<String, u32>,
}

/// The armed faults, by TL method name (`help.getNearestDc`).
#[derive(Default)]
pub struct Faults {
    armed: Mutex<Armed>,
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
        let mut armed = self.lock();
        if times == 0 {
            armed.drop.remove(method);
        } else {
            armed.drop.insert(method.to_owned(), times);
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
        if let Some(left) = armed.drop.get_mut(method) {
            *left -= 1;
            if *left == 0 {
                armed.drop.remove(method);
            }
            return Some(Fault::DropAfterRequest);
        }
        None
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
    }
}

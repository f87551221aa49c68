//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use paperplane_crypto::AuthKey;
use paperplane_session::{CachedPeer, DcAuth, DcOption, Session, UpdateState};

/// A session with every field set, varied by `seed`.
pub fn full_session(seed: u8) -> Session {
    let s = i64::from(seed);
    let mut session = Session::new();
    session.set_home_dc(2);
    session.set_user(1_000 + s, seed % 2 == 1);

    session.set_dc_option(DcOption::new(1, "149.154.175.53:443".parse().unwrap()));
    session.set_dc_option(DcOption::new(2, "149.154.167.51:443".parse().unwrap()));
    session.set_dc_option(DcOption::new(
        2,
        "[2001:67c:4e8:f002::a]:443".parse().unwrap(),
    ));
    session.set_dc_option(DcOption {
        media_only: true,
        ..DcOption::new(2, "149.154.167.222:443".parse().unwrap())
    });
    session.set_dc_option(DcOption {
        cdn: true,
        ..DcOption::new(203, "91.105.192.100:443".parse().unwrap())
    });
    session.set_dc_option(DcOption {
        test: true,
        ..DcOption::new(10_002, "127.0.0.1:4430".parse().unwrap())
    });

    session.set_auth(
        2,
        DcAuth::new(
            AuthKey::from_bytes(std::array::from_fn(|i| (i as u8) ^ seed)),
            0x0123_4567_89ab_cdef ^ s,
            -17,
        ),
    );
    // A key for a DC with no stored address.
    session.set_auth_key(4, AuthKey::from_bytes([seed.wrapping_add(1); 256]));

    session.set_update_state(UpdateState {
        pts: 100 + i32::from(seed),
        qts: 7,
        date: 1_700_000_000,
        seq: 55,
    });
    session.set_channel_pts(1_234_567_890, 42);
    session.set_channel_pts(99 + s, -1);

    session.cache_peer(
        CachedPeer::user(10 + s, 0x1111)
            .with_username("@Alice")
            .with_phone("+1 555 0100"),
    );
    session.cache_peer(CachedPeer::min_user(11, 0x2222).with_username("bob_bot"));
    session.cache_peer(CachedPeer::channel(20, -0x3333).with_username("Telegram"));
    session.cache_peer(CachedPeer::min_channel(21, 0x4444));
    session.cache_peer(CachedPeer::chat(30));
    session.cache_peer(CachedPeer::user(12, i64::MIN).with_phone("447700900123"));
    session
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh directory under the system temp dir, removed on drop.
pub struct TestDir(PathBuf);

impl TestDir {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "paperplane-session-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The names of the files in the directory, sorted.
    pub fn entries(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

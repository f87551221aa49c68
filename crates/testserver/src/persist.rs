//! Saving the world and the auth keys to a directory, and loading them
//! back, so accounts, messages and client sessions survive a restart.
//! Only permanent keys are saved (temporary keys live in memory, as on
//! Telegram), and logins only ever belong to permanent keys.
//!
//! One JSON file, `DIR/world.json`: `{"version": 1, "keys": [...],
//! "world": {...}}`. It holds every permanent auth key, so it is written
//! the way `paperplane-session`'s file backend writes sessions: a new
//! temporary file of a unique name, created with mode 0600 (never an
//! existing file or symlink), written and synced, renamed over the old
//! file, then the directory synced. A crash or a failed save leaves the
//! previous file whole, and a failed save removes its temporary file.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use paperplane_crypto::AuthKey;
use serde::{Deserialize, Serialize};

use crate::keys::{KeyInfo, KeyStore};
use crate::world::{State, World};

/// The format version written and understood.
const VERSION: u32 = 1;

/// Makes temporary file names unique within the process (the process id
/// makes them unique between processes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

#[derive(Serialize, Deserialize)]
struct StoredKey {
    /// 256 bytes, hex.
    key: String,
    dc_id: i32,
    salt: i64,
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    version: u32,
    keys: Vec<StoredKey>,
    world: serde_json::Value,
}

fn file(dir: &Path) -> PathBuf {
    dir.join("world.json")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn invalid(what: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_string())
}

/// Writes the world and every key to `dir` (created if missing).
pub fn save(dir: &Path, world: &World, keys: &KeyStore) -> io::Result<()> {
    fs::create_dir_all(dir).map_err(|e| context("create directory", dir, e))?;
    let snapshot = Snapshot {
        version: VERSION,
        keys: keys
            .permanent()
            .into_iter()
            .map(|k| StoredKey {
                key: hex(k.key.as_bytes()),
                dc_id: k.dc_id,
                salt: k.salt,
            })
            .collect(),
        world: world.to_json().map_err(invalid)?,
    };
    let text = serde_json::to_vec_pretty(&snapshot).map_err(invalid)?;
    write_atomically(dir, &file(dir), &text)
}

/// Adds the operation and the path to an I/O error.
fn context(op: &str, path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{op} {}: {e}", path.display()))
}

/// Replaces `path` (in `dir`) with `bytes`, all or nothing.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp = dir.join(format!(
        ".{name}.tmp-{}-{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = write_new_file(&temp, bytes).and_then(|()| {
        fs::rename(&temp, path).map_err(|e| context("rename temporary file over", path, e))
    });
    if written.is_err() {
        // Best effort: the temporary file holds the keys.
        let _ = fs::remove_file(&temp);
    }
    written?;
    sync_dir(dir)
}

/// Creates `path`, which must not exist (so no leftover file or symlink is
/// written through), readable by the owner only; writes `bytes` and
/// flushes them to disk.
fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .map_err(|e| context("create temporary file", path, e))?;
    file.write_all(bytes)
        .map_err(|e| context("write temporary file", path, e))?;
    file.sync_all()
        .map_err(|e| context("sync temporary file", path, e))
}

/// Makes the rename durable.
#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| context("sync directory", dir, e))
}

/// Directories cannot be opened for syncing here; the rename is still atomic.
#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// Reads what [`save`] wrote: the world's state (with its keys added to
/// `keys`), or `None` when `dir` holds no saved world.
pub fn load(dir: &Path, keys: &KeyStore) -> io::Result<Option<State>> {
    let path = file(dir);
    let text = match fs::read(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(context("read", &path, e)),
    };
    let snapshot: Snapshot =
        serde_json::from_slice(&text).map_err(|e| invalid(format!("{}: {e}", path.display())))?;
    if snapshot.version != VERSION {
        return Err(invalid(format!(
            "world.json version {} (this server reads {VERSION})",
            snapshot.version
        )));
    }
    for stored in snapshot.keys {
        let bytes: [u8; 256] = unhex(&stored.key)
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| invalid("an auth key is not 256 bytes of hex"))?;
        keys.insert(KeyInfo {
            key: Arc::new(AuthKey::from_bytes(bytes)),
            dc_id: stored.dc_id,
            salt: stored.salt,
            created: 0,
            temp: None,
        });
    }
    let state = serde_json::from_value(snapshot.world).map_err(invalid)?;
    Ok(Some(state))
}

#[cfg(all(test, unix))]
mod file_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    use crate::world::WorldConfig;

    /// A fresh directory under the system's temporary directory, removed
    /// when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir()
                .join(format!("paperplane-persist-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn world() -> World {
        World::new(State::default(), WorldConfig::default())
    }

    fn keys_with(seed: u8) -> KeyStore {
        let keys = KeyStore::default();
        keys.insert(KeyInfo {
            key: Arc::new(AuthKey::from_bytes([seed; 256])),
            dc_id: 2,
            salt: i64::from(seed),
            created: 0,
            temp: None,
        });
        keys
    }

    /// The key ids a saved world brings back.
    fn loaded_key_ids(dir: &Path) -> Vec<i64> {
        let keys = KeyStore::default();
        load(dir, &keys).unwrap().expect("a saved world");
        keys.permanent().iter().map(KeyInfo::id).collect()
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// The file holds every permanent auth key: owner only.
    #[test]
    fn the_saved_file_is_readable_by_its_owner_only() {
        let scratch = Scratch::new("mode");
        save(&scratch.0, &world(), &keys_with(1)).unwrap();
        let mode = std::fs::metadata(file(&scratch.0))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        // Saving again (replacing the file) keeps it so.
        save(&scratch.0, &world(), &keys_with(2)).unwrap();
        let mode = std::fs::metadata(file(&scratch.0))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        assert_eq!(entries(&scratch.0), ["world.json"]);
    }

    /// Something already at a temporary file's path (a leftover of a
    /// crash, or a planted symlink) is never written through: the new
    /// file replaces the old one whole, and nothing else changes.
    #[test]
    fn a_planted_temporary_file_does_not_redirect_the_save() {
        let scratch = Scratch::new("planted");
        let dir = &scratch.0;
        save(dir, &world(), &keys_with(1)).unwrap();
        let victim = dir.join("victim");
        std::fs::write(&victim, b"not yours").unwrap();
        std::os::unix::fs::symlink(&victim, dir.join("world.json.tmp")).unwrap();

        save(dir, &world(), &keys_with(2)).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"not yours");
        let meta = std::fs::symlink_metadata(file(dir)).unwrap();
        assert!(meta.file_type().is_file(), "world.json is a regular file");
        assert_eq!(
            loaded_key_ids(dir),
            [AuthKey::from_bytes([2; 256]).key_id()]
        );
    }

    /// A save that fails leaves what was there, and no stray copy of the
    /// keys beside it.
    #[test]
    fn a_failed_save_leaves_no_copy_of_the_keys_behind() {
        let scratch = Scratch::new("failed");
        let dir = &scratch.0;
        // world.json cannot be replaced: it is a directory with something in it.
        std::fs::create_dir_all(file(dir).join("inside")).unwrap();
        assert!(save(dir, &world(), &keys_with(1)).is_err());
        assert_eq!(entries(dir), ["world.json"]);
        assert_eq!(entries(&file(dir)), ["inside"]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_rejects_junk() {
        assert_eq!(
            unhex(&hex(&[0, 1, 0xab, 0xff])),
            Some(vec![0, 1, 0xab, 0xff])
        );
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("é0"), None);
    }
}

//! Saving the world and the auth keys to a directory, and loading them
//! back, so accounts, messages and client sessions survive a restart.
//! Only permanent keys are saved (temporary keys live in memory, as on
//! Telegram), and logins only ever belong to permanent keys.
//!
//! One JSON file, `DIR/world.json`, written atomically (temporary file,
//! then rename): `{"version": 1, "keys": [...], "world": {...}}`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use paperplane_crypto::AuthKey;
use serde::{Deserialize, Serialize};

use crate::keys::{KeyInfo, KeyStore};
use crate::world::{State, World};

/// The format version written and understood.
const VERSION: u32 = 1;

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
    std::fs::create_dir_all(dir)?;
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
    let path = file(dir);
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, &path)
}

/// Reads what [`save`] wrote: the world's state (with its keys added to
/// `keys`), or `None` when `dir` holds no saved world.
pub fn load(dir: &Path, keys: &KeyStore) -> io::Result<Option<State>> {
    let text = match std::fs::read(file(dir)) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let snapshot: Snapshot = serde_json::from_slice(&text).map_err(invalid)?;
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

//! [`BinaryFileBackend`]: the session in one file, replaced atomically.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
#[cfg(unix)]
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::backend::{BoxFuture, SessionBackend};
use crate::error::{Result, SessionError};
use crate::session::Session;

/// Makes temporary file names unique across every backend in the process
/// (the process id makes them unique across processes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// Stores the session in a file in the [binary format](mod@crate::format).
///
/// Saving never leaves a partial file where the session should be: the new
/// content goes to a uniquely named temporary file in the same directory,
/// created with mode `0600` on Unix (the file holds the auth keys), which is
/// flushed to disk and then renamed over the target, and the directory is
/// synced so the rename itself survives a crash. A reader (or a crash) sees
/// either the old session or the new one.
///
/// Saves from several tasks are serialised inside the backend; when they
/// race, the one started last is the one left on disk, and an older save
/// that finds a newer one already written skips its write. Other
/// processes writing the same path cannot corrupt it either (each uses its
/// own temporary file), though the last rename wins.
///
/// Loading a missing file gives `Ok(None)`. A file that exists but does not
/// decode is [`SessionError::CorruptFile`] naming the path, and is left
/// untouched for the user to inspect or restore.
///
/// File I/O runs on Tokio's blocking pool, so the methods must be awaited
/// inside a Tokio runtime (outside one they return an I/O error rather
/// than panicking). A crash between creating and renaming a temporary file
/// can leave a `.NAME.tmp-*` file next to the session; it is never read and
/// may be deleted.
#[derive(Debug)]
pub struct BinaryFileBackend {
    path: PathBuf,
    /// Sequence number of the next save or delete.
    next: AtomicU64,
    /// Sequence number of the last save or delete that reached the disk.
    /// A std mutex taken on the blocking thread, so a cancelled `save`
    /// future still cannot let two writes overlap.
    written: Arc<Mutex<u64>>,
}

impl BinaryFileBackend {
    /// A backend for the session file at `path`. Nothing is read or created
    /// until the first [`load`](SessionBackend::load) or
    /// [`save`](SessionBackend::save); the directory must exist.
    #[must_use]
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            next: AtomicU64::new(1),
            written: Arc::new(Mutex::new(0)),
        }
    }

    /// The session file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Run `op` on the blocking pool holding the write lock, unless a save
    /// or delete started later has already been written.
    async fn write_in_order(
        &self,
        op: impl FnOnce(&Path) -> Result<()> + Send + 'static,
    ) -> Result<()> {
        let seq = self.next.fetch_add(1, Ordering::Relaxed);
        let written = Arc::clone(&self.written);
        let path = self.path.clone();
        run_blocking(&self.path, move || {
            let mut last = written.lock().unwrap_or_else(PoisonError::into_inner);
            if *last > seq {
                return Ok(());
            }
            op(&path)?;
            *last = seq;
            Ok(())
        })
        .await
    }
}

impl SessionBackend for BinaryFileBackend {
    fn load(&self) -> BoxFuture<'_, Result<Option<Session>>> {
        Box::pin(async move {
            let path = self.path.clone();
            run_blocking(&self.path, move || load_file(&path)).await
        })
    }

    fn save<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            let mut bytes = session.to_bytes();
            self.write_in_order(move |path| {
                let result = write_atomically(path, &bytes);
                crate::wipe(&mut bytes);
                result
            })
            .await
        })
    }

    fn delete(&self) -> BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            self.write_in_order(|path| match fs::remove_file(path) {
                Ok(()) => sync_parent(path),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_error("delete", path, e)),
            })
            .await
        })
    }
}

fn io_error(op: &'static str, path: &Path, source: io::Error) -> SessionError {
    SessionError::Io {
        op,
        path: path.to_path_buf(),
        source,
    }
}

/// Run blocking file work off the async threads.
async fn run_blocking<T: Send + 'static>(
    path: &Path,
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    let runtime = tokio::runtime::Handle::try_current()
        .map_err(|e| io_error("access (no Tokio runtime)", path, io::Error::other(e)))?;
    runtime
        .spawn_blocking(work)
        .await
        .map_err(|e| io_error("finish file task for", path, io::Error::other(e)))?
}

fn load_file(path: &Path) -> Result<Option<Session>> {
    let mut bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error("read", path, e)),
    };
    let session = Session::from_bytes(&bytes);
    crate::wipe(&mut bytes);
    session.map(Some).map_err(|e| SessionError::CorruptFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}

/// The directory a path's file lives in (`.` for a bare file name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io_error(
            "save to",
            path,
            io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"),
        )
    })?;
    let temp = parent_dir(path).join(format!(
        ".{}.tmp-{}-{}",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));

    let written = write_new_file(&temp, bytes).and_then(|()| {
        fs::rename(&temp, path).map_err(|e| io_error("rename temporary file over", path, e))
    });
    if written.is_err() {
        // Best effort: the temporary file holds key material.
        let _ = fs::remove_file(&temp);
    }
    written?;
    sync_parent(path)
}

/// Create `path` (which must not exist) readable by the owner only, write
/// `bytes` and flush them to disk.
fn write_new_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options
        .open(path)
        .map_err(|e| io_error("create temporary file", path, e))?;
    file.write_all(bytes)
        .map_err(|e| io_error("write temporary file", path, e))?;
    file.sync_all()
        .map_err(|e| io_error("sync temporary file", path, e))
}

/// Make a rename or removal in `path`'s directory durable.
#[cfg(unix)]
fn sync_parent(path: &Path) -> Result<()> {
    let dir = parent_dir(path);
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error("sync directory", dir, e))
}

/// Directories cannot be opened for syncing here; the rename is still atomic.
#[cfg(not(unix))]
fn sync_parent(_path: &Path) -> Result<()> {
    Ok(())
}
